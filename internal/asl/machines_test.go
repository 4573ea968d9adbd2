package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// world is a stub of the step handlers: just enough state to check that the
// real definitions call the right steps with the right payloads.
type world struct {
	mu       sync.Mutex
	premium  map[string]bool // user -> premium
	owner    map[string]string
	calls    []string // "handler job-or-user"
	payloads map[string][]map[string]any
	archived map[string]int // job -> times archived

	plan     func(n int) error // error for the n-th Plan call (1-based); nil: success
	annotate func(n int) error // error for the n-th AnnotateShard call (1-based); nil: success
	shards   int               // items Plan writes to the manifest (default 1)
	objects  map[string]string // what Plan wrote, for the ShardMap's ItemReader
	failCopy map[string]int    // job -> CopyBack fails this many times
	failList func(n int) error // error for the n-th ListArchived call (1-based); nil: success

	r          *asl.Runner    // resumes WaitForRestore (set by newRunner)
	lostEvents map[string]int // job -> this many restore-completed events are lost (the step times out)
	neverReady map[string]bool
}

func newWorld() *world {
	return &world{premium: map[string]bool{}, owner: map[string]string{}, payloads: map[string][]map[string]any{},
		archived: map[string]int{}, failCopy: map[string]int{}, shards: 1, objects: map[string]string{},
		lostEvents: map[string]int{}, neverReady: map[string]bool{}}
}

// Get serves the manifest Plan wrote to the ShardMap's ItemReader.
func (w *world) Get(_ context.Context, key string) (io.ReadCloser, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.objects[key]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

type brokenCopy struct{}

func (brokenCopy) Error() string { return "copy failed" }

func (w *world) handlers() map[string]asl.Handler {
	h := map[string]asl.Handler{}
	for _, machine := range statemachines.Names() {
		for _, f := range statemachines.Functions[machine] {
			name := f.Name
			h[name] = func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
				var p map[string]any
				if err := json.Unmarshal(raw, &p); err != nil {
					return nil, err
				}
				out, err := w.step(ctx, name, p)
				if err != nil {
					return nil, err
				}
				return json.Marshal(out)
			}
		}
	}
	return h
}

func (w *world) step(ctx context.Context, name string, p map[string]any) (any, error) {
	w.mu.Lock()
	job, _ := p["job_id"].(string)
	key := job
	if key == "" {
		key, _ = p["user_id"].(string)
	}
	w.calls = append(w.calls, name+" "+key)
	w.payloads[name] = append(w.payloads[name], p)
	n := 0
	for _, c := range w.calls {
		if strings.HasPrefix(c, name+" ") {
			n++
		}
	}
	plan, annotate, failList := w.plan, w.annotate, w.failList
	w.mu.Unlock()

	switch name {
	case "plan":
		if plan != nil {
			if err := plan(n); err != nil {
				return nil, err
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		items := []map[string]any{}
		for i := range w.shards {
			items = append(items, map[string]any{"index": i, "key": fmt.Sprintf("work/%s/shard-%d.vcf", job, i)})
		}
		manifest, _ := json.Marshal(items)
		w.objects["work/"+job+"/manifest.json"] = string(manifest)
		return map[string]any{"manifest_key": "work/" + job + "/manifest.json", "shards": w.shards, "max_concurrency": 0}, nil
	case "annotate-shard":
		if annotate != nil {
			if err := annotate(n); err != nil {
				if err.Error() == "sleep" {
					time.Sleep(time.Hour) // past TimeoutSeconds
					return nil, nil
				}
				return nil, err
			}
		}
		shard, _ := p["shard"].(map[string]any)
		return map[string]any{"index": shard["index"], "records": 10}, nil
	case "merge":
		return map[string]any{"result_key": "results/" + job + ".vcf.gz", "log_key": "results/" + job + ".log"}, nil
	case "archive-if-free":
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.premium[w.owner[job]] {
			return map[string]any{"archived": false}, nil
		}
		w.archived[job]++
		return map[string]any{"archived": true}, nil
	case "list-archived":
		if failList != nil {
			if err := failList(n); err != nil {
				return nil, err
			}
		}
		return w.listArchived(p), nil
	case "request-restore":
		return map[string]any{"tier": "Standard", "ready_by": "2000-01-01T05:00:00Z", "wait_seconds": 60, "restored": false}, nil
	case "await-restore":
		w.awaitRestore(job, p["task_token"].(string))
	case "check-restore":
		w.mu.Lock()
		defer w.mu.Unlock()
		return map[string]any{"restored": !w.neverReady[job], "wait_seconds": 30}, nil
	case "copy-back":
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.failCopy[job] > 0 {
			w.failCopy[job]--
			return nil, brokenCopy{}
		}
		w.archived[job] = 0
	}
	return map[string]any{}, nil
}

func (w *world) called(name string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, c := range w.calls {
		if strings.HasPrefix(c, name+" ") {
			out = append(out, c)
		}
	}
	return out
}

func (w *world) payload(name string, i int) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.payloads[name][i]
}

func loadMachines(t *testing.T) map[string]*asl.Machine {
	t.Helper()
	ms := map[string]*asl.Machine{}
	for _, name := range statemachines.Names() {
		def, err := statemachines.LocalDefinition(name)
		if err != nil {
			t.Fatal(err)
		}
		if ms[name], err = asl.Load(def); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return ms
}

func newRunner(t *testing.T, store asl.Store, w *world) *asl.Runner {
	t.Helper()
	r, err := asl.NewRunner(asl.Config{Store: store, Machines: loadMachines(t), Handlers: w.handlers(), Objects: w,
		Jitter: func() float64 { return 1 }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.r = r
	w.mu.Unlock()
	return r
}

// statePath lists the states entered, in order.
func statePath(h []domain.HistoryEvent) string {
	var s []string
	for _, e := range h {
		if strings.HasSuffix(e.Type, "StateEntered") {
			s = append(s, e.StateName)
		}
	}
	return strings.Join(s, " ")
}

func TestAnnotationMachine(t *testing.T) {
	invalid := &statemachines.InvalidInputError{Reason: "line 12: REF is empty"}
	ok := "Plan ShardMap Merge NotifyCompleted WaitRetention ArchiveIfFree Done"
	mapFailed := "Plan ShardMap MarkFailed NotifyFailed DropWork Failed"
	tests := []struct {
		name        string
		premium     bool
		upgradeMid  bool
		plan        func(n int) error
		annotate    func(n int) error
		shards      int
		wantStatus  string
		wantPath    string
		wantArchive int
		wantCalls   int // AnnotateShard invocations
		wantError   string
		wantMessage string // in the text MarkFailed can show the user
	}{
		{name: "free user: archived", wantStatus: domain.ExecSucceeded, wantArchive: 1, wantCalls: 1, wantPath: ok},
		{name: "three shards", shards: 3, wantStatus: domain.ExecSucceeded, wantArchive: 1, wantCalls: 3, wantPath: ok},
		{name: "premium user: kept hot", premium: true, wantStatus: domain.ExecSucceeded, wantCalls: 1, wantPath: ok},
		{name: "upgrade during the wait: kept hot", upgradeMid: true, wantStatus: domain.ExecSucceeded, wantCalls: 1, wantPath: ok},
		{name: "bad VCF at Plan: not retried, failed with the reason", plan: func(int) error { return invalid },
			wantStatus: domain.ExecFailed, wantCalls: 0, wantError: "InvalidInputError", wantMessage: invalid.Reason,
			wantPath: "Plan MarkFailed NotifyFailed DropWork Failed"},
		{name: "bad VCF in a shard: not retried, the map run fails", annotate: func(int) error { return invalid },
			wantStatus: domain.ExecFailed, wantCalls: 1, wantError: asl.ErrExceedToleratedMap, wantMessage: invalid.Reason, wantPath: mapFailed},
		{name: "panic in a shard: not retried", annotate: func(int) error { panic("index out of range") },
			wantStatus: domain.ExecFailed, wantCalls: 1, wantError: asl.ErrExceedToleratedMap, wantMessage: "index out of range", wantPath: mapFailed},
		{name: "timeout in a shard: never retried", annotate: func(int) error { return fmt.Errorf("sleep") },
			wantStatus: domain.ExecFailed, wantCalls: 1, wantError: asl.ErrExceedToleratedMap, wantMessage: "States.Timeout", wantPath: mapFailed},
		{name: "Lambda service errors: retried with back-off, then success", wantStatus: domain.ExecSucceeded, wantArchive: 1, wantCalls: 4,
			annotate: func(n int) error {
				if n <= 3 {
					return lambdaErr("Lambda.ServiceException")
				}
				return nil
			},
			wantPath: ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld()
				w.owner["job-1"], w.premium["u1"], w.plan, w.annotate = "u1", tt.premium, tt.plan, tt.annotate
				if tt.shards > 0 {
					w.shards = tt.shards
				}
				r := newRunner(t, asl.NewMemStore(), w)
				defer r.Close()
				ctx := context.Background()
				id, err := r.Start(ctx, domain.MachineAnnotation, "job-1", json.RawMessage(`{"job_id":"job-1","user_id":"u1","retention_seconds":180}`))
				if err != nil {
					t.Fatal(err)
				}
				if tt.upgradeMid {
					time.Sleep(90 * time.Second)
					w.mu.Lock()
					w.premium["u1"] = true
					w.mu.Unlock()
				}
				e, err := r.Wait(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(2 * time.Hour) // let abandoned (timed-out) handlers return
				h, _ := r.History(ctx, id)
				if e.Status != tt.wantStatus || statePath(h) != tt.wantPath {
					t.Fatalf("status %s (%s %s), path %q; want %s, %q", e.Status, e.Error, e.Cause, statePath(h), tt.wantStatus, tt.wantPath)
				}
				if got := len(w.called("annotate-shard")); got != tt.wantCalls {
					t.Errorf("annotate-shard ran %d times, want %d", got, tt.wantCalls)
				}
				if w.archived["job-1"] != tt.wantArchive {
					t.Errorf("archived %d times, want %d", w.archived["job-1"], tt.wantArchive)
				}
				if tt.wantStatus == domain.ExecSucceeded {
					var out map[string]any
					_ = json.Unmarshal(e.Output, &out)
					if out["annotation"] == nil || out["archive"] == nil || out["job_id"] != "job-1" {
						t.Errorf("output %s", e.Output)
					}
					if len(w.called("notify-completed")) != 1 || len(w.called("mark-failed")) != 0 || len(w.called("merge")) != 1 {
						t.Errorf("calls %v", w.calls)
					}
					return
				}
				if e.Error != tt.wantError || !strings.Contains(statemachines.ErrorMessage(e.Cause), tt.wantMessage) {
					t.Errorf("execution error %q cause %q; want %q with message %q", e.Error, e.Cause, tt.wantError, tt.wantMessage)
				}
				mf := w.payload("mark-failed", 0)
				if mf["job_id"] != "job-1" || mf["error"] != tt.wantError || !strings.Contains(statemachines.ErrorMessage(mf["cause"].(string)), tt.wantMessage) {
					t.Errorf("mark-failed payload %v", mf)
				}
				if len(w.called("notify-failed")) != 1 || len(w.called("notify-completed")) != 0 {
					t.Errorf("calls %v", w.calls)
				}
				// The last call is the failure path's clean-up, in the Merge function.
				merges := w.called("merge")
				if drop := w.payload("merge", len(merges)-1); drop["job_id"] != "job-1" || drop["drop"] != true {
					t.Errorf("last merge payload %v, want the drop of job-1", drop)
				}
			})
		})
	}
}

type lambdaErr string

func (e lambdaErr) Error() string     { return "service unavailable" }
func (e lambdaErr) ErrorName() string { return string(e) }

// TestAnnotationRestartDuringRetention: archived exactly once, on time.
func TestAnnotationRestartDuringRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		w.owner["job-1"] = "u1"
		store := asl.NewMemStore()
		ctx := context.Background()
		start := time.Now()
		r1 := newRunner(t, store, w)
		id, err := r1.Start(ctx, domain.MachineAnnotation, "job-1", json.RawMessage(`{"job_id":"job-1","user_id":"u1","retention_seconds":180}`))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Second)
		r1.Close()
		time.Sleep(20 * time.Second)
		r2 := newRunner(t, store, w)
		defer r2.Close()
		if err := r2.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		e, _ := r2.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded || w.archived["job-1"] != 1 || len(w.called("annotate-shard")) != 1 {
			t.Fatalf("status %s, archived %d, annotate-shard %d", e.Status, w.archived["job-1"], len(w.called("annotate-shard")))
		}
		h, _ := r2.History(ctx, id)
		for _, ev := range h {
			if ev.Type == "TaskScheduled" && ev.StateName == "ArchiveIfFree" && ev.Timestamp.Sub(start) != 180*time.Second {
				t.Errorf("ArchiveIfFree scheduled at +%v, want +180s", ev.Timestamp.Sub(start))
			}
		}
	})
}
