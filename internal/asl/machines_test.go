package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
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
	notReady map[string]int    // job -> CheckRestore answers "not restored" this many times
	failCopy map[string]int    // job -> CopyBack fails this many times
	failList func(n int) error // error for the n-th ListArchived call (1-based); nil: success
}

func newWorld() *world {
	return &world{premium: map[string]bool{}, owner: map[string]string{}, payloads: map[string][]map[string]any{},
		archived: map[string]int{}, notReady: map[string]int{}, failCopy: map[string]int{}, shards: 1, objects: map[string]string{}}
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
		w.mu.Lock()
		defer w.mu.Unlock()
		ids := []string{}
		for j, n := range w.archived {
			if n > 0 && w.owner[j] == p["user_id"] {
				ids = append(ids, j)
			}
		}
		slices.Sort(ids)
		return map[string]any{"job_ids": ids}, nil
	case "request-restore":
		return map[string]any{"tier": "Standard", "ready_by": "2000-01-01T05:00:00Z", "poll_seconds": 60}, nil
	case "check-restore":
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.notReady[job] > 0 {
			w.notReady[job]--
			return map[string]any{"restored": false, "poll_seconds": 30}, nil
		}
		return map[string]any{"restored": true, "poll_seconds": 0}, nil
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
	mapFailed := "Plan ShardMap MarkFailed NotifyFailed Failed"
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
			wantPath: "Plan MarkFailed NotifyFailed Failed"},
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
					if len(w.called("notify-completed")) != 1 || len(w.called("mark-failed")) != 0 {
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

const restoreInput = `{"user_id":"u1","retry_seconds":600}`

// rounds unnests NotifyRestored's "rounds" ([latest, [previous, [..., []]]])
// into the rounds' results in the order they ran.
func rounds(t *testing.T, v any) [][]string {
	t.Helper()
	var out [][]string
	for {
		pair, ok := v.([]any)
		if !ok || (len(pair) != 0 && len(pair) != 2) {
			t.Fatalf("rounds: %v is not [results, earlier] or []", v)
		}
		if len(pair) == 0 {
			return out
		}
		var round []string
		for _, r := range pair[0].([]any) {
			m := r.(map[string]any)
			round = append(round, fmt.Sprintf("%s:%v:%v", m["job_id"], m["restored"], m["error"]))
		}
		out = append([][]string{round}, out...)
		v = pair[1]
	}
}

// waited returns how long each visit of a Wait state lasted.
func waited(h []domain.HistoryEvent, state string) []time.Duration {
	var out []time.Duration
	var entered time.Time
	for _, e := range h {
		switch {
		case e.Type == "WaitStateEntered" && e.StateName == state:
			entered = e.Timestamp
		case e.Type == "WaitStateExited" && e.StateName == state:
			out = append(out, e.Timestamp.Sub(entered))
		}
	}
	return out
}

// TestRestoreMachine: j1 is slow, j3 fine, j2's copy always fails. Round 1
// restores j1 and j3; rounds 2 and 3, retry_seconds apart, retry only j2; then
// one email with every job's latest outcome.
func TestRestoreMachine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		for _, j := range []string{"j1", "j2", "j3"} {
			w.owner[j] = "u1"
			w.archived[j] = 1
		}
		w.owner["other"], w.archived["other"] = "u2", 1
		w.notReady["j1"] = 2
		w.failCopy["j2"] = 1 << 30
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		ctx := context.Background()
		start := time.Now()
		id, err := r.Start(ctx, domain.MachineRestore, "restore-u1", json.RawMessage(restoreInput))
		if err != nil {
			t.Fatal(err)
		}
		e, _ := r.Wait(ctx, id)
		if e.Status != domain.ExecSucceeded {
			t.Fatalf("status %s %s %s", e.Status, e.Error, e.Cause)
		}
		if w.archived["j1"] != 0 || w.archived["j3"] != 0 || w.archived["j2"] != 1 || w.archived["other"] != 1 {
			t.Errorf("archived %v", w.archived)
		}
		if got := w.called("check-restore"); len(got) != 3+1+1+1+1 { // j1 polls thrice; j2 once a round
			t.Errorf("check-restore calls %v", got)
		}
		if got := w.called("copy-back"); len(got) != 2+3*3 { // j2: 1 + 2 retries of States.TaskFailed, in each round
			t.Errorf("copy-back calls %v", got)
		}
		if got := w.called("list-archived"); len(got) != 4 {
			t.Errorf("list-archived calls %v, want the first and one after each round", got)
		}
		for i := range 3 {
			rf := w.payload("restore-failed", i)
			if rf["job_id"] != "j2" || rf["error"] != "brokenCopy" || rf["round"] != float64(i+1) || rf["rounds"] != float64(3) {
				t.Errorf("restore-failed payload %d: %v", i, rf)
			}
		}
		if n := len(w.called("notify-restored")); n != 1 {
			t.Fatalf("notify-restored ran %d times", n)
		}
		got := fmt.Sprint(rounds(t, w.payload("notify-restored", 0)["rounds"]))
		want := "[[j1:true:<nil> j2:false:brokenCopy j3:true:<nil>] [j2:false:brokenCopy] [j2:false:brokenCopy]]"
		if got != want {
			t.Errorf("notify-restored rounds %s\nwant %s", got, want)
		}
		h, _ := r.History(ctx, id)
		if d := waited(h, "WaitBeforeRetry"); fmt.Sprint(d) != "[10m0s 10m0s]" {
			t.Errorf("waits before the retries: %v, want retry_seconds twice", d)
		}
		// j1: RequestRestore, wait 60 s, not ready, wait 30 s, not ready, wait 30 s, restored.
		if took := time.Since(start); took < 120*time.Second+2*600*time.Second {
			t.Errorf("restore took %v, want at least the 120 s of polling and two retry waits", took)
		}
	})
}

// TestRestoreMachineRetryRecovers: a job whose copy fails every attempt of
// round 1 comes back in round 2; nothing is left to retry, so no third round.
func TestRestoreMachineRetryRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		for _, j := range []string{"j1", "j2"} {
			w.owner[j], w.archived[j] = "u1", 1
		}
		w.failCopy["j2"] = 3
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u1", json.RawMessage(restoreInput))
		e, _ := r.Wait(context.Background(), id)
		if e.Status != domain.ExecSucceeded || w.archived["j1"] != 0 || w.archived["j2"] != 0 {
			t.Fatalf("status %s %s, archived %v", e.Status, e.Cause, w.archived)
		}
		if rf := w.called("restore-failed"); len(rf) != 1 || w.payload("restore-failed", 0)["round"] != float64(1) {
			t.Errorf("restore-failed %v", rf)
		}
		if n := len(w.called("notify-restored")); n != 1 {
			t.Fatalf("notify-restored ran %d times", n)
		}
		got := fmt.Sprint(rounds(t, w.payload("notify-restored", 0)["rounds"]))
		if want := "[[j1:true:<nil> j2:false:brokenCopy] [j2:true:<nil>]]"; got != want {
			t.Errorf("rounds %s, want %s", got, want)
		}
		h, _ := r.History(context.Background(), id)
		if n := strings.Count(statePath(h), "RestoreEach"); n != 2 {
			t.Errorf("%d rounds, want 2: %s", n, statePath(h))
		}
	})
}

func TestRestoreMachineNothingArchived(t *testing.T) {
	for _, tt := range []struct{ input, wantPath string }{
		{`{"user_id":"u9","retry_seconds":5}`, "RetryDelayGiven FirstRound ListArchived AnyArchived NothingToRestore"},
		{`{"user_id":"u9"}`, "RetryDelayGiven DefaultRetryDelay FirstRound ListArchived AnyArchived NothingToRestore"},
	} {
		synctest.Test(t, func(t *testing.T) {
			w := newWorld()
			r := newRunner(t, asl.NewMemStore(), w)
			defer r.Close()
			id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u9", json.RawMessage(tt.input))
			e, _ := r.Wait(context.Background(), id)
			h, _ := r.History(context.Background(), id)
			if e.Status != domain.ExecSucceeded || statePath(h) != tt.wantPath || len(w.called("notify-restored")) != 0 {
				t.Fatalf("%s: status %s path %q", tt.input, e.Status, statePath(h))
			}
		})
	}
}

// TestRestoreMachineDefaultRetryDelay: without retry_seconds (a hand-started
// execution) the rounds are 15 minutes apart.
func TestRestoreMachineDefaultRetryDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		w.owner["j1"], w.archived["j1"], w.failCopy["j1"] = "u1", 1, 3
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u1", json.RawMessage(`{"user_id":"u1"}`))
		e, _ := r.Wait(context.Background(), id)
		h, _ := r.History(context.Background(), id)
		if e.Status != domain.ExecSucceeded || w.archived["j1"] != 0 || fmt.Sprint(waited(h, "WaitBeforeRetry")) != "[15m0s]" {
			t.Fatalf("status %s, archived %v, waits %v", e.Status, w.archived, waited(h, "WaitBeforeRetry"))
		}
	})
}

func TestRestoreMachineGivesUpPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		w.owner["j1"], w.archived["j1"], w.notReady["j1"] = "u1", 1, 1_000_000
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u1", json.RawMessage(restoreInput))
		e, _ := r.Wait(context.Background(), id)
		if e.Status != domain.ExecSucceeded {
			t.Fatalf("status %s %s", e.Status, e.Cause)
		}
		if n := len(w.called("check-restore")); n != 3*101 {
			t.Errorf("check-restore ran %d times, want 101 in each of 3 rounds", n)
		}
		for i := range 3 {
			if rf := w.payload("restore-failed", i); rf["error"] != "RestoreTimedOut" || rf["round"] != float64(i+1) {
				t.Errorf("restore-failed payload %v", rf)
			}
		}
	})
}

// TestRestoreMachineListingFails: a listing that keeps failing after the
// steps' retries fails the execution at the start, but after a round it
// still sends the email with what that round did.
func TestRestoreMachineListingFails(t *testing.T) {
	for _, tt := range []struct {
		name       string
		failFrom   int // first failing list-archived call
		wantStatus string
		wantMails  int
	}{
		{"at the start", 1, domain.ExecFailed, 0},
		{"after round 1", 2, domain.ExecSucceeded, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld()
				w.owner["j1"], w.archived["j1"], w.failCopy["j1"] = "u1", 1, 3
				w.failList = func(n int) error {
					if n >= tt.failFrom {
						return lambdaErr("DynamoDBThrottled")
					}
					return nil
				}
				r := newRunner(t, asl.NewMemStore(), w)
				defer r.Close()
				id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u1", json.RawMessage(restoreInput))
				e, _ := r.Wait(context.Background(), id)
				if e.Status != tt.wantStatus || len(w.called("notify-restored")) != tt.wantMails {
					t.Fatalf("status %s %s, %d mails", e.Status, e.Error, len(w.called("notify-restored")))
				}
				if n := len(w.called("list-archived")); n != tt.failFrom+2 { // the failing call and its two retries
					t.Errorf("list-archived ran %d times", n)
				}
				if tt.wantStatus == domain.ExecFailed && (e.Error != "DynamoDBThrottled" || statemachines.ErrorMessage(e.Cause) != "service unavailable") {
					t.Errorf("error %q cause %q", e.Error, e.Cause)
				}
				if tt.wantMails == 1 {
					if got := fmt.Sprint(rounds(t, w.payload("notify-restored", 0)["rounds"])); got != "[[j1:false:brokenCopy]]" {
						t.Errorf("rounds %s", got)
					}
				}
			})
		})
	}
}
