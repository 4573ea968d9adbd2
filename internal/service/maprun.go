package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// MapRun is one Distributed Map run of an execution (a MapRunStarted event)
// and its child executions, one per item, oldest first.
type MapRun struct {
	ARN    string `json:"map_run_arn"`
	State  string `json:"state"`  // the Map state's name
	Status string `json:"status"` // RUNNING, SUCCEEDED or FAILED (MapRunSucceeded/MapRunFailed)
	Error  string `json:"error,omitempty"`
	Cause  string `json:"cause,omitempty"`
	Items  int    `json:"items"` // items the run was given (0 when the event does not say)
	// Children are the child executions started so far.
	Children []domain.Execution `json:"children"`
}

// Count is the number of children with status (e.g. domain.ExecSucceeded).
func (r MapRun) Count(status string) int {
	n := 0
	for _, c := range r.Children {
		if c.Status == status {
			n++
		}
	}
	return n
}

// MapRunLister is the optional capability of a domain.Workflow to list the
// children of the map run a MapRunStarted event started (the local runner,
// asl.Runner.MapRunChildren). A workflow without it shows its map runs
// without children.
type MapRunLister interface {
	MapRunChildren(ctx context.Context, started domain.HistoryEvent) (mapRunARN string, children []domain.Execution, err error)
}

// ChildrenFunc lists a map run's children (MapRunLister.MapRunChildren).
type ChildrenFunc func(ctx context.Context, started domain.HistoryEvent) (string, []domain.Execution, error)

// FindMapRuns gives the map runs of a history: each MapRunStarted, its
// outcome (the MapRunSucceeded or MapRunFailed of the same state after it)
// and its children as children lists them (nil: none listed).
func FindMapRuns(ctx context.Context, children ChildrenFunc, events []domain.HistoryEvent) ([]MapRun, error) {
	var runs []MapRun
	for _, ev := range events {
		switch ev.Type {
		case "MapRunStarted":
			var out struct {
				ARN    string `json:"mapRunArn"`
				Length int    `json:"length"`
			}
			_ = json.Unmarshal(ev.Output, &out) // AWS's event names no length: 0
			r := MapRun{ARN: out.ARN, State: ev.StateName, Status: domain.ExecRunning, Items: out.Length}
			if children != nil {
				arn, kids, err := children(ctx, ev)
				if err != nil {
					return nil, fmt.Errorf("children of map run %s: %w", out.ARN, err)
				}
				r.Children = kids
				if arn != "" {
					r.ARN = arn
				}
			}
			runs = append(runs, r)
		case "MapRunSucceeded", "MapRunFailed":
			for i := len(runs) - 1; i >= 0; i-- {
				if r := &runs[i]; r.State == ev.StateName && r.Status == domain.ExecRunning {
					r.Status, r.Error, r.Cause = strings.ToUpper(strings.TrimPrefix(ev.Type, "MapRun")), ev.Error, ev.Cause
					break
				}
			}
		}
	}
	return runs, nil
}

// MapRuns lists the map runs of an execution the viewer was shown (by
// JobHistory or Execution), with their children where the workflow lists them.
func (s *Service) MapRuns(ctx context.Context, events []domain.HistoryEvent) ([]MapRun, error) {
	var children ChildrenFunc
	if l, ok := s.ports.Workflow.(MapRunLister); ok {
		children = l.MapRunChildren
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
