package asl

import (
	"strings"
	"testing"
)

func TestLoadRejects(t *testing.T) {
	task := func(extra string) string {
		return `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"f"},` + extra + `"End":true}}}`
	}
	distributed := func(extra string) string {
		return `{"StartAt":"A","States":{"A":{"Type":"Map",` + extra + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
			"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`
	}
	tests := []struct {
		name, def, want string
	}{
		{"not json", `{`, "not a JSON object"},
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, "field StartAt: missing"},
		{"StartAt unknown", `{"StartAt":"B","States":{"A":{"Type":"Succeed"}}}`, `StartAt: "B" is not a state`},
		{"JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "JSONata is not"},
		{"unknown top field", `{"StartAt":"A","TimeoutSeconds":5,"States":{"A":{"Type":"Succeed"}}}`, "field TimeoutSeconds: unknown"},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Parallel","End":true}}}`, `state "A": field Type: state type "Parallel" is not supported`},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Pass","Foo":1,"End":true}}}`, `state "A": field Foo: unknown`},
		{"field of another type", `{"StartAt":"A","States":{"A":{"Type":"Pass","Seconds":1,"End":true}}}`, `field Seconds: unknown`},
		{"dangling Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, `state "A": field Next: "B" is not a state`},
		{"Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "exactly one of Next and End"},
		{"neither Next nor End", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, "exactly one of Next and End"},
		{"unreachable", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`, `state "B": is not reachable`},
		{"other resource", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}}`, "Resource"},
		{"placeholder left", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${F}"},"End":true}}}`, "still has a placeholder"},
		{"lambda param", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","InvocationType":"Event"},"End":true}}}`, "Parameters.InvocationType: not supported"},
		{"States.ALL not last", task(`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"},{"ErrorEquals":["X"],"Next":"A"}],`), "States.ALL must be the only name"},
		{"States.ALL with others", task(`"Retry":[{"ErrorEquals":["States.ALL","X"]}],`), "States.ALL must be the only name"},
		{"unknown States error", task(`"Retry":[{"ErrorEquals":["States.Nope"]}],`), `"States.Nope" is not a States error name`},
		{"BackoffRate below 1", task(`"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],`), "Retry[0].BackoffRate"},
		{"bad jitter", task(`"Retry":[{"ErrorEquals":["X"],"JitterStrategy":"HALF"}],`), "JitterStrategy: must be FULL or NONE"},
		{"bad timeout", task(`"TimeoutSeconds":0,`), "TimeoutSeconds: must be a positive integer"},
		{"heartbeat", task(`"HeartbeatSeconds":5,`), "HeartbeatSeconds: only a arn:aws:states:::lambda:invoke.waitForTaskToken task"},
		{"bad path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$..a","End":true}}}`, "recursive descent"},
		{"filter path", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$.a[?(@.b)]"},"End":true}}}`, "is not supported"},
		{"wildcard ResultPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "reference path"},
		{"unknown intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Hash($.a, 'MD5')"},"End":true}}}`, "States.Hash is not a supported"},
		{"intrinsic arity", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.MathAdd(1)"},"End":true}}}`, "takes 2 arguments"},
		{".$ not string", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":3},"End":true}}}`, "must be a path or intrinsic"},
		{"two waits", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, "exactly one of Seconds"},
		{"bad timestamp", `{"StartAt":"A","States":{"A":{"Type":"Wait","Timestamp":"tomorrow","End":true}}}`, "RFC 3339"},
		{"choice two comparators", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","NumericEquals":1,"Next":"B"}]},"B":{"Type":"Succeed"}}}`, "exactly one comparator"},
		{"choice bad operand", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"B"}]},"B":{"Type":"Succeed"}}}`, "Choices[0].NumericEquals: operand"},
		{"choice no Next", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true}],"Default":"B"},"B":{"Type":"Succeed"}}}`, "Choices[0].Next: missing"},
		{"choice dangling", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"C"}],"Default":"B"},"B":{"Type":"Succeed"}}}`, `Choices[0].Next: "C" is not a state`},
		{"fail both", `{"StartAt":"A","States":{"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}}`, "ErrorPath: cannot be given with Error"},
		{"distributed map", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "must be STANDARD"},
		{"map inner dangling", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"A"}}},"End":true}}}`, `state "B": field Next: "A" is not a state`},
		{"Retry not an array", task(`"Retry":{},`), "field Retry: must be an array of objects"},
		{"Catch unknown field", task(`"Catch":[{"ErrorEquals":["X"],"Next":"A","Foo":1}],`), "field Catch[0].Foo: unknown"},
		{"choice no rules", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[],"Default":"B"},"B":{"Type":"Succeed"}}}`, "field Choices: must be a non-empty array of rules"},
		{"choice empty And", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"And":[],"Next":"B"}]},"B":{"Type":"Succeed"}}}`, "field Choices[0].And: must be a non-empty array of rules"},
		{"choice nested operand", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Or":[{"Variable":"$.a","IsPresent":true},{"Variable":"$.b","NumericEquals":"1"}],"Next":"B"}]},"B":{"Type":"Succeed"}}}`, "field Choices[0].Or[1].NumericEquals: operand"},
		{"map processor not an object", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":[],"End":true}}}`, "field ItemProcessor: must be an object"},
		{"map processor config field", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE","Foo":1},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "field ItemProcessor.ProcessorConfig.Foo: unknown"},
		{"ItemReader not an object", distributed(`"ItemReader":[],`), "field ItemReader: must be an object"},
		{"ItemReader resource", distributed(`"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},`), "field ItemReader.Resource: only arn:aws:states:::s3:getObject"},
		{"ItemReader input type", distributed(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"k"}},`), "field ItemReader.ReaderConfig.InputType: only JSON is supported"},
		{"map ItemReader", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemReader":{},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "only a Map with ProcessorConfig.Mode DISTRIBUTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.def))
			if err == nil {
				t.Fatalf("Load accepted it; want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewRunnerNeedsEveryHandler(t *testing.T) {
	m := mustLoad(t, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`)
	_, err := NewRunner(Config{Store: NewMemStore(), Machines: map[string]*Machine{"m": m}})
	if err == nil || !strings.Contains(err.Error(), `function "f", which has no handler`) {
		t.Fatalf("err = %v", err)
	}
}
