package asl

import (
	"context"
	"math"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// decision is what Retry and Catch make of an error.
type decision struct {
	retry   int // index of the retrier, or -1
	delay   time.Duration
	catcher *catcher
}

func (x *execution) decide(st *state, th *thread, e *Error) decision {
	for i, r := range st.retry {
		if !e.matches(r.errorEquals) {
			continue
		}
		done := 0
		if i < len(th.Retries) {
			done = th.Retries[i]
		}
		if done < r.maxAttempts {
			secs := r.intervalSeconds * math.Pow(r.backoffRate, float64(done))
			if r.maxDelaySeconds > 0 {
				secs = math.Min(secs, r.maxDelaySeconds)
			}
			if r.fullJitter {
				secs *= x.r.cfg.Jitter()
			}
			return decision{retry: i, delay: time.Duration(secs * float64(time.Second))}
		}
		break // this retrier is exhausted: on to Catch
	}
	for i := range st.catch {
		if e.matches(st.catch[i].errorEquals) {
			return decision{retry: -1, catcher: &st.catch[i]}
		}
	}
	return decision{retry: -1}
}

// retrying runs a Task or Map state (kind): it records <kind>StateEntered,
// then calls attempt, after each retry's wait, until it succeeds
// (<kind>StateExited, on to the next state) or fails in a way that Retry no
// longer covers (handleError: caught, or the execution fails).
func (x *execution) retrying(ctx context.Context, st *state, th *thread, raw any, kind string, attempt func() (any, *Error, error)) (any, string, []domain.HistoryEvent, error) {
	if err := x.enter(st, th, kind); err != nil {
		return nil, "", nil, err
	}
	exited := kind + "StateExited"
	for {
		if err := x.sleepRetry(ctx, th); err != nil {
			return nil, "", nil, err
		}
		out, serr, err := attempt()
		if err != nil {
			return nil, "", nil, err
		}
		if serr == nil {
			exit := ev(exited, st)
			exit.Output = encode(out)
			return out, st.next, []domain.HistoryEvent{exit}, nil
		}
		retry, out, next, exits, err := x.handleError(st, th, raw, serr, exited)
		if !retry {
			return out, next, exits, err
		}
		if err != nil {
			return nil, "", nil, err
		}
	}
}

// handleError applies Retry and Catch to e. retry is true when the state must
// run again (after th.WakeAt); otherwise, with a catcher, it returns the
// output and next state.
func (x *execution) handleError(st *state, th *thread, raw any, e *Error, exitType string) (retry bool, out any, next string, exits []domain.HistoryEvent, err error) {
	d := x.decide(st, th, e)
	if d.retry >= 0 {
		wake := x.r.cfg.Clock.Now().Add(d.delay)
		err := x.save(th, func() {
			if len(th.Retries) < len(st.retry) {
				th.Retries = append(th.Retries, make([]int, len(st.retry)-len(th.Retries))...)
			}
			th.Retries[d.retry]++
			th.WakeAt = wake
		})
		return true, nil, "", nil, err
	}
	if d.catcher == nil {
		return false, nil, "", nil, e
	}
	out, perr := placeResult(d.catcher.resultPath, raw, map[string]any{"Error": e.Name, "Cause": e.Cause})
	if perr != nil {
		return false, nil, "", nil, statesErr(ErrResultPathMatch, "state %q: Catch: %v", st.name, perr)
	}
	exit := ev(exitType, st)
	exit.Output = encode(out)
	return false, out, d.catcher.next, []domain.HistoryEvent{exit}, nil
}

func (x *execution) sleepRetry(ctx context.Context, th *thread) error {
	if th.WakeAt.IsZero() {
		return nil
	}
	if err := x.r.cfg.Clock.SleepUntil(ctx, th.WakeAt); err != nil {
		return errStopped
	}
	return nil
}
