package asl

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/gasproject/gas/internal/domain"
)

// Lister lists stored executions (a Store does).
type Lister interface {
	ListExecutions(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error)
}

// MapRunChildren lists the child executions of the map run that a
// MapRunStarted event started (its output names their state machine and
// name prefix), oldest first: item order. arn is "" for an event that is
// not a map run's start.
func MapRunChildren(ctx context.Context, store Lister, started domain.HistoryEvent) (arn string, children []domain.Execution, err error) {
	var out struct {
		ARN     string `json:"mapRunArn"`
		Machine string `json:"childStateMachine"`
		Prefix  string `json:"childNamePrefix"`
	}
	if started.Type != "MapRunStarted" || json.Unmarshal(started.Output, &out) != nil || out.Machine == "" {
		return "", nil, nil
	}
	page := domain.Page{Limit: 1000}
	for {
		list, next, err := store.ListExecutions(ctx, domain.ExecutionFilter{StateMachine: out.Machine, NamePrefix: out.Prefix}, page)
		if err != nil {
			return "", nil, err
		}
		children = append(children, list...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	slices.Reverse(children) // the store lists newest first
	return out.ARN, children, nil
}

// MapRunChildren lists a map run's children from the runner's store.
func (r *Runner) MapRunChildren(ctx context.Context, started domain.HistoryEvent) (string, []domain.Execution, error) {
	return MapRunChildren(ctx, r.cfg.Store, started)
}
