package service

import (
	"context"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// TestRecoverExecutions (B8): a crash between the steps of StartJob leaves
// a job without its execution link, or without an execution; both are
// repaired at start, and the link also on the first history read.
func TestRecoverExecutions(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	now := time.Now().UTC()
	// Started, then the process died before recording the id; it completed since.
	f.addJob(t, domain.Job{ID: "j-ran", UserID: "u1", Status: domain.StatusCompleted, SubmittedAt: now})
	ranID, _ := f.wf.Start(ctx, domain.MachineAnnotation, "j-ran", nil)
	// Created, then the process died before starting the execution.
	f.addJob(t, domain.Job{ID: "j-never", UserID: "u1", Status: domain.StatusPending, SubmittedAt: now})
	// Failed to start by design (StartJob marked it): nothing to do.
	f.addJob(t, domain.Job{ID: "j-failed", UserID: "u1", Status: domain.StatusFailed, SubmittedAt: now})
	// Linked already.
	f.addJob(t, domain.Job{ID: "j-ok", UserID: "u1", Status: domain.StatusRunning, ExecutionID: "x", SubmittedAt: now})

	// A history read links on demand, before any recovery pass.
	j, ex, _, err := f.s.JobHistory(ctx, f.profile(t, "u1"), "j-ran")
	if err != nil || j.ExecutionID != ranID || ex.ID != ranID {
		t.Fatalf("history read: job %q, execution %q, %v", j.ExecutionID, ex.ID, err)
	}
	n, err := f.s.RecoverExecutions(ctx)
	if err != nil || n != 1 {
		t.Fatalf("recovered %d, %v; want 1 (j-never)", n, err)
	}
	never, _ := f.jobs.Get(ctx, "j-never")
	ex, err = f.wf.Describe(ctx, never.ExecutionID)
	if err != nil || ex.Name != "j-never" || string(ex.Input) != `{"job_id":"j-never","retention_seconds":2,"user_id":"u1"}` {
		t.Errorf("j-never: execution %+v, %v", ex, err)
	}
	if failed, _ := f.jobs.Get(ctx, "j-failed"); failed.ExecutionID != "" {
		t.Errorf("a job that failed to start got execution %q", failed.ExecutionID)
	}
	if ok, _ := f.jobs.Get(ctx, "j-ok"); ok.ExecutionID != "x" {
		t.Errorf("a linked job changed: %q", ok.ExecutionID)
	}
	if n, err := f.s.RecoverExecutions(ctx); err != nil || n != 0 {
		t.Errorf("second pass: %d, %v", n, err)
	}
}
