package asl

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// LambdaInvoke is the only Task resource the local runner knows: the
// optimised Lambda integration, whose result is {"Payload": ..., "StatusCode": 200, ...}.
const LambdaInvoke = "arn:aws:states:::lambda:invoke"

// Machine is a loaded, validated state machine definition.
type Machine struct {
	Comment string
	top     *stateSet
	// FunctionNames lists the Parameters.FunctionName of every Task, sorted.
	FunctionNames []string
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
	return m, nil
}

type loader struct {
	functions []string
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
	"Task":    {"Resource", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "TimeoutSeconds", "Retry", "Catch", "Next", "End"},
	"Pass":    {"Result", "ResultPath", "Parameters", "InputPath", "OutputPath", "Next", "End"},
	"Wait":    {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Next", "End"},
	"Choice":  {"Choices", "Default", "InputPath", "OutputPath"},
	"Succeed": {"InputPath", "OutputPath"},
	"Fail":    {"Error", "ErrorPath", "Cause", "CausePath"},
	"Map":     {"ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator", "MaxConcurrency", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "Next", "End"},
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

func (l *loader) task(st *state, f fields) error {
	var res string
	if err := f.str("Resource", &res, true); err != nil {
		return err
	}
	if res != LambdaInvoke {
		return f.errf("Resource", fmt.Sprintf("%q is not supported; use %q", res, LambdaInvoke))
	}
	raw, _ := f.has("Parameters")
	var params map[string]json.RawMessage
	if err := json.Unmarshal(raw, &params); err != nil || params == nil {
		return f.errf("Parameters", "lambda:invoke needs Parameters with FunctionName")
	}
	for k := range params {
		if k != "FunctionName" && k != "Payload" && k != "Payload.$" {
			return f.errf("Parameters."+k, "not supported by the local runner (FunctionName, Payload)")
		}
	}
	if err := json.Unmarshal(params["FunctionName"], &st.functionName); err != nil || st.functionName == "" {
		return f.errf("Parameters.FunctionName", "must be a non-empty string")
	}
	if strings.Contains(st.functionName, "${") {
		return f.errf("Parameters.FunctionName", fmt.Sprintf("%q still has a placeholder; substitute the definition first", st.functionName))
	}
	l.functions = append(l.functions, st.functionName)
	if raw, ok := f.has("TimeoutSeconds"); ok {
		if err := json.Unmarshal(raw, &st.timeoutSeconds); err != nil || st.timeoutSeconds <= 0 {
			return f.errf("TimeoutSeconds", "must be a positive integer")
		}
	}
	return l.retryCatch(st, f)
}

func (l *loader) retryCatch(st *state, f fields) error {
	if raw, ok := f.has("Retry"); ok {
		var rs []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rs); err != nil {
			return f.errf("Retry", "must be an array of objects")
		}
		for i, r := range rs {
			rf := fields{raw: r, state: st.name, prefix: fmt.Sprintf("Retry[%d].", i)}
			if err := rf.only("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"); err != nil {
				return err
			}
			ret := retrier{intervalSeconds: 1, maxAttempts: 3, backoffRate: 2}
			var err error
			if ret.errorEquals, err = rf.errorEquals(i == len(rs)-1); err != nil {
				return err
			}
			if err := rf.number("IntervalSeconds", &ret.intervalSeconds, 1, true); err != nil {
				return err
			}
			var maxAttempts float64 = 3
			if err := rf.number("MaxAttempts", &maxAttempts, 0, true); err != nil {
				return err
			}
			ret.maxAttempts = int(maxAttempts)
			if err := rf.number("BackoffRate", &ret.backoffRate, 1, false); err != nil {
				return err
			}
			if err := rf.number("MaxDelaySeconds", &ret.maxDelaySeconds, 1, true); err != nil {
				return err
			}
			var jitter string
			if err := rf.str("JitterStrategy", &jitter, false); err != nil {
				return err
			}
			switch jitter {
			case "", "NONE":
			case "FULL":
				ret.fullJitter = true
			default:
				return rf.errf("JitterStrategy", "must be FULL or NONE")
			}
			st.retry = append(st.retry, ret)
		}
	}
	if raw, ok := f.has("Catch"); ok {
		var cs []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &cs); err != nil {
			return f.errf("Catch", "must be an array of objects")
		}
		for i, c := range cs {
			cf := fields{raw: c, state: st.name, prefix: fmt.Sprintf("Catch[%d].", i)}
			if err := cf.only("ErrorEquals", "ResultPath", "Next", "Comment"); err != nil {
				return err
			}
			var cat catcher
			var err error
			if cat.errorEquals, err = cf.errorEquals(i == len(cs)-1); err != nil {
				return err
			}
			if err := cf.str("Next", &cat.next, true); err != nil {
				return err
			}
			if cat.resultPath, err = cf.optPath("ResultPath", true); err != nil {
				return err
			}
			st.catch = append(st.catch, cat)
		}
	}
	return nil
}

func (l *loader) wait(st *state, f fields) error {
	n := 0
	if raw, ok := f.has("Seconds"); ok {
		n++
		var s int64
		if err := json.Unmarshal(raw, &s); err != nil || s < 0 {
			return f.errf("Seconds", "must be a non-negative integer")
		}
		st.seconds = &s
	}
	if raw, ok := f.has("Timestamp"); ok {
		n++
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return f.errf("Timestamp", "must be a string")
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return f.errf("Timestamp", "must be an RFC 3339 timestamp such as 2026-01-02T03:04:05Z")
		}
		st.timestamp = t
	}
	for _, pf := range []struct {
		name string
		dst  **path
	}{{"SecondsPath", &st.secondsPath}, {"TimestampPath", &st.timestampPath}} {
		if _, ok := f.has(pf.name); ok {
			n++
			op, err := f.optPath(pf.name, true)
			if err != nil {
				return err
			}
			if op.null || op.p == nil {
				return f.errf(pf.name, "must be a path")
			}
			*pf.dst = op.p
		}
	}
	if n != 1 {
		return f.errf("Seconds", "exactly one of Seconds, SecondsPath, Timestamp and TimestampPath is required")
	}
	return nil
}

func (l *loader) fail(st *state, f fields) error {
	if err := f.str("Error", &st.errName, false); err != nil {
		return err
	}
	if err := f.str("Cause", &st.cause, false); err != nil {
		return err
	}
	for _, pf := range []struct {
		name, other string
		dst         **path
	}{{"ErrorPath", "Error", &st.errorPath}, {"CausePath", "Cause", &st.causePath}} {
		if _, ok := f.has(pf.name); !ok {
			continue
		}
		if _, both := f.has(pf.other); both {
			return f.errf(pf.name, "cannot be given with "+pf.other)
		}
		var s string
		if err := f.str(pf.name, &s, true); err != nil {
			return err
		}
		p, err := parsePath(s)
		if err != nil || !p.definite() {
			return f.errf(pf.name, fmt.Sprintf("%q is not a reference path", s))
		}
		*pf.dst = p
	}
	return nil
}

func (l *loader) mapState(st *state, f fields) error {
	var err error
	if st.itemsPath, err = f.optPath("ItemsPath", true); err != nil {
		return err
	}
	if st.itemsPath.null {
		return f.errf("ItemsPath", "cannot be null")
	}
	_, hasSel := f.has("ItemSelector")
	if st.parameters != nil && hasSel {
		return f.errf("Parameters", "cannot be given with ItemSelector")
	}
	if hasSel {
		if st.itemSelector, err = f.template("ItemSelector"); err != nil {
			return err
		}
	} else {
		st.itemSelector, st.parameters = st.parameters, nil // legacy name of ItemSelector
	}
	if raw, ok := f.has("MaxConcurrency"); ok {
		if err := json.Unmarshal(raw, &st.maxConcurrency); err != nil || st.maxConcurrency < 0 {
			return f.errf("MaxConcurrency", "must be a non-negative integer")
		}
	}
	procName := "ItemProcessor"
	raw, ok := f.has("ItemProcessor")
	if it, legacy := f.has("Iterator"); legacy {
		if ok {
			return f.errf("Iterator", "cannot be given with ItemProcessor")
		}
		procName, raw, ok = "Iterator", it, true
	}
	if !ok {
		return f.errf("ItemProcessor", "missing")
	}
	var pr map[string]json.RawMessage
	if err := json.Unmarshal(raw, &pr); err != nil {
		return f.errf(procName, "must be an object")
	}
	pf := fields{raw: pr, state: st.name, prefix: procName + "."}
	if err := pf.only("ProcessorConfig", "StartAt", "States", "Comment"); err != nil {
		return err
	}
	if rawCfg, ok := pf.has("ProcessorConfig"); ok {
		var cfg map[string]json.RawMessage
		if err := json.Unmarshal(rawCfg, &cfg); err != nil {
			return pf.errf("ProcessorConfig", "must be an object")
		}
		cf := fields{raw: cfg, state: st.name, prefix: procName + ".ProcessorConfig."}
		if err := cf.only("Mode"); err != nil {
			return err
		}
		var mode string
		if err := cf.str("Mode", &mode, false); err != nil {
			return err
		}
		if mode != "" && mode != "INLINE" {
			return cf.errf("Mode", "only INLINE is supported (no distributed Map)")
		}
	}
	if st.processor, err = l.stateSet(pf, st.name); err != nil {
		return err
	}
	return l.retryCatch(st, f)
}

// fields reads the members of one JSON object of the definition, with
// errors that name the state and field.
type fields struct {
	raw    map[string]json.RawMessage
	state  string
	prefix string
}

func (f fields) errf(field, msg string) error {
	return &LoadError{State: f.state, Field: f.prefix + field, Msg: msg}
}

func (f fields) has(name string) (json.RawMessage, bool) {
	v, ok := f.raw[name]
	return v, ok
}

func (f fields) only(allowed ...string) error {
	var unknown []string
	for k := range f.raw {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return f.errf(unknown[0], "unknown or unsupported field")
	}
	return nil
}

func (f fields) str(name string, dst *string, required bool) error {
	raw, ok := f.raw[name]
	if !ok {
		if required {
			return f.errf(name, "missing")
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return f.errf(name, "must be a string")
	}
	if required && *dst == "" {
		return f.errf(name, "must not be empty")
	}
	return nil
}

func (f fields) number(name string, dst *float64, min float64, integer bool) error {
	raw, ok := f.raw[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil || *dst < min || (integer && *dst != float64(int64(*dst))) {
		kind := "a number"
		if integer {
			kind = "an integer"
		}
		return f.errf(name, fmt.Sprintf("must be %s >= %g", kind, min))
	}
	return nil
}

func (f fields) optPath(name string, reference bool) (optPath, error) {
	raw, ok := f.raw[name]
	if !ok {
		return optPath{}, nil
	}
	if string(raw) == "null" {
		return optPath{null: true}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return optPath{}, f.errf(name, "must be a path string or null")
	}
	var p *path
	var err error
	if reference {
		p, err = parseReferencePath(s)
	} else {
		p, err = parsePath(s)
	}
	if err != nil {
		return optPath{}, f.errf(name, err.Error())
	}
	return optPath{p: p}, nil
}

func (f fields) template(name string) (*template, error) {
	raw, ok := f.raw[name]
	if !ok {
		return nil, nil
	}
	v, err := decode(raw)
	if err != nil {
		return nil, f.errf(name, "is not JSON")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, f.errf(name, "must be an object")
	}
	t, err := compileTemplate(v, name)
	if err != nil {
		return nil, &LoadError{State: f.state, Field: f.prefix + name, Msg: err.Error()}
	}
	return t, nil
}

func (f fields) errorEquals(last bool) ([]string, error) {
	raw, ok := f.raw["ErrorEquals"]
	var names []string
	if !ok || json.Unmarshal(raw, &names) != nil || len(names) == 0 {
		return nil, f.errf("ErrorEquals", "must be a non-empty array of error names")
	}
	if slices.Contains(names, ErrAll) && (len(names) > 1 || !last) {
		return nil, f.errf("ErrorEquals", "States.ALL must be the only name, in the last retrier or catcher")
	}
	for _, n := range names {
		if strings.HasPrefix(n, "States.") && !slices.Contains(knownErrors, n) {
			return nil, f.errf("ErrorEquals", fmt.Sprintf("%q is not a States error name", n))
		}
	}
	return names, nil
}
