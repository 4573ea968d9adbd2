package asl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// A callback task (Resource lambda:invoke.waitForTaskToken) invokes its
// handler with a task token in the payload ($$.Task.Token), then waits until
// someone calls SendTaskSuccess or SendTaskFailure with that token, as on
// AWS. The handler's own output is ignored (recorded as TaskSubmitted); the
// result is SendTaskSuccess's output, without the lambda:invoke wrapper.
// TimeoutSeconds (or TimeoutSecondsPath) bounds the whole task from its
// TaskStarted (States.Timeout); HeartbeatSeconds bounds the time between
// SendTaskHeartbeat calls (States.HeartbeatTimeout). The token and both
// deadlines are in the checkpoint: after a restart the task waits again for
// the same token until the same deadlines (Resume registers the tokens
// before anything runs, so a callback right after Resume is kept). A
// callback that comes while the runner is down is lost (SendTask* returns
// domain.ErrNotFound), so a workflow that depends on one needs a timeout
// that checks again.

// callbacks routes SendTask* calls to the task waiting for the token.
type callbacks struct {
	mu      sync.Mutex
	waiting map[string]*waiter // by token
}

// waiter is a token's mailbox: one buffered message; done once a result came.
type waiter struct {
	ch   chan callbackMsg
	done bool
}

// callbackMsg is what SendTask* delivers: an output, an error, or a heartbeat.
type callbackMsg struct {
	output    json.RawMessage
	err       *Error
	heartbeat bool
}

func (c *callbacks) register(token string) chan callbackMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == nil {
		c.waiting = map[string]*waiter{}
	}
	w, ok := c.waiting[token]
	if !ok {
		w = &waiter{ch: make(chan callbackMsg, 1)}
		c.waiting[token] = w
	}
	return w.ch
}

// keep registers the tokens rec's callback tasks wait for, at Resume before
// any execution runs again: a callback that comes before its task waits
// again (a child of a Distributed Map waits for its parent) is kept for it.
func (c *callbacks) keep(rec Record) {
	var cp checkpoint
	if json.Unmarshal(rec.Checkpoint, &cp) != nil {
		return
	}
	for _, th := range cp.Threads {
		if th.Phase == "callback" && th.Token != "" {
			c.register(th.Token)
		}
	}
}

func (c *callbacks) unregister(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.waiting, token)
}

// deliver hands msg to the task waiting for token. After a result the token
// takes nothing more (a second SendTaskSuccess fails); a heartbeat is
// dropped when an earlier one is still unread.
func (c *callbacks) deliver(token string, msg callbackMsg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.waiting[token]
	if !ok || w.done {
		return fmt.Errorf("task token %s: no task is waiting for it (it ended, timed out, or the token is wrong): %w", abbrevToken(token), domain.ErrNotFound)
	}
	if !msg.heartbeat {
		w.done = true
	}
	select {
	case w.ch <- msg:
	default:
		if !msg.heartbeat { // a heartbeat fills the slot: a result replaces it
			<-w.ch
			w.ch <- msg
		}
	}
	return nil
}

func abbrevToken(t string) string {
	if len(t) > 12 {
		return t[:12] + "..."
	}
	return t
}

// SendTaskSuccess ends the callback task waiting for token with output as
// its result. It fails with domain.ErrNotFound when no task waits for the
// token, domain.ErrInvalid when output is not JSON, domain.ErrTooLarge over 256 KiB.
func (r *Runner) SendTaskSuccess(ctx context.Context, token string, output json.RawMessage) error {
	v, err := decode(output)
	if err != nil {
		return fmt.Errorf("send task success: output is not JSON: %v: %w", err, domain.ErrInvalid)
	}
	data := encode(v)
	if len(data) > MaxPayload {
		return fmt.Errorf("send task success: output is %d bytes, over %d: %w", len(data), MaxPayload, domain.ErrTooLarge)
	}
	return r.callbacks.deliver(token, callbackMsg{output: data})
}

// SendTaskFailure fails the callback task waiting for token with the error
// name and cause (Retry and Catch see them as a handler's error).
func (r *Runner) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return r.callbacks.deliver(token, callbackMsg{err: &Error{Name: errName, Cause: cause}})
}

// SendTaskHeartbeat restarts the HeartbeatSeconds clock of the task waiting for token.
func (r *Runner) SendTaskHeartbeat(ctx context.Context, token string) error {
	return r.callbacks.deliver(token, callbackMsg{heartbeat: true})
}

func newTaskToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// taskTimeout is the state's TimeoutSeconds, or TimeoutSecondsPath read from
// the raw state input; 0 means none.
func taskTimeout(st *state, raw any, ctxObj map[string]any) (int, *Error) {
	if st.timeoutPath == nil {
		return st.timeoutSeconds, nil
	}
	v, err := st.timeoutPath.get(raw, ctxObj)
	n, ok := v.(json.Number)
	secs, ierr := n.Int64()
	if err != nil || !ok || ierr != nil || secs <= 0 {
		return 0, statesErr(ErrRuntime, "state %q: TimeoutSecondsPath %s must give a positive integer, got %s", st.name, st.timeoutPath.src, abbrev(v))
	}
	return int(secs), nil
}

// attemptCallback runs one attempt of a callback task: it registers a fresh
// token (the same one after a restart), invokes the handler with it, then
// waits. A restart while waiting does not invoke the handler again.
func (x *execution) attemptCallback(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	if th.Phase == "callback" {
		return x.awaitCallback(ctx, st, th, raw, ctxObj)
	}
	token := th.Token
	if th.Phase != "running" || token == "" {
		token = newTaskToken()
	}
	ctxObj["Task"] = map[string]any{"Token": token}
	eff, payload, secs, serr := taskRequest(st, raw, ctxObj)
	if serr != nil {
		return nil, serr, nil
	}
	now := x.r.cfg.Clock.Now()
	timeoutAt, heartbeatAt := th.TimeoutAt, th.HeartbeatAt
	if th.Phase != "running" || th.Token == "" {
		timeoutAt, heartbeatAt = time.Time{}, time.Time{}
		if secs > 0 {
			timeoutAt = now.Add(time.Duration(secs) * time.Second)
		}
		if st.heartbeat > 0 {
			heartbeatAt = now.Add(time.Duration(st.heartbeat) * time.Second)
		}
	}
	ch := x.r.callbacks.register(token) // before the handler runs: it may call back at once
	sched := ev("TaskScheduled", st)
	sched.Resource, sched.Input = LambdaInvokeCallback, encode(eff)
	if err := x.save(th, func() {
		th.Phase, th.WakeAt, th.Token, th.TimeoutAt, th.HeartbeatAt = "running", time.Time{}, token, timeoutAt, heartbeatAt
	}, sched, ev("TaskStarted", st)); err != nil {
		x.r.callbacks.unregister(token)
		return nil, nil, err
	}
	invokeFor := 0
	if !timeoutAt.IsZero() {
		invokeFor = max(1, int(timeoutAt.Sub(now)/time.Second))
	}
	res, herr := x.invokeFor(ctx, st, payload, invokeFor)
	if ctx.Err() != nil {
		x.r.callbacks.unregister(token)
		return nil, nil, errStopped // not recorded: the next Resume invokes it again with the same token
	}
	if herr != nil {
		x.r.callbacks.unregister(token)
		return nil, herr, x.endCallback(st, th, herr, nil)
	}
	sub := ev("TaskSubmitted", st)
	sub.Resource, sub.Output = LambdaInvokeCallback, encode(map[string]any{"Payload": res, "StatusCode": json.Number("200")})
	if err := x.save(th, func() { th.Phase = "callback" }, sub); err != nil {
		x.r.callbacks.unregister(token)
		return nil, nil, err
	}
	return x.waitCallback(ctx, st, th, raw, ctxObj, ch)
}

// awaitCallback waits again, after a restart, for the saved token.
func (x *execution) awaitCallback(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any) (any, *Error, error) {
	return x.waitCallback(ctx, st, th, raw, ctxObj, x.r.callbacks.register(th.Token))
}

// waitCallback blocks until the callback, a deadline, or the runner's end, and
// records how the task ended.
func (x *execution) waitCallback(ctx context.Context, st *state, th *thread, raw any, ctxObj map[string]any, ch chan callbackMsg) (any, *Error, error) {
	token := th.Token
	defer x.r.callbacks.unregister(token)
	for {
		deadline, kind := th.TimeoutAt, ErrTimeout
		if !th.HeartbeatAt.IsZero() && (deadline.IsZero() || th.HeartbeatAt.Before(deadline)) {
			deadline, kind = th.HeartbeatAt, ErrHeartbeatTimeout
		}
		wctx, cancel := context.WithCancel(ctx)
		fired := make(chan struct{})
		if !deadline.IsZero() {
			go func() {
				if x.r.cfg.Clock.SleepUntil(wctx, deadline) == nil {
					close(fired)
				}
			}()
		}
		var msg callbackMsg
		select {
		case msg = <-ch:
		case <-fired:
			msg.err = statesErr(kind, "no callback for the task token before the deadline (%s)", deadline.UTC().Format(time.RFC3339))
			if kind == ErrHeartbeatTimeout {
				msg.err.Cause = fmt.Sprintf("no heartbeat for the task token in %d seconds", st.heartbeat)
			}
		case <-ctx.Done():
		}
		cancel()
		if ctx.Err() != nil {
			return nil, nil, errStopped // the checkpoint keeps the token: Resume waits again
		}
		if msg.heartbeat {
			if st.heartbeat == 0 {
				continue // no HeartbeatSeconds: nothing to restart
			}
			next := x.r.cfg.Clock.Now().Add(time.Duration(st.heartbeat) * time.Second)
			if err := x.save(th, func() { th.HeartbeatAt = next }); err != nil {
				return nil, nil, err
			}
			continue
		}
		if msg.err != nil {
			return nil, msg.err, x.endCallback(st, th, msg.err, nil)
		}
		result, err := decode(msg.output)
		if err != nil {
			return nil, statesErr(ErrRuntime, "state %q: bad callback output", st.name), nil
		}
		if err := x.endCallback(st, th, nil, msg.output); err != nil {
			return nil, nil, err
		}
		out, serr := applyResult(st, raw, result, ctxObj)
		return out, serr, nil
	}
}

// endCallback records the task's end (TaskSucceeded with output, or
// TaskFailed/TaskTimedOut with herr) and forgets the token, so a retry gets a
// new one and a late callback finds nothing.
func (x *execution) endCallback(st *state, th *thread, herr *Error, output json.RawMessage) error {
	e := ev("TaskSucceeded", st)
	e.Output = output
	if herr != nil {
		e = ev("TaskFailed", st)
		if herr.Name == ErrTimeout || herr.Name == ErrHeartbeatTimeout {
			e.Type = "TaskTimedOut"
		}
		e.Error, e.Cause = herr.Name, herr.Cause
	}
	e.Resource = LambdaInvokeCallback
	return x.save(th, func() {
		th.Phase, th.Token, th.TimeoutAt, th.HeartbeatAt = "entered", "", time.Time{}, time.Time{}
	}, e)
}

// taskTimeouts loads TimeoutSeconds, TimeoutSecondsPath and HeartbeatSeconds.
func (l *loader) taskTimeouts(st *state, f fields) error {
	if raw, ok := f.has("TimeoutSeconds"); ok {
		if err := json.Unmarshal(raw, &st.timeoutSeconds); err != nil || st.timeoutSeconds <= 0 {
			return f.errf("TimeoutSeconds", "must be a positive integer")
		}
	}
	if _, ok := f.has("TimeoutSecondsPath"); ok {
		if st.timeoutSeconds > 0 {
			return f.errf("TimeoutSecondsPath", "cannot be given with TimeoutSeconds")
		}
		op, err := f.optPath("TimeoutSecondsPath", true)
		if err != nil {
			return err
		}
		if op.null || op.p == nil {
			return f.errf("TimeoutSecondsPath", "must be a path")
		}
		st.timeoutPath = op.p
	}
	if raw, ok := f.has("HeartbeatSeconds"); ok {
		if !st.callback {
			return f.errf("HeartbeatSeconds", "only a "+LambdaInvokeCallback+" task gets heartbeats (SendTaskHeartbeat)")
		}
		if err := json.Unmarshal(raw, &st.heartbeat); err != nil || st.heartbeat <= 0 {
			return f.errf("HeartbeatSeconds", "must be a positive integer")
		}
		if st.timeoutSeconds > 0 && st.heartbeat >= st.timeoutSeconds {
			return f.errf("HeartbeatSeconds", "must be less than TimeoutSeconds")
		}
	}
	return nil
}
