package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

func TestJobAccess(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.addJob(t, domain.Job{ID: "j", UserID: "u1", ExecutionID: "annotation:j"})
	f.addJob(t, domain.Job{ID: "new", UserID: "u1"})
	f.wf.execs["annotation:j"] = domain.Execution{ID: "annotation:j", Name: "j", StateMachine: domain.MachineAnnotation}
	f.wf.events["annotation:j"] = []domain.HistoryEvent{{ID: 1, Type: "ExecutionStarted"}}
	for _, viewer := range []string{"u1", "a1"} {
		j, ex, ev, err := f.s.JobHistory(ctx, f.profile(t, viewer), "j")
		if err != nil || j.ID != "j" || ex.ID != "annotation:j" || len(ev) != 1 {
			t.Errorf("%s: %v %v %v %v", viewer, j.ID, ex.ID, ev, err)
		}
	}
	if j, ex, ev, err := f.s.JobHistory(ctx, f.profile(t, "u1"), "new"); err != nil || j.ID != "new" || ex.ID != "" || ev != nil {
		t.Errorf("not started: %v %v %v %v", j.ID, ex, ev, err)
	}
	if _, err := f.s.Job(ctx, f.profile(t, "p1"), "j"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("stranger: %v", err)
	}
	if _, _, _, err := f.s.JobHistory(ctx, f.profile(t, "p1"), "j"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("stranger's history: %v", err)
	}
}

func TestExecutionAccess(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.addJob(t, domain.Job{ID: "j", UserID: "u1", ExecutionID: "annotation:j"})
	for _, e := range []domain.Execution{
		{ID: "annotation:j", Name: "j", StateMachine: domain.MachineAnnotation},
		{ID: "annotation:orphan", Name: "orphan", StateMachine: domain.MachineAnnotation},
		{ID: "restore:restore-u1-1", Name: "restore-u1-1", StateMachine: domain.MachineRestore},
		{ID: "restore:restore-u1-x-2", Name: "restore-u1-x-2", StateMachine: domain.MachineRestore},
	} {
		f.wf.execs[e.ID] = e
	}
	for _, tc := range []struct {
		viewer, exec string
		ok           bool
	}{
		{"u1", "annotation:j", true},
		{"p1", "annotation:j", false},
		{"a1", "annotation:j", true},
		{"u1", "annotation:orphan", false},
		{"a1", "annotation:orphan", true},
		{"u1", "restore:restore-u1-1", true},
		{"p1", "restore:restore-u1-1", false},
		{"u1", "restore:restore-u1-x-2", false}, // user "u1-x"'s restore
		{"u1", "nope", false},
	} {
		_, _, err := f.s.Execution(ctx, f.profile(t, tc.viewer), tc.exec)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, domain.ErrNotFound)) {
			t.Errorf("%s sees %s: err = %v, want ok=%v", tc.viewer, tc.exec, err, tc.ok)
		}
	}
}

func TestRestoreOwner(t *testing.T) {
	for in, want := range map[string]string{
		"restore-u1234-1": "u1234", "restore-u12-34-7": "u12-34", "restore-": "", "annotation-x": "", "restore-u1": "",
		RestoreExecutionPrefix("someone") + "12": "someone",
	} {
		if got := restoreOwner(in); got != want {
			t.Errorf("restoreOwner(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArchiveAt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := New(Ports{}, Config{Retention: 3 * time.Minute, Now: func() time.Time { return now }})
	free := domain.Profile{Role: domain.RoleFree}
	done := domain.Job{Status: domain.StatusCompleted, ResultState: domain.ResultAvailable, CompletedAt: now.Add(-time.Minute)}
	for _, tc := range []struct {
		name  string
		owner domain.Profile
		edit  func(*domain.Job)
		want  time.Time
	}{
		{"free, hot", free, func(*domain.Job) {}, now.Add(2 * time.Minute)},
		{"premium", domain.Profile{Role: domain.RolePremium}, func(*domain.Job) {}, time.Time{}},
		{"running", free, func(j *domain.Job) { j.Status, j.ResultState = domain.StatusRunning, "" }, time.Time{}},
		{"archived", free, func(j *domain.Job) { j.ResultState = domain.ResultArchived }, time.Time{}},
		{"restored", free, func(j *domain.Job) { j.RestoredAt = now }, time.Time{}},
		{"long past the wait", free, func(j *domain.Job) { j.CompletedAt = now.Add(-time.Hour) }, time.Time{}},
		{"just past the wait", free, func(j *domain.Job) { j.CompletedAt = now.Add(-3*time.Minute - 10*time.Second) }, now.Add(-10 * time.Second)},
	} {
		j := done
		tc.edit(&j)
		if got := s.ArchiveAt(tc.owner, j); !got.Equal(tc.want) {
			t.Errorf("%s: ArchiveAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestListJobs(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		f.addJob(t, domain.Job{ID: fmt.Sprintf("j%02d", i), UserID: "u1", SubmittedAt: base.Add(time.Duration(i) * time.Minute)})
	}
	f.addJob(t, domain.Job{ID: "other", UserID: "p1", SubmittedAt: base})
	u1 := f.profile(t, "u1")
	for _, tc := range []struct {
		limit, want int
	}{{0, DefaultPageSize}, {-3, DefaultPageSize}, {5, 5}, {MaxPageSize + 1, DefaultPageSize}} {
		jobs, next, err := f.s.ListJobs(ctx, u1, "", tc.limit)
		if err != nil || len(jobs) != tc.want || next == "" || jobs[0].ID != "j24" {
			t.Errorf("limit %d: %d jobs, next %q, %v", tc.limit, len(jobs), next, err)
		}
	}
	jobs, _, err := f.s.ListJobs(ctx, f.profile(t, "p1"), "", 0)
	if err != nil || len(jobs) != 1 || jobs[0].ID != "other" {
		t.Errorf("p1 lists %v, %v", jobs, err)
	}
	var ue *domain.UserError
	if _, _, err := f.s.ListJobs(ctx, u1, "not a cursor", 0); !errors.Is(err, domain.ErrInvalid) || !errors.As(err, &ue) {
		t.Errorf("bad cursor: %v, want a user-facing ErrInvalid", err)
	}
}

func TestJobFiles(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	u1 := f.profile(t, "u1")
	done := domain.Job{UserID: "u1", Status: domain.StatusCompleted, InputKey: "in", ResultKey: "res", LogKey: "log"}
	jobs := map[string]func(*domain.Job){
		"done":      func(*domain.Job) {},
		"running":   func(j *domain.Job) { j.Status, j.ResultKey, j.LogKey = domain.StatusRunning, "", "" },
		"archived":  func(j *domain.Job) { j.ResultState = domain.ResultArchived },
		"restoring": func(j *domain.Job) { j.ResultState = domain.ResultRestoring },
		"failed":    func(j *domain.Job) { j.Status, j.ResultKey = domain.StatusFailed, "" },
	}
	for id, edit := range jobs {
		j := done
		j.ID = id
		edit(&j)
		f.addJob(t, j)
	}
	for _, key := range []string{"in", "res", "log"} {
		f.putBlob(t, key, key+" bytes")
	}
	for _, tc := range []struct {
		job     string
		kind    FileKind
		want    string // the file's content, or
		wantErr error
		wantMsg string // the whole error text, when set
	}{
		{"done", FileInput, "in bytes", nil, ""},
		{"done", FileResult, "res bytes", nil, ""},
		{"done", FileLog, "log bytes", nil, ""},
		{"running", FileInput, "in bytes", nil, ""},
		{"running", FileResult, "", domain.ErrConflict, "job running has no result yet: it is RUNNING"},
		{"running", FileLog, "", domain.ErrNotFound, "job running has no log yet (it is RUNNING)"},
		{"failed", FileResult, "", domain.ErrConflict, "job failed failed, so it has no result (the job's error says why)"},
		{"archived", FileResult, "", domain.ErrArchived, ""},
		{"restoring", FileResult, "", domain.ErrRestoreInProgress, ""},
		{"missing", FileInput, "", domain.ErrNotFound, ""},
	} {
		rc, _, err := f.s.OpenJobFile(ctx, u1, tc.job, tc.kind)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s file %d: err = %v, want %v", tc.job, tc.kind, err, tc.wantErr)
			}
			if tc.wantMsg != "" && (err == nil || err.Error() != tc.wantMsg) {
				t.Errorf("%s file %d: err = %v, want the text %q", tc.job, tc.kind, err, tc.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s file %d: %v", tc.job, tc.kind, err)
			continue
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != tc.want {
			t.Errorf("%s file %d = %q, want %q", tc.job, tc.kind, b, tc.want)
		}
	}
	if _, _, err := f.s.OpenJobFile(ctx, f.profile(t, "p1"), "done", FileInput); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("stranger opens the input: %v", err)
	}
}

func TestRetryRestore(t *testing.T) {
	ctx := context.Background()
	archived := domain.Job{ID: "j", UserID: "p1", Status: domain.StatusCompleted, ResultState: domain.ResultArchived}
	for _, tc := range []struct {
		name    string
		viewer  string
		edit    func(*domain.Job)
		running bool
		started bool
		wantErr error
	}{
		{"archived", "p1", func(*domain.Job) {}, false, true, nil},
		{"a restore is running", "p1", func(*domain.Job) {}, true, false, nil},
		{"available", "p1", func(j *domain.Job) { j.ResultState = domain.ResultAvailable }, false, false, nil},
		{"a round will retry it", "p1", func(j *domain.Job) { j.RestoreRound, j.RestoreRounds = 1, 3; j.RestoreError = "x" }, false, false, nil},
		{"not the owner", "a1", func(*domain.Job) {}, false, false, domain.ErrNotFound},
		{"free owner", "u1", func(j *domain.Job) { j.UserID = "u1" }, false, false, domain.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			j := archived
			tc.edit(&j)
			f.addJob(t, j)
			if tc.running {
				f.wf.execs["restore:restore-p1-1"] = domain.Execution{ID: "restore:restore-p1-1", Name: "restore-p1-1",
					StateMachine: domain.MachineRestore, Status: domain.ExecRunning}
			}
			id, err := f.s.RetryRestore(ctx, f.profile(t, tc.viewer), "j")
			if !errors.Is(err, tc.wantErr) || (id != "") != tc.started {
				t.Errorf("id %q, err %v; want started=%v, err %v", id, err, tc.started, tc.wantErr)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.addJob(t, domain.Job{ID: "j", UserID: "u1"})
	f.wf.execs["annotation:j"] = domain.Execution{ID: "annotation:j", Name: "j", StateMachine: domain.MachineAnnotation}
	f.wf.execs["restore:restore-p1-1"] = domain.Execution{ID: "restore:restore-p1-1", Name: "restore-p1-1", StateMachine: domain.MachineRestore}
	if _, _, err := f.s.Audit(ctx, f.profile(t, "u1"), AuditFilter{}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a user audits: %v", err)
	}
	a1 := f.profile(t, "a1")
	rows, _, err := f.s.Audit(ctx, a1, AuditFilter{})
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	rows, _, err = f.s.Audit(ctx, a1, AuditFilter{User: "p1"})
	if err != nil || len(rows) != 1 || rows[0].Exec.Name != "restore-p1-1" || rows[0].JobID != "" {
		t.Errorf("p1's rows %+v, %v", rows, err)
	}
	rows, _, err = f.s.Audit(ctx, a1, AuditFilter{User: "u1"})
	if err != nil || len(rows) != 1 || rows[0].JobID != "j" {
		t.Errorf("u1's rows %+v, %v", rows, err)
	}
	if _, _, err := f.s.Audit(ctx, a1, AuditFilter{User: "nobody@example.org"}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown email: %v", err)
	}
}

// TestResultFileChecksFormatFirst: a bad format is a bad request (400)
// whatever the job's state, not the state's 409.
func TestResultFileChecksFormatFirst(t *testing.T) {
	for _, j := range []domain.Job{
		{ID: "done", Status: domain.StatusCompleted, ResultKey: "r.vcf.gz"},
		{ID: "archived", Status: domain.StatusCompleted, ResultKey: "r.vcf.gz", ResultState: domain.ResultArchived},
		{ID: "restoring", Status: domain.StatusCompleted, ResultKey: "r.vcf.gz", ResultState: domain.ResultRestoring},
		{ID: "running", Status: domain.StatusRunning},
	} {
		_, err := resultFile(j, "bogus")
		if !errors.Is(err, domain.ErrInvalid) || err.Error() != `format "bogus" is not one of vcf, vcf.gz, tbi, tsv` {
			t.Errorf("%s: format bogus: %v", j.ID, err)
		}
		if _, err := resultFile(j, "tsv"); j.ID != "done" && errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: format tsv: %v", j.ID, err)
		}
	}
}
