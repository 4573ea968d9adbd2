package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestFindMapRuns(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:1:mapRun:Annotation/Shards:r1"
	started := domain.HistoryEvent{Type: "MapRunStarted", StateName: "ShardMap", Output: json.RawMessage(`{"mapRunArn":"` + arn + `"}`)}
	failed := domain.HistoryEvent{Type: "MapRunFailed", StateName: "ShardMap", Error: "States.ExceedToleratedFailureThreshold", Cause: "2 failed"}
	kids := []domain.Execution{{Name: "a", Status: domain.ExecFailed}, {Name: "b", Status: domain.ExecSucceeded}}
	tests := []struct {
		name     string
		events   []domain.HistoryEvent
		listing  domain.MapRunListing
		err      error
		want     MapRun
		wantFail bool
	}{
		{"running, the engine's counts and items (AWS's event has no length)", []domain.HistoryEvent{started},
			domain.MapRunListing{ARN: arn, Status: "RUNNING", Items: 5, Counts: map[string]int{"RUNNING": 3, "FAILED": 1}, Children: kids, Truncated: true},
			nil, MapRun{ARN: arn, State: "ShardMap", Status: "RUNNING", Items: 5, Started: 4, Counts: map[string]int{"RUNNING": 3, "FAILED": 1}, ChildrenTruncated: true}, false},
		{"the events' outcome stands over an engine still saying RUNNING", []domain.HistoryEvent{started, failed},
			domain.MapRunListing{ARN: arn, Status: "RUNNING", Counts: domain.CountChildren(kids), Children: kids},
			nil, MapRun{ARN: arn, State: "ShardMap", Status: "FAILED", Error: failed.Error, Cause: failed.Cause, Started: 2, Counts: map[string]int{"FAILED": 1, "SUCCEEDED": 1}}, false},
		{"the engine's outcome when the events have none (an aborted run)", []domain.HistoryEvent{started},
			domain.MapRunListing{ARN: arn, Status: "ABORTED", Counts: map[string]int{}},
			nil, MapRun{ARN: arn, State: "ShardMap", Status: "ABORTED", Counts: map[string]int{}}, false},
		{"aborted by event", []domain.HistoryEvent{started, {Type: "MapRunAborted", StateName: "ShardMap"}},
			domain.MapRunListing{}, nil, MapRun{ARN: arn, State: "ShardMap", Status: "ABORTED", Counts: map[string]int{}}, false},
		{"a run the engine forgot: no children, no error", []domain.HistoryEvent{started, failed},
			domain.MapRunListing{}, fmt.Errorf("describe map run: %w", domain.ErrNotFound),
			MapRun{ARN: arn, State: "ShardMap", Status: "FAILED", Error: failed.Error, Cause: failed.Cause, Counts: map[string]int{}}, false},
		{"another error fails", []domain.HistoryEvent{started}, domain.MapRunListing{}, errors.New("AccessDenied"), MapRun{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs, err := FindMapRuns(context.Background(), func(_ context.Context, ev domain.HistoryEvent) (domain.MapRunListing, error) {
				if ev.Type != "MapRunStarted" {
					t.Errorf("children asked for a %s event", ev.Type)
				}
				return tc.listing, tc.err
			}, tc.events)
			if tc.wantFail {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil || len(runs) != 1 {
				t.Fatalf("runs %+v, err %v", runs, err)
			}
			got := runs[0]
			if len(got.Children) != len(tc.listing.Children) {
				t.Errorf("children %+v, want %+v", got.Children, tc.listing.Children)
			}
			got.Children = nil
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("run\n %+v\nwant\n %+v", got, tc.want)
			}
			if got.Count(domain.ExecFailed) != tc.want.Counts[domain.ExecFailed] {
				t.Errorf("Count(FAILED) = %d", got.Count(domain.ExecFailed))
			}
		})
	}
}

// TestChildOwnerByParent: a map run's child that Step Functions named (a
// random id) belongs to the owner of the execution the engine says started
// it; a child claiming another child as parent belongs to nobody.
func TestChildOwnerByParent(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.addJob(t, domain.Job{ID: "job1", UserID: "u1", Status: domain.StatusRunning})
	parent, _ := f.wf.Start(ctx, domain.MachineAnnotation, "job1", nil)
	restore, _ := f.wf.Start(ctx, domain.MachineRestore, RestoreExecutionPrefix("p1")+"evt1", nil)
	child := func(name, parent string) string {
		id, _ := f.wf.Start(ctx, domain.MachineAnnotation+"/Shards", name, nil)
		e := f.wf.execs[id]
		e.Parent = parent
		f.wf.execs[id] = e
		return id
	}
	shard := child("0b7d3c55-9e61", parent)
	restoreChild := child("9e61-2a8d", restore)
	grandchild := child("2a8d-5b7c", shard)
	orphan := child("5b7c-0f13", "arn:gone")
	for _, tc := range []struct {
		id, viewer string
		ok         bool
	}{
		{shard, "u1", true}, {shard, "p1", false}, {shard, "a1", true},
		{restoreChild, "p1", true}, {restoreChild, "u1", false},
		{grandchild, "u1", false}, {orphan, "u1", false}, {orphan, "a1", true},
	} {
		_, _, err := f.s.Execution(ctx, f.profile(t, tc.viewer), tc.id)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, domain.ErrNotFound)) {
			t.Errorf("Execution(%s) for %s: err = %v, want ok=%v", tc.id, tc.viewer, err, tc.ok)
		}
	}
}
