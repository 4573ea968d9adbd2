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

// TestAnnotateLimits: Plan enforces the input's limits with the input's line
// numbers, the engine gets the owner's tier limits in every shard; a limit
// reached, and the job time, fail the job for good with a message naming the
// limit and the upgrade, and leave no result behind.
func TestAnnotateLimits(t *testing.T) {
	ctx := context.Background()
	permanent := func(t *testing.T, err error, want string) {
		t.Helper()
		var inv *statemachines.InvalidInputError
		if !errors.As(err, &inv) || !strings.Contains(inv.Reason, want) {
			t.Fatalf("err = %v, want the permanent InvalidInputError naming %q", err, want)
		}
	}
	t.Run("tier", func(t *testing.T) {
		f := newFixture(t)
		f.addJob(t, "p-job", "p1")
		f.runJob("j1")
		if f.engine.lim != domain.FreeLimits {
			t.Errorf("free job ran with %+v", f.engine.lim)
		}
		f.runJob("p-job")
		if f.engine.lim != domain.PremiumLimits {
			t.Errorf("premium job ran with %+v", f.engine.lim)
		}
	})
	t.Run("records, in Plan", func(t *testing.T) {
		f := newFixture(t)
		f.limit(func(l *domain.Limits) { l.Records = 2 })
		_, err := f.t.Plan(ctx, JobInput{JobID: "j1"})
		permanent(t, err, "sample.vcf: line 5: records limit reached: at most 2 on the free tier")
		if f.engine.calls != 0 {
			t.Error("the engine ran")
		}
	})
	t.Run("a bad record before the records limit", func(t *testing.T) {
		f := newFixture(t)
		f.limit(func(l *domain.Limits) { l.Records = 3 })
		input := vcfOf("1:1") + "1\tseventy\t.\tA\tG\t.\t.\t.\n" + strings.TrimPrefix(vcfOf("1:3", "1:4"), vcfOf())
		f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(input))
		_, err := f.t.Plan(ctx, JobInput{JobID: "j1"})
		permanent(t, err, "sample.vcf: line 4: ")
	})
	t.Run("contigs, in Plan", func(t *testing.T) {
		f := newFixture(t)
		f.limit(func(l *domain.Limits) { l.Contigs = 2 })
		// A chromosome that comes back counts once; the third one is refused.
		f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(vcfOf("1:1", "2:1", "1:2", "2:2", "3:1")))
		_, err := f.t.Plan(ctx, JobInput{JobID: "j1"})
		permanent(t, err, "sample.vcf: line 7: distinct contigs limit reached: at most 2 on the free tier")
	})
	t.Run("engine limit in a shard", func(t *testing.T) {
		f := newFixture(t)
		f.engine.err = &domain.LimitError{Name: domain.LimitAltAlleles, Max: domain.FreeLimits.AltAlleles, Line: 3}
		err := f.runJob("j1")
		permanent(t, err, "sample.vcf: line 3: "+domain.LimitAltAlleles+" limit reached")
		if j := f.job(t, "j1"); j.Status != domain.StatusFailed || !strings.Contains(j.Error, "limit reached") {
			t.Errorf("job %s %q", j.Status, j.Error)
		}
		if _, ok := f.blobs.Data(ResultKey(f.job(t, "j1"))); ok {
			t.Error("a result was stored")
		}
	})
	t.Run("job time", func(t *testing.T) {
		f := newFixture(t)
		f.limit(func(l *domain.Limits) { l.JobTime = 50 * time.Millisecond })
		f.engine.block = true
		start := time.Now()
		err := f.runJob("j1")
		permanent(t, err, domain.LimitJobTime+" limit reached")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stopped after %v", d)
		}
		if _, ok := f.blobs.Data(ResultKey(f.job(t, "j1"))); ok {
			t.Error("a partial result was stored")
		}
	})
	t.Run("output of the whole job, in Merge", func(t *testing.T) {
		f := newFixture(t)
		f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
		f.limit(func(l *domain.Limits) {
			l.OutputBytes = int64(len(strings.ReplaceAll(wantResult, "ANN=chr1,chr2", "ANN=chr1"))) - 1 // one byte less than the joined result; each part is far below
		})
		err := f.runJob("j1")
		permanent(t, err, "sample.vcf: the annotated result of all 3 shards is")
		permanent(t, err, domain.LimitOutput+" limit reached: at most")
		permanent(t, err, "on the free tier; premium allows")
		j := f.job(t, "j1")
		if j.Status != domain.StatusFailed || !strings.Contains(j.Error, domain.LimitOutput+" limit reached") {
			t.Errorf("job %s %q", j.Status, j.Error)
		}
		for _, k := range f.blobs.Keys() {
			if strings.HasPrefix(k, "results/") {
				t.Errorf("%s kept", k)
			}
		}
	})
	t.Run("output of the whole job at the cap", func(t *testing.T) {
		f := newFixture(t)
		f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
		f.limit(func(l *domain.Limits) {
			l.OutputBytes = int64(len(strings.ReplaceAll(wantResult, "ANN=chr1,chr2", "ANN=chr1"))) // the joined result exactly
		})
		if err := f.runJob("j1"); err != nil {
			t.Fatal(err)
		}
	})
}
