package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// callbackMachine waits for a callback in W (at most 600 s, with a Catch of
// the timeouts into Fallback), then records the result in $.w.
const callbackMachine = `{"StartAt":"W","States":{
	"W":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"await","Payload":{"job.$":"$.job","token.$":"$$.Task.Token"}},
		"ResultPath":"$.w","TimeoutSeconds":600,%s
		"Catch":[{"ErrorEquals":["States.Timeout","States.HeartbeatTimeout"],"ResultPath":"$.timeout","Next":"Fallback"},
			{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}],
		"Next":"Done"},
	"Fallback":{"Type":"Pass","Result":"checked again","ResultPath":"$.fallback","Next":"Done"},
	"Failed":{"Type":"Pass","Result":"failed","ResultPath":"$.failed","Next":"Done"},
	"Done":{"Type":"Succeed"}}}`

func callbackDef(extra string) string {
	return strings.Replace(callbackMachine, "%s", extra, 1)
}

func startCallback(t *testing.T, r *Runner) string {
	t.Helper()
	id, err := r.Start(context.Background(), "m", "cb-1", json.RawMessage(`{"job":"j1"}`))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCallbackTask(t *testing.T) {
	tests := []struct {
		name       string
		extra      string
		send       func(r *Runner, token string) error // after 100 s; nil sends nothing
		wantAt     time.Duration                       // when the task ends
		wantOutput string
		wantEnd    string // the history event that ends the task
	}{
		{"success", "", func(r *Runner, tok string) error {
			return r.SendTaskSuccess(context.Background(), tok, json.RawMessage(`{"restored":true}`))
		}, 100 * time.Second, `{"job":"j1","w":{"restored":true}}`, "TaskSucceeded"},
		{"failure", "", func(r *Runner, tok string) error {
			return r.SendTaskFailure(context.Background(), tok, "RestoreExpired", "the copy expired")
		}, 100 * time.Second, `{"job":"j1","error":{"Error":"RestoreExpired","Cause":"the copy expired"},"failed":"failed"}`, "TaskFailed"},
		{"timeout", "", nil, 600 * time.Second,
			`{"job":"j1","timeout":{"Error":"States.Timeout","Cause":"no callback for the task token before the deadline (2000-01-01T00:10:00Z)"},"fallback":"checked again"}`, "TaskTimedOut"},
		{"heartbeat timeout", `"HeartbeatSeconds":30,`, nil, 30 * time.Second,
			`{"job":"j1","timeout":{"Error":"States.HeartbeatTimeout","Cause":"no heartbeat for the task token in 30 seconds"},"fallback":"checked again"}`, "TaskTimedOut"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var tk tokens
				r := newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, callbackDef(tc.extra))},
					map[string]Handler{"await": tk.handler(nil)})
				defer r.Close()
				id := startCallback(t, r)
				if tc.send != nil {
					time.Sleep(100 * time.Second)
					if err := tc.send(r, tk.last(t)); err != nil {
						t.Fatal(err)
					}
				}
				e, err := r.Wait(context.Background(), id)
				if err != nil || e.Status != domain.ExecSucceeded {
					t.Fatalf("execution %+v, %v", e, err)
				}
				if got := time.Since(start); got != tc.wantAt {
					t.Errorf("ended after %v, want %v", got, tc.wantAt)
				}
				jsonEq(t, e.Output, tc.wantOutput)
				h, _ := r.History(context.Background(), id)
				want := "ExecutionStarted TaskStateEntered:W TaskScheduled:W TaskStarted:W TaskSubmitted:W " + tc.wantEnd + ":W TaskStateExited:W"
				if got := types(h); !strings.HasPrefix(got, want) {
					t.Errorf("history %s\nwant prefix %s", got, want)
				}
				if h[2].Resource != LambdaInvokeCallback {
					t.Errorf("TaskScheduled resource %q", h[2].Resource)
				}
				// The token is spent: another callback finds nothing.
				if err := r.SendTaskSuccess(context.Background(), tk.last(t), json.RawMessage(`{}`)); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("late SendTaskSuccess: %v, want ErrNotFound", err)
				}
			})
		})
	}
}

// TestCallbackFromTheHandler: a handler that finds the work already done
// calls SendTaskSuccess before it returns; the task must not miss it.
func TestCallbackFromTheHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var r *Runner
		var tk tokens
		r = newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, callbackDef(""))},
			map[string]Handler{"await": tk.handler(func(tok string) {
				if err := r.SendTaskSuccess(context.Background(), tok, json.RawMessage(`"at once"`)); err != nil {
					t.Error(err)
				}
			})})
		defer r.Close()
		start := time.Now()
		e, _ := r.Wait(context.Background(), startCallback(t, r))
		jsonEq(t, e.Output, `{"job":"j1","w":"at once"}`)
		if time.Since(start) != 0 {
			t.Errorf("took %v", time.Since(start))
		}
	})
}

func TestHeartbeatsKeepTheTaskAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tk tokens
		r := newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, callbackDef(`"HeartbeatSeconds":30,`))},
			map[string]Handler{"await": tk.handler(nil)})
		defer r.Close()
		start := time.Now()
		id := startCallback(t, r)
		for range 5 { // heartbeats until +100 s, then silence: the heartbeat timeout is at +130 s
			time.Sleep(20 * time.Second)
			if err := r.SendTaskHeartbeat(context.Background(), tk.last(t)); err != nil {
				t.Fatal(err)
			}
		}
		e, _ := r.Wait(context.Background(), id)
		if got := time.Since(start); got != 130*time.Second || !strings.Contains(string(e.Output), "States.HeartbeatTimeout") {
			t.Errorf("ended after %v with %s; want a heartbeat timeout at 130s", got, e.Output)
		}
	})
}

func TestCallbackTimeoutSecondsPath(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		def := strings.Replace(callbackDef(""), `"TimeoutSeconds":600,`, `"TimeoutSecondsPath":"$.wait_seconds",`, 1)
		var tk tokens
		r := newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, def)}, map[string]Handler{"await": tk.handler(nil)})
		defer r.Close()
		start := time.Now()
		for i, in := range []string{`{"job":"j1","wait_seconds":45}`, `{"job":"j2","wait_seconds":"soon"}`} {
			id, err := r.Start(context.Background(), "m", "p"+string(rune('0'+i)), json.RawMessage(in))
			if err != nil {
				t.Fatal(err)
			}
			e, _ := r.Wait(context.Background(), id)
			switch i {
			case 0:
				if got := time.Since(start); got != 45*time.Second || !strings.Contains(string(e.Output), "States.Timeout") {
					t.Errorf("ended after %v with %s", got, e.Output)
				}
			case 1:
				if e.Status != domain.ExecFailed || e.Error != ErrRuntime || !strings.Contains(e.Cause, "TimeoutSecondsPath") {
					t.Errorf("bad TimeoutSecondsPath value: %+v", e)
				}
			}
		}
	})
}

func TestSendTaskErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tk tokens
		r := newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, callbackDef(""))}, map[string]Handler{"await": tk.handler(nil)})
		defer r.Close()
		id := startCallback(t, r)
		synctest.Wait()
		ctx := context.Background()
		tok := tk.last(t)
		if err := r.SendTaskSuccess(ctx, "no-such-token", json.RawMessage(`{}`)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		if err := r.SendTaskSuccess(ctx, tok, json.RawMessage(`{not json`)); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("bad output: %v", err)
		}
		big := json.RawMessage(`"` + strings.Repeat("x", MaxPayload) + `"`)
		if err := r.SendTaskSuccess(ctx, tok, big); !errors.Is(err, domain.ErrTooLarge) {
			t.Errorf("big output: %v", err)
		}
		if err := r.SendTaskSuccess(ctx, tok, json.RawMessage(`1`)); err != nil {
			t.Fatal(err)
		}
		if err := r.SendTaskFailure(ctx, tok, "E", "late"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("second callback: %v", err)
		}
		e, _ := r.Wait(ctx, id)
		jsonEq(t, e.Output, `{"job":"j1","w":1}`)
	})
}

// TestCallbackSurvivesRestart closes the runner while the task waits: the
// next runner waits for the same token until the same deadline, without
// invoking the handler again.
func TestCallbackSurvivesRestart(t *testing.T) {
	for _, callback := range []bool{true, false} {
		t.Run(map[bool]string{true: "resumed by the token", false: "times out on time"}[callback], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := NewMemStore()
				var tk tokens
				machines := map[string]*Machine{"m": mustLoad(t, callbackDef(""))}
				handlers := map[string]Handler{"await": tk.handler(nil)}
				ctx := context.Background()
				start := time.Now()
				r1 := newTestRunner(t, store, machines, handlers)
				id := startCallback(t, r1)
				time.Sleep(100 * time.Second)
				tok := tk.last(t)
				r1.Close()
				if err := r1.SendTaskSuccess(ctx, tok, json.RawMessage(`{}`)); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("callback while down: %v, want ErrNotFound", err)
				}
				time.Sleep(200 * time.Second)

				r2 := newTestRunner(t, store, machines, handlers)
				defer r2.Close()
				if err := r2.Resume(ctx); err != nil {
					t.Fatal(err)
				}
				if callback { // at once: Resume registered the token before the task waits again
					if err := r2.SendTaskSuccess(ctx, tok, json.RawMessage(`"after restart"`)); err != nil {
						t.Fatal(err)
					}
				}
				e, _ := r2.Wait(ctx, id)
				if callback {
					jsonEq(t, e.Output, `{"job":"j1","w":"after restart"}`)
				} else if got := time.Since(start); got != 600*time.Second || !strings.Contains(string(e.Output), "States.Timeout") {
					t.Errorf("ended after %v with %s; want the original 600 s deadline", got, e.Output)
				}
				if tk.count() != 1 {
					t.Errorf("handler invoked %d times, want once", tk.count())
				}
				h, _ := r2.History(ctx, id)
				if got := types(h); strings.Count(got, "TaskScheduled") != 1 || strings.Count(got, "TaskSubmitted") != 1 {
					t.Errorf("history %s", got)
				}
			})
		})
	}
}

// TestCallbackRetryGetsNewToken: a retried callback task waits for a new
// token; the old one is spent.
func TestCallbackRetryGetsNewToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		def := strings.Replace(callbackDef(""), `"Catch"`, `"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":10,"MaxAttempts":1}],"Catch"`, 1)
		var tk tokens
		r := newTestRunner(t, NewMemStore(), map[string]*Machine{"m": mustLoad(t, def)}, map[string]Handler{"await": tk.handler(nil)})
		defer r.Close()
		ctx := context.Background()
		id := startCallback(t, r)
		time.Sleep(700 * time.Second) // past the first timeout (600 s) and the 10 s back-off
		if tk.count() != 2 {
			t.Fatalf("handler invoked %d times, want 2", tk.count())
		}
		if err := r.SendTaskSuccess(ctx, tk.list[0], json.RawMessage(`"old"`)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("old token: %v", err)
		}
		if err := r.SendTaskSuccess(ctx, tk.last(t), json.RawMessage(`"new"`)); err != nil {
			t.Fatal(err)
		}
		e, _ := r.Wait(ctx, id)
		jsonEq(t, e.Output, `{"job":"j1","w":"new"}`)
	})
}

func TestCallbackHandlerError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, errPlain }
		e, h := runOnce(t, callbackDef(""), map[string]Handler{"await": failing}, `{"job":"j1"}`)
		jsonEq(t, e.Output, `{"job":"j1","error":{"Error":"errorString","Cause":`+jsonString(lambdaCause("errorString", "plain failure"))+`},"failed":"failed"}`)
		if got := types(h); strings.Contains(got, "TaskSubmitted") || !strings.Contains(got, "TaskFailed:W") {
			t.Errorf("history %s", got)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestLoadCallbackFields(t *testing.T) {
	task := func(fields string) string {
		return `{"StartAt":"W","States":{"W":{"Type":"Task",` + fields + `,"Parameters":{"FunctionName":"f"},"End":true}}}`
	}
	tests := []struct{ def, field string }{
		{task(`"Resource":"arn:aws:states:::lambda:invoke","HeartbeatSeconds":10`), "HeartbeatSeconds"},
		{task(`"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":10,"HeartbeatSeconds":10`), "HeartbeatSeconds"},
		{task(`"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","HeartbeatSeconds":0`), "HeartbeatSeconds"},
		{task(`"Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":10,"TimeoutSecondsPath":"$.t"`), "TimeoutSecondsPath"},
		{task(`"Resource":"arn:aws:states:::lambda:invoke","TimeoutSecondsPath":"$.t[*]"`), "TimeoutSecondsPath"},
		{task(`"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken"`), "Resource"},
	}
	for _, tc := range tests {
		_, err := Load([]byte(tc.def))
		var le *LoadError
		if !errors.As(err, &le) || le.Field != tc.field {
			t.Errorf("Load(%s) = %v, want a LoadError on %s", tc.def, err, tc.field)
		}
	}
	if _, err := Load([]byte(task(`"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":60,"HeartbeatSeconds":10`))); err != nil {
		t.Errorf("valid callback task: %v", err)
	}
}
