package app

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

func TestFreeUserResultIsArchived(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "alice", domain.RoleFree)
	j := submit(t, a, "alice", "test.vcf", sharedVCF(t, "test.vcf"))
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s: %s %s", e.Status, e.Error, e.Cause)
	}
	if got := field(t, e.Output, "archive.archived"); got != true {
		t.Errorf("output archive.archived = %v: %s", got, e.Output)
	}
	j = job(t, a, j.ID)
	if j.Status != domain.StatusCompleted || j.ResultState != domain.ResultArchived || j.ResultKey != tasks.ArchiveKey(j) {
		t.Fatalf("job %s %s %s", j.Status, j.ResultState, j.ResultKey)
	}
	info, err := a.Blobs.Head(context.Background(), j.ResultKey)
	if err != nil || info.StorageClass != domain.ClassGlacier || info.Size == 0 {
		t.Errorf("archive %+v %v", info, err)
	}
	if _, err := a.Blobs.Head(context.Background(), tasks.ResultKey(j)); err == nil {
		t.Error("hot copy still there")
	}
	ms := mails(t, a)
	if len(ms) != 1 || !strings.Contains(ms[0], "To: <alice@example.org>") || !strings.Contains(ms[0], "test.vcf") ||
		!strings.Contains(ms[0], j.ID) || !strings.Contains(ms[0], "http://gas.test/jobs/"+j.ID) ||
		// The workflow passes the execution's retention to the email.
		!strings.Contains(ms[0], "moves to the archive at "+j.CompletedAt.Add(time.Second).UTC().Format("2006-01-02 15:04:05 MST")) {
		t.Errorf("mails: %q", ms)
	}
	// The history reads like the Step Functions console's.
	want := []string{
		"ExecutionStarted",
		"TaskStateEntered Plan", "TaskScheduled Plan", "TaskStarted Plan", "TaskSucceeded Plan", "TaskStateExited Plan",
		"MapStateEntered ShardMap", "MapRunStarted ShardMap", "MapRunSucceeded ShardMap", "MapStateExited ShardMap",
		"TaskStateEntered Merge", "TaskScheduled Merge", "TaskStarted Merge", "TaskSucceeded Merge", "TaskStateExited Merge",
		"TaskStateEntered NotifyCompleted", "TaskScheduled NotifyCompleted", "TaskStarted NotifyCompleted", "TaskSucceeded NotifyCompleted", "TaskStateExited NotifyCompleted",
		"WaitStateEntered WaitRetention", "WaitStateExited WaitRetention",
		"TaskStateEntered ArchiveIfFree", "TaskScheduled ArchiveIfFree", "TaskStarted ArchiveIfFree", "TaskSucceeded ArchiveIfFree", "TaskStateExited ArchiveIfFree",
		"SucceedStateEntered Done", "SucceedStateExited Done",
		"ExecutionSucceeded",
	}
	ev := history(t, a, j.ExecutionID)
	if got := steps(ev); !slices.Equal(got, want) {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, e := range ev {
		if e.ID != int64(i+1) || (i > 0 && (e.PreviousEventID == 0 || e.Timestamp.Before(ev[i-1].Timestamp))) {
			t.Errorf("event %d: id %d, previous %d, at %v", i, e.ID, e.PreviousEventID, e.Timestamp)
		}
	}
	if len(ev) == len(want) {
		if waited := ev[21].Timestamp.Sub(ev[20].Timestamp); waited < time.Second {
			t.Errorf("waited %v, want the 1 s retention", waited)
		}
		if field(t, ev[0].Input, "retention_seconds") != 1.0 || ev[4].Output == nil {
			t.Errorf("event payloads: started %s, plan succeeded %s", ev[0].Input, ev[4].Output)
		}
	}
}

func TestPremiumUserResultStaysHot(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "paul", domain.RolePremium)
	j := submit(t, a, "paul", "test.vcf", sharedVCF(t, "test.vcf"))
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecSucceeded || field(t, e.Output, "archive.archived") != false {
		t.Fatalf("execution %s, output %s", e.Status, e.Output)
	}
	j = job(t, a, j.ID)
	if j.ResultState != domain.ResultAvailable || j.ResultKey != tasks.ResultKey(j) {
		t.Fatalf("job %s %s", j.ResultState, j.ResultKey)
	}
	if out := gunzip(t, readBlob(t, a, j.ResultKey)); !strings.HasPrefix(string(out), "##fileformat=VCF") {
		t.Errorf("result %.100q", out)
	}
	for _, k := range domain.ResultFiles(j.ResultKey)[1:] { // the tabix and variant indexes beside it
		if len(readBlob(t, a, k)) == 0 {
			t.Errorf("%s is empty", k)
		}
	}
	if ev := history(t, a, j.ExecutionID); count(ev, "TaskSucceeded", "ArchiveIfFree") != 1 {
		t.Errorf("ArchiveIfFree did not run once:\n%s", strings.Join(steps(ev), "\n"))
	}
}

func TestUpgradeDuringTheWaitKeepsResultHot(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	var a *App
	// The user upgrades right after the completion email, i.e. during the retention wait.
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		notify := h[statemachines.TaskNotifyCompleted]
		h[statemachines.TaskNotifyCompleted] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			out, err := notify(ctx, p)
			if _, _, uerr := a.Service.Upgrade(ctx, "ursula", ""); uerr != nil {
				t.Errorf("upgrade: %v", uerr)
			}
			return out, err
		}
	}
	a = openApp(t, cfg)
	addUser(t, a, "ursula", domain.RoleFree)
	j := submit(t, a, "ursula", "test.vcf", sharedVCF(t, "test.vcf"))
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecSucceeded || field(t, e.Output, "archive.archived") != false {
		t.Fatalf("execution %s, output %s", e.Status, e.Output)
	}
	if j = job(t, a, j.ID); j.ResultState != domain.ResultAvailable {
		t.Errorf("job result %s", j.ResultState)
	}
	// The upgrade also started a restore, which found nothing to do.
	restores, _, err := a.Workflow.List(context.Background(), domain.ExecutionFilter{StateMachine: domain.MachineRestore}, domain.Page{Limit: 10})
	if err != nil || len(restores) != 1 {
		t.Fatalf("restores %+v %v", restores, err)
	}
	r := wait(t, a, restores[0].ID)
	if r.Status != domain.ExecSucceeded {
		t.Errorf("restore %s", r.Status)
	}
}

func TestBadVCFFailsTheJobWithTheParsersReason(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "bob", domain.RoleFree)
	bad := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\t.\t.\nMT\tseventy\t.\tA\tG\t.\t.\t.\n"
	j := submit(t, a, "bob", "bad.vcf", []byte(bad))
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecFailed || e.Error != "InvalidInputError" {
		t.Fatalf("execution %s %s %s", e.Status, e.Error, e.Cause)
	}
	j = job(t, a, j.ID)
	if j.Status != domain.StatusFailed || !strings.HasPrefix(j.Error, "bad.vcf: line 4: ") {
		t.Fatalf("job %s, error %q", j.Status, j.Error)
	}
	ms := mails(t, a)
	if len(ms) != 1 || !strings.Contains(ms[0], "failed") || !strings.Contains(ms[0], "line 4") {
		t.Errorf("mails %q", ms)
	}
	ev := history(t, a, j.ExecutionID)
	if n := count(ev, "TaskFailed", "Plan"); n != 1 {
		t.Errorf("Plan failed %d times; bad input must not be retried", n)
	}
	want := []string{
		"ExecutionStarted",
		"TaskStateEntered Plan", "TaskScheduled Plan", "TaskStarted Plan", "TaskFailed Plan", "TaskStateExited Plan",
		"TaskStateEntered MarkFailed", "TaskScheduled MarkFailed", "TaskStarted MarkFailed", "TaskSucceeded MarkFailed", "TaskStateExited MarkFailed",
		"TaskStateEntered NotifyFailed", "TaskScheduled NotifyFailed", "TaskStarted NotifyFailed", "TaskSucceeded NotifyFailed", "TaskStateExited NotifyFailed",
		"TaskStateEntered DropWork", "TaskScheduled DropWork", "TaskStarted DropWork", "TaskSucceeded DropWork", "TaskStateExited DropWork",
		"FailStateEntered Failed",
		"ExecutionFailed",
	}
	if got := steps(ev); !slices.Equal(got, want) {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if last := ev[len(ev)-1]; last.Error != "InvalidInputError" || !strings.Contains(last.Cause, "line 4") {
		t.Errorf("ExecutionFailed carries %q %q", last.Error, last.Cause)
	}
	if _, err := a.Blobs.Head(context.Background(), tasks.ResultKey(j)); err == nil {
		t.Error("a partial result was left behind")
	}
}

func TestCrashingStepIsRetriedThenFails(t *testing.T) {
	tests := []struct {
		name      string
		task      string // the step that fails
		state     string // its state (in the execution's own history)
		handler   func(ctx context.Context) error
		timeout   bool
		attempts  int32
		wantError string // on the execution
		wantJob   string // in the job's error
	}{
		{"panic in Plan: retried twice", statemachines.TaskPlan, "Plan", func(context.Context) error { panic("engine bug") }, false, 3,
			"string", "internal error (string): engine bug"},
		{"timeout in Plan: never retried", statemachines.TaskPlan, "Plan", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, true, 1,
			"States.Timeout", "timed out"},
		{"panic in Merge: retried twice", statemachines.TaskMerge, "Merge", func(context.Context) error { panic("merge bug") }, false, 3,
			"string", "internal error (string): merge bug"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, t.TempDir())
			var attempts atomic.Int32
			cfg.wrapHandlers = func(h map[string]asl.Handler) {
				real := h[tc.task]
				h[tc.task] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
					if isDrop(p) { // the failure path's clean-up, in the Merge function
						return real(ctx, p)
					}
					attempts.Add(1)
					return nil, tc.handler(ctx)
				}
			}
			if tc.timeout {
				// The real definition allows 900 s; one second shows the same path.
				cfg.editDefinition = func(machine string, def []byte) []byte {
					return []byte(strings.Replace(string(def), `"TimeoutSeconds": 900`, `"TimeoutSeconds": 1`, 1))
				}
			}
			a := openApp(t, cfg)
			addUser(t, a, "carol", domain.RoleFree)
			j := submit(t, a, "carol", "test.vcf", sharedVCF(t, "test.vcf"))
			e := wait(t, a, j.ExecutionID)
			if e.Status != domain.ExecFailed || e.Error != tc.wantError {
				t.Fatalf("execution %s %q %s", e.Status, e.Error, e.Cause)
			}
			if n := attempts.Load(); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
			j = job(t, a, j.ID)
			if j.Status != domain.StatusFailed || !strings.Contains(j.Error, tc.wantJob) {
				t.Errorf("job %s %q", j.Status, j.Error)
			}
			ev := history(t, a, j.ExecutionID)
			failed := "TaskFailed"
			if tc.timeout {
				failed = "TaskTimedOut"
			}
			if n := count(ev, failed, tc.state); n != int(tc.attempts) {
				t.Errorf("%d %s events:\n%s", n, failed, strings.Join(steps(ev), "\n"))
			}
			if len(mails(t, a)) != 1 {
				t.Error("no failure email")
			}
		})
	}
}
