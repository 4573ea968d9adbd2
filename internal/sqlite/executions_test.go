package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/asl/asltest"
	"github.com/gasproject/gas/internal/domain"
)

func TestExecutionsContract(t *testing.T) {
	asltest.StoreContract(t, func(t *testing.T) asl.Store { return openTest(t).Executions() })
}

// TestExecutionsSurviveReopen: what the runner resumes after a restart.
func TestExecutionsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gas.db")
	db := openPath(t, path)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	checkpoint := json.RawMessage(`{"state": "WaitRetention",   "wake_at": "2026-05-01T12:03:00Z"}`) // odd spacing kept
	rec := asl.Record{
		Execution:  domain.Execution{ID: "x1", Name: "job-1", StateMachine: domain.MachineAnnotation, Status: domain.ExecRunning, StartedAt: t0},
		Checkpoint: checkpoint,
	}
	started := domain.HistoryEvent{ID: 1, Timestamp: t0, Type: "ExecutionStarted", Input: json.RawMessage(`{"job_id":"job-1"}`)}
	if _, _, err := db.Executions().CreateExecution(ctx, rec, []domain.HistoryEvent{started}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openPath(t, path)
	defer db.Close()
	recs, err := db.Executions().UnfinishedExecutions(ctx)
	if err != nil || len(recs) != 1 {
		t.Fatalf("unfinished after reopen = %+v, %v", recs, err)
	}
	if string(recs[0].Checkpoint) != string(checkpoint) {
		t.Errorf("checkpoint = %s, want byte for byte %s", recs[0].Checkpoint, checkpoint)
	}
	h, err := db.Executions().History(ctx, "x1")
	if err != nil || len(h) != 1 || h[0].Type != "ExecutionStarted" {
		t.Errorf("history after reopen = %+v, %v", h, err)
	}
	// Appending an event id twice is refused, not silently duplicated.
	if err := db.Executions().SaveExecution(ctx, rec, []domain.HistoryEvent{started}); err == nil {
		t.Error("SaveExecution with a repeated event id succeeded")
	}
}
