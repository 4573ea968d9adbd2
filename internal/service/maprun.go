package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// MaxMapRunChildren bounds the child executions a history lists per map
// run (domain.MapRunListing: the newest, and the unsuccessful ones).
const MaxMapRunChildren = 1000

// MapRun is one Distributed Map run of an execution (a MapRunStarted event)
// and its child executions, one per item, oldest first.
type MapRun struct {
	ARN    string `json:"map_run_arn"`
	State  string `json:"state"`  // the Map state's name
	Status string `json:"status"` // RUNNING, SUCCEEDED, FAILED or ABORTED
	Error  string `json:"error,omitempty"`
	Cause  string `json:"cause,omitempty"`
	Items  int    `json:"items"` // items the run was given (0 when unknown)
	// Started counts the child executions started, Counts them by status:
	// all of them, also those Children leaves out.
	Started int            `json:"started"`
	Counts  map[string]int `json:"counts"`
	// Children are the child executions started so far, at most
	// MaxMapRunChildren: when there are more (ChildrenTruncated), the
	// newest and every one that failed, timed out or was aborted.
	Children          []domain.Execution `json:"children"`
	ChildrenTruncated bool               `json:"children_truncated,omitempty"`
}

// Count is the number of children with status (e.g. domain.ExecSucceeded).
func (r MapRun) Count(status string) int { return r.Counts[status] }

// MapRunLister is the optional capability of a domain.Workflow to list the
// children of the map run a MapRunStarted event started, at most limit of
// them (asl.Runner and sfnflow.Workflow). A workflow without it shows its
// map runs without children.
type MapRunLister interface {
	MapRunChildren(ctx context.Context, started domain.HistoryEvent, limit int) (domain.MapRunListing, error)
}

// ChildrenFunc lists a map run's children (MapRunLister.MapRunChildren with
// the limit chosen).
type ChildrenFunc func(ctx context.Context, started domain.HistoryEvent) (domain.MapRunListing, error)

// FindMapRuns gives the map runs of a history: each MapRunStarted, its
// outcome (the engine's status of the run, else the MapRunSucceeded,
// MapRunFailed or MapRunAborted of the same state after it) and its children
// as children lists them (nil: none listed). A map run the engine no longer
// has (domain.ErrNotFound) is shown without children.
func FindMapRuns(ctx context.Context, children ChildrenFunc, events []domain.HistoryEvent) ([]MapRun, error) {
	var runs []MapRun
	engine := map[int]string{} // run index -> the engine's status
	for _, ev := range events {
		switch ev.Type {
		case "MapRunStarted":
			var out struct {
				ARN    string `json:"mapRunArn"`
				Length int    `json:"length"`
			}
			_ = json.Unmarshal(ev.Output, &out) // AWS's event names no length: 0
			r := MapRun{ARN: out.ARN, State: ev.StateName, Status: domain.ExecRunning, Items: out.Length, Counts: map[string]int{}}
			if children != nil {
				l, err := children(ctx, ev)
				switch {
				case errors.Is(err, domain.ErrNotFound):
				case err != nil:
					return nil, fmt.Errorf("children of map run %s: %w", out.ARN, err)
				default:
					r.Children, r.ChildrenTruncated, r.Started = l.Children, l.Truncated, l.Started()
					if l.Counts != nil {
						r.Counts = l.Counts
					}
					if l.ARN != "" {
						r.ARN = l.ARN
					}
					if l.Items > 0 {
						r.Items = l.Items
					}
					if l.Status != "" {
						engine[len(runs)] = l.Status
					}
				}
			}
			runs = append(runs, r)
		case "MapRunSucceeded", "MapRunFailed", "MapRunAborted":
			for i := len(runs) - 1; i >= 0; i-- {
				if r := &runs[i]; r.State == ev.StateName && r.Status == domain.ExecRunning {
					r.Status, r.Error, r.Cause = strings.ToUpper(strings.TrimPrefix(ev.Type, "MapRun")), ev.Error, ev.Cause
					break
				}
			}
		}
	}
	for i, status := range engine { // the events have not told the outcome yet
		if runs[i].Status == domain.ExecRunning {
			runs[i].Status = status
		}
	}
	return runs, nil
}

// MapRuns lists the map runs of an execution the viewer was shown (by
// JobHistory or Execution), with their children where the workflow lists
// them (at most MaxMapRunChildren each).
func (s *Service) MapRuns(ctx context.Context, events []domain.HistoryEvent) ([]MapRun, error) {
	var children ChildrenFunc
	if l, ok := s.ports.Workflow.(MapRunLister); ok {
		children = func(ctx context.Context, ev domain.HistoryEvent) (domain.MapRunListing, error) {
			return l.MapRunChildren(ctx, ev, MaxMapRunChildren)
		}
	}
	return FindMapRuns(ctx, children, events)
}

// shardJob is the job of a map run child of the annotation machine, named
// "<job>:<item>" or, for a later run of the map, "<job>-<n>:<item>".
func (s *Service) shardJob(ctx context.Context, name string) (domain.Job, bool) {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok {
		return domain.Job{}, false
	}
	if j, err := s.ports.Jobs.Get(ctx, prefix); err == nil {
		return j, true
	}
	if i := strings.LastIndexByte(prefix, '-'); i > 0 && strings.Trim(prefix[i+1:], "0123456789") == "" {
		if j, err := s.ports.Jobs.Get(ctx, prefix[:i]); err == nil {
			return j, true
		}
	}
	return domain.Job{}, false
}
