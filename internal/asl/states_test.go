package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestChoice(t *testing.T) {
	rules := []struct {
		rule  string
		input string
		match bool
	}{
		{`"Variable":"$.s","StringEquals":"a"`, `{"s":"a"}`, true},
		{`"Variable":"$.s","StringEquals":"a"`, `{"s":1}`, false},
		{`"Variable":"$.s","StringLessThan":"b"`, `{"s":"a"}`, true},
		{`"Variable":"$.s","StringGreaterThanEquals":"b"`, `{"s":"a"}`, false},
		{`"Variable":"$.s","StringMatches":"log-*.txt"`, `{"s":"log-2026.txt"}`, true},
		{`"Variable":"$.s","StringMatches":"log-\\*"`, `{"s":"log-x"}`, false},
		{`"Variable":"$.s","StringEqualsPath":"$.t"`, `{"s":"a","t":"a"}`, true},
		{`"Variable":"$.n","NumericEquals":3`, `{"n":3.0}`, true},
		{`"Variable":"$.n","NumericGreaterThan":3`, `{"n":3}`, false},
		{`"Variable":"$.n","NumericGreaterThanEquals":500`, `{"n":500}`, true},
		{`"Variable":"$.n","NumericLessThanPath":"$.m"`, `{"n":1,"m":2}`, true},
		{`"Variable":"$.n","NumericLessThanEquals":2`, `{"n":"1"}`, false},
		{`"Variable":"$.b","BooleanEquals":true`, `{"b":true}`, true},
		{`"Variable":"$.b","BooleanEqualsPath":"$.c"`, `{"b":true,"c":false}`, false},
		{`"Variable":"$.t","TimestampLessThan":"2026-01-01T00:00:00Z"`, `{"t":"2025-12-31T23:59:59Z"}`, true},
		{`"Variable":"$.t","TimestampEquals":"2026-01-01T00:00:00Z"`, `{"t":"2026-01-01T01:00:00+01:00"}`, true},
		{`"Variable":"$.t","IsTimestamp":true`, `{"t":"2026-01-01T00:00:00Z"}`, true},
		{`"Variable":"$.x","IsPresent":false`, `{}`, true},
		{`"Variable":"$.x[0]","IsPresent":true`, `{"x":[]}`, false},
		{`"Variable":"$.x","IsNull":true`, `{"x":null}`, true},
		{`"Variable":"$.x","IsNumeric":true`, `{"x":"1"}`, false},
		{`"Variable":"$.x","IsString":true`, `{"x":"1"}`, true},
		{`"Variable":"$.x","IsBoolean":false`, `{"x":"1"}`, true},
		{`"And":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]`, `{"a":1,"b":"x"}`, true},
		{`"And":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}]`, `{"a":1,"b":"y"}`, false},
		{`"Or":[{"Variable":"$.a","NumericEquals":2},{"Not":{"Variable":"$.b","StringEquals":"x"}}]`, `{"a":1,"b":"y"}`, true},
	}
	for _, tt := range rules {
		t.Run(tt.rule+" "+tt.input, func(t *testing.T) {
			def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{` + tt.rule + `,"Next":"Yes"}],"Default":"No"},
				"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`
			e, _ := runOnce(t, def, nil, tt.input)
			want := map[bool]string{true: `"yes"`, false: `"no"`}[tt.match]
			if e.Status != "SUCCEEDED" || string(e.Output) != want {
				t.Fatalf("got %s %s %s, want %s", e.Status, e.Output, e.Cause, want)
			}
		})
	}
	t.Run("no match and no Default", func(t *testing.T) {
		def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}`
		e, h := runOnce(t, def, nil, `{}`)
		if e.Status != "FAILED" || e.Error != ErrNoChoiceMatched {
			t.Fatalf("got %s %s", e.Status, e.Error)
		}
		if got := types(h); got != "ExecutionStarted ChoiceStateEntered:C ExecutionFailed" {
			t.Fatalf("history %s", got)
		}
	})
	t.Run("missing variable is a runtime error", func(t *testing.T) {
		def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","Next":"Y"}],"Default":"Y"},"Y":{"Type":"Succeed"}}}`
		e, _ := runOnce(t, def, nil, `{}`)
		if e.Status != "FAILED" || e.Error != ErrRuntime {
			t.Fatalf("got %s %s", e.Status, e.Error)
		}
	})
}

func TestWait(t *testing.T) {
	tests := []struct {
		name, wait, input string
		want              time.Duration
	}{
		{"Seconds", `"Seconds":30`, `{}`, 30 * time.Second},
		{"SecondsPath", `"SecondsPath":"$.retention_seconds"`, `{"retention_seconds":180}`, 180 * time.Second},
		{"Timestamp", `"Timestamp":"2000-01-01T00:10:00Z"`, `{}`, 10 * time.Minute},
		{"TimestampPath", `"TimestampPath":"$.at"`, `{"at":"2000-01-01T01:00:00Z"}`, time.Hour},
		{"Timestamp in the past", `"Timestamp":"1999-01-01T00:00:00Z"`, `{}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// synctest's clock starts at 2000-01-01T00:00:00Z.
				start := time.Now()
				def := `{"StartAt":"W","States":{"W":{"Type":"Wait",` + tt.wait + `,"Next":"D"},"D":{"Type":"Succeed"}}}`
				e, h := runOnce(t, def, nil, tt.input)
				if e.Status != "SUCCEEDED" {
					t.Fatalf("status %s %s", e.Status, e.Cause)
				}
				if got := time.Since(start); got != tt.want {
					t.Errorf("waited %v, want %v", got, tt.want)
				}
				jsonEq(t, e.Output, tt.input)
				if got := types(h); got != "ExecutionStarted WaitStateEntered:W WaitStateExited:W SucceedStateEntered:D SucceedStateExited:D ExecutionSucceeded" {
					t.Errorf("history %s", got)
				}
			})
		})
	}
	t.Run("bad SecondsPath", func(t *testing.T) {
		def := `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`
		for _, in := range []string{`{"s":-1}`, `{"s":"10"}`, `{}`, `{"s":1.5}`} {
			e, _ := runOnce(t, def, nil, in)
			if e.Status != "FAILED" || e.Error != ErrRuntime {
				t.Errorf("%s: %s %s", in, e.Status, e.Error)
			}
		}
	})
}

func TestFailAndSucceed(t *testing.T) {
	e, h := runOnce(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Bad","Cause":"because"}}}`, nil, `{}`)
	if e.Status != "FAILED" || e.Error != "Bad" || e.Cause != "because" {
		t.Fatalf("got %+v", e)
	}
	if got := types(h); got != "ExecutionStarted FailStateEntered:F ExecutionFailed" {
		t.Fatalf("history %s", got)
	}
	e, _ = runOnce(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.error.Error","CausePath":"$.error.Cause"}}}`, nil,
		`{"error":{"Error":"X","Cause":"Y"}}`)
	if e.Error != "X" || e.Cause != "Y" {
		t.Fatalf("paths: %+v", e)
	}
	e, _ = runOnce(t, `{"StartAt":"S","States":{"S":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}}}`, nil, `{"a":{"b":7}}`)
	if e.Status != "SUCCEEDED" || string(e.Output) != "7" {
		t.Fatalf("succeed: %+v", e)
	}
}

const retryMachine = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	"Parameters":{"FunctionName":"flaky"},"ResultSelector":{"v.$":"$.Payload"},
	"Retry":[{"ErrorEquals":["Permanent"],"MaxAttempts":0},
	         {"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2,"MaxAttempts":4,"BackoffRate":3,"MaxDelaySeconds":10,"JitterStrategy":"FULL"},
	         {"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":1}],
	"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"Caught"}],"End":true},
	"Caught":{"Type":"Pass","End":true}}}`

func TestRetryBackoff(t *testing.T) {
	tests := []struct {
		name      string
		errs      []error // returned by successive calls; then success
		jitter    float64
		wantGaps  []time.Duration
		wantState string // "ok" or the caught error name
	}{
		{"backoff then success", []error{namedErr{"Lambda.ServiceException", "x"}, namedErr{"Lambda.ServiceException", "x"}, namedErr{"Lambda.ServiceException", "x"}},
			1, []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second}, "ok"},
		{"MaxDelaySeconds caps, then exhausted to Catch", []error{namedErr{"Lambda.ServiceException", "a"}, namedErr{"Lambda.ServiceException", "b"}, namedErr{"Lambda.ServiceException", "c"}, namedErr{"Lambda.ServiceException", "d"}, namedErr{"Lambda.ServiceException", "e"}},
			1, []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}, "Lambda.ServiceException"},
		{"full jitter scales the delay", []error{namedErr{"Lambda.ServiceException", "x"}, namedErr{"Lambda.ServiceException", "x"}},
			0.5, []time.Duration{time.Second, 3 * time.Second}, "ok"},
		{"MaxAttempts 0 never retries", []error{namedErr{"Permanent", "bad input"}}, 1, nil, "Permanent"},
		{"States.ALL retrier, counted per retrier", []error{errPlain, namedErr{"Lambda.ServiceException", "x"}, errPlain},
			1, []time.Duration{time.Second, 2 * time.Second}, "errorString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCalls()
				n := 0
				flaky := c.wrap("flaky", handlerFunc(func(map[string]any) (any, error) {
					n++
					if n <= len(tt.errs) {
						return nil, tt.errs[n-1]
					}
					return "done", nil
				}))
				r, err := NewRunner(Config{Store: NewMemStore(), Machines: map[string]*Machine{"m": mustLoad(t, retryMachine)},
					Handlers: map[string]Handler{"flaky": flaky}, Jitter: func() float64 { return tt.jitter }})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				id, err := r.Start(context.Background(), "m", "r", json.RawMessage(`{}`))
				if err != nil {
					t.Fatal(err)
				}
				e, _ := r.Wait(context.Background(), id)
				at := c.times("flaky")
				var gaps []time.Duration
				for i := 1; i < len(at); i++ {
					gaps = append(gaps, at[i].Sub(at[i-1]))
				}
				if fmt.Sprint(gaps) != fmt.Sprint(tt.wantGaps) {
					t.Errorf("gaps between attempts %v, want %v", gaps, tt.wantGaps)
				}
				if tt.wantState == "ok" {
					if e.Status != "SUCCEEDED" || string(e.Output) != `{"v":"done"}` {
						t.Fatalf("got %s %s %s", e.Status, e.Output, e.Cause)
					}
					return
				}
				var out struct{ Caught Error }
				_ = json.Unmarshal(e.Output, &out)
				if e.Status != "SUCCEEDED" || out.Caught.Name != tt.wantState {
					t.Fatalf("got %s %s, want caught %s", e.Status, e.Output, tt.wantState)
				}
			})
		})
	}
}

func TestCatch(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f"},
		"Catch":[{"ErrorEquals":["Custom","Other"],"ResultPath":"$.err","Next":"Custom"},
		         {"ErrorEquals":["States.TaskFailed"],"Next":"Any"}],"End":true},
		"Custom":{"Type":"Pass","End":true},"Any":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name, want string
		err        error
	}{
		{"named error to the first catcher, ResultPath keeps input", `{"in":1,"err":{"Error":"Custom","Cause":` + quote(lambdaCause("Custom", "m")) + `}}`, namedErr{"Custom", "m"}},
		{"TaskFailed matches any task error; default ResultPath replaces", `{"Error":"errorString","Cause":` + quote(lambdaCause("errorString", "plain failure")) + `}`, errPlain},
		{"wrapped error is named by its outer type", `{"Error":"wrapError","Cause":` + quote(lambdaCause("wrapError", "ctx: plain failure")) + `}`, fmt.Errorf("ctx: %w", errPlain)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, h := runOnce(t, def, map[string]Handler{"f": handlerFunc(func(map[string]any) (any, error) { return nil, tt.err })}, `{"in":1}`)
			if e.Status != "SUCCEEDED" {
				t.Fatalf("%s %s", e.Status, e.Cause)
			}
			jsonEq(t, e.Output, tt.want)
			if !strings.Contains(types(h), "TaskFailed:T TaskStateExited:T PassStateEntered:") {
				t.Errorf("history %s", types(h))
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestTimeoutAndPanic(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f"},"TimeoutSeconds":5,
		"Retry":[{"ErrorEquals":["States.Timeout","States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":2}],"End":true}}}`
	tests := []struct {
		name      string
		h         Handler
		wantErr   string
		wantCause string
		wantEvent string
	}{
		{"handler ignores its context", func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
			time.Sleep(10 * time.Second) // past TimeoutSeconds
			return nil, nil
		}, ErrTimeout, "Task timed out after 5 seconds", "TaskTimedOut"},
		{"handler returns ctx error", func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}, ErrTimeout, "Task timed out after 5 seconds", "TaskTimedOut"},
		{"panic with a string", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			panic("boom")
		}, "string", lambdaCause("string", "boom"), "TaskFailed"},
		{"nil map write", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			var m map[string]int
			m["x"] = 1
			return nil, nil
		}, "plainError", lambdaCause("plainError", "assignment to entry in nil map"), "TaskFailed"}, // runtime.plainError, as aws-lambda-go names it
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCalls()
				e, h := runOnce(t, def, map[string]Handler{"f": c.wrap("f", tt.h)}, `{}`)
				time.Sleep(time.Minute) // let abandoned handlers return before the bubble ends
				if e.Status != "FAILED" || e.Error != tt.wantErr || (tt.wantCause != "" && e.Cause != tt.wantCause) {
					t.Fatalf("got %s %q %q, want %q %q", e.Status, e.Error, e.Cause, tt.wantErr, tt.wantCause)
				}
				if c.count("f") != 3 {
					t.Errorf("invoked %d times, want 3 (1 + 2 retries)", c.count("f"))
				}
				want := "ExecutionStarted TaskStateEntered:T" + strings.Repeat(" TaskScheduled:T TaskStarted:T "+tt.wantEvent+":T", 3) + " ExecutionFailed"
				if got := types(h); got != want {
					t.Errorf("history\n got %s\nwant %s", got, want)
				}
			})
		})
	}
}

func TestMap(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.ids","MaxConcurrency":2,
		"ItemSelector":{"id.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index","tag.$":"$.tag"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Work","States":{
			"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"work","Payload.$":"$"},
				"ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.out",%s"End":true}%s}},
		"ResultPath":"$.results",
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.mapError","Next":"Caught"}],"End":true},
		"Caught":{"Type":"Pass","End":true}}}`
	work := func(payload map[string]any) (any, error) {
		if payload["id"] == "bad" {
			return nil, namedErr{"ItemBroken", "item bad"}
		}
		return fmt.Sprintf("%v-%v-%v", payload["id"], payload["i"], payload["tag"]), nil
	}
	t.Run("all succeed, results in item order", func(t *testing.T) {
		e, h := runOnce(t, fmt.Sprintf(def, "", ""), map[string]Handler{"work": handlerFunc(work)}, `{"ids":["a","b","c"],"tag":"T"}`)
		jsonEq(t, e.Output, `{"ids":["a","b","c"],"tag":"T","results":[
			{"id":"a","i":0,"tag":"T","out":{"r":"a-0-T"}},{"id":"b","i":1,"tag":"T","out":{"r":"b-1-T"}},{"id":"c","i":2,"tag":"T","out":{"r":"c-2-T"}}]}`)
		got := types(h)
		for _, want := range []string{"MapStateEntered:M MapStateStarted:M", "MapIterationStarted:M", "MapIterationSucceeded:M", "MapStateSucceeded:M MapStateExited:M ExecutionSucceeded"} {
			if !strings.Contains(got, want) {
				t.Errorf("history lacks %q: %s", want, got)
			}
		}
		if n := strings.Count(got, "TaskSucceeded:Work"); n != 3 {
			t.Errorf("%d TaskSucceeded, want 3", n)
		}
	})
	t.Run("a failing item fails the Map, which Catch handles", func(t *testing.T) {
		e, h := runOnce(t, fmt.Sprintf(def, "", ""), map[string]Handler{"work": handlerFunc(work)}, `{"ids":["a","bad","c"],"tag":"T"}`)
		if e.Status != "SUCCEEDED" || !strings.Contains(string(e.Output), `"mapError":{"Cause":`) || !strings.Contains(string(e.Output), `"Error":"ItemBroken"`) {
			t.Fatalf("got %s %s", e.Status, e.Output)
		}
		if got := types(h); !strings.Contains(got, "MapIterationFailed:M") || !strings.Contains(got, "MapStateFailed:M MapStateExited:M PassStateEntered:Caught") {
			t.Errorf("history %s", got)
		}
	})
	t.Run("an item that catches its own error does not stop the others", func(t *testing.T) {
		inner := `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Failed"}],`
		e, _ := runOnce(t, fmt.Sprintf(def, inner, `,"Failed":{"Type":"Pass","Parameters":{"id.$":"$.id","failed.$":"$.err.Error"},"End":true}`),
			map[string]Handler{"work": handlerFunc(work)}, `{"ids":["a","bad","c"],"tag":"T"}`)
		jsonEq(t, e.Output, `{"ids":["a","bad","c"],"tag":"T","results":[
			{"id":"a","i":0,"tag":"T","out":{"r":"a-0-T"}},{"id":"bad","failed":"ItemBroken"},{"id":"c","i":2,"tag":"T","out":{"r":"c-2-T"}}]}`)
	})
	t.Run("Retry runs the whole Map again", func(t *testing.T) {
		retryDef := strings.Replace(fmt.Sprintf(def, "", ""), `"MaxConcurrency":2`, `"MaxConcurrency":1`, 1)
		retryDef = strings.Replace(retryDef, `"ResultPath":"$.results",`, `"ResultPath":"$.results","Retry":[{"ErrorEquals":["ItemBroken"],"IntervalSeconds":1,"MaxAttempts":1}],`, 1)
		c := newCalls()
		flakyOnce := 0
		h := c.wrap("work", handlerFunc(func(p map[string]any) (any, error) {
			if p["id"] == "flaky" {
				flakyOnce++
				if flakyOnce == 1 {
					return nil, namedErr{"ItemBroken", "first time"}
				}
			}
			return p["id"], nil
		}))
		e, hist := runOnce(t, retryDef, map[string]Handler{"work": h}, `{"ids":["a","flaky","c"],"tag":"T"}`)
		if e.Status != "SUCCEEDED" || strings.Contains(string(e.Output), "mapError") {
			t.Fatalf("got %s %s", e.Status, e.Output)
		}
		// a, flaky (fails; c never starts), then a, flaky, c again
		if c.count("work") != 5 {
			t.Errorf("work ran %d times, want 5", c.count("work"))
		}
		if got := types(hist); strings.Count(got, "MapStateStarted:M") != 2 || strings.Count(got, "MapStateEntered:M") != 1 ||
			!strings.Contains(got, "MapIterationFailed:M MapStateFailed:M MapStateStarted:M") {
			t.Errorf("history %s", got)
		}
	})
	t.Run("empty array", func(t *testing.T) {
		e, _ := runOnce(t, fmt.Sprintf(def, "", ""), map[string]Handler{"work": handlerFunc(work)}, `{"ids":[],"tag":"T"}`)
		jsonEq(t, e.Output, `{"ids":[],"tag":"T","results":[]}`)
	})
	t.Run("MaxConcurrency is respected", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var mu = make(chan struct{}, 1)
			running, peak := 0, 0
			slow := func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
				mu <- struct{}{}
				running++
				peak = max(peak, running)
				<-mu
				time.Sleep(time.Second)
				mu <- struct{}{}
				running--
				<-mu
				return json.RawMessage(`1`), nil
			}
			e, _ := runOnce(t, fmt.Sprintf(def, "", ""), map[string]Handler{"work": slow}, `{"ids":["a","b","c","d","e"],"tag":"T"}`)
			if e.Status != "SUCCEEDED" || peak != 2 {
				t.Fatalf("status %s, peak concurrency %d, want 2", e.Status, peak)
			}
		})
	})
}
