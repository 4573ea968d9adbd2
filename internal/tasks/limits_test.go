package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// TestAnnotateLimits: the engine gets the owner's tier limits; a limit it
// reaches, and the job time, fail the job for good with a message naming the
// limit and the upgrade, and leave no result behind.
func TestAnnotateLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("tier", func(t *testing.T) {
		f := newFixture(t)
		f.addJob(t, "p-job", "p1")
		f.t.Annotate(ctx, JobInput{JobID: "j1"})
		if f.engine.lim != domain.FreeLimits {
			t.Errorf("free job ran with %+v", f.engine.lim)
		}
		f.t.Annotate(ctx, JobInput{JobID: "p-job"})
		if f.engine.lim != domain.PremiumLimits {
			t.Errorf("premium job ran with %+v", f.engine.lim)
		}
	})
	t.Run("engine limit", func(t *testing.T) {
		f := newFixture(t)
		f.engine.err = &domain.LimitError{Name: domain.LimitRecords, Max: domain.FreeLimits.Records, Line: 100_003}
		_, err := f.t.Annotate(ctx, JobInput{JobID: "j1"})
		var inv *statemachines.InvalidInputError
		if !errors.As(err, &inv) {
			t.Fatalf("err = %v, want the permanent InvalidInputError", err)
		}
		want := "sample.vcf: line 100003: records limit reached: at most 100,000 on the free tier; premium allows 50,000,000 (upgrade at /subscribe)"
		if inv.Reason != want {
			t.Errorf("reason = %q\nwant     %q", inv.Reason, want)
		}
		if _, ok := f.blobs.Data(ResultKey(f.job(t, "j1"))); ok {
			t.Error("a partial result was stored")
		}
	})
	t.Run("job time", func(t *testing.T) {
		f := newFixture(t)
		f.t.cfg.Limits = func(r domain.Role) domain.Limits {
			l := domain.LimitsFor(r)
			l.JobTime = 50 * time.Millisecond
			return l
		}
		f.engine.block = true
		start := time.Now()
		_, err := f.t.Annotate(ctx, JobInput{JobID: "j1"})
		var inv *statemachines.InvalidInputError
		if !errors.As(err, &inv) || !strings.Contains(inv.Reason, domain.LimitJobTime+" limit reached") {
			t.Fatalf("err = %v, want the job time limit", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stopped after %v", d)
		}
		if _, ok := f.blobs.Data(ResultKey(f.job(t, "j1"))); ok {
			t.Error("a partial result was stored")
		}
	})
}
