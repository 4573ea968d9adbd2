// Package asltest holds the contract suite that every asl.Store
// implementation runs in its own tests:
//
//	func TestStoreContract(t *testing.T) {
//		asltest.StoreContract(t, func(t *testing.T) asl.Store { return newStore(t) })
//	}
package asltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// StoreContract checks the behaviour the Runner relies on. newStore must
// return an empty store for each call.
func StoreContract(t *testing.T, newStore func(t *testing.T) asl.Store) {
	t.Run("create is idempotent by machine and name", func(t *testing.T) { contractCreate(t, newStore(t)) })
	t.Run("save replaces record and appends events", func(t *testing.T) { contractSave(t, newStore(t)) })
	t.Run("unfinished lists running oldest first", func(t *testing.T) { contractUnfinished(t, newStore(t)) })
	t.Run("list filters and pages newest first", func(t *testing.T) { contractList(t, newStore(t)) })
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

func rec(id, machine, name string, started time.Time) asl.Record {
	return asl.Record{
		Execution: domain.Execution{
			ID: id, Name: name, StateMachine: machine, Status: domain.ExecRunning,
			StartedAt: started, Input: json.RawMessage(`{"job_id":"` + name + `"}`),
		},
		Checkpoint: json.RawMessage(`{"pos":1}`),
	}
}

func ev(id int64, typ string, at time.Time) domain.HistoryEvent {
	return domain.HistoryEvent{ID: id, PreviousEventID: id - 1, Timestamp: at, Type: typ,
		StateName: "S", Input: json.RawMessage(`{"a":1}`), Output: json.RawMessage(`{"b":2}`)}
}

// contractCreate: create is idempotent by machine and name.
func contractCreate(t *testing.T, s asl.Store) {
	r := rec("e1", "annotation", "job-1", t0)
	got, created, err := s.CreateExecution(ctx, r, []domain.HistoryEvent{ev(1, "ExecutionStarted", t0)})
	if err != nil || !created || got.ID != "e1" {
		t.Fatalf("first create = %+v, %v, %v", got, created, err)
	}
	again := rec("e2", "annotation", "job-1", t0.Add(time.Second))
	got, created, err = s.CreateExecution(ctx, again, nil)
	if err != nil || created || got.ID != "e1" {
		t.Fatalf("second create = id %q, created %v, err %v; want existing e1", got.ID, created, err)
	}
	if _, err := s.GetExecution(ctx, "e2"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("duplicate was stored: %v", err)
	}
	// the same name under another machine is another execution
	if _, created, err := s.CreateExecution(ctx, rec("e3", "restore", "job-1", t0), nil); err != nil || !created {
		t.Fatalf("other machine: created %v err %v", created, err)
	}
}

// contractSave: save replaces record and appends events.
func contractSave(t *testing.T, s asl.Store) {
	r := rec("e1", "annotation", "job-1", t0)
	if _, _, err := s.CreateExecution(ctx, r, []domain.HistoryEvent{ev(1, "ExecutionStarted", t0)}); err != nil {
		t.Fatal(err)
	}
	r.Checkpoint = json.RawMessage(`{"pos":2}`)
	if err := s.SaveExecution(ctx, r, []domain.HistoryEvent{ev(2, "TaskStateEntered", t0), ev(3, "TaskScheduled", t0)}); err != nil {
		t.Fatal(err)
	}
	r.Status, r.StoppedAt = domain.ExecFailed, t0.Add(time.Minute)
	r.Error, r.Cause, r.Output = "States.TaskFailed", "boom", json.RawMessage(`{"x":1}`)
	if err := s.SaveExecution(ctx, r, []domain.HistoryEvent{ev(4, "ExecutionFailed", t0.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetExecution(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.ExecFailed || got.Error != "States.TaskFailed" || got.Cause != "boom" ||
		!got.StoppedAt.Equal(r.StoppedAt) || !got.StartedAt.Equal(t0) || !jsonEqual(got.Output, r.Output) ||
		!jsonEqual(got.Input, r.Input) || !jsonEqual(got.Checkpoint, r.Checkpoint) {
		t.Fatalf("record = %+v, want %+v", got, r)
	}
	h, err := s.History(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, e := range h {
		types = append(types, e.Type)
		if e.ID != int64(i+1) {
			t.Errorf("event %d has id %d", i, e.ID)
		}
	}
	if fmt.Sprint(types) != "[ExecutionStarted TaskStateEntered TaskScheduled ExecutionFailed]" {
		t.Fatalf("history types = %v", types)
	}
	want := ev(2, "TaskStateEntered", t0)
	if g := h[1]; g.PreviousEventID != want.PreviousEventID || !g.Timestamp.Equal(want.Timestamp) ||
		g.StateName != "S" || !jsonEqual(g.Input, want.Input) || !jsonEqual(g.Output, want.Output) {
		t.Fatalf("event = %+v, want %+v", g, want)
	}
	if err := s.SaveExecution(ctx, rec("nope", "annotation", "x", t0), nil); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("save unknown: %v, want ErrNotFound", err)
	}
	if _, err := s.History(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("history unknown: %v, want ErrNotFound", err)
	}
}

// contractUnfinished: unfinished lists running oldest first.
func contractUnfinished(t *testing.T, s asl.Store) {
	for i, name := range []string{"b", "a", "c"} {
		if _, _, err := s.CreateExecution(ctx, rec("e-"+name, "annotation", name, t0.Add(time.Duration(2-i)*time.Second)), nil); err != nil {
			t.Fatal(err)
		}
	}
	done := rec("e-a", "annotation", "a", t0.Add(time.Second))
	done.Status = domain.ExecSucceeded
	if err := s.SaveExecution(ctx, done, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.UnfinishedExecutions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "e-c" || got[1].ID != "e-b" || !jsonEqual(got[0].Checkpoint, done.Checkpoint) {
		t.Fatalf("unfinished = %+v", got)
	}
}

// contractList: list filters and pages newest first.
func contractList(t *testing.T, s asl.Store) {
	for i := range 7 {
		machine := domain.MachineAnnotation
		if i%3 == 0 {
			machine = domain.MachineRestore
		}
		if _, _, err := s.CreateExecution(ctx, rec(fmt.Sprintf("e%d", i), machine, fmt.Sprintf("job-%d", i), t0.Add(time.Duration(i)*time.Minute)), nil); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	annotation := func(p domain.Page) ([]domain.Execution, string, error) {
		return s.ListExecutions(ctx, domain.ExecutionFilter{StateMachine: domain.MachineAnnotation}, p)
	}
	for _, e := range domaintest.ListAll(t, 2, annotation) {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[e5 e4 e2 e1]" {
		t.Fatalf("annotation executions = %v, want [e5 e4 e2 e1]", ids)
	}
	got, _, err := s.ListExecutions(ctx, domain.ExecutionFilter{NamePrefix: "job-3"}, domain.Page{})
	if err != nil || len(got) != 1 || got[0].ID != "e3" {
		t.Fatalf("name prefix: %+v, %v", got, err)
	}
	got, _, err = s.ListExecutions(ctx, domain.ExecutionFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, domain.Page{})
	if err != nil || len(got) != 2 || got[0].ID != "e3" || got[1].ID != "e2" {
		t.Fatalf("since/until: %+v, %v", got, err)
	}
	got, _, err = s.ListExecutions(ctx, domain.ExecutionFilter{Status: domain.ExecSucceeded}, domain.Page{})
	if err != nil || len(got) != 0 {
		t.Fatalf("status filter: %+v, %v", got, err)
	}
	// A Distributed Map's child is listed only under its own machine.
	child := domain.MachineAnnotation + "/Shards"
	if _, _, err := s.CreateExecution(ctx, rec("e-child", child, "job-3:0", t0.Add(time.Hour)), nil); err != nil {
		t.Fatal(err)
	}
	got, _, err = s.ListExecutions(ctx, domain.ExecutionFilter{NamePrefix: "job-3"}, domain.Page{})
	if err != nil || len(got) != 1 || got[0].ID != "e3" {
		t.Fatalf("children listed without their machine: %+v, %v", got, err)
	}
	got, _, err = s.ListExecutions(ctx, domain.ExecutionFilter{StateMachine: child, NamePrefix: "job-3:"}, domain.Page{})
	if err != nil || len(got) != 1 || got[0].ID != "e-child" {
		t.Fatalf("children by machine: %+v, %v", got, err)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
