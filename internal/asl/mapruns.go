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
// MapRunStarted event started (its output names their state machine, name
// prefix and item count), oldest first: item order, cut as
// domain.CutChildren cuts them (limit <= 0: all). Counts cover every child;
// the status is left to the parent's history. An event that is not a map
// run's start gives the zero listing.
func MapRunChildren(ctx context.Context, store Lister, started domain.HistoryEvent, limit int) (domain.MapRunListing, error) {
	var out struct {
		ARN     string `json:"mapRunArn"`
		Machine string `json:"childStateMachine"`
		Prefix  string `json:"childNamePrefix"`
		Length  int    `json:"length"`
	}
	if started.Type != "MapRunStarted" || json.Unmarshal(started.Output, &out) != nil || out.Machine == "" {
		return domain.MapRunListing{}, nil
	}
	var children []domain.Execution
	page := domain.Page{Limit: 1000}
	for {
		list, next, err := store.ListExecutions(ctx, domain.ExecutionFilter{StateMachine: out.Machine, NamePrefix: out.Prefix}, page)
		if err != nil {
			return domain.MapRunListing{}, err
		}
		children = append(children, list...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	slices.Reverse(children) // the store lists newest first
	l := domain.MapRunListing{ARN: out.ARN, Items: out.Length, Counts: domain.CountChildren(children)}
	l.Children, l.Truncated = domain.CutChildren(children, limit)
	return l, nil
}

// MapRunChildren lists a map run's children from the runner's store.
func (r *Runner) MapRunChildren(ctx context.Context, started domain.HistoryEvent, limit int) (domain.MapRunListing, error) {
	return MapRunChildren(ctx, r.cfg.Store, started, limit)
}
