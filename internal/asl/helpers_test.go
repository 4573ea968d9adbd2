package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// handlerFunc adapts a simple function to a Handler.
func handlerFunc(f func(payload map[string]any) (any, error)) Handler {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		var p map[string]any
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, err
		}
		out, err := f(p)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
}

// calls counts handler invocations by function name.
type calls struct {
	mu sync.Mutex
	n  map[string]int
	at map[string][]time.Time
}

func newCalls() *calls { return &calls{n: map[string]int{}, at: map[string][]time.Time{}} }

func (c *calls) wrap(name string, h Handler) Handler {
	return func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
		c.mu.Lock()
		c.n[name]++
		c.at[name] = append(c.at[name], time.Now())
		c.mu.Unlock()
		return h(ctx, p)
	}
}

func (c *calls) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

func (c *calls) times(name string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.at[name]...)
}

func mustLoad(t *testing.T, def string) *Machine {
	t.Helper()
	m, err := Load([]byte(def))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

func newTestRunner(t *testing.T, store Store, machines map[string]*Machine, handlers map[string]Handler) *Runner {
	t.Helper()
	return runnerFor(t, Config{Store: store, Machines: machines, Handlers: handlers})
}

// runnerFor is NewRunner over cfg with the tests' settings: retry delays
// without jitter, and no log.
func runnerFor(t *testing.T, cfg Config) *Runner {
	t.Helper()
	cfg.Jitter = func() float64 { return 1 }
	cfg.Logger = slog.New(slog.DiscardHandler)
	r, err := NewRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runOnce starts one execution of def and waits for it to end.
func runOnce(t *testing.T, def string, handlers map[string]Handler, input string) (domain.Execution, []domain.HistoryEvent) {
	t.Helper()
	store := NewMemStore()
	r := newTestRunner(t, store, map[string]*Machine{"m": mustLoad(t, def)}, handlers)
	defer r.Close()
	ctx := context.Background()
	id, err := r.Start(ctx, "m", "run-1", json.RawMessage(input))
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return e, h
}

func types(h []domain.HistoryEvent) string {
	var s []string
	for _, e := range h {
		if e.StateName != "" {
			s = append(s, e.Type+":"+e.StateName)
		} else {
			s = append(s, e.Type)
		}
	}
	return strings.Join(s, " ")
}

func jsonEq(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	if !sameJSON(got, json.RawMessage(want)) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// namedErr is a handler error with a declared Step Functions name.
type namedErr struct{ name, msg string }

func (e namedErr) Error() string     { return e.msg }
func (e namedErr) ErrorName() string { return e.name }

var errPlain = errors.New("plain failure")

func lambdaCause(typ, msg string) string {
	return fmt.Sprintf(`{"errorMessage":%q,"errorType":%q}`, msg, typ)
}

// tokens records the task tokens a callback handler received.
type tokens struct {
	mu   sync.Mutex
	list []string
}

func (tk *tokens) handler(then func(token string)) Handler {
	return func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in struct{ Token string }
		if err := json.Unmarshal(p, &in); err != nil || in.Token == "" {
			return nil, errors.New("no token in payload")
		}
		tk.mu.Lock()
		tk.list = append(tk.list, in.Token)
		tk.mu.Unlock()
		if then != nil {
			then(in.Token)
		}
		return json.RawMessage(`{"stored":true}`), nil
	}
}

func (tk *tokens) last(t *testing.T) string {
	t.Helper()
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if len(tk.list) == 0 {
		t.Fatal("the handler got no token")
	}
	return tk.list[len(tk.list)-1]
}

func (tk *tokens) count() int {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return len(tk.list)
}
