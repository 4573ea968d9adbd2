// Package sfnfake is an in-process Step Functions for tests: an http.Handler
// speaking the service's JSON protocol (awsJson1_0) for StartExecution,
// DescribeExecution, GetExecutionHistory, ListExecutions, DescribeMapRun
// (for map runs a test starts with StartMapRun), and
// SendTaskSuccess/SendTaskFailure for tokens a test registers (tasks.go). It runs no
// state machine; tests finish executions and append history events
// themselves. Pages are capped at PageLimit items to exercise pagination.
package sfnfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the fake.
type Server struct {
	// PageLimit caps every page (history and listings), whatever maxResults asks.
	PageLimit int

	mu         sync.Mutex
	now        time.Time
	machines   map[string]bool
	executions map[string]*execution // by ARN
	order      []string              // ARNs in start order
	calls      map[string]int
	tasks      map[string]*task   // callback tasks by token (tasks.go)
	mapRuns    map[string]*mapRun // by ARN
}

// mapRun is a Distributed Map run: the execution that started it and its item count.
type mapRun struct {
	parent string
	items  int
	start  time.Time
}

type execution struct {
	arn, name, machine string
	mapRun             string // the map run that started it (a Distributed Map child)
	input, output      string
	status             string
	start, stop        time.Time
	errName, cause     string
	events             []map[string]any
}

// New returns a fake with the given state machine ARNs.
func New(machineARNs ...string) *Server {
	s := &Server{
		PageLimit:  100,
		now:        time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		machines:   map[string]bool{},
		executions: map[string]*execution{},
		calls:      map[string]int{},
		mapRuns:    map[string]*mapRun{},
	}
	for _, a := range machineARNs {
		s.machines[a] = true
	}
	return s
}

// Advance moves the fake's clock, which stamps starts, stops and events.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// Calls reports how often an operation was called.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Event is a history event to append: its type, and its details object in
// the wire format under detailsKey (e.g. "stateEnteredEventDetails").
type Event struct {
	Type       string
	DetailsKey string
	Details    map[string]any
	Previous   int64 // previousEventId; 0 means the event before it
}

// Append adds events to an execution's history.
func (s *Server) Append(executionARN string, events ...Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[executionARN]
	if !ok {
		return fmt.Errorf("no execution %s", executionARN)
	}
	for _, ev := range events {
		id := int64(len(e.events) + 1)
		prev := ev.Previous
		if prev == 0 {
			prev = id - 1
		}
		m := map[string]any{"id": id, "previousEventId": prev, "timestamp": epoch(s.now), "type": ev.Type}
		if ev.DetailsKey != "" {
			m[ev.DetailsKey] = ev.Details
		}
		e.events = append(e.events, m)
	}
	return nil
}

// StartMapRun registers a Distributed Map run of the parent execution over
// items items, for DescribeMapRun (which counts the children StartChild
// adds to it).
func (s *Server) StartMapRun(parentARN, mapRunARN string, items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mapRuns[mapRunARN] = &mapRun{parent: parentARN, items: items, start: s.now}
}

// StartChild adds a child execution of a Distributed Map run, named name,
// of the child state machine childMachine (e.g. "<machine ARN>/ShardMap"),
// as ListExecutions with mapRunArn lists it. It returns the child's ARN.
func (s *Server) StartChild(mapRunARN, childMachine, name, input string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := strings.Replace(childMachine, ":stateMachine:", ":execution:", 1) + ":" + name
	e := &execution{arn: arn, name: name, machine: childMachine, mapRun: mapRunARN, input: input, status: "RUNNING", start: s.now}
	e.events = []map[string]any{{"id": 1, "previousEventId": 0, "timestamp": epoch(s.now), "type": "ExecutionStarted",
		"executionStartedEventDetails": map[string]any{"input": input}}}
	s.executions[arn] = e
	s.order = append(s.order, arn)
	return arn
}

// Finish ends an execution with status (SUCCEEDED, FAILED, ...).
func (s *Server) Finish(executionARN, status, output, errName, cause string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.executions[executionARN]
	if !ok {
		return fmt.Errorf("no execution %s", executionARN)
	}
	e.status, e.output, e.errName, e.cause, e.stop = status, output, errName, cause, s.now
	return nil
}

func epoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// ServeHTTP dispatches on X-Amz-Target, as Step Functions does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	if r.Method != http.MethodPost || !ok || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") {
		writeErr(w, http.StatusBadRequest, "UnknownOperationException", "not a Step Functions JSON request")
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeErr(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	var out any
	var code, msg string
	switch op {
	case "StartExecution":
		out, code, msg = s.start(in)
	case "DescribeExecution":
		out, code, msg = s.describe(in)
	case "GetExecutionHistory":
		out, code, msg = s.history(in)
	case "ListExecutions":
		out, code, msg = s.list(in)
	case "DescribeMapRun":
		out, code, msg = s.describeMapRun(in)
	case "SendTaskSuccess", "SendTaskFailure":
		out, code, msg = s.sendTask(in, op == "SendTaskSuccess")
	default:
		code, msg = "UnknownOperationException", op
	}
	if code != "" {
		writeErr(w, http.StatusBadRequest, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func str(in map[string]any, k string) string { v, _ := in[k].(string); return v }

func (s *Server) start(in map[string]any) (any, string, string) {
	machine, name, input := str(in, "stateMachineArn"), str(in, "name"), str(in, "input")
	if !s.machines[machine] {
		return nil, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + machine + "'"
	}
	if input == "" {
		input = "{}"
	}
	arn := strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
	if e, ok := s.executions[arn]; ok {
		// Step Functions: the same name and input of a running execution is idempotent.
		if e.status == "RUNNING" && e.input == input {
			return map[string]any{"executionArn": arn, "startDate": epoch(e.start)}, "", ""
		}
		return nil, "ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'"
	}
	e := &execution{arn: arn, name: name, machine: machine, input: input, status: "RUNNING", start: s.now}
	s.executions[arn] = e
	s.order = append(s.order, arn)
	e.events = append(e.events, map[string]any{
		"id": 1, "previousEventId": 0, "timestamp": epoch(s.now), "type": "ExecutionStarted",
		"executionStartedEventDetails": map[string]any{"input": input},
	})
	return map[string]any{"executionArn": arn, "startDate": epoch(e.start)}, "", ""
}

func (s *Server) describe(in map[string]any) (any, string, string) {
	e, ok := s.executions[str(in, "executionArn")]
	if !ok {
		return nil, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + str(in, "executionArn") + "'"
	}
	out := map[string]any{
		"executionArn": e.arn, "stateMachineArn": e.machine, "name": e.name,
		"status": e.status, "startDate": epoch(e.start), "input": e.input,
	}
	if !e.stop.IsZero() {
		out["stopDate"] = epoch(e.stop)
	}
	for k, v := range map[string]string{"output": e.output, "error": e.errName, "cause": e.cause, "mapRunArn": e.mapRun} {
		if v != "" {
			out[k] = v
		}
	}
	return out, "", ""
}

// page cuts items at the token (an offset) into a page of at most max (and PageLimit).
func (s *Server) page(n int, in map[string]any) (from, to int, next string, code, msg string) {
	if tok := str(in, "nextToken"); tok != "" {
		var err error
		if from, err = strconv.Atoi(tok); err != nil || from < 0 || from > n {
			return 0, 0, "", "InvalidToken", "Invalid Token: '" + tok + "'"
		}
	}
	size := s.PageLimit
	if m, ok := in["maxResults"].(float64); ok && m > 0 && int(m) < size {
		size = int(m)
	}
	to = min(from+size, n)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next, "", ""
}

func (s *Server) history(in map[string]any) (any, string, string) {
	e, ok := s.executions[str(in, "executionArn")]
	if !ok {
		return nil, "ExecutionDoesNotExist", "Execution Does Not Exist"
	}
	from, to, next, code, msg := s.page(len(e.events), in)
	if code != "" {
		return nil, code, msg
	}
	out := map[string]any{"events": e.events[from:to]}
	if next != "" {
		out["nextToken"] = next
	}
	return out, "", ""
}

func (s *Server) list(in map[string]any) (any, string, string) {
	machine, mapRun := str(in, "stateMachineArn"), str(in, "mapRunArn")
	if (machine == "") == (mapRun == "") {
		return nil, "InvalidArn", "give exactly one of stateMachineArn and mapRunArn"
	}
	if mapRun == "" && !s.machines[machine] {
		return nil, "StateMachineDoesNotExist", "State Machine Does Not Exist"
	}
	var matching []*execution
	for _, arn := range slices.Backward(s.order) { // newest first
		e := s.executions[arn]
		listed := e.machine == machine && e.mapRun == ""
		if mapRun != "" {
			listed = e.mapRun == mapRun
		}
		if listed && (str(in, "statusFilter") == "" || e.status == str(in, "statusFilter")) {
			matching = append(matching, e)
		}
	}
	from, to, next, code, msg := s.page(len(matching), in)
	if code != "" {
		return nil, code, msg
	}
	items := []map[string]any{}
	for _, e := range matching[from:to] {
		item := map[string]any{
			"executionArn": e.arn, "stateMachineArn": e.machine, "name": e.name,
			"status": e.status, "startDate": epoch(e.start),
		}
		if !e.stop.IsZero() {
			item["stopDate"] = epoch(e.stop)
		}
		items = append(items, item)
	}
	out := map[string]any{"executions": items}
	if next != "" {
		out["nextToken"] = next
	}
	return out, "", ""
}

// describeMapRun reports a run StartMapRun registered: its parent, and its
// items and children counted by status. It is RUNNING until every item has
// a finished child, then FAILED if any failed, else SUCCEEDED.
func (s *Server) describeMapRun(in map[string]any) (any, string, string) {
	arn := str(in, "mapRunArn")
	r, ok := s.mapRuns[arn]
	if !ok {
		return nil, "ResourceNotFound", "Resource not found: '" + arn + "'"
	}
	counts := map[string]int{}
	for _, e := range s.executions {
		if e.mapRun == arn {
			counts[e.status]++
		}
	}
	done := counts["SUCCEEDED"] + counts["FAILED"] + counts["TIMED_OUT"] + counts["ABORTED"]
	status := "RUNNING"
	switch {
	case done < r.items:
	case done > counts["SUCCEEDED"]:
		status = "FAILED"
	default:
		status = "SUCCEEDED"
	}
	started := done + counts["RUNNING"]
	c := func(pending int) map[string]any {
		return map[string]any{"pending": pending, "running": counts["RUNNING"], "succeeded": counts["SUCCEEDED"], "failed": counts["FAILED"],
			"timedOut": counts["TIMED_OUT"], "aborted": counts["ABORTED"], "total": r.items, "resultsWritten": 0}
	}
	items := c(r.items - started)
	execs := c(0)
	execs["total"] = started
	return map[string]any{"mapRunArn": arn, "executionArn": r.parent, "status": status, "startDate": epoch(r.start),
		"maxConcurrency": 0, "toleratedFailurePercentage": 0, "toleratedFailureCount": 0,
		"itemCounts": items, "executionCounts": execs}, "", ""
}
