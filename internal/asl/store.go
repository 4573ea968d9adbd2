package asl

import (
	"context"
	"encoding/json"

	"github.com/gasproject/gas/internal/domain"
)

// Store persists executions for the Runner so that a restart resumes them.
// Implementations: internal/sqlite, and MemStore in this package's tests.
// asltest.StoreContract is the contract suite every implementation must pass.
//
// Event ids are assigned by the Runner (1, 2, 3... per execution, in the order
// the events happened); the store keeps them as given.
type Store interface {
	// CreateExecution inserts rec and its first events. If an execution with
	// the same StateMachine and Name exists, nothing is written and that
	// execution is returned with created == false.
	CreateExecution(ctx context.Context, rec Record, events []domain.HistoryEvent) (existing Record, created bool, err error)
	// SaveExecution replaces the stored record (status, output, error, cause,
	// stop time, checkpoint) and appends events, atomically. It fails with
	// domain.ErrNotFound if rec.ID is unknown.
	SaveExecution(ctx context.Context, rec Record, events []domain.HistoryEvent) error
	// GetExecution returns one execution with its checkpoint, or domain.ErrNotFound.
	GetExecution(ctx context.Context, id string) (Record, error)
	// ListExecutions returns executions matching f (see MatchFilter: an empty
	// StateMachine lists top-level executions only), newest StartedAt first
	// (ties by ID), and the cursor of the next page ("" at the end). A zero
	// p.Limit means a default page of 100.
	ListExecutions(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error)
	// UnfinishedExecutions returns every execution whose status is RUNNING,
	// oldest StartedAt first, with checkpoints.
	UnfinishedExecutions(ctx context.Context) ([]Record, error)
	// History returns the execution's events in id order, or domain.ErrNotFound.
	History(ctx context.Context, id string) ([]domain.HistoryEvent, error)
}

// Record is an execution plus where the Runner stands in it. Checkpoint is
// opaque to stores: keep it byte for byte (a JSON document, may be large).
type Record struct {
	domain.Execution
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
}
