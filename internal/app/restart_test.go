package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

func TestRestartDuringTheWaitArchivesExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.Retention = 2 * time.Second
	var archives atomic.Int32
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		before(h, statemachines.TaskArchiveIfFree, func(tasks.JobInput) error {
			archives.Add(1)
			return nil
		})
	}
	a := openApp(t, cfg)
	addUser(t, a, "dora", domain.RoleFree)
	j := submit(t, a, "dora", "test.vcf", sharedVCF(t, "test.vcf"))

	var entered time.Time
	for deadline := time.Now().Add(30 * time.Second); entered.IsZero(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the execution never reached the wait")
		}
		for _, e := range history(t, a, j.ExecutionID) {
			if e.Type == "WaitStateEntered" {
				entered = e.Timestamp
			}
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// Stay down past the end of the wait: on restart it must fire at once,
	// at its original time, not wait another retention period.
	time.Sleep(time.Until(entered.Add(cfg.Retention + 200*time.Millisecond)))
	reopened := time.Now()
	b := openApp(t, cfg)
	e := wait(t, b, j.ExecutionID)
	if e.Status != domain.ExecSucceeded || field(t, e.Output, "archive.archived") != true {
		t.Fatalf("execution %s %s", e.Status, e.Output)
	}
	if n := archives.Load(); n != 1 {
		t.Errorf("ArchiveIfFree ran %d times", n)
	}
	ev := history(t, b, j.ExecutionID)
	if count(ev, "ExecutionStarted", "") != 1 || count(ev, "WaitStateEntered", "WaitRetention") != 1 ||
		count(ev, "TaskSucceeded", "ArchiveIfFree") != 1 || count(ev, "TaskStateEntered", "Plan") != 1 {
		t.Errorf("history:\n%s", strings.Join(steps(ev), "\n"))
	}
	for _, e := range ev {
		// Restarting the wait would exit a whole retention after the restart.
		if e.Type == "WaitStateExited" && e.Timestamp.Sub(reopened) >= cfg.Retention {
			t.Errorf("wait exited %v after the restart; it was due before", e.Timestamp.Sub(reopened))
		}
	}
	if j := job(t, b, j.ID); j.ResultState != domain.ResultArchived {
		t.Errorf("job %s", j.ResultState)
	}
}

func TestDuplicateStartIsOneExecution(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "eve", domain.RolePremium)
	ctx := context.Background()
	j := submit(t, a, "eve", "test.vcf", sharedVCF(t, "test.vcf"))
	again, err := a.Service.StartJob(ctx, service.StartRequest{UserID: "eve", JobID: j.ID, FileName: j.InputName, InputKey: j.InputKey})
	if err != nil || again.ExecutionID != j.ExecutionID {
		t.Fatalf("second start: %q %v, want %q", again.ExecutionID, err, j.ExecutionID)
	}
	input, _ := json.Marshal(map[string]any{"job_id": j.ID, "user_id": "eve", "retention_seconds": 1})
	id, err := a.Workflow.Start(ctx, domain.MachineAnnotation, j.ID, input)
	if err != nil || id != j.ExecutionID {
		t.Fatalf("direct start: %q %v", id, err)
	}
	if _, err := a.Workflow.Start(ctx, domain.MachineAnnotation, j.ID, json.RawMessage(`{"job_id":"other"}`)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("same name, other input: %v, want ErrConflict", err)
	}
	wait(t, a, j.ExecutionID)
	execs, _, err := a.Workflow.List(ctx, domain.ExecutionFilter{NamePrefix: j.ID}, domain.Page{})
	if err != nil || len(execs) != 1 {
		t.Fatalf("%d executions (%v)", len(execs), err)
	}
	ev := history(t, a, j.ExecutionID)
	if count(ev, "ExecutionStarted", "") != 1 || count(ev, "TaskSucceeded", "Merge") != 1 {
		t.Errorf("history:\n%s", strings.Join(steps(ev), "\n"))
	}
	if ms := mails(t, a); len(ms) != 1 {
		t.Errorf("%d emails", len(ms))
	}
}

func TestRestoreFallsBackToStandardAndBringsTheSameBytesBack(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	var mu sync.Mutex
	hashes := map[string][32]byte{} // job -> sha256 of the hot result before archiving
	var a *App
	var seenRestoring domain.Job
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		before(h, statemachines.TaskArchiveIfFree, func(in tasks.JobInput) error {
			j := job(t, a, in.JobID)
			mu.Lock()
			hashes[j.ID] = sha256.Sum256(readBlob(t, a, j.ResultKey))
			mu.Unlock()
			return nil
		})
		before(h, statemachines.TaskAwaitRestore, func(in tasks.JobInput) error {
			mu.Lock()
			seenRestoring = job(t, a, in.JobID)
			mu.Unlock()
			return nil
		})
	}
	a = openApp(t, cfg)
	addUser(t, a, "frank", domain.RoleFree)
	j := submit(t, a, "frank", "test.vcf", sharedVCF(t, "test.vcf"))
	if e := wait(t, a, j.ExecutionID); field(t, e.Output, "archive.archived") != true {
		t.Fatalf("not archived: %s", e.Output)
	}

	a.Blobs.SetExpeditedUnavailable(true)
	p, restoreID, err := a.Service.Upgrade(context.Background(), "frank", "")
	if err != nil || p.Role != domain.RolePremium || !strings.HasPrefix(restoreID, asl.ExecutionID(domain.MachineRestore, service.RestoreExecutionPrefix("frank"))) {
		t.Fatalf("upgrade: %+v %q %v", p, restoreID, err)
	}
	r := wait(t, a, restoreID)
	if r.Status != domain.ExecSucceeded {
		t.Fatalf("restore %s %s %s", r.Status, r.Error, r.Cause)
	}
	if seenRestoring.ResultState != domain.ResultRestoring || seenRestoring.RestoreTier != domain.TierStandard ||
		seenRestoring.RestoreReadyBy.Sub(seenRestoring.RestoreRequestedAt) != time.Second {
		t.Errorf("while restoring: %s %s ready by +%v", seenRestoring.ResultState, seenRestoring.RestoreTier,
			seenRestoring.RestoreReadyBy.Sub(seenRestoring.RestoreRequestedAt))
	}
	j = job(t, a, j.ID)
	if j.ResultState != domain.ResultAvailable || j.RestoreTier != domain.TierStandard || j.ResultKey != tasks.ResultKey(j) {
		t.Fatalf("job %s %s %s", j.ResultState, j.RestoreTier, j.ResultKey)
	}
	if j.RestoreExecution != restoreID {
		t.Errorf("job's restore run %q, want %q", j.RestoreExecution, restoreID)
	}
	if got := sha256.Sum256(readBlob(t, a, j.ResultKey)); got != hashes[j.ID] {
		t.Error("restored result differs from the one archived")
	}
	if _, err := a.Blobs.Head(context.Background(), tasks.ArchiveKey(j)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("archive copy: %v", err)
	}
	ms := mails(t, a)
	if last := ms[len(ms)-1]; !strings.Contains(last, "1 archived result is available again") {
		t.Errorf("last mail:\n%s", last)
	}
	// The job's restore ran in a child execution of its own, resumed by the
	// blob store's restore-completed event (no fallback check).
	ev := history(t, a, restoreChildID(restoreID, 0))
	for _, s := range []string{"RequestRestore", "WaitForRestore", "CopyBack", "MarkAvailable"} {
		if count(ev, "TaskSucceeded", s) == 0 {
			t.Errorf("no %s in the job's restore history:\n%s", s, strings.Join(steps(ev), "\n"))
		}
	}
	if count(ev, "TaskScheduled", "CheckRestore") != 0 {
		t.Errorf("the completion event did not resume the wait:\n%s", strings.Join(steps(ev), "\n"))
	}
}

func TestRestoreFailureOfOneJobKeepsItArchivedAndTheOthersGoOn(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	var broken atomic.Value // job id whose copy-back always fails
	broken.Store("")
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		before(h, statemachines.TaskCopyBack, func(in tasks.JobInput) error {
			if in.JobID == broken.Load() {
				return fmt.Errorf("disk full")
			}
			return nil
		})
	}
	a := openApp(t, cfg)
	addUser(t, a, "gina", domain.RoleFree)
	j1 := submit(t, a, "gina", "a.vcf", sharedVCF(t, "test.vcf"))
	j2 := submit(t, a, "gina", "b.vcf", sharedVCF(t, "test.vcf"))
	wait(t, a, j1.ExecutionID)
	wait(t, a, j2.ExecutionID)
	broken.Store(j1.ID)

	_, restoreID, err := a.Service.Upgrade(context.Background(), "gina", "")
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, a, restoreID); r.Status != domain.ExecSucceeded {
		t.Fatalf("restore %s %s", r.Status, r.Cause)
	}
	if j := job(t, a, j2.ID); j.ResultState != domain.ResultAvailable {
		t.Errorf("healthy job %s", j.ResultState)
	}
	j := job(t, a, j1.ID)
	if j.ResultState != domain.ResultArchived || !strings.Contains(j.RestoreError, "disk full") {
		t.Errorf("broken job %s %q", j.ResultState, j.RestoreError)
	}
	if info, err := a.Blobs.Head(context.Background(), j.ResultKey); err != nil || info.StorageClass != domain.ClassGlacier {
		t.Errorf("broken job's archive: %+v %v", info, err)
	}
	ms := mails(t, a)
	if last := ms[len(ms)-1]; !strings.Contains(last, "1 archived result is available again") || !strings.Contains(last, j1.ID) {
		t.Errorf("last mail:\n%s", last)
	}

	// Once the fault is gone, the next restore brings it back.
	broken.Store("")
	id2, err := a.Service.StartRestore(context.Background(), "gina", "")
	if err != nil || !strings.HasPrefix(id2, asl.ExecutionID(domain.MachineRestore, service.RestoreExecutionPrefix("gina"))) {
		t.Fatalf("second restore %q %v", id2, err)
	}
	wait(t, a, id2)
	if j := job(t, a, j1.ID); j.ResultState != domain.ResultAvailable || j.RestoreError != "" {
		t.Errorf("after retry: %s %q", j.ResultState, j.RestoreError)
	}
}

func TestRestartDuringAnnotateRunsItAgainHarmlessly(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	started := make(chan struct{})
	var once sync.Once
	first := cfg
	first.wrapHandlers = func(h map[string]asl.Handler) {
		// The first process dies (closes) while AnnotateShard is in flight.
		h[statemachines.TaskAnnotateShard] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			once.Do(func() { close(started) })
			<-ctx.Done()
			return nil, ctx.Err()
		}
	}
	a := openApp(t, first)
	addUser(t, a, "ivan", domain.RoleFree)
	j := submit(t, a, "ivan", "test.vcf", sharedVCF(t, "test.vcf"))
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("AnnotateShard never started")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := openApp(t, cfg)
	e := wait(t, b, j.ExecutionID)
	if e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s %s %s", e.Status, e.Error, e.Cause)
	}
	if j := job(t, b, j.ID); j.Status != domain.StatusCompleted || j.ResultState != domain.ResultArchived {
		t.Errorf("job %s %s", j.Status, j.ResultState)
	}
	ev := history(t, b, j.ExecutionID)
	if count(ev, "MapRunStarted", "ShardMap") != 1 || count(ev, "MapRunSucceeded", "ShardMap") != 1 || count(ev, "ExecutionStarted", "") != 1 {
		t.Errorf("history:\n%s", strings.Join(steps(ev), "\n"))
	}
	// The shard in flight at the restart ran again in the same child execution.
	child := history(t, b, asl.ExecutionID(domain.MachineAnnotation+"/Shards", j.ID+":0"))
	if count(child, "TaskSucceeded", "AnnotateShard") != 1 || count(child, "TaskFailed", "AnnotateShard") != 0 || count(child, "ExecutionStarted", "") != 1 {
		t.Errorf("child history:\n%s", strings.Join(steps(child), "\n"))
	}
	if ms := mails(t, b); len(ms) != 1 {
		t.Errorf("%d emails", len(ms))
	}
}
