package asl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPathGetAndSet(t *testing.T) {
	data, _ := decode([]byte(`{"a":{"b":[10,{"c":"x"}]},"odd key":1,"list":[{"id":1},{"id":2}]}`))
	ctxObj := map[string]any{"Execution": map[string]any{"Name": "run-1"}}
	checkEvals(t, []evalCase{
		{"$", `{"a":{"b":[10,{"c":"x"}]},"list":[{"id":1},{"id":2}],"odd key":1}`, ""},
		{"$.a.b[0]", `10`, ""},
		{"$.a.b[1].c", `"x"`, ""},
		{"$['odd key']", `1`, ""},
		{"$.list[*].id", `[1,2]`, ""},
		{"$$.Execution.Name", `"run-1"`, ""},
		{"$.a.nope", "", "could not be found"},
		{"$.a.b[5]", "", "could not be found"},
	}, parsePath, func(p *path) (any, error) { return p.get(data, ctxObj) })
	sets := []struct{ path, want, wantErr string }{
		{"$", `"R"`, ""},
		{"$.new", `{"a":1,"new":"R"}`, ""},
		{"$.x.y.z", `{"a":1,"x":{"y":{"z":"R"}}}`, ""},
		{"$.a.b", "", "is not an object"},
	}
	for _, s := range sets {
		p, err := parseReferencePath(s.path)
		if err != nil {
			t.Fatal(err)
		}
		orig := map[string]any{"a": json.Number("1")}
		v, err := p.set(orig, "R")
		checkEval(t, "set "+s.path, v, err, s.want, s.wantErr)
		if s.wantErr == "" && len(orig) != 1 {
			t.Errorf("set %s mutated its input: %v", s.path, orig)
		}
	}
}

func TestIntrinsics(t *testing.T) {
	data, _ := decode([]byte(`{"n":41,"s":"{\"k\":[1,2]}","name":"job-1","arr":[1,2,3],"obj":{"a":1}}`))
	checkEvals(t, []evalCase{
		{"States.MathAdd($.n, 1)", `42`, ""},
		{"States.MathAdd($.n, -50)", `-9`, ""},
		{"States.Format('job {} has {} items', $.name, 3)", `"job job-1 has 3 items"`, ""},
		{`States.Format('literal \{\} and {}', $.name)`, `"literal {} and job-1"`, ""},
		{"States.StringToJson($.s)", `{"k":[1,2]}`, ""},
		{"States.JsonToString($.obj)", `"{\"a\":1}"`, ""},
		{"States.Array($.n, 'x', States.MathAdd(1, 2))", `[41,"x",3]`, ""},
		{"States.ArrayLength($.arr)", `3`, ""},
		{"States.ArrayGetItem($.arr, 1)", `2`, ""},
		{"States.MathAdd($.name, 1)", "", "must be integers"},
		{"States.StringToJson($.name)", "", "not JSON"},
		{"States.Format('{} {}', $.name)", "", "more {} than arguments"},
		{"States.Format('{}', $.obj)", "", "only strings"},
		{"States.ArrayGetItem($.arr, 9)", "", "no item"},
	}, parseIntrinsic, func(in *intrinsic) (any, error) { return in.eval(data, nil) })
	u, _ := parseIntrinsic("States.UUID()")
	v, _ := u.eval(nil, nil)
	if s, _ := v.(string); len(s) != 36 || s[14] != '4' {
		t.Errorf("UUID = %v", v)
	}
}

// evalCase is an expression and what it evaluates to: the value's JSON, or
// an error containing wantErr.
type evalCase struct{ expr, want, wantErr string }

// checkEvals parses each case's expression (which must parse), evaluates
// it and checks the outcome.
func checkEvals[E any](t *testing.T, cases []evalCase, parse func(string) (E, error), eval func(E) (any, error)) {
	t.Helper()
	for _, c := range cases {
		e, err := parse(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		v, err := eval(e)
		checkEval(t, c.expr, v, err, c.want, c.wantErr)
	}
}

// checkEval checks what one case evaluated to: an error containing wantErr
// when that is set, else a value that encodes as want.
func checkEval(t *testing.T, what string, v any, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: err %v, want %q", what, err, wantErr)
		}
		return
	}
	if err != nil || string(encode(v)) != want {
		t.Errorf("%s = %s, %v; want %s", what, encode(v), err, want)
	}
}

// TestPathProcessing follows the order InputPath -> Parameters -> task ->
// ResultSelector -> ResultPath -> OutputPath on a Task and a Pass.
func TestPathProcessing(t *testing.T) {
	echo := handlerFunc(func(p map[string]any) (any, error) {
		return map[string]any{"got": p, "extra": "dropped by ResultSelector"}, nil
	})
	tests := []struct {
		name, state, input, want string
	}{
		{"task defaults: output is the lambda:invoke result",
			`"Parameters":{"FunctionName":"echo","Payload":{"x":1}}`, `{"in":1}`,
			`{"ExecutedVersion":"$LATEST","Payload":{"got":{"x":1},"extra":"dropped by ResultSelector"},"StatusCode":200}`},
		{"full pipeline",
			`"InputPath":"$.job","Parameters":{"FunctionName":"echo","Payload":{"id.$":"$.id","exec.$":"$$.Execution.Name","static":[{"k.$":"$.id"}]}},
			 "ResultSelector":{"echoed.$":"$.Payload.got"},"ResultPath":"$.job.result","OutputPath":"$.job"`,
			`{"job":{"id":"j1"},"other":true}`,
			`{"id":"j1","result":{"echoed":{"id":"j1","exec":"run-1","static":[{"k":"j1"}]}}}`},
		{"ResultPath null keeps the input",
			`"Parameters":{"FunctionName":"echo"},"ResultPath":null`, `{"in":1}`, `{"in":1}`},
		{"InputPath null gives {}",
			`"InputPath":null,"Parameters":{"FunctionName":"echo","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload.got"}`, `{"in":1}`, `{"p":{}}`},
		{"OutputPath null gives {}",
			`"Parameters":{"FunctionName":"echo"},"OutputPath":null`, `{"in":1}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",` + tt.state + `,"End":true}}}`
			e, _ := runOnce(t, def, map[string]Handler{"echo": echo}, tt.input)
			if e.Status != "SUCCEEDED" {
				t.Fatalf("status %s %s %s", e.Status, e.Error, e.Cause)
			}
			jsonEq(t, e.Output, tt.want)
		})
	}
	passes := []struct{ name, state, input, want string }{
		{"pass through", ``, `{"a":1}`, `{"a":1}`},
		{"Result at ResultPath", `"Result":{"r":true},"ResultPath":"$.res",`, `{"a":1}`, `{"a":1,"res":{"r":true}}`},
		{"Parameters with intrinsic", `"Parameters":{"n.$":"States.MathAdd($.a, 1)","s":"lit"},`, `{"a":1}`, `{"n":2,"s":"lit"}`},
		{"Parameters then ResultPath", `"Parameters":{"n.$":"$.a"},"ResultPath":"$.p",`, `{"a":1}`, `{"a":1,"p":{"n":1}}`},
		{"InputPath then OutputPath", `"InputPath":"$.a","OutputPath":"$.b",`, `{"a":{"b":[1]}}`, `[1]`},
	}
	for _, tt := range passes {
		t.Run("Pass "+tt.name, func(t *testing.T) {
			def := `{"StartAt":"P","States":{"P":{"Type":"Pass",` + tt.state + `"End":true}}}`
			e, _ := runOnce(t, def, nil, tt.input)
			if e.Status != "SUCCEEDED" {
				t.Fatalf("status %s %s %s", e.Status, e.Error, e.Cause)
			}
			jsonEq(t, e.Output, tt.want)
		})
	}
}

func TestPathFailuresAreRuntimeErrors(t *testing.T) {
	// States.Runtime is not caught by States.ALL: the execution fails.
	def := `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f","Payload":{"x.$":"$.missing"}},
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`
	e, h := runOnce(t, def, map[string]Handler{"f": handlerFunc(func(map[string]any) (any, error) { return nil, nil })}, `{}`)
	if e.Status != "FAILED" || e.Error != ErrRuntime || !strings.Contains(e.Cause, "$.missing") {
		t.Fatalf("execution = %s %s %s", e.Status, e.Error, e.Cause)
	}
	if got := types(h); got != "ExecutionStarted TaskStateEntered:P ExecutionFailed" {
		t.Fatalf("history = %s", got)
	}
	// A ResultPath that cannot apply is States.ResultPathMatchFailure, which Catch handles.
	def = `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f"},"ResultPath":"$.a.b",
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`
	e, _ = runOnce(t, def, map[string]Handler{"f": handlerFunc(func(map[string]any) (any, error) { return 1, nil })}, `{"a":"str"}`)
	if e.Status != "SUCCEEDED" || !strings.Contains(string(e.Output), ErrResultPathMatch) {
		t.Fatalf("execution = %s %s", e.Status, e.Output)
	}
}
