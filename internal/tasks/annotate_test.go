package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

func TestAnnotateCompletesAndIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.t.Annotate(ctx, JobInput{JobID: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	if j.Status != domain.StatusCompleted || j.ResultState != domain.ResultAvailable {
		t.Fatalf("status %s/%s, want COMPLETED/AVAILABLE", j.Status, j.ResultState)
	}
	if j.StartedAt.IsZero() || j.CompletedAt.IsZero() {
		t.Errorf("times not recorded: started %v completed %v", j.StartedAt, j.CompletedAt)
	}
	if out.ResultKey != "results/u1/j1/annotated.vcf.gz" || j.ResultKey != out.ResultKey || j.LogKey != out.LogKey {
		t.Errorf("keys: out %+v, job %s %s", out, j.ResultKey, j.LogKey)
	}
	if got := f.result(t, j.ResultKey); got != fakeResult {
		t.Errorf("result = %q", got)
	}
	if got := f.blob(t, j.LogKey); got != "2 records\n" {
		t.Errorf("log = %q", got)
	}
	if string(j.Summary) != `{"records":2}` {
		t.Errorf("summary = %s", j.Summary)
	}

	// A repeated step (retry after a lost response) does no work and changes nothing.
	f.now = f.now.Add(time.Minute)
	out2, err := f.t.Annotate(ctx, JobInput{JobID: "j1"})
	if err != nil || out2 != out {
		t.Fatalf("second run: %+v, %v; want %+v", out2, err, out)
	}
	if f.engine.calls != 1 {
		t.Errorf("engine ran %d times, want 1", f.engine.calls)
	}
	if j2 := f.job(t, "j1"); !j2.CompletedAt.Equal(j.CompletedAt) {
		t.Errorf("completion time changed on retry: %v -> %v", j.CompletedAt, j2.CompletedAt)
	}
}

func TestAnnotateRetriesARunningJob(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	started := f.now.Add(-time.Hour)
	f.jobs.Update(ctx, "j1", func(j *domain.Job) error { j.Status, j.StartedAt = domain.StatusRunning, started; return nil })
	if _, err := f.t.Annotate(ctx, JobInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	if j.Status != domain.StatusCompleted || !j.StartedAt.Equal(started) {
		t.Errorf("got %s started %v, want COMPLETED with the first start time", j.Status, j.StartedAt)
	}
}

func TestAnnotateFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*fixture)
		permanent bool   // InvalidInput, caught without retry
		reason    string // substring of the error
	}{
		{"bad VCF", func(f *fixture) {
			f.engine.err = fmt.Errorf("%w: line 7: POS is not a number", domain.ErrInvalid)
		}, true, "sample.vcf: invalid input: line 7: POS is not a number"},
		{"input missing", func(f *fixture) { f.blobs.Delete(context.Background(), "inputs/u1/j1/sample.vcf") }, true, "uploaded file is missing"},
		{"engine error", func(f *fixture) { f.engine.err = errors.New("disk full") }, false, "disk full"},
		{"engine panic", func(f *fixture) { f.engine.panic = true }, false, "panicked: engine bug"},
		{"job unknown", func(f *fixture) { f.jobs.Delete("j1") }, false, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(f)
			_, err := f.t.Annotate(context.Background(), JobInput{JobID: "j1"})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not contain %q", err, tc.reason)
			}
			// Permanent failures are the unwrapped type the ASL names and does not retry.
			_, got := err.(*statemachines.InvalidInputError)
			if got != tc.permanent {
				t.Errorf("InvalidInputError = %v, want %v (%T %v)", got, tc.permanent, err, err)
			}
			if _, err := f.blobs.Head(context.Background(), "results/u1/j1/annotated.vcf.gz"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("partial result left behind: %v", err)
			}
		})
	}
}

func TestAnnotateAfterMarkFailedStaysFailed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.jobs.Update(ctx, "j1", func(j *domain.Job) error { j.Status, j.Error = domain.StatusFailed, "bad header"; return nil })
	_, err := f.t.Annotate(ctx, JobInput{JobID: "j1"})
	if _, ok := err.(*statemachines.InvalidInputError); !ok || err.Error() != "bad header" {
		t.Fatalf("got %T %v", err, err)
	}
	if f.engine.calls != 0 {
		t.Error("engine ran on a FAILED job")
	}
}
