package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gasproject/gas/internal/domain"
)

// Handler is the Go code behind a Task: it receives the lambda:invoke
// Payload and returns the function's output (the state sees it as
// $.Payload). Handlers must be idempotent: a retry, or a restart while the
// task was in flight, invokes them again with the same payload.
type Handler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Clock is the runner's time: event timestamps, Wait states and retry
// back-off. Tests may inject one (or run under testing/synctest, where the
// real clock is fake). Task timeouts use context deadlines.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t, or earlier with ctx's error.
	SleepUntil(ctx context.Context, t time.Time) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

func (realClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Config wires a Runner.
type Config struct {
	Store    Store
	Machines map[string]*Machine // by state machine name (domain.MachineAnnotation, ...)
	Handlers map[string]Handler  // by Parameters.FunctionName
	Clock    Clock               // nil: real time
	Jitter   func() float64      // a number in [0, 1) for JitterStrategy FULL; nil: math/rand/v2
	Logger   *slog.Logger        // nil: slog.Default()
	// Objects serves a Distributed Map's ItemReader (S3 getObject: the
	// bucket is ignored, Key is the blob key). Required by machines that read items.
	Objects Objects
	// MapConcurrency caps a Distributed Map whose MaxConcurrency is 0 (AWS:
	// up to 10,000 child executions at once); 0 means runtime.NumCPU().
	MapConcurrency int
	// OnFinish, when set, is called with each top-level execution once it
	// has ended and its last event is stored (the audit export). It runs on
	// the execution's goroutine. A crash between the last event and the
	// call loses the call (internal/app sweeps for those at start).
	OnFinish func(domain.Execution)
}

// Objects is the object store a Distributed Map's ItemReader reads.
type Objects interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Runner executes state machines durably. It implements domain.Workflow.
type Runner struct {
	cfg    Config
	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	running map[string]chan struct{} // execution id -> closed when its goroutine ends

	callbacks callbacks // tasks waiting for SendTaskSuccess/Failure (callback.go)
}

var _ domain.Workflow = (*Runner)(nil)

// ErrClosed is returned by Start and Resume after Close.
var ErrClosed = errors.New("asl: runner closed")

// NewRunner checks that every Task of every machine has a handler.
func NewRunner(cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("asl: Config.Store is nil")
	}
	for name, m := range cfg.Machines {
		if m.ReadsItems && cfg.Objects == nil {
			return nil, fmt.Errorf("asl: state machine %q has a Distributed Map with an ItemReader, and Config.Objects is nil", name)
		}
		for _, fn := range m.FunctionNames {
			if cfg.Handlers[fn] == nil {
				return nil, fmt.Errorf("asl: state machine %q calls function %q, which has no handler", name, fn)
			}
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.MapConcurrency <= 0 {
		cfg.MapConcurrency = runtime.NumCPU()
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{cfg: cfg, ctx: ctx, cancel: cancel, running: map[string]chan struct{}{}}, nil
}

// ExecutionID is the id the runner gives the execution name of a machine,
// shaped like an AWS execution ARN.
func ExecutionID(machine, name string) string {
	return "arn:aws:states:local:000000000000:execution:" + machine + ":" + name
}

// StateMachineID is the local ARN of a state machine ($$.StateMachine.Id).
func StateMachineID(machine string) string {
	return "arn:aws:states:local:000000000000:stateMachine:" + machine
}

// validName applies Step Functions' rules for execution names.
func validName(name string) error {
	if name == "" || len(name) > 80 {
		return fmt.Errorf("execution name %q must have 1 to 80 characters: %w", name, domain.ErrInvalid)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return fmt.Errorf("execution name %q: character %q is not allowed: %w", name, r, domain.ErrInvalid)
		}
	}
	return nil
}

// Start begins an execution of machine named name. Starting the same name
// again with the same input returns the existing execution's id and runs
// nothing; with another input it fails with domain.ErrConflict.
func (r *Runner) Start(ctx context.Context, machine, name string, input json.RawMessage) (string, error) {
	m, ok := r.cfg.Machines[machine]
	if !ok {
		return "", fmt.Errorf("start %s: state machine %q: %w", name, machine, domain.ErrNotFound)
	}
	if err := validName(name); err != nil {
		return "", fmt.Errorf("start: %w", err)
	}
	v, err := decode(input)
	if err != nil {
		return "", fmt.Errorf("start %s: input is not JSON: %v: %w", name, err, domain.ErrInvalid)
	}
	canonical := encode(v)
	if len(canonical) > MaxPayload {
		return "", fmt.Errorf("start %s: input is %d bytes, over %d: %w", name, len(canonical), MaxPayload, domain.ErrTooLarge)
	}
	now := r.cfg.Clock.Now()
	id := ExecutionID(machine, name)
	cp := checkpoint{LastEventID: 1, Threads: map[string]*thread{
		"": {State: m.top.startAt, Input: canonical, EnteredAt: now, LastEventID: 1},
	}}
	rec := Record{
		Execution: domain.Execution{ID: id, Name: name, StateMachine: machine, Status: domain.ExecRunning,
			StartedAt: now, Input: canonical},
		Checkpoint: encode(cp),
	}
	started := domain.HistoryEvent{ID: 1, Timestamp: now, Type: "ExecutionStarted", Input: canonical}
	existing, created, err := r.cfg.Store.CreateExecution(ctx, rec, []domain.HistoryEvent{started})
	if err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	if !created {
		if !sameJSON(existing.Input, canonical) {
			return "", fmt.Errorf("start %s: execution exists with another input: %w", name, domain.ErrConflict)
		}
		return existing.ID, nil
	}
	if err := r.launch(rec); err != nil {
		return "", err // stored: the next Resume runs it
	}
	return id, nil
}

// Resume continues every unfinished execution in the store: a pending Wait
// fires at its original time, a task that was in flight is invoked again.
func (r *Runner) Resume(ctx context.Context) error {
	recs, err := r.cfg.Store.UnfinishedExecutions(ctx)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	var errs []error
	for _, rec := range recs {
		r.callbacks.keep(rec)
		if isChild(rec.StateMachine) {
			continue // a Distributed Map's child: its parent resumes it
		}
		if err := r.launch(rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (r *Runner) launch(rec Record) error {
	m, ok := r.cfg.Machines[rec.StateMachine]
	if !ok {
		return fmt.Errorf("resume %s: state machine %q is not loaded", rec.ID, rec.StateMachine)
	}
	var cp checkpoint
	if err := json.Unmarshal(rec.Checkpoint, &cp); err != nil || cp.Threads[""] == nil {
		return fmt.Errorf("resume %s: bad checkpoint: %v", rec.ID, err)
	}
	execInput, err := decode(rec.Input)
	if err != nil {
		return fmt.Errorf("resume %s: bad input: %w", rec.ID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if _, ok := r.running[rec.ID]; ok {
		return nil
	}
	done := make(chan struct{})
	r.running[rec.ID] = done
	x := &execution{r: r, m: m, rec: rec, cp: cp, input: execInput}
	r.wg.Go(func() {
		defer func() {
			r.mu.Lock()
			delete(r.running, rec.ID)
			r.mu.Unlock()
			close(done)
		}()
		x.run(r.ctx)
	})
	return nil
}

// Wait blocks until the execution stops running in this runner (or ctx
// ends) and returns its description.
func (r *Runner) Wait(ctx context.Context, executionID string) (domain.Execution, error) {
	r.mu.Lock()
	done := r.running[executionID]
	r.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return domain.Execution{}, ctx.Err()
		}
	}
	return r.Describe(ctx, executionID)
}

// Close stops every execution goroutine and waits for them. Executions stay
// RUNNING in the store, where Resume finds them. Handlers in flight see
// their context canceled; their results are dropped (Resume invokes them
// again), and Close does not wait for a handler that ignores its context.
func (r *Runner) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

func (r *Runner) Describe(ctx context.Context, executionID string) (domain.Execution, error) {
	rec, err := r.cfg.Store.GetExecution(ctx, executionID)
	if err != nil {
		return domain.Execution{}, err
	}
	return rec.Execution, nil
}

func (r *Runner) History(ctx context.Context, executionID string) ([]domain.HistoryEvent, error) {
	return r.cfg.Store.History(ctx, executionID)
}

func (r *Runner) List(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	return r.cfg.Store.ListExecutions(ctx, f, p)
}

func sameJSON(a, b json.RawMessage) bool {
	x, err1 := decode(a)
	y, err2 := decode(b)
	if err1 != nil || err2 != nil {
		return string(a) == string(b)
	}
	return string(encode(x)) == string(encode(y))
}
