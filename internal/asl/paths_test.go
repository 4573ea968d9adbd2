package asl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPathGetAndSet(t *testing.T) {
	data, _ := decode([]byte(`{"a":{"b":[10,{"c":"x"}]},"odd key":1,"list":[{"id":1},{"id":2}]}`))
	ctxObj := map[string]any{"Execution": map[string]any{"Name": "run-1"}}
	gets := []struct{ path, want, wantErr string }{
		{"$", `{"a":{"b":[10,{"c":"x"}]},"list":[{"id":1},{"id":2}],"odd key":1}`, ""},
		{"$.a.b[0]", `10`, ""},
		{"$.a.b[1].c", `"x"`, ""},
		{"$['odd key']", `1`, ""},
		{"$.list[*].id", `[1,2]`, ""},
		{"$$.Execution.Name", `"run-1"`, ""},
		{"$.a.nope", "", "could not be found"},
		{"$.a.b[5]", "", "could not be found"},
	}
	for _, g := range gets {
		p, err := parsePath(g.path)
		if err != nil {
			t.Fatalf("%s: %v", g.path, err)
		}
		v, err := p.get(data, ctxObj)
		if g.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), g.wantErr) {
				t.Errorf("%s: err %v, want %q", g.path, err, g.wantErr)
			}
			continue
		}
		if err != nil || string(encode(v)) != g.want {
			t.Errorf("%s = %s, %v; want %s", g.path, encode(v), err, g.want)
		}
	}
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
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Errorf("set %s: err %v, want %q", s.path, err, s.wantErr)
			}
			continue
		}
		if err != nil || string(encode(v)) != s.want {
			t.Errorf("set %s = %s, %v; want %s", s.path, encode(v), err, s.want)
		}
		if len(orig) != 1 {
			t.Errorf("set %s mutated its input: %v", s.path, orig)
		}
	}
}

func TestIntrinsics(t *testing.T) {
	data, _ := decode([]byte(`{"n":41,"s":"{\"k\":[1,2]}","name":"job-1","arr":[1,2,3],"obj":{"a":1}}`))
	tests := []struct{ expr, want, wantErr string }{
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
	}
	for _, tt := range tests {
		in, err := parseIntrinsic(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		v, err := in.eval(data, nil)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.expr, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(encode(v)) != tt.want {
			t.Errorf("%s = %s, %v; want %s", tt.expr, encode(v), err, tt.want)
		}
	}
	u, _ := parseIntrinsic("States.UUID()")
	v, _ := u.eval(nil, nil)
	if s, _ := v.(string); len(s) != 36 || s[14] != '4' {
		t.Errorf("UUID = %v", v)
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
