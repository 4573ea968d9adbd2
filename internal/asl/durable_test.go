package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

const waitMachine = `{"StartAt":"A","States":{
	"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"a","Payload.$":"$"},"ResultPath":null,"Next":"W"},
	"W":{"Type":"Wait","SecondsPath":"$.retention_seconds","Next":"B"},
	"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"b","Payload.$":"$"},"ResultSelector":{"b.$":"$.Payload"},"ResultPath":"$.b","End":true}}}`

func okHandler(v string) Handler {
	return func(context.Context, json.RawMessage) (json.RawMessage, error) { return json.Marshal(v) }
}

func TestHistoryMatchesAWSSequence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, h := runOnce(t, `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"k.$":"$.k"}},"ResultSelector":{"v.$":"$.Payload"},"Next":"P"},
			"P":{"Type":"Pass","Next":"D"},"D":{"Type":"Succeed"}}}`, map[string]Handler{"f": okHandler("out")}, `{"k":1}`)
		if e.Status != domain.ExecSucceeded || e.StoppedAt.IsZero() {
			t.Fatalf("execution %+v", e)
		}
		want := []struct{ typ, state, input, output string }{
			{"ExecutionStarted", "", `{"k":1}`, ""},
			{"TaskStateEntered", "T", `{"k":1}`, ""},
			{"TaskScheduled", "T", `{"FunctionName":"f","Payload":{"k":1}}`, ""},
			{"TaskStarted", "T", "", ""},
			{"TaskSucceeded", "T", "", `{"ExecutedVersion":"$LATEST","Payload":"out","StatusCode":200}`},
			{"TaskStateExited", "T", "", `{"v":"out"}`},
			{"PassStateEntered", "P", `{"v":"out"}`, ""},
			{"PassStateExited", "P", "", `{"v":"out"}`},
			{"SucceedStateEntered", "D", `{"v":"out"}`, ""},
			{"SucceedStateExited", "D", "", `{"v":"out"}`},
			{"ExecutionSucceeded", "", "", `{"v":"out"}`},
		}
		if len(h) != len(want) {
			t.Fatalf("history %s", types(h))
		}
		for i, w := range want {
			g := h[i]
			if g.ID != int64(i+1) || g.Type != w.typ || g.StateName != w.state || (i > 0 && g.PreviousEventID != int64(i)) || g.Timestamp.IsZero() {
				t.Errorf("event %d = %+v, want %s %s prev %d", i, g, w.typ, w.state, i)
			}
			if w.input != "" {
				jsonEq(t, g.Input, w.input)
			}
			if w.output != "" {
				jsonEq(t, g.Output, w.output)
			}
		}
		if h[2].Resource != LambdaInvoke {
			t.Errorf("TaskScheduled resource %q", h[2].Resource)
		}
	})
}

func TestDuplicateStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemStore()
		c := newCalls()
		r := newTestRunner(t, store, map[string]*Machine{"m": mustLoad(t, waitMachine)},
			map[string]Handler{"a": c.wrap("a", okHandler("a")), "b": c.wrap("b", okHandler("b"))})
		defer r.Close()
		ctx := context.Background()
		in := json.RawMessage(`{"job_id":"j1","retention_seconds":5}`)
		var wg sync.WaitGroup
		ids := make([]string, 5)
		for i := range ids {
			wg.Go(func() {
				id, err := r.Start(ctx, "m", "j1", in)
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("ids differ: %v", ids)
			}
		}
		// same input, other key order and spacing: still the same execution
		if id, err := r.Start(ctx, "m", "j1", json.RawMessage(`{ "retention_seconds":5, "job_id":"j1" }`)); err != nil || id != ids[0] {
			t.Fatalf("restart with equal input: %q %v", id, err)
		}
		if _, err := r.Start(ctx, "m", "j1", json.RawMessage(`{"job_id":"j1","retention_seconds":6}`)); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("other input: err %v, want ErrConflict", err)
		}
		e, _ := r.Wait(ctx, ids[0])
		if e.Status != domain.ExecSucceeded || c.count("a") != 1 || c.count("b") != 1 {
			t.Fatalf("status %s, a ran %d times, b %d", e.Status, c.count("a"), c.count("b"))
		}
		if id, err := r.Start(ctx, "m", "j1", in); err != nil || id != ids[0] {
			t.Fatalf("start after the end: %q %v", id, err)
		}
		time.Sleep(time.Minute)
		if c.count("a") != 1 {
			t.Fatalf("a ran again")
		}
		list, _, err := r.List(ctx, domain.ExecutionFilter{StateMachine: "m"}, domain.Page{})
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		for _, bad := range []string{"", "has space", "a/b", strings.Repeat("x", 81)} {
			if _, err := r.Start(ctx, "m", bad, in); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("name %q: err %v", bad, err)
			}
		}
		if _, err := r.Start(ctx, "nope", "x", in); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown machine: %v", err)
		}
	})
}

// TestResumeInTheMiddleOfAWait restarts the runner during the Wait: the
// Wait ends at its original time and B runs exactly once.
func TestResumeInTheMiddleOfAWait(t *testing.T) {
	for _, downtime := range []time.Duration{30 * time.Second, 10 * time.Minute} {
		t.Run(downtime.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := NewMemStore()
				c := newCalls()
				handlers := map[string]Handler{"a": c.wrap("a", okHandler("a")), "b": c.wrap("b", okHandler("b"))}
				machines := map[string]*Machine{"m": mustLoad(t, waitMachine)}
				ctx := context.Background()
				start := time.Now()

				r1 := newTestRunner(t, store, machines, handlers)
				id, err := r1.Start(ctx, "m", "j1", json.RawMessage(`{"retention_seconds":180}`))
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(60 * time.Second)
				r1.Close()
				if e, _ := r1.Describe(ctx, id); e.Status != domain.ExecRunning {
					t.Fatalf("after Close: %s", e.Status)
				}
				if c.count("b") != 0 {
					t.Fatal("b ran before the wait ended")
				}
				time.Sleep(downtime)

				r2 := newTestRunner(t, store, machines, handlers)
				defer r2.Close()
				if err := r2.Resume(ctx); err != nil {
					t.Fatal(err)
				}
				e, _ := r2.Wait(ctx, id)
				if e.Status != domain.ExecSucceeded {
					t.Fatalf("status %s %s", e.Status, e.Cause)
				}
				if c.count("a") != 1 || c.count("b") != 1 {
					t.Fatalf("a ran %d times, b %d; want once each", c.count("a"), c.count("b"))
				}
				wantAt := start.Add(180 * time.Second)
				if restarted := start.Add(60*time.Second + downtime); restarted.After(wantAt) {
					wantAt = restarted
				}
				if got := c.times("b")[0]; !got.Equal(wantAt) {
					t.Errorf("b ran at +%v, want +%v", got.Sub(start), wantAt.Sub(start))
				}
				h, _ := r2.History(ctx, id)
				if got := types(h); strings.Count(got, "WaitStateEntered") != 1 || strings.Count(got, "TaskScheduled:B") != 1 {
					t.Errorf("history %s", got)
				}
				for i, ev := range h {
					if ev.ID != int64(i+1) {
						t.Fatalf("event ids not sequential after resume: %s", types(h))
					}
				}
			})
		})
	}
}

// TestResumeTaskInFlight closes the runner while a task runs: Resume
// invokes it again (tasks are idempotent) and the execution completes.
func TestResumeTaskInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemStore()
		c := newCalls()
		first := true
		var mu sync.Mutex
		a := func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
			mu.Lock()
			block := first
			first = false
			mu.Unlock()
			if block {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return json.RawMessage(`"a"`), nil
		}
		handlers := map[string]Handler{"a": c.wrap("a", a), "b": c.wrap("b", okHandler("b"))}
		machines := map[string]*Machine{"m": mustLoad(t, waitMachine)}
		ctx := context.Background()
		r1 := newTestRunner(t, store, machines, handlers)
		id, _ := r1.Start(ctx, "m", "j1", json.RawMessage(`{"retention_seconds":1}`))
		synctest.Wait()
		r1.Close()
		r2 := newTestRunner(t, store, machines, handlers)
		defer r2.Close()
		if err := r2.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		e, _ := r2.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded || c.count("a") != 2 || c.count("b") != 1 {
			t.Fatalf("status %s, a %d, b %d", e.Status, c.count("a"), c.count("b"))
		}
		h, _ := r2.History(ctx, id)
		if got := types(h); !strings.HasPrefix(got, "ExecutionStarted TaskStateEntered:A TaskScheduled:A TaskStarted:A TaskScheduled:A TaskStarted:A TaskSucceeded:A TaskStateExited:A") {
			t.Errorf("history %s", got)
		}
	})
}

// TestResumeMap restarts during a Map: finished iterations are not run again.
func TestResumeMap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{
			"W":{"Type":"Wait","SecondsPath":"$.wait","Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"t","Payload.$":"$"},"ResultSelector":{"v.$":"$.Payload.id"},"End":true}}},"End":true}}}`
		store := NewMemStore()
		c := newCalls()
		handlers := map[string]Handler{"t": c.wrap("t", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) { return p, nil })}
		machines := map[string]*Machine{"m": mustLoad(t, def)}
		ctx := context.Background()
		r1 := newTestRunner(t, store, machines, handlers)
		id, _ := r1.Start(ctx, "m", "x", json.RawMessage(`{"items":[{"id":"fast","wait":1},{"id":"slow","wait":100}]}`))
		time.Sleep(50 * time.Second)
		r1.Close()
		if c.count("t") != 1 {
			t.Fatalf("before restart t ran %d times, want 1", c.count("t"))
		}
		r2 := newTestRunner(t, store, machines, handlers)
		defer r2.Close()
		_ = r2.Resume(ctx)
		e, _ := r2.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded || c.count("t") != 2 {
			t.Fatalf("status %s %s, t ran %d times, want 2", e.Status, e.Cause, c.count("t"))
		}
		jsonEq(t, e.Output, `[{"v":"fast"},{"v":"slow"}]`)
	})
}

// failingStore fails every save after the first n, like a full disk.
type failingStore struct {
	*MemStore
	mu sync.Mutex
	n  int
}

func (s *failingStore) SaveExecution(ctx context.Context, rec Record, evs []domain.HistoryEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return errors.New("disk full")
	}
	s.n--
	return s.MemStore.SaveExecution(ctx, rec, evs)
}

func TestStoreFailurePausesExecution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &failingStore{MemStore: NewMemStore(), n: 2}
		c := newCalls()
		r := newTestRunner(t, store, map[string]*Machine{"m": mustLoad(t, waitMachine)},
			map[string]Handler{"a": c.wrap("a", okHandler("a")), "b": c.wrap("b", okHandler("b"))})
		defer r.Close()
		id, _ := r.Start(context.Background(), "m", "x", json.RawMessage(`{"retention_seconds":1}`))
		e, _ := r.Wait(context.Background(), id)
		if e.Status != domain.ExecRunning || c.count("b") != 0 {
			t.Fatalf("status %s, b ran %d times: want the execution left RUNNING for a later Resume", e.Status, c.count("b"))
		}
	})
}
