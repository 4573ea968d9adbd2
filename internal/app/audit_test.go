package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// GIVEN a job that ran WHEN its execution ends THEN its whole history, the
// job record and the sha256 of its input and results are archived
// write-once; AND once the live history is gone (Step Functions forgets
// after 90 days) the service shows the archived copy, saying so.
func TestEndedExecutionIsArchivedForAuditors(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	ctx := context.Background()
	addUser(t, a, "paul", domain.RolePremium)
	auditor := addUser(t, a, "audrey", domain.RoleFree)
	auditor.Auditor = true
	input := sharedVCF(t, "test.vcf")
	j := submit(t, a, "paul", "test.vcf", input)
	if e := wait(t, a, j.ExecutionID); e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s", e.Status)
	}
	live := history(t, a, j.ExecutionID)

	rec, err := audit.Read(ctx, a.Audit, j.ID)
	if err != nil {
		t.Fatalf("archived record of job %s: %v", j.ID, err)
	}
	if rec.Execution.ID != j.ExecutionID || rec.Execution.Status != domain.ExecSucceeded || len(rec.Events) != len(live) {
		t.Fatalf("record: execution %s %s with %d events, want %s SUCCEEDED with %d", rec.Execution.ID, rec.Execution.Status, len(rec.Events), j.ExecutionID, len(live))
	}
	if rec.Job == nil || rec.Job.ID != j.ID || rec.Job.Status != domain.StatusCompleted {
		t.Errorf("record's job: %+v", rec.Job)
	}
	if len(rec.MapRuns) != 1 || len(rec.MapRuns[0].Children) == 0 || len(rec.MapRuns[0].Children[0].Events) == 0 {
		t.Errorf("record's map runs: %+v", rec.MapRuns)
	}
	final := job(t, a, j.ID)
	want := map[string]string{"input": sum(input), "result": sum(readBlob(t, a, final.ResultKey))}
	for _, o := range rec.Objects {
		if w, ok := want[o.Role]; ok && o.SHA256 != w {
			t.Errorf("%s %s: sha256 %s, want %s", o.Role, o.Key, o.SHA256, w)
		}
		delete(want, o.Role)
	}
	if len(want) > 0 {
		t.Errorf("record lacks objects %v: %+v", want, rec.Objects)
	}

	// WHEN the record is written again (a repeated export) THEN it is refused.
	if _, exported, err := (&audit.Exporter{Executions: a.Runner, Archive: a.Audit}).Export(ctx, j.ExecutionID); err != nil || exported {
		t.Errorf("second export: exported %v, err %v; want the first record kept", exported, err)
	}
	if err := a.Audit.PutOnce(ctx, audit.Key(j.ID), strings.NewReader("{}")); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("overwriting the record: err = %v, want ErrConflict", err)
	}

	forgetExecution(t, a, j.ExecutionID)
	if _, err := a.Workflow.Describe(ctx, j.ExecutionID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("live execution still there: %v", err)
	}
	_, ex, events, err := a.Service.JobHistory(ctx, auditor, j.ID)
	if err != nil {
		t.Fatalf("history once Step Functions forgot it: %v", err)
	}
	stored := domaintest.Read(t, a.Audit, audit.Key(j.ID))
	if ex.Archived == nil || ex.Archived.SHA256 != sum(stored) || ex.Archived.Key != audit.Key(j.ID) {
		t.Fatalf("execution not marked as the archived copy (sha256 %s): %+v", sum(stored), ex.Archived)
	}
	if !slices.EqualFunc(events, live, func(x, y domain.HistoryEvent) bool {
		return x.ID == y.ID && x.Type == y.Type && x.StateName == y.StateName
	}) {
		t.Errorf("archived events differ from the live ones:\n%s\nwant\n%s", strings.Join(steps(events), "\n"), strings.Join(steps(live), "\n"))
	}
}

// GIVEN a free user's job, archived to GLACIER before its execution ends
// THEN its record still has the result's sha256, taken before the move.
func TestArchivedResultsSha256IsInTheRecord(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	ctx := context.Background()
	addUser(t, a, "fred", domain.RoleFree)
	j := submit(t, a, "fred", "test.vcf", sharedVCF(t, "test.vcf"))
	if e := wait(t, a, j.ExecutionID); e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s", e.Status)
	}
	j = job(t, a, j.ID)
	rec, err := audit.Read(ctx, a.Audit, j.ID)
	if err != nil || j.ResultState != domain.ResultArchived {
		t.Fatalf("record: %v; job %s", err, j.ResultState)
	}
	var result audit.Object
	for _, o := range rec.Objects {
		if o.Role == "result" {
			result = o
		}
	}
	if result.Key != j.ResultKey || result.StorageClass != domain.ClassGlacier || result.SHA256 == "" || result.SHA256 != j.FileSHA256["result"] {
		t.Fatalf("archived result in the record: %+v; job's sums %v", result, j.FileSHA256)
	}
	// AND it is the sha256 of the bytes a restore gives back.
	if err := a.Blobs.Restore(ctx, j.ResultKey, domain.TierExpedited, 1); err != nil {
		t.Fatal(err)
	}
	var data []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if rc, err := a.Blobs.Get(ctx, j.ResultKey); err == nil {
			data, _ = io.ReadAll(rc)
			rc.Close()
			break
		}
	}
	if sum(data) != result.SHA256 {
		t.Errorf("restored result's sha256 %s, record says %s", sum(data), result.SHA256)
	}
}

// GIVEN an execution that ended without its record (a crash between its
// last event and the export) WHEN the service starts again THEN it is archived.
func TestStartArchivesExecutionsLeftWithoutARecord(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	a := openApp(t, cfg)
	ctx := context.Background()
	addUser(t, a, "paul", domain.RolePremium)
	j := submit(t, a, "paul", "test.vcf", sharedVCF(t, "test.vcf"))
	wait(t, a, j.ExecutionID)
	if err := a.Audit.Delete(ctx, audit.Key(j.ID)); err != nil { // as if never written
		t.Fatal(err)
	}
	a.Close()
	b := openApp(t, cfg)
	b.Close() // waits for the sweep
	if rec, err := audit.Read(ctx, b.Audit, j.ID); err != nil || rec.Execution.ID != j.ExecutionID || len(rec.Events) == 0 {
		t.Fatalf("record after restart: %v", err)
	}
}

// forgetExecution deletes an execution and its history from the runner's
// store, as Step Functions does 90 days after it ends.
func forgetExecution(t *testing.T, a *App, id string) {
	t.Helper()
	for _, q := range []string{`DELETE FROM execution_events WHERE execution_id = ?`, `DELETE FROM executions WHERE id = ?`} {
		if _, err := a.DB.SQL().Exec(q, id); err != nil {
			t.Fatal(err)
		}
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// GIVEN a job its owner deletes during the retention wait (its execution
// has not ended, so its record is not exported yet) WHEN the execution ends
// THEN the record still has each deleted file's key, size and sha256, as
// read just before the delete, noted with when and by whom.
func TestRecordOfAJobDeletedBeforeItsExecutionEndedHasTheSums(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Retention = 3 * time.Second
	a := openApp(t, cfg)
	ctx := context.Background()
	fred := addUser(t, a, "fred", domain.RoleFree)
	input := sharedVCF(t, "test.vcf")
	j := submit(t, a, "fred", "test.vcf", input)
	for end := time.Now().Add(time.Minute); j.Status != domain.StatusCompleted; time.Sleep(20 * time.Millisecond) {
		if j = job(t, a, j.ID); time.Now().After(end) || j.Status == domain.StatusFailed {
			t.Fatalf("job %s: %s", j.ID, j.Status)
		}
	}
	result := readBlob(t, a, j.ResultKey)
	deleted, err := a.Service.DeleteJob(ctx, fred, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ex, err := a.Workflow.Describe(ctx, j.ExecutionID); err != nil || ex.Status != domain.ExecRunning {
		t.Fatalf("execution after the delete: %s %v; want it still in its retention wait", ex.Status, err)
	}
	if e := wait(t, a, j.ExecutionID); e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s", e.Status)
	}
	rec, err := audit.Read(ctx, a.Audit, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Job == nil || !rec.Job.DeletedAt.Equal(deleted.DeletedAt) || rec.Job.DeletedBy != "fred" {
		t.Fatalf("record's job: %+v", rec.Job)
	}
	want := map[string][]byte{"input": input, "result": result}
	for _, o := range rec.Objects {
		if !strings.HasPrefix(o.Note, "deleted ") || !strings.Contains(o.Note, " by fred") {
			t.Errorf("%s: note %q, want when and by whom it was deleted", o.Role, o.Note)
		}
		if b, ok := want[o.Role]; ok && (o.SHA256 != sum(b) || o.Size != int64(len(b)) || o.StorageClass != domain.ClassStandard) {
			t.Errorf("%s %s: %d bytes %s sha256 %s, want %d bytes STANDARD %s", o.Role, o.Key, o.Size, o.StorageClass, o.SHA256, len(b), sum(b))
		}
		delete(want, o.Role)
	}
	if len(want) > 0 {
		t.Errorf("record lacks objects %v: %+v", want, rec.Objects)
	}
	if j := job(t, a, j.ID); j.ResultState == domain.ResultArchived {
		t.Errorf("a deleted job was archived: %+v", j)
	}
}
