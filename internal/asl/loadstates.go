package asl

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The loader's checks of each kind of state's own fields (the shared ones are in definition.go).

func (l *loader) task(st *state, f fields) error {
	var res string
	if err := f.str("Resource", &res, true); err != nil {
		return err
	}
	switch res {
	case LambdaInvoke:
	case LambdaInvokeCallback:
		st.callback = true
	default:
		return f.errf("Resource", fmt.Sprintf("%q is not supported; use %q or %q", res, LambdaInvoke, LambdaInvokeCallback))
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
	if err := l.taskTimeouts(st, f); err != nil {
		return err
	}
	return l.retryCatch(st, f)
}

func (l *loader) retryCatch(st *state, f fields) error {
	if _, ok := f.has("Retry"); ok {
		rs, err := f.objects("Retry", "must be an array of objects", false)
		if err != nil {
			return err
		}
		for i, rf := range rs {
			if err := rf.only("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"); err != nil {
				return err
			}
			ret := retrier{intervalSeconds: 1, maxAttempts: 3, backoffRate: 2}
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
	if _, ok := f.has("Catch"); ok {
		cs, err := f.objects("Catch", "must be an array of objects", false)
		if err != nil {
			return err
		}
		for i, cf := range cs {
			if err := cf.only("ErrorEquals", "ResultPath", "Next", "Comment"); err != nil {
				return err
			}
			var cat catcher
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
	_, ok := f.has("ItemProcessor")
	if _, legacy := f.has("Iterator"); legacy {
		if ok {
			return f.errf("Iterator", "cannot be given with ItemProcessor")
		}
		procName, ok = "Iterator", true
	}
	if !ok {
		return f.errf("ItemProcessor", "missing")
	}
	pf, err := f.object(procName, "ProcessorConfig", "StartAt", "States", "Comment")
	if err != nil {
		return err
	}
	if _, ok := pf.has("ProcessorConfig"); ok {
		cf, err := pf.object("ProcessorConfig", "Mode", "ExecutionType")
		if err != nil {
			return err
		}
		var mode, execType string
		if err := cf.str("Mode", &mode, false); err != nil {
			return err
		}
		if err := cf.str("ExecutionType", &execType, false); err != nil {
			return err
		}
		switch mode {
		case "", "INLINE":
			if execType != "" {
				return cf.errf("ExecutionType", "only for Mode DISTRIBUTED")
			}
		case "DISTRIBUTED":
			if execType != "STANDARD" {
				return cf.errf("ExecutionType", "must be STANDARD (EXPRESS child executions are not supported locally)")
			}
			st.distributed = true
		default:
			return cf.errf("Mode", "must be INLINE or DISTRIBUTED")
		}
	}
	if err := l.distributedFields(st, f); err != nil {
		return err
	}
	if st.processor, err = l.stateSet(pf, st.name); err != nil {
		return err
	}
	return l.retryCatch(st, f)
}

// distributedFields loads the fields only a Distributed Map has. ItemBatcher,
// ResultWriter and the ...Path forms of the tolerances are not supported.
func (l *loader) distributedFields(st *state, f fields) error {
	if !st.distributed {
		for _, name := range []string{"ItemReader", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailureCount", "Label"} {
			if _, ok := f.has(name); ok {
				return f.errf(name, "only a Map with ProcessorConfig.Mode DISTRIBUTED has it")
			}
		}
		return nil
	}
	if err := f.str("Label", &st.label, false); err != nil {
		return err
	}
	if err := f.number("ToleratedFailurePercentage", &st.toleratedPercent, 0, false); err != nil {
		return err
	}
	if st.toleratedPercent > 100 {
		return f.errf("ToleratedFailurePercentage", "must be at most 100")
	}
	if err := f.number("ToleratedFailureCount", &st.toleratedCount, 0, true); err != nil {
		return err
	}
	if raw, ok := f.has("MaxConcurrencyPath"); ok {
		if _, both := f.has("MaxConcurrency"); both {
			return f.errf("MaxConcurrencyPath", "cannot be given with MaxConcurrency")
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return f.errf("MaxConcurrencyPath", "must be a path string")
		}
		p, err := parseReferencePath(s)
		if err != nil {
			return f.errf("MaxConcurrencyPath", err.Error())
		}
		st.maxConcurrencyPath = p
	}
	if _, ok := f.has("ItemReader"); !ok {
		return nil
	}
	if st.itemsPath.p != nil {
		return f.errf("ItemsPath", "cannot be given with ItemReader")
	}
	rf, err := f.object("ItemReader", "Resource", "ReaderConfig", "Parameters")
	if err != nil {
		return err
	}
	if err := rf.exactly("Resource", "arn:aws:states:::s3:getObject", "only arn:aws:states:::s3:getObject (a JSON array) is supported"); err != nil {
		return err
	}
	if _, ok := rf.has("ReaderConfig"); !ok {
		return rf.errf("ReaderConfig", `missing: {"InputType": "JSON"} is required`)
	}
	cf, err := rf.object("ReaderConfig", "InputType", "MaxItems")
	if err != nil {
		return err
	}
	if err := cf.exactly("InputType", "JSON", "only JSON is supported"); err != nil {
		return err
	}
	var maxItems float64
	if err := cf.number("MaxItems", &maxItems, 1, true); err != nil {
		return err
	}
	st.readerMaxItems = int(maxItems)
	if st.itemReader, err = rf.template("Parameters"); err != nil {
		return err
	}
	if st.itemReader == nil {
		return rf.errf("Parameters", "missing: Bucket and Key are required")
	}
	l.readsItems = true
	return nil
}
