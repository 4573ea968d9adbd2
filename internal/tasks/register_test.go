package tasks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gasproject/gas/statemachines"
)

func TestHandlersTable(t *testing.T) {
	f := newFixture(t)
	hs := f.t.Handlers()
	// Every function the state machines call has a handler, and so has the
	// restore event (no state calls it); nothing else.
	names := []string{statemachines.TaskRestoreEvent}
	for _, fns := range statemachines.Functions {
		for _, fn := range fns {
			names = append(names, fn.Name)
		}
	}
	if len(hs) != len(names) {
		t.Errorf("%d handlers, want %d", len(hs), len(names))
	}
	for _, n := range names {
		if hs[n] == nil {
			t.Errorf("no handler for %s", n)
		}
	}

	// JSON in, JSON out; unknown fields (the rest of the state) are ignored.
	res, err := hs[statemachines.TaskPlan](context.Background(), json.RawMessage(`{"job_id":"j1","user_id":"u1","retention_seconds":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var out PlanOutput
	if err := json.Unmarshal(res, &out); err != nil || out.JobID != "j1" || out.ManifestKey == "" || out.Shards != 1 {
		t.Errorf("result %s (%v)", res, err)
	}

	if _, err := hs[statemachines.TaskArchiveIfFree](context.Background(), json.RawMessage(`{"job_id":`)); err == nil || !strings.Contains(err.Error(), "decode task payload") {
		t.Errorf("bad payload: %v", err)
	}

	if _, err := f.t.HandlerFor("nope"); err == nil {
		t.Error("HandlerFor(nope) succeeded")
	}
}
