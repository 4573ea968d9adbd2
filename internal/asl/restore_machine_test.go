package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// The restore machine with stub steps: ListArchived writes the ids the
// Distributed Map reads, AwaitRestore's "S3" resumes the step 30 s
// later (unless the job's event is lost), CheckRestore answers by neverReady.

const restoreInput = `{"user_id":"u1","retry_seconds":600}`

// restoreChild is the child machine of RestoreEach (its Label).
const restoreChild = domain.MachineRestore + "/RestoreJob"

func (w *world) listArchived(p map[string]any) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := []string{}
	for j, n := range w.archived {
		if n > 0 && w.owner[j] == p["user_id"] {
			ids = append(ids, j)
		}
	}
	slices.Sort(ids)
	key := fmt.Sprintf("restores/%s/%s.json", p["user_id"], p["execution"])
	b, _ := json.Marshal(ids)
	w.objects[key] = string(b)
	return map[string]any{"count": len(ids), "key": key}
}

// awaitRestore plays S3 and the event handler: the restore completes 30 s
// later and the step is resumed, unless the event is lost.
func (w *world) awaitRestore(job, token string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lostEvents[job] > 0 || w.neverReady[job] {
		w.lostEvents[job]--
		return
	}
	r := w.r
	go func() {
		time.Sleep(30 * time.Second) // before the step's timeout (wait_seconds 60)
		if err := r.SendTaskSuccess(context.Background(), token, json.RawMessage(`{"restored":true,"wait_seconds":1}`)); err != nil {
			panic(err)
		}
	}()
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

// children returns the state paths of the restore's child executions, by job.
func children(t *testing.T, r *asl.Runner) map[string]string {
	t.Helper()
	ctx := context.Background()
	execs, _, err := r.List(ctx, domain.ExecutionFilter{StateMachine: restoreChild}, domain.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range execs {
		var in struct {
			JobID string `json:"job_id"`
			Round int    `json:"round"`
		}
		if err := json.Unmarshal(e.Input, &in); err != nil {
			t.Fatal(err)
		}
		h, _ := r.History(ctx, e.ID)
		out[fmt.Sprintf("%s#%d", in.JobID, in.Round)] = statePath(h)
	}
	return out
}

// TestRestoreMachine: j1's completion event is lost once (the timeout
// fallback finds it restored), j3 is fine, j2's copy always fails. Round 1
// restores j1 and j3; rounds 2 and 3, retry_seconds apart, retry only j2;
// then one email. Each job of each round ran in its own child execution.
func TestRestoreMachine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		for _, j := range []string{"j1", "j2", "j3"} {
			w.owner[j] = "u1"
			w.archived[j] = 1
		}
		w.owner["other"], w.archived["other"] = "u2", 1
		w.lostEvents["j1"] = 1
		w.failCopy["j2"] = 1 << 30
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		ctx := context.Background()
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
		if got := w.called("check-restore"); fmt.Sprint(got) != "[check-restore j1]" {
			t.Errorf("check-restore calls %v, want only j1's timeout fallback", got)
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
		nr := w.payload("notify-restored", 0)
		if nr["user_id"] != "u1" || nr["rounds"] != float64(3) || nr["since"] != e.StartedAt.UTC().Format(time.RFC3339Nano) {
			t.Errorf("notify-restored payload %v", nr)
		}
		h, _ := r.History(ctx, id)
		if d := waited(h, "WaitBeforeRetry"); fmt.Sprint(d) != "[10m0s 10m0s]" {
			t.Errorf("waits before the retries: %v, want retry_seconds twice", d)
		}
		want := map[string]string{
			"j1#1": "RequestRestore AlreadyRestored WaitForRestore CheckRestore IsRestored CopyBack MarkAvailable Restored",
			"j3#1": "RequestRestore AlreadyRestored WaitForRestore CopyBack MarkAvailable Restored",
		}
		for round := 1; round <= 3; round++ {
			want[fmt.Sprintf("j2#%d", round)] = "RequestRestore AlreadyRestored WaitForRestore CopyBack RecordFailure NotRestored"
		}
		if got := children(t, r); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("children %v\nwant     %v", got, want)
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
		if n := len(w.called("notify-restored")); n != 1 || w.payload("notify-restored", 0)["rounds"] != float64(2) {
			t.Fatalf("notify-restored ran %d times", n)
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

// TestRestoreMachineGivesUpChecking: no event ever comes and the archive
// never becomes readable: each round gives up after 48 checks, each after
// the step's timeout (wait_seconds), and records RestoreTimedOut.
func TestRestoreMachineGivesUpChecking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		w.owner["j1"], w.archived["j1"], w.neverReady["j1"] = "u1", 1, true
		r := newRunner(t, asl.NewMemStore(), w)
		defer r.Close()
		start := time.Now()
		id, _ := r.Start(context.Background(), domain.MachineRestore, "restore-u1", json.RawMessage(restoreInput))
		e, _ := r.Wait(context.Background(), id)
		if e.Status != domain.ExecSucceeded {
			t.Fatalf("status %s %s", e.Status, e.Cause)
		}
		if n := len(w.called("check-restore")); n != 3*49 {
			t.Errorf("check-restore ran %d times, want 49 in each of 3 rounds", n)
		}
		for i := range 3 {
			if rf := w.payload("restore-failed", i); rf["error"] != "RestoreTimedOut" || rf["round"] != float64(i+1) {
				t.Errorf("restore-failed payload %v", rf)
			}
		}
		// Per round: the first wait of 60 s (RequestRestore), then 48 of 30 s (CheckRestore).
		if took, want := time.Since(start), 3*(60+48*30)*time.Second+2*600*time.Second; took != want {
			t.Errorf("took %v, want %v", took, want)
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
			})
		})
	}
}
