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

// runMap runs an inline Map: one thread per item, at most MaxConcurrency at
// a time. Finished iterations are kept in the checkpoint, so a restart runs
// only the unfinished ones. The first failing iteration fails the Map and
// aborts the others; Retry then runs every item again.
func (x *execution) runMap(ctx context.Context, key string, st *state, th *thread, raw any, ctxObj map[string]any) (any, string, []domain.HistoryEvent, error) {
	if err := x.enter(st, th, "Map"); err != nil {
		return nil, "", nil, err
	}
	for {
		if err := x.sleepRetry(ctx, th); err != nil {
			return nil, "", nil, err
		}
		out, serr, err := x.attemptMap(ctx, key, st, th, raw, ctxObj)
		if err != nil {
			return nil, "", nil, err
		}
		if serr == nil {
			exit := ev("MapStateExited", st)
			exit.Output = encode(out)
			return out, st.next, []domain.HistoryEvent{exit}, nil
		}
		retry, out, next, exits, err := x.handleError(st, th, raw, serr, "MapStateExited")
		if !retry {
			return out, next, exits, err
		}
		if err != nil {
			return nil, "", nil, err
		}
	}
}

func (x *execution) attemptMap(ctx context.Context, key string, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	eff, serr := effectiveInput(st, raw, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	itemsV := eff
	if st.itemsPath.p != nil {
		var err error
		if itemsV, err = st.itemsPath.p.get(eff, ctxObj); err != nil {
			return nil, statesErr(ErrRuntime, "state %q: ItemsPath: %v", st.name, err), nil
		}
	}
	items, ok := itemsV.([]any)
	if !ok {
		return nil, statesErr(ErrRuntime, "state %q: ItemsPath %s must give an array, got %s", st.name, pathSrc(st.itemsPath), abbrev(itemsV)), nil
	}
	if th.Phase != "running" {
		started := ev("MapStateStarted", st)
		started.Output = encode(map[string]any{"length": len(items)})
		if err := x.save(th, func() {
			th.Phase, th.WakeAt, th.MapResults = "running", time.Time{}, map[string]json.RawMessage{}
		}, started); err != nil {
			return nil, nil, err
		}
	}

	x.mu.Lock()
	if th.MapResults == nil { // an empty map is not saved
		th.MapResults = map[string]json.RawMessage{}
	}
	x.mu.Unlock()

	mctx, abort := context.WithCancel(ctx)
	defer abort()
	limit := st.maxConcurrency
	if limit <= 0 || limit > len(items) {
		limit = max(len(items), 1)
	}
	sem := make(chan struct{}, limit)
	results := make([]any, len(items))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr *Error
		fatal    error // a store failure
	)
	fail := func(serr *Error, err error) {
		mu.Lock()
		defer mu.Unlock()
		if serr != nil && firstErr == nil {
			firstErr = serr
		}
		if err != nil && fatal == nil {
			fatal = err
		}
		abort()
	}
	childPrefix := st.name + "/"
	if key != "" {
		childPrefix = key + "/" + childPrefix
	}
	for i, item := range items {
		idx := strconv.Itoa(i)
		x.mu.Lock()
		done, finished := th.MapResults[idx]
		child := x.cp.Threads[childPrefix+idx]
		x.mu.Unlock()
		if finished {
			v, err := decode(done)
			if err != nil {
				return nil, statesErr(ErrRuntime, "state %q: bad saved result of item %d", st.name, i), nil
			}
			results[i] = v
			continue
		}
		// Items start in order, as on AWS: wait for a free slot here.
		select {
		case sem <- struct{}{}:
		case <-mctx.Done():
		}
		if mctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			childKey := childPrefix + idx
			if child == nil {
				itemCtx := map[string]any{}
				for k, v := range ctxObj {
					itemCtx[k] = v
				}
				itemCtx["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(idx), "Value": item}}
				in := item
				if st.itemSelector != nil {
					v, err := st.itemSelector.apply(eff, itemCtx)
					if err != nil {
						fail(statesErr(ErrRuntime, "state %q: ItemSelector: %v", st.name, err), nil)
						return
					}
					in = v
				}
				child = &thread{State: st.processor.startAt, Input: encode(in), EnteredAt: x.r.cfg.Clock.Now()}
				started := ev("MapIterationStarted", st)
				started.Input = encode(map[string]any{"index": i})
				if err := x.save(th, func() {
					child.LastEventID = th.LastEventID
					x.cp.Threads[childKey] = child
				}, started); err != nil {
					fail(nil, err)
					return
				}
			}
			out, err := x.runThread(mctx, childKey, st.processor, child)
			child = x.current(childKey)
			var se *Error
			switch {
			case err == nil:
				e := ev("MapIterationSucceeded", st)
				e.Input, e.Output = encode(map[string]any{"index": i}), encode(out)
				if err := x.save(child, func() {
					th.MapResults[idx] = e.Output
					delete(x.cp.Threads, childKey)
				}, e); err != nil {
					fail(nil, err)
					return
				}
				results[i] = out
			case errors.As(err, &se):
				e := ev("MapIterationFailed", st)
				e.Input, e.Error, e.Cause = encode(map[string]any{"index": i}), se.Name, se.Cause
				fail(se, x.save(child, func() { x.dropThreads(childKey) }, e))
			case ctx.Err() != nil: // the runner is closing: the checkpoint stays for Resume
			case mctx.Err() != nil: // aborted because another iteration failed
				e := ev("MapIterationAborted", st)
				e.Input = encode(map[string]any{"index": i})
				if err := x.save(child, func() { x.dropThreads(childKey) }, e); err != nil {
					fail(nil, err)
				}
			default: // the store failed
				fail(nil, err)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, errStopped
	}
	if fatal != nil {
		return nil, nil, fatal
	}
	if firstErr != nil {
		e := ev("MapStateFailed", st)
		e.Error, e.Cause = firstErr.Name, firstErr.Cause
		if err := x.save(th, func() {
			th.Phase, th.MapResults = "entered", nil // a retry starts the Map over
			x.dropThreads(childPrefix)
		}, e); err != nil {
			return nil, nil, err
		}
		return nil, firstErr, nil
	}
	if err := x.save(th, func() { th.MapResults = nil }, ev("MapStateSucceeded", st)); err != nil {
		return nil, nil, err
	}
	out, serr := applyResult(st, raw, results, ctxObj)
	return out, serr, nil
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
