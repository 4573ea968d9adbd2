package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// runMap runs a Map state (a Distributed Map: attemptMapRun). An inline Map: one thread per item, at most MaxConcurrency at
// a time. Finished iterations are kept in the checkpoint, so a restart runs
// only the unfinished ones. The first failing iteration fails the Map and
// aborts the others; Retry then runs every item again.
func (x *execution) runMap(ctx context.Context, key string, st *state, th *thread, raw any, ctxObj map[string]any) (any, string, []domain.HistoryEvent, error) {
	return x.retrying(ctx, st, th, raw, "Map", func() (any, *Error, error) {
		if st.distributed {
			return x.attemptMapRun(ctx, st, th, raw, ctxObj)
		}
		return x.attemptMap(ctx, key, st, th, raw, ctxObj)
	})
}

// attemptMap runs the Map's items once: it restores the results of items
// finished before a restart, runs the others (mapRun.runItem each) and
// records the outcome.
func (x *execution) attemptMap(ctx context.Context, key string, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	eff, items, serr := mapItems(st, raw, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	started := ev("MapStateStarted", st)
	started.Output = encode(map[string]any{"length": len(items)})
	if err := x.beginMap(th, started, func() { th.WakeAt = time.Time{} }); err != nil {
		return nil, nil, err
	}
	m := newMapRun(ctx, x, st, th, eff, ctxObj, len(items), st.maxConcurrency)
	defer m.abort()
	m.prefix = st.name + "/"
	if key != "" {
		m.prefix = key + "/" + m.prefix
	}
	if serr, err := m.run(items, m.runItem); serr != nil || err != nil {
		return nil, serr, err
	}
	if m.firstErr != nil {
		e := ev("MapStateFailed", st)
		e.Error, e.Cause = m.firstErr.Name, m.firstErr.Cause
		if err := x.save(th, func() {
			th.Phase, th.MapResults = "entered", nil // a retry starts the Map over
			x.dropThreads(m.prefix)
		}, e); err != nil {
			return nil, nil, err
		}
		return nil, m.firstErr, nil
	}
	if err := x.save(th, func() { th.MapResults = nil }, ev("MapStateSucceeded", st)); err != nil {
		return nil, nil, err
	}
	out, serr := applyResult(st, raw, m.results, ctxObj)
	return out, serr, nil
}

// mapItems is the Map's effective input and the array its ItemsPath selects.
func mapItems(st *state, raw any, ctxObj map[string]any) (any, []any, *Error) {
	eff, serr := effectiveInput(st, raw, ctxObj)
	if serr != nil {
		return nil, nil, serr
	}
	items, serr := selectItems(st, eff, ctxObj)
	return eff, items, serr
}

// selectItems is the array ItemsPath selects from the effective input.
func selectItems(st *state, eff any, ctxObj map[string]any) ([]any, *Error) {
	v := eff
	if st.itemsPath.p != nil {
		var err error
		if v, err = st.itemsPath.p.get(eff, ctxObj); err != nil {
			return nil, statesErr(ErrRuntime, "state %q: ItemsPath: %v", st.name, err)
		}
	}
	items, ok := v.([]any)
	if !ok {
		return nil, statesErr(ErrRuntime, "state %q: ItemsPath %s must give an array, got %s", st.name, pathSrc(st.itemsPath), abbrev(v))
	}
	return items, nil
}

// beginMap records the started event (MapStateStarted, or MapRunStarted)
// once per attempt, not again after a restart; set adds to the saved change.
func (x *execution) beginMap(th *thread, started domain.HistoryEvent, set func()) error {
	if th.Phase != "running" {
		if err := x.save(th, func() {
			th.Phase, th.MapResults = "running", map[string]json.RawMessage{}
			set()
		}, started); err != nil {
			return err
		}
	}
	x.mu.Lock()
	if th.MapResults == nil { // an empty map is not saved
		th.MapResults = map[string]json.RawMessage{}
	}
	x.mu.Unlock()
	return nil
}

// mapRun is one attempt of a Map state over its items: the running
// iterations, their results and the first failure. Its item workers run one
// item to its end: runItem in a thread of its own (an inline Map),
// runChildItem as a child execution (a Distributed Map).
type mapRun struct {
	x      *execution
	ctx    context.Context // the runner's: done when it closes
	mctx   context.Context // done also when an iteration failed (abort)
	abort  context.CancelFunc
	st     *state
	th     *thread // the Map state's thread; items run in child threads
	eff    any     // the Map's effective input, for ItemSelector
	ctxObj map[string]any
	prefix string        // inline Map: child thread keys are prefix + item index
	sem    chan struct{} // MaxConcurrency slots
	wg     sync.WaitGroup

	results []any // by item index

	mu       sync.Mutex
	firstErr *Error // the first failed iteration's error
	failures int    // failed items (a Distributed Map tolerates some)
	fatal    error  // a store failure
}

// newMapRun prepares a run over n items, limit at a time (0: all at once).
func newMapRun(ctx context.Context, x *execution, st *state, th *thread, eff any, ctxObj map[string]any, n, limit int) *mapRun {
	m := &mapRun{x: x, ctx: ctx, st: st, th: th, eff: eff, ctxObj: ctxObj, results: make([]any, n)}
	m.mctx, m.abort = context.WithCancel(ctx)
	if limit <= 0 || limit > n {
		limit = max(n, 1)
	}
	m.sem = make(chan struct{}, limit)
	return m
}

// fail records an iteration's error or a store failure and aborts the others.
func (m *mapRun) fail(serr *Error, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if serr != nil && m.firstErr == nil {
		m.firstErr = serr
	}
	if err != nil && m.fatal == nil {
		m.fatal = err
	}
	m.abort()
}

// run takes the saved result of every item finished before a restart and
// starts a worker for each other item, in order, as slots free up (as on
// AWS); it stops starting items once the Map is aborted. It returns when
// the workers are done: errStopped when the runner is closing, or the store
// failure.
func (m *mapRun) run(items []any, work func(i int, item any)) (*Error, error) {
	for i, item := range items {
		m.x.mu.Lock()
		done, finished := m.th.MapResults[strconv.Itoa(i)]
		m.x.mu.Unlock()
		if finished {
			v, err := decode(done)
			if err != nil {
				return statesErr(ErrRuntime, "state %q: bad saved result of item %d", m.st.name, i), nil
			}
			m.results[i] = v
			continue
		}
		select {
		case m.sem <- struct{}{}:
		case <-m.mctx.Done():
		}
		if m.mctx.Err() != nil {
			break
		}
		m.wg.Go(func() {
			defer func() { <-m.sem }()
			work(i, item)
		})
	}
	m.wg.Wait()
	if m.ctx.Err() != nil {
		return nil, errStopped
	}
	return nil, m.fatal
}

// runItem is an inline Map's item worker: it starts item i's thread (unless
// a restart found it started), runs the item processor in it and records how
// it ended.
func (m *mapRun) runItem(i int, item any) {
	childKey := m.prefix + strconv.Itoa(i)
	m.x.mu.Lock()
	child := m.x.cp.Threads[childKey]
	m.x.mu.Unlock()
	if child == nil {
		var serr *Error
		var err error
		if child, serr, err = m.startItem(i, item, childKey); serr != nil || err != nil {
			m.fail(serr, err)
			return
		}
	}
	out, err := m.x.runThread(m.mctx, childKey, m.st.processor, child)
	m.endItem(i, childKey, out, err)
}

// startItem makes item i's thread: the item (through ItemSelector) is its
// input, and MapIterationStarted is saved with it.
func (m *mapRun) startItem(i int, item any, childKey string) (*thread, *Error, error) {
	x, st := m.x, m.st
	in, serr := itemInput(st, m.eff, m.ctxObj, i, item)
	if serr != nil {
		return nil, serr, nil
	}
	child := &thread{State: st.processor.startAt, Input: encode(in), EnteredAt: x.r.cfg.Clock.Now()}
	started := ev("MapIterationStarted", st)
	started.Input = encode(map[string]any{"index": i})
	if err := x.save(m.th, func() {
		child.LastEventID = m.th.LastEventID
		x.cp.Threads[childKey] = child
	}, started); err != nil {
		return nil, nil, err
	}
	return child, nil, nil
}

// endItem records how item i's thread ended: its result, its failure (which
// aborts the Map), its abort, or nothing when the runner is closing (the
// checkpoint stays for Resume).
func (m *mapRun) endItem(i int, childKey string, out any, err error) {
	x, st := m.x, m.st
	child := x.current(childKey)
	index := encode(map[string]any{"index": i})
	var se *Error
	switch {
	case err == nil:
		e := ev("MapIterationSucceeded", st)
		e.Input, e.Output = index, encode(out)
		if err := x.save(child, func() {
			m.th.MapResults[strconv.Itoa(i)] = e.Output
			delete(x.cp.Threads, childKey)
		}, e); err != nil {
			m.fail(nil, err)
			return
		}
		m.results[i] = out
	case errors.As(err, &se):
		e := ev("MapIterationFailed", st)
		e.Input, e.Error, e.Cause = index, se.Name, se.Cause
		m.fail(se, x.save(child, func() { x.dropThreads(childKey) }, e))
	case m.ctx.Err() != nil: // the runner is closing: the checkpoint stays for Resume
	case m.mctx.Err() != nil: // aborted because another iteration failed
		e := ev("MapIterationAborted", st)
		e.Input = index
		if err := x.save(child, func() { x.dropThreads(childKey) }, e); err != nil {
			m.fail(nil, err)
		}
	default: // the store failed
		m.fail(nil, err)
	}
}

// dropThreads forgets the thread key and every thread nested under it.
// Called with x.mu held (inside save).
func (x *execution) dropThreads(key string) {
	for k := range x.cp.Threads {
		if k == key || len(k) > len(key) && k[:len(key)] == key && (key[len(key)-1] == '/' || k[len(key)] == '/') {
			delete(x.cp.Threads, k)
		}
	}
}

func pathSrc(p optPath) string {
	if p.p == nil {
		return "$"
	}
	return p.p.src
}
