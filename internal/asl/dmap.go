package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// A Distributed Map runs each item as a child execution with its own record
// and history, as Step Functions does: the child's state machine is
// "<parent machine>/<Label or state name>", its name "<map run>:<index>",
// where the map run is the parent's name (with "-<n>" for the n-th run of the
// state after a retry). The parent's history holds MapRunStarted and
// MapRunSucceeded or MapRunFailed; MapRunStarted's output names the map run
// and the children's machine and name prefix. Finished children are recorded
// in the parent's checkpoint, so after a restart each item's output counts
// exactly once: a child that finished before the crash is read back, one in
// flight resumes from its own checkpoint.

// isChild tells a child execution's machine ("annotation/Shards") from a top-level one.
func isChild(machine string) bool { return strings.Contains(machine, "/") }

// MapRunID is the local ARN of a Distributed Map run.
func MapRunID(childMachine, run string) string {
	return "arn:aws:states:local:000000000000:mapRun:" + childMachine + ":" + run
}

// attemptMapRun runs one map run: each item not finished before a restart
// runs as a child execution (mapRun.runChildItem), up to the tolerated
// failures; then the run's outcome is recorded.
func (x *execution) attemptMapRun(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	eff, serr := effectiveInput(st, raw, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	items, serr := x.readItems(ctx, st, eff, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	limit, serr := x.mapRunLimit(st, eff, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	label := st.label
	if label == "" {
		label = st.name
	}
	childMachine := x.rec.StateMachine + "/" + label
	runs := th.MapRuns
	if th.Phase != "running" { // a new run: numbered across the execution, as a loop may enter the state again
		x.mu.Lock()
		runs = max(runs, x.cp.MapRuns[childMachine]) + 1
		x.mu.Unlock()
	}
	run := mapRunName(x.rec.Name, runs)
	started := ev("MapRunStarted", st)
	started.Output = encode(map[string]any{"mapRunArn": MapRunID(childMachine, run), "length": len(items),
		"maxConcurrency": limit, "childStateMachine": childMachine, "childNamePrefix": run + ":"})
	if err := x.beginMap(th, started, func() {
		th.MapRuns = runs
		if x.cp.MapRuns == nil {
			x.cp.MapRuns = map[string]int{}
		}
		x.cp.MapRuns[childMachine] = runs
	}); err != nil {
		return nil, nil, err
	}

	m := newMapRun(ctx, x, st, th, eff, ctxObj, len(items), max(limit, 1))
	defer m.abort()
	tolerated := func(n int) bool {
		return float64(n) <= st.toleratedCount || float64(n)*100 <= st.toleratedPercent*float64(len(items))
	}
	if serr, err := m.run(items, func(i int, item any) { m.runChildItem(i, item, childMachine, run, tolerated) }); serr != nil || err != nil {
		return nil, serr, err
	}
	if !tolerated(m.failures) {
		e := ev("MapRunFailed", st)
		e.Error = ErrExceedToleratedMap
		e.Cause = fmt.Sprintf("The specified tolerated failure threshold was exceeded: %d of %d items failed; the first with %s: %s",
			m.failures, len(items), m.firstErr.Name, m.firstErr.Cause)
		if err := x.save(th, func() { th.Phase, th.MapResults = "entered", nil }, e); err != nil {
			return nil, nil, err
		}
		return nil, &Error{Name: e.Error, Cause: e.Cause}, nil
	}
	e := ev("MapRunSucceeded", st)
	e.Output = encode(map[string]any{"mapRunArn": MapRunID(childMachine, run), "succeeded": len(items) - m.failures, "failed": m.failures})
	if err := x.save(th, func() { th.MapResults = nil }, e); err != nil {
		return nil, nil, err
	}
	out, serr := applyResult(st, raw, m.results, ctxObj)
	return out, serr, nil
}

// runChildItem is a Distributed Map's item worker: item i runs as the child
// execution "<run>:<i>"; a failure is item i's result and aborts the run
// once more items failed than tolerated.
func (m *mapRun) runChildItem(i int, item any, childMachine, run string, tolerated func(int) bool) {
	x, st, idx := m.x, m.st, strconv.Itoa(i)
	in, serr := itemInput(st, m.eff, m.ctxObj, i, item)
	var out any
	var err error
	if serr == nil {
		out, serr, err = x.runChild(m.ctx, m.mctx, st, childMachine, run+":"+idx, in)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err != nil: // the store failed, or the runner is closing
		if m.fatal == nil {
			m.fatal = err
		}
		m.abort()
		return
	case serr != nil:
		m.failures++
		out = map[string]any{"Error": serr.Name, "Cause": serr.Cause}
		if m.firstErr == nil {
			m.firstErr = serr
		}
		if !tolerated(m.failures) {
			m.abort()
		}
	}
	m.results[i] = out
	if serr != nil {
		// A failed item is not saved as finished: after a restart run
		// starts it again, runChild reads the failed child back, and the
		// failure counts against the tolerance once more.
		return
	}
	if err := x.save(m.th, func() { m.th.MapResults[idx] = encode(out) }); err != nil && m.fatal == nil {
		m.fatal = err
	}
}

func mapRunName(parent string, n int) string {
	if n <= 1 {
		return parent
	}
	return parent + "-" + strconv.Itoa(n)
}

// readItems reads the JSON array the ItemReader names, or takes ItemsPath.
func (x *execution) readItems(ctx context.Context, st *state, eff any, ctxObj map[string]any) ([]any, *Error) {
	if st.itemReader == nil {
		return selectItems(st, eff, ctxObj)
	}
	params, err := st.itemReader.apply(eff, ctxObj)
	if err != nil {
		return nil, statesErr(ErrRuntime, "state %q: ItemReader.Parameters: %v", st.name, err)
	}
	pm, _ := params.(map[string]any)
	key, ok := pm["Key"].(string)
	if _, hasBucket := pm["Bucket"].(string); !ok || !hasBucket {
		return nil, statesErr(ErrRuntime, "state %q: ItemReader.Parameters must give Bucket and Key strings, got %s", st.name, abbrev(params))
	}
	rc, err := x.r.cfg.Objects.Get(ctx, key)
	if err != nil {
		return nil, statesErr(ErrItemReaderFailed, "state %q: read items from %s: %v", st.name, key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, statesErr(ErrItemReaderFailed, "state %q: read items from %s: %v", st.name, key, err)
	}
	v, err := decode(data)
	items, ok := v.([]any)
	if err != nil || !ok {
		return nil, statesErr(ErrItemReaderFailed, "state %q: %s is not a JSON array", st.name, key)
	}
	if st.readerMaxItems > 0 && len(items) > st.readerMaxItems {
		items = items[:st.readerMaxItems]
	}
	return items, nil
}

// mapRunLimit is how many children run at once.
func (x *execution) mapRunLimit(st *state, eff any, ctxObj map[string]any) (int, *Error) {
	limit := st.maxConcurrency
	if st.maxConcurrencyPath != nil {
		v, err := st.maxConcurrencyPath.get(eff, ctxObj)
		if err != nil {
			return 0, statesErr(ErrRuntime, "state %q: MaxConcurrencyPath: %v", st.name, err)
		}
		n, ok := v.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || i < 0 {
			return 0, statesErr(ErrRuntime, "state %q: MaxConcurrencyPath must give a non-negative integer, got %s", st.name, abbrev(v))
		}
		limit = int(i)
	}
	if limit == 0 {
		limit = x.r.cfg.MapConcurrency
	}
	return limit, nil
}

// itemInput is one item's input: the ItemSelector applied with $$.Map.Item, or the item.
func itemInput(st *state, eff any, ctxObj map[string]any, i int, item any) (any, *Error) {
	if st.itemSelector == nil {
		return item, nil
	}
	itemCtx := make(map[string]any, len(ctxObj)+1)
	for k, v := range ctxObj {
		itemCtx[k] = v
	}
	itemCtx["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(strconv.Itoa(i)), "Value": item}}
	v, err := st.itemSelector.apply(eff, itemCtx)
	if err != nil {
		return nil, statesErr(ErrRuntime, "state %q: ItemSelector: %v", st.name, err)
	}
	return v, nil
}

// runChild runs (or resumes, or reads back) one child execution. ctx is the
// runner's; mctx ends early when the map run fails, which aborts the child.
func (x *execution) runChild(ctx, mctx context.Context, st *state, machine, name string, input any) (any, *Error, error) {
	now := x.r.cfg.Clock.Now()
	canonical := encode(input)
	if len(canonical) > MaxPayload {
		return nil, statesErr(ErrDataLimitExceeded, "state %q: item input is %d bytes, over %d", st.name, len(canonical), MaxPayload), nil
	}
	cp := checkpoint{LastEventID: 1, Threads: map[string]*thread{
		"": {State: st.processor.startAt, Input: canonical, EnteredAt: now, LastEventID: 1},
	}}
	rec := Record{
		Execution: domain.Execution{ID: ExecutionID(machine, name), Name: name, StateMachine: machine,
			Status: domain.ExecRunning, StartedAt: now, Input: canonical},
		Checkpoint: encode(cp),
	}
	started := domain.HistoryEvent{ID: 1, Timestamp: now, Type: "ExecutionStarted", Input: canonical}
	existing, created, err := x.r.cfg.Store.CreateExecution(context.WithoutCancel(ctx), rec, []domain.HistoryEvent{started})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: start child %s: %v", errStopped, name, err)
	}
	if !created {
		rec = existing
		if err := json.Unmarshal(rec.Checkpoint, &cp); err != nil && rec.Status == domain.ExecRunning {
			return nil, nil, fmt.Errorf("%w: child %s: bad checkpoint: %v", errStopped, name, err)
		}
	}
	cx := &execution{r: x.r, m: &Machine{top: st.processor}, rec: rec, cp: cp, input: input}
	if rec.Status == domain.ExecRunning {
		cx.run(mctx)
	}
	switch cx.rec.Status {
	case domain.ExecSucceeded:
		v, err := decode(cx.rec.Output)
		if err != nil {
			return nil, statesErr(ErrRuntime, "child %s: bad output", name), nil
		}
		return v, nil, nil
	case domain.ExecFailed, domain.ExecAborted:
		return nil, &Error{Name: cx.rec.Error, Cause: cx.rec.Cause}, nil
	}
	if ctx.Err() == nil && mctx.Err() != nil { // the map run failed: abort this child
		top := cx.current("")
		err := cx.save(top, func() {
			cx.rec.Status, cx.rec.StoppedAt = domain.ExecAborted, x.r.cfg.Clock.Now()
			cx.cp.Threads = map[string]*thread{}
		}, domain.HistoryEvent{Type: "ExecutionAborted"})
		if err != nil {
			return nil, nil, err
		}
		return nil, &Error{Name: "States.Aborted", Cause: "the map run failed"}, nil
	}
	return nil, nil, errStopped
}
