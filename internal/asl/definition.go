package asl

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
)

// LambdaInvoke is the optimised Lambda integration, whose result is
// {"Payload": ..., "StatusCode": 200, ...}; LambdaInvokeCallback invokes the
// function and then waits for SendTaskSuccess or SendTaskFailure with the
// task token ($$.Task.Token), whose output is the result. They are the only
// Task resources the local runner knows.
const (
	LambdaInvoke         = "arn:aws:states:::lambda:invoke"
	LambdaInvokeCallback = LambdaInvoke + ".waitForTaskToken"
)

// Machine is a loaded, validated state machine definition.
type Machine struct {
	Comment string
	top     *stateSet
	// FunctionNames lists the Parameters.FunctionName of every Task, sorted.
	FunctionNames []string
	// ReadsItems is true when a Distributed Map reads its items from the
	// object store (ItemReader): the runner needs Config.Objects.
	ReadsItems bool
}

type stateSet struct {
	startAt string
	states  map[string]*state
}

// state is one state of any type; fields unused by its type stay zero.
type state struct {
	name, typ string
	next      string
	end       bool

	inputPath, outputPath, resultPath optPath
	parameters, resultSelector        *template

	// Task
	functionName   string
	timeoutSeconds int
	timeoutPath    *path // TimeoutSecondsPath, on the state's raw input
	callback       bool  // Resource lambda:invoke.waitForTaskToken
	heartbeat      int   // HeartbeatSeconds (callback tasks)
	retry          []retrier
	catch          []catcher

	// Pass
	result    any
	hasResult bool

	// Wait
	seconds       *int64
	secondsPath   *path
	timestamp     time.Time
	timestampPath *path

	// Choice
	choices     []*rule
	defaultNext string

	// Fail
	errName, cause       string
	errorPath, causePath *path

	// Map
	itemsPath      optPath
	itemSelector   *template
	processor      *stateSet
	maxConcurrency int

	// Distributed Map (ProcessorConfig.Mode DISTRIBUTED)
	distributed        bool
	itemReader         *template // ItemReader.Parameters of s3:getObject: Bucket, Key
	readerMaxItems     int       // ItemReader.ReaderConfig.MaxItems; 0: all
	maxConcurrencyPath *path
	toleratedPercent   float64
	toleratedCount     float64
	label              string
}

// optPath is InputPath/OutputPath/ResultPath: absent means "$", null means
// "discard" (InputPath/OutputPath: {}; ResultPath: keep the input).
type optPath struct {
	null bool
	p    *path
}

type retrier struct {
	errorEquals     []string
	intervalSeconds float64
	maxAttempts     int
	backoffRate     float64
	maxDelaySeconds float64
	fullJitter      bool
}

type catcher struct {
	errorEquals []string
	resultPath  optPath
	next        string
}

// LoadError is a definition the runner refuses, naming where and why.
type LoadError struct {
	State string // "" for the top level
	Field string
	Msg   string
}

func (e *LoadError) Error() string {
	switch {
	case e.State == "" && e.Field == "":
		return "asl: " + e.Msg
	case e.State == "":
		return fmt.Sprintf("asl: field %s: %s", e.Field, e.Msg)
	case e.Field == "":
		return fmt.Sprintf("asl: state %q: %s", e.State, e.Msg)
	}
	return fmt.Sprintf("asl: state %q: field %s: %s", e.State, e.Field, e.Msg)
}

// Load parses and validates a JSONPath ASL definition (placeholders already
// substituted). It rejects what the runner cannot execute faithfully.
func Load(definition []byte) (*Machine, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(definition, &top); err != nil {
		return nil, &LoadError{Msg: "definition is not a JSON object: " + err.Error()}
	}
	l := &loader{}
	f := fields{raw: top, state: ""}
	if err := f.only("Comment", "StartAt", "States", "Version", "QueryLanguage"); err != nil {
		return nil, err
	}
	if ql, ok := f.has("QueryLanguage"); ok {
		var s string
		if err := json.Unmarshal(ql, &s); err != nil || s != "JSONPath" {
			return nil, &LoadError{Field: "QueryLanguage", Msg: "only JSONPath is supported (JSONata is not)"}
		}
	}
	m := &Machine{}
	if err := f.str("Comment", &m.Comment, false); err != nil {
		return nil, err
	}
	set, err := l.stateSet(f, "")
	if err != nil {
		return nil, err
	}
	m.top = set
	slices.Sort(l.functions)
	m.FunctionNames = slices.Compact(l.functions)
	m.ReadsItems = l.readsItems
	return m, nil
}

type loader struct {
	functions  []string
	readsItems bool
}

// stateSet loads StartAt + States (the machine, or a Map's ItemProcessor).
func (l *loader) stateSet(f fields, owner string) (*stateSet, error) {
	set := &stateSet{states: map[string]*state{}}
	if err := f.str("StartAt", &set.startAt, true); err != nil {
		return nil, err
	}
	raw, ok := f.has("States")
	if !ok {
		return nil, f.errf("States", "missing")
	}
	var states map[string]json.RawMessage
	if err := json.Unmarshal(raw, &states); err != nil || len(states) == 0 {
		return nil, f.errf("States", "must be a non-empty object")
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if len(n) == 0 || len(n) > 80 {
			return nil, &LoadError{State: n, Msg: "a state name must have 1 to 80 characters"}
		}
		var sf map[string]json.RawMessage
		if err := json.Unmarshal(states[n], &sf); err != nil {
			return nil, &LoadError{State: n, Msg: "must be a JSON object"}
		}
		st, err := l.state(n, fields{raw: sf, state: n})
		if err != nil {
			return nil, err
		}
		set.states[n] = st
	}
	if _, ok := set.states[set.startAt]; !ok {
		return nil, &LoadError{State: owner, Field: "StartAt", Msg: fmt.Sprintf("%q is not a state", set.startAt)}
	}
	// Every transition must land on a state of this set, and every state must be reachable.
	for _, n := range names {
		st := set.states[n]
		for _, t := range st.targets() {
			if _, ok := set.states[t.to]; !ok {
				return nil, &LoadError{State: n, Field: t.field, Msg: fmt.Sprintf("%q is not a state", t.to)}
			}
		}
	}
	seen := map[string]bool{set.startAt: true}
	queue := []string{set.startAt}
	for len(queue) > 0 {
		st := set.states[queue[0]]
		queue = queue[1:]
		for _, t := range st.targets() {
			if !seen[t.to] {
				seen[t.to] = true
				queue = append(queue, t.to)
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			return nil, &LoadError{State: n, Msg: "is not reachable from StartAt"}
		}
	}
	return set, nil
}

type target struct{ field, to string }

func (s *state) targets() []target {
	var out []target
	if s.next != "" {
		out = append(out, target{"Next", s.next})
	}
	if s.defaultNext != "" {
		out = append(out, target{"Default", s.defaultNext})
	}
	for i, r := range s.choices {
		out = append(out, target{fmt.Sprintf("Choices[%d].Next", i), r.next})
	}
	for i, c := range s.catch {
		out = append(out, target{fmt.Sprintf("Catch[%d].Next", i), c.next})
	}
	return out
}

var allowedFields = map[string][]string{
	"Task": {"Resource", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "TimeoutSeconds", "TimeoutSecondsPath",
		"HeartbeatSeconds", "Retry", "Catch", "Next", "End"},
	"Pass":    {"Result", "ResultPath", "Parameters", "InputPath", "OutputPath", "Next", "End"},
	"Wait":    {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Next", "End"},
	"Choice":  {"Choices", "Default", "InputPath", "OutputPath"},
	"Succeed": {"InputPath", "OutputPath"},
	"Fail":    {"Error", "ErrorPath", "Cause", "CausePath"},
	"Map": {"ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator", "MaxConcurrency", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "Next", "End",
		"ItemReader", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailureCount", "Label"},
}

func (l *loader) state(name string, f fields) (*state, error) {
	st := &state{name: name}
	if err := f.str("Type", &st.typ, true); err != nil {
		return nil, err
	}
	allowed, ok := allowedFields[st.typ]
	if !ok {
		msg := fmt.Sprintf("state type %q is not supported (Task, Pass, Wait, Choice, Succeed, Fail, Map)", st.typ)
		return nil, f.errf("Type", msg)
	}
	if err := f.only(append([]string{"Type", "Comment"}, allowed...)...); err != nil {
		return nil, err
	}
	if err := l.common(st, f); err != nil {
		return nil, err
	}
	var err error
	switch st.typ {
	case "Task":
		err = l.task(st, f)
	case "Pass":
		if r, ok := f.has("Result"); ok {
			st.hasResult = true
			st.result, err = decode(r)
		}
	case "Wait":
		err = l.wait(st, f)
	case "Choice":
		err = l.choice(st, f)
	case "Fail":
		err = l.fail(st, f)
	case "Map":
		err = l.mapState(st, f)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// common loads transitions and the path fields shared by several types.
func (l *loader) common(st *state, f fields) error {
	if err := f.str("Next", &st.next, false); err != nil {
		return err
	}
	if raw, ok := f.has("End"); ok {
		if err := json.Unmarshal(raw, &st.end); err != nil {
			return f.errf("End", "must be a boolean")
		}
	}
	switch st.typ {
	case "Task", "Pass", "Wait", "Map":
		if (st.next == "") == !st.end {
			return f.errf("Next", "exactly one of Next and End (true) is required")
		}
	}
	var err error
	if st.inputPath, err = f.optPath("InputPath", false); err != nil {
		return err
	}
	if st.outputPath, err = f.optPath("OutputPath", false); err != nil {
		return err
	}
	if st.resultPath, err = f.optPath("ResultPath", true); err != nil {
		return err
	}
	if st.parameters, err = f.template("Parameters"); err != nil {
		return err
	}
	if st.resultSelector, err = f.template("ResultSelector"); err != nil {
		return err
	}
	return nil
}
