package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// checkpoint is where an execution stands, saved with every batch of events.
// Each thread of control (the machine, one Map iteration) has a position.
type checkpoint struct {
	LastEventID int64              `json:"last_event_id"`
	Threads     map[string]*thread `json:"threads"` // "" is the machine; "Map/3" iteration 3 of state Map, "Map/3/Inner/0" nested
	// MapRuns counts the Distributed Map runs started per child machine, so
	// a Map entered again (in a loop) names new children.
	MapRuns map[string]int `json:"map_runs,omitempty"`
}

// thread is one position. Its fields change only inside execution.save, so
// a concurrent save never marshals a half-written thread.
type thread struct {
	State       string                     `json:"state"`
	Input       json.RawMessage            `json:"input"` // the state's raw input
	EnteredAt   time.Time                  `json:"entered_at"`
	Phase       string                     `json:"phase,omitempty"` // "" not entered yet, then "entered", "running", "waiting", "callback", "done"
	Retries     []int                      `json:"retries,omitempty"`
	WakeAt      time.Time                  `json:"wake_at,omitzero"`      // a Wait's deadline or the end of a retry back-off
	MapResults  map[string]json.RawMessage `json:"map_results,omitempty"` // finished iterations of a running Map, by index
	MapRuns     int                        `json:"map_runs,omitempty"`    // Distributed Map runs started by this state (retries start new ones)
	Output      json.RawMessage            `json:"output,omitempty"`      // when done
	Token       string                     `json:"token,omitempty"`       // a callback task's task token
	TimeoutAt   time.Time                  `json:"timeout_at,omitzero"`   // a callback task's TimeoutSeconds deadline
	HeartbeatAt time.Time                  `json:"heartbeat_at,omitzero"` // a callback task's next heartbeat deadline
	LastEventID int64                      `json:"last_event_id"`         // previous event of this thread
}

type execution struct {
	r     *Runner
	m     *Machine
	input any // the execution input, for $$.Execution.Input

	mu  sync.Mutex
	rec Record
	cp  checkpoint
}

// errStopped means the runner is closing: the execution stays RUNNING.
var errStopped = errors.New("asl: stopped")

// save appends events (chained on th) and persists the checkpoint after
// running mutate, atomically for the store.
func (x *execution) save(th *thread, mutate func(), evs ...domain.HistoryEvent) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.r.cfg.Clock.Now()
	for i := range evs {
		x.cp.LastEventID++
		evs[i].ID = x.cp.LastEventID
		if evs[i].Timestamp.IsZero() { // a Wait stamps its own entry: its deadline counts from it
			evs[i].Timestamp = now
		}
		if th != nil {
			evs[i].PreviousEventID = th.LastEventID
			th.LastEventID = evs[i].ID
		} else {
			evs[i].PreviousEventID = evs[i].ID - 1
		}
	}
	if mutate != nil {
		mutate()
	}
	x.rec.Checkpoint = encode(x.cp)
	if err := x.r.cfg.Store.SaveExecution(context.WithoutCancel(x.r.ctx), x.rec, evs); err != nil {
		x.r.cfg.Logger.Error("asl: save execution", "execution", x.rec.ID, "err", err)
		return fmt.Errorf("%w: save %s: %v", errStopped, x.rec.ID, err)
	}
	return nil
}

func (x *execution) run(ctx context.Context) {
	x.mu.Lock()
	top := x.cp.Threads[""]
	x.mu.Unlock()
	out, err := x.runThread(ctx, "", x.m.top, top)
	top = x.current("")
	var se *Error
	var saveErr error
	switch {
	case err == nil:
		data := encode(out)
		saveErr = x.save(top, func() {
			x.rec.Status, x.rec.Output, x.rec.StoppedAt = domain.ExecSucceeded, data, x.r.cfg.Clock.Now()
			x.cp.Threads = map[string]*thread{}
		}, domain.HistoryEvent{Type: "ExecutionSucceeded", Output: data})
	case errors.As(err, &se):
		saveErr = x.save(top, func() {
			x.rec.Status, x.rec.Error, x.rec.Cause, x.rec.StoppedAt = domain.ExecFailed, se.Name, se.Cause, x.r.cfg.Clock.Now()
			x.cp.Threads = map[string]*thread{}
		}, domain.HistoryEvent{Type: "ExecutionFailed", Error: se.Name, Cause: se.Cause})
	default:
		x.r.cfg.Logger.Debug("asl: execution paused", "execution", x.rec.ID, "reason", err)
		return
	}
	if saveErr == nil && x.r.cfg.OnFinish != nil && !isChild(x.rec.StateMachine) {
		x.r.cfg.OnFinish(x.rec.Execution)
	}
}

// current returns the thread at key (runThread replaces it at each state).
func (x *execution) current(key string) *thread {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cp.Threads[key]
}

// runThread runs states from th until the thread ends. The error is an
// *Error (the thread failed) or errStopped.
func (x *execution) runThread(ctx context.Context, key string, set *stateSet, th *thread) (any, error) {
	for {
		if th.Phase == "done" {
			return decode(th.Output)
		}
		st := set.states[th.State]
		out, next, exits, err := x.runState(ctx, key, st, th)
		if err != nil {
			return nil, err
		}
		data := encode(out)
		if len(data) > MaxPayload {
			return nil, statesErr(ErrDataLimitExceeded, "the output of state %q is %d bytes, over the %d byte limit", st.name, len(data), MaxPayload)
		}
		if next == "" {
			if err := x.save(th, func() { th.Phase, th.Output = "done", data }, exits...); err != nil {
				return nil, err
			}
			return out, nil
		}
		nt := &thread{State: next, Input: data, EnteredAt: x.r.cfg.Clock.Now()}
		if err := x.save(th, func() {
			nt.LastEventID = th.LastEventID
			x.cp.Threads[key] = nt
		}, exits...); err != nil {
			return nil, err
		}
		th = nt
	}
}

// ev is a history event of state st.
func ev(typ string, st *state) domain.HistoryEvent {
	return domain.HistoryEvent{Type: typ, StateName: st.name}
}

// enter records the state's Entered event once (not again after a restart).
func (x *execution) enter(st *state, th *thread, prefix string) error {
	if th.Phase != "" {
		return nil
	}
	e := ev(prefix+"StateEntered", st)
	e.Input = th.Input
	return x.save(th, func() { th.Phase = "entered" }, e)
}

func (x *execution) contextObject(st *state, th *thread) map[string]any {
	return map[string]any{
		"Execution": map[string]any{
			"Id": x.rec.ID, "Name": x.rec.Name, "Input": x.input,
			"StartTime": x.rec.StartedAt.UTC().Format(time.RFC3339Nano),
		},
		"StateMachine": map[string]any{"Id": StateMachineID(x.rec.StateMachine), "Name": x.rec.StateMachine},
		"State": map[string]any{
			"Name": st.name, "EnteredTime": th.EnteredAt.UTC().Format(time.RFC3339Nano),
			"RetryCount": json.Number(strconv.Itoa(sum(th.Retries))),
		},
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// effectiveInput applies InputPath then Parameters.
func effectiveInput(st *state, raw any, ctxObj map[string]any) (any, *Error) {
	v := raw
	switch {
	case st.inputPath.null:
		v = map[string]any{}
	case st.inputPath.p != nil:
		var err error
		if v, err = st.inputPath.p.get(raw, ctxObj); err != nil {
			return nil, statesErr(ErrRuntime, "An error occurred while executing the state %q (InputPath): %v", st.name, err)
		}
	}
	if st.parameters != nil {
		p, err := st.parameters.apply(v, ctxObj)
		if err != nil {
			return nil, statesErr(ErrRuntime, "An error occurred while executing the state %q (Parameters): %v", st.name, err)
		}
		v = p
	}
	if n := len(encode(v)); n > MaxPayload {
		return nil, statesErr(ErrDataLimitExceeded, "the input of state %q is %d bytes, over the %d byte limit", st.name, n, MaxPayload)
	}
	return v, nil
}

// applyResult applies ResultSelector, ResultPath and OutputPath.
func applyResult(st *state, raw, result any, ctxObj map[string]any) (any, *Error) {
	if st.resultSelector != nil {
		r, err := st.resultSelector.apply(result, ctxObj)
		if err != nil {
			return nil, statesErr(ErrRuntime, "An error occurred while executing the state %q (ResultSelector): %v", st.name, err)
		}
		result = r
	}
	out, err := placeResult(st.resultPath, raw, result)
	if err != nil {
		return nil, statesErr(ErrResultPathMatch, "state %q: %v", st.name, err)
	}
	return applyOutputPath(st, out, ctxObj)
}

func placeResult(rp optPath, raw, result any) (any, error) {
	switch {
	case rp.null:
		return raw, nil
	case rp.p == nil:
		return result, nil
	}
	return rp.p.set(raw, result)
}

func applyOutputPath(st *state, v any, ctxObj map[string]any) (any, *Error) {
	switch {
	case st.outputPath.null:
		return map[string]any{}, nil
	case st.outputPath.p != nil:
		out, err := st.outputPath.p.get(v, ctxObj)
		if err != nil {
			return nil, statesErr(ErrRuntime, "An error occurred while executing the state %q (OutputPath): %v", st.name, err)
		}
		return out, nil
	}
	return v, nil
}

// runState runs one state from th's phase. It returns the output, the next
// state ("" at the end of the thread) and the events that close the state,
// which runThread saves together with the move to the next state.
func (x *execution) runState(ctx context.Context, key string, st *state, th *thread) (any, string, []domain.HistoryEvent, error) {
	raw, err := decode(th.Input)
	if err != nil {
		return nil, "", nil, statesErr(ErrRuntime, "state %q: bad input: %v", st.name, err)
	}
	ctxObj := x.contextObject(st, th)
	switch st.typ {
	case "Task":
		return x.runTask(ctx, st, th, raw)
	case "Map":
		return x.runMap(ctx, key, st, th, raw, ctxObj)
	case "Wait":
		return x.runWait(ctx, st, th, raw, ctxObj)
	}
	prefix := st.typ
	if err := x.enter(st, th, prefix); err != nil {
		return nil, "", nil, err
	}
	var out any
	next := st.next
	switch st.typ {
	case "Pass":
		eff, serr := effectiveInput(st, raw, ctxObj)
		if serr != nil {
			return nil, "", nil, serr
		}
		result := eff
		if st.hasResult {
			result = st.result
		}
		if out, serr = applyResult(st, raw, result, ctxObj); serr != nil {
			return nil, "", nil, serr
		}
	case "Choice", "Succeed":
		eff, serr := effectiveInput(st, raw, ctxObj)
		if serr != nil {
			return nil, "", nil, serr
		}
		if st.typ == "Choice" {
			if next, serr = st.choose(eff, ctxObj); serr != nil {
				return nil, "", nil, serr
			}
		}
		if out, serr = applyOutputPath(st, eff, ctxObj); serr != nil {
			return nil, "", nil, serr
		}
	case "Fail":
		return nil, "", nil, x.failError(st, raw, ctxObj)
	}
	exit := ev(prefix+"StateExited", st)
	exit.Output = encode(out)
	return out, next, []domain.HistoryEvent{exit}, nil
}

func (x *execution) failError(st *state, raw any, ctxObj map[string]any) *Error {
	e := &Error{Name: st.errName, Cause: st.cause}
	for _, pf := range []struct {
		p   *path
		dst *string
	}{{st.errorPath, &e.Name}, {st.causePath, &e.Cause}} {
		if pf.p == nil {
			continue
		}
		v, err := pf.p.get(raw, ctxObj)
		s, ok := v.(string)
		if err != nil || !ok {
			return statesErr(ErrRuntime, "state %q: %s does not give a string in %s", st.name, pf.p.src, abbrev(raw))
		}
		*pf.dst = s
	}
	return e
}

func (x *execution) runWait(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any) (any, string, []domain.HistoryEvent, error) {
	eff, serr := effectiveInput(st, raw, ctxObj)
	if serr != nil {
		return nil, "", nil, serr
	}
	if th.Phase == "" {
		// Count the wait from the WaitStateEntered event's own timestamp, so the
		// history never shows a wait shorter than asked (AWS: exited - entered >= Seconds).
		entered := x.r.cfg.Clock.Now()
		if entered.Before(th.EnteredAt) {
			entered = th.EnteredAt
		}
		until, serr := waitDeadline(st, entered, eff, ctxObj)
		if serr != nil {
			return nil, "", nil, serr
		}
		e := ev("WaitStateEntered", st)
		e.Timestamp = entered
		e.Input = th.Input
		if err := x.save(th, func() { th.Phase, th.WakeAt = "waiting", until }, e); err != nil {
			return nil, "", nil, err
		}
	}
	if err := x.r.cfg.Clock.SleepUntil(ctx, th.WakeAt); err != nil {
		return nil, "", nil, errStopped
	}
	out, serr := applyOutputPath(st, eff, ctxObj)
	if serr != nil {
		return nil, "", nil, serr
	}
	exit := ev("WaitStateExited", st)
	exit.Output = encode(out)
	return out, st.next, []domain.HistoryEvent{exit}, nil
}

// waitDeadline is the absolute time a Wait entered at entered ends.
func waitDeadline(st *state, entered time.Time, eff any, ctxObj map[string]any) (time.Time, *Error) {
	switch {
	case st.seconds != nil:
		return entered.Add(time.Duration(*st.seconds) * time.Second), nil
	case !st.timestamp.IsZero():
		return st.timestamp, nil
	case st.secondsPath != nil:
		v, err := st.secondsPath.get(eff, ctxObj)
		n, ok := v.(json.Number)
		secs, ierr := n.Int64()
		if err != nil || !ok || ierr != nil || secs < 0 {
			return time.Time{}, statesErr(ErrRuntime, "state %q: SecondsPath %s must give a non-negative integer, got %s", st.name, st.secondsPath.src, abbrev(v))
		}
		return entered.Add(time.Duration(secs) * time.Second), nil
	default:
		v, err := st.timestampPath.get(eff, ctxObj)
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if err != nil || !ok {
			return time.Time{}, statesErr(ErrRuntime, "state %q: TimestampPath %s must give an RFC 3339 timestamp, got %s", st.name, st.timestampPath.src, abbrev(v))
		}
		return t, nil
	}
}

// runTask runs a Task state; each attempt gets a fresh context object, since
// its RetryCount changes.
func (x *execution) runTask(ctx context.Context, st *state, th *thread, raw any) (any, string, []domain.HistoryEvent, error) {
	attempt := x.attemptTask
	if st.callback {
		attempt = x.attemptCallback
	}
	return x.retrying(ctx, st, th, raw, "Task", func() (any, *Error, error) {
		return attempt(ctx, st, th, raw, x.contextObject(st, th))
	})
}

// attemptTask invokes the handler once, recording TaskScheduled, TaskStarted
// and TaskSucceeded/TaskFailed/TaskTimedOut.
func (x *execution) attemptTask(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	eff, payload, secs, serr := taskRequest(st, raw, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	sched := ev("TaskScheduled", st)
	sched.Resource, sched.Input = LambdaInvoke, encode(eff)
	if err := x.save(th, func() { th.Phase, th.WakeAt = "running", time.Time{} }, sched, ev("TaskStarted", st)); err != nil {
		return nil, nil, err
	}
	res, herr := x.invokeFor(ctx, st, payload, secs)
	if ctx.Err() != nil {
		return nil, nil, errStopped // not recorded: the next Resume invokes it again
	}
	if herr != nil {
		typ := "TaskFailed"
		if herr.Name == ErrTimeout {
			typ = "TaskTimedOut"
		}
		fe := ev(typ, st)
		fe.Resource, fe.Error, fe.Cause = LambdaInvoke, herr.Name, herr.Cause
		if err := x.save(th, nil, fe); err != nil {
			return nil, nil, err
		}
		return nil, herr, nil
	}
	result := map[string]any{"ExecutedVersion": "$LATEST", "Payload": res, "StatusCode": json.Number("200")}
	se := ev("TaskSucceeded", st)
	se.Resource, se.Output = LambdaInvoke, encode(result)
	if len(se.Output) > MaxPayload {
		return nil, statesErr(ErrDataLimitExceeded, "the result of state %q is %d bytes, over the %d byte limit", st.name, len(se.Output), MaxPayload), nil
	}
	if err := x.save(th, nil, se); err != nil {
		return nil, nil, err
	}
	out, serr := applyResult(st, raw, result, ctxObj)
	return out, serr, nil
}

// taskRequest is a Task's effective input, the Payload its handler gets, and
// its timeout in seconds (0: none).
func taskRequest(st *state, raw any, ctxObj map[string]any) (any, json.RawMessage, int, *Error) {
	eff, serr := effectiveInput(st, raw, ctxObj)
	if serr != nil {
		return nil, nil, 0, serr
	}
	secs, serr := taskTimeout(st, raw, ctxObj)
	if serr != nil {
		return nil, nil, 0, serr
	}
	params, _ := eff.(map[string]any)
	payload := json.RawMessage(`{}`)
	if p, ok := params["Payload"]; ok {
		payload = encode(p)
	}
	return eff, payload, secs, nil
}

// invokeFor calls the handler with a timeout of secs seconds (0: none). A
// panic is recovered and reported like aws-lambda-go does; a timeout is States.Timeout.
func (x *execution) invokeFor(ctx context.Context, st *state, payload json.RawMessage, secs int) (any, *Error) {
	h := x.r.cfg.Handlers[st.functionName]
	tctx, cancel := ctx, context.CancelFunc(func() {})
	if secs > 0 {
		tctx, cancel = context.WithTimeout(ctx, time.Duration(secs)*time.Second)
	}
	defer cancel()
	type result struct {
		out json.RawMessage
		err *Error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				ch <- result{err: panicError(v)}
			}
		}()
		out, err := h(tctx, payload)
		if err != nil {
			ch <- result{err: handlerError(err)}
			return
		}
		ch <- result{out: out}
	}()
	timedOut := func() *Error {
		return statesErr(ErrTimeout, "Task timed out after %d seconds", secs)
	}
	select {
	case res := <-ch:
		if res.err != nil {
			if ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
				return nil, timedOut()
			}
			return nil, res.err
		}
		if len(res.out) == 0 {
			return nil, nil
		}
		v, err := decode(res.out)
		if err != nil {
			return nil, lambdaError("InvalidOutput", fmt.Sprintf("function %s returned invalid JSON: %v", st.functionName, err))
		}
		return v, nil
	case <-tctx.Done():
		if ctx.Err() != nil {
			return nil, nil // stopping: the caller checks ctx
		}
		return nil, timedOut()
	}
}
