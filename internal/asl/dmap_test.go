package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// objects is an in-memory object store for ItemReader.
type objects map[string]string

func (o objects) Get(_ context.Context, key string) (io.ReadCloser, error) {
	s, ok := o[key]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

const dmapDef = `{"StartAt":"M","States":{"M":{"Type":"Map",
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key.$":"$.key"}},
	"ItemSelector":{"job.$":"$.job","item.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index"},
	"MaxConcurrencyPath":"$.limit", TOLERANCE "Label":"Parts",
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
		"W":{"Type":"Wait","SecondsPath":"$.item.wait","Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"t","Payload.$":"$"},"ResultSelector":{"v.$":"$.Payload.item.id","job.$":"$.Payload.job"},"End":true}}},
	"ResultPath":"$.out","End":true}}}`

func dmapRunner(t *testing.T, store Store, def string, h Handler) *Runner {
	t.Helper()
	return runnerFor(t, Config{Store: store, Machines: map[string]*Machine{"m": mustLoad(t, def)}, Handlers: map[string]Handler{"t": h},
		Objects: objects{"items.json": `[{"id":"a","wait":1},{"id":"b","wait":100},{"id":"c","wait":2},{"id":"d","wait":3}]`}})
}

func TestDistributedMapRunsChildExecutions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		running, peak := 0, 0
		h := func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			running--
			mu.Unlock()
			return p, nil
		}
		store := NewMemStore()
		r := dmapRunner(t, store, strings.Replace(dmapDef, "TOLERANCE", "", 1), h)
		defer r.Close()
		ctx := context.Background()
		id, err := r.Start(ctx, "m", "job-1", json.RawMessage(`{"key":"items.json","job":"j","limit":2}`))
		if err != nil {
			t.Fatal(err)
		}
		e, _ := r.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded {
			t.Fatalf("status %s %s %s", e.Status, e.Error, e.Cause)
		}
		jsonEq(t, e.Output, `{"key":"items.json","job":"j","limit":2,"out":[{"v":"a","job":"j"},{"v":"b","job":"j"},{"v":"c","job":"j"},{"v":"d","job":"j"}]}`)
		if peak > 2 {
			t.Errorf("%d children ran at once, MaxConcurrencyPath says 2", peak)
		}
		h2, _ := r.History(ctx, id)
		if got := types(h2); got != "ExecutionStarted MapStateEntered:M MapRunStarted:M MapRunSucceeded:M MapStateExited:M ExecutionSucceeded" {
			t.Errorf("parent history: %s", got)
		}
		kids, _, err := r.List(ctx, domain.ExecutionFilter{StateMachine: "m/Parts", NamePrefix: "job-1:"}, domain.Page{})
		if err != nil || len(kids) != 4 {
			t.Fatalf("children: %d, %v", len(kids), err)
		}
		for _, k := range kids {
			hk, _ := r.History(ctx, k.ID)
			if k.Status != domain.ExecSucceeded || !strings.HasPrefix(types(hk), "ExecutionStarted WaitStateEntered:W") || !strings.HasSuffix(types(hk), "ExecutionSucceeded") {
				t.Errorf("child %s %s: %s", k.Name, k.Status, types(hk))
			}
		}
		if top, _, _ := r.List(ctx, domain.ExecutionFilter{StateMachine: "m"}, domain.Page{}); len(top) != 1 {
			t.Errorf("machine m lists %d executions, want the parent only", len(top))
		}
	})
}

func TestDistributedMapToleratedFailures(t *testing.T) {
	tests := []struct {
		name, tolerance string
		want            string // status
	}{
		{"percentage 0: one failure fails the run", `"ToleratedFailurePercentage":0,`, domain.ExecFailed},
		{"count 1: one failure tolerated", `"ToleratedFailureCount":1,`, domain.ExecSucceeded},
		{"percentage 25: one of four tolerated", `"ToleratedFailurePercentage":25,`, domain.ExecSucceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
					if bytes.Contains(p, []byte(`"id":"c"`)) {
						return nil, namedErr{"BadShard", "c is broken"}
					}
					return p, nil
				}
				r := dmapRunner(t, NewMemStore(), strings.Replace(dmapDef, "TOLERANCE", tc.tolerance, 1), h)
				defer r.Close()
				ctx := context.Background()
				id, _ := r.Start(ctx, "m", "job-1", json.RawMessage(`{"key":"items.json","job":"j","limit":0}`))
				e, _ := r.Wait(ctx, id)
				if e.Status != tc.want {
					t.Fatalf("status %s %s %s", e.Status, e.Error, e.Cause)
				}
				h2, _ := r.History(ctx, id)
				if tc.want == domain.ExecFailed {
					if e.Error != ErrExceedToleratedMap || !strings.Contains(e.Cause, "c is broken") || !strings.Contains(types(h2), "MapRunFailed:M") {
						t.Errorf("error %s %s; history %s", e.Error, e.Cause, types(h2))
					}
					kids, _, _ := r.List(ctx, domain.ExecutionFilter{StateMachine: "m/Parts"}, domain.Page{})
					aborted := 0
					for _, k := range kids {
						if k.Status == domain.ExecAborted {
							aborted++
						}
					}
					if aborted == 0 { // b waits 100 s: it is still running when c fails
						t.Errorf("no child aborted: %+v", kids)
					}
				}
			})
		})
	}
}

func TestDistributedMapResumesEachItemOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCalls()
		h := c.wrap("t", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) { return p, nil })
		store := NewMemStore()
		def := strings.Replace(dmapDef, "TOLERANCE", "", 1)
		ctx := context.Background()
		r1 := dmapRunner(t, store, def, h)
		id, _ := r1.Start(ctx, "m", "job-1", json.RawMessage(`{"key":"items.json","job":"j","limit":4}`))
		time.Sleep(50 * time.Second) // a, c, d done; b waits until 100 s
		r1.Close()
		if c.count("t") != 3 {
			t.Fatalf("before restart t ran %d times, want 3", c.count("t"))
		}
		r2 := dmapRunner(t, store, def, h)
		defer r2.Close()
		if err := r2.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		e, _ := r2.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded || c.count("t") != 4 {
			t.Fatalf("status %s %s, t ran %d times, want 4", e.Status, e.Cause, c.count("t"))
		}
		jsonEq(t, e.Output, `{"key":"items.json","job":"j","limit":4,"out":[{"v":"a","job":"j"},{"v":"b","job":"j"},{"v":"c","job":"j"},{"v":"d","job":"j"}]}`)
		hb, _ := r2.History(ctx, ExecutionID("m/Parts", "job-1:1"))
		if n := strings.Count(types(hb), "ExecutionStarted"); n != 1 || !strings.Contains(types(hb), "WaitStateExited:W") {
			t.Errorf("resumed child history: %s", types(hb))
		}
	})
}

func TestDistributedMapLoadErrors(t *testing.T) {
	base := strings.Replace(dmapDef, "TOLERANCE", "", 1)
	tests := []struct{ name, from, to, want string }{
		{"EXPRESS children", `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, "must be STANDARD"},
		{"reader resource", `s3:getObject`, `s3:listObjectsV2`, "only arn:aws:states:::s3:getObject"},
		{"CSV input", `"InputType":"JSON"`, `"InputType":"CSV"`, "only JSON"},
		{"inline with a reader", `"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"`, `"Mode":"INLINE"`, "only a Map with ProcessorConfig.Mode DISTRIBUTED"},
		{"both concurrencies", `"MaxConcurrencyPath":"$.limit"`, `"MaxConcurrencyPath":"$.limit","MaxConcurrency":3`, "cannot be given with MaxConcurrency"},
		{"result writer", `"Label":"Parts"`, `"Label":"Parts","ResultWriter":{}`, "ResultWriter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(strings.Replace(base, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewRunner(Config{Store: NewMemStore(), Machines: map[string]*Machine{"m": mustLoad(t, base)}, Handlers: map[string]Handler{"t": nil}}); err == nil || !strings.Contains(err.Error(), "Config.Objects") {
		t.Fatalf("NewRunner without Objects: %v", err)
	}
}

// Failures before a restart count against the tolerance after it: item c
// fails before the restart, item b after it, and with one tolerated failure
// the run must fail; MapRunSucceeded/Failed report both.
func TestDistributedMapCountsFailuresAcrossRestart(t *testing.T) {
	tests := []struct {
		name      string
		failB     bool
		want      string
		wantCount string // in the map run's closing event
	}{
		{"one failure before the restart is still counted", false, domain.ExecSucceeded, `"failed":1`},
		{"one before and one after exceed a tolerance of one", true, domain.ExecFailed, "2 of 4 items failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
					if bytes.Contains(p, []byte(`"id":"c"`)) || (tc.failB && bytes.Contains(p, []byte(`"id":"b"`))) {
						return nil, namedErr{"BadShard", "broken"}
					}
					return p, nil
				}
				store := NewMemStore()
				def := strings.Replace(dmapDef, "TOLERANCE", `"ToleratedFailureCount":1,`, 1)
				ctx := context.Background()
				r1 := dmapRunner(t, store, def, h)
				id, _ := r1.Start(ctx, "m", "job-1", json.RawMessage(`{"key":"items.json","job":"j","limit":4}`))
				time.Sleep(50 * time.Second) // a, d done and c failed; b waits until 100 s
				r1.Close()
				r2 := dmapRunner(t, store, def, h)
				defer r2.Close()
				if err := r2.Resume(ctx); err != nil {
					t.Fatal(err)
				}
				e, _ := r2.Wait(ctx, id)
				if e.Status != tc.want {
					t.Fatalf("status %s %s %s, want %s", e.Status, e.Error, e.Cause, tc.want)
				}
				hist, _ := r2.History(ctx, id)
				var closing string
				for _, ev := range hist {
					if ev.Type == "MapRunSucceeded" || ev.Type == "MapRunFailed" {
						closing = string(ev.Output) + ev.Cause
					}
				}
				if !strings.Contains(closing, tc.wantCount) {
					t.Errorf("map run's closing event %q lacks %q", closing, tc.wantCount)
				}
			})
		})
	}
}
