package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

const quotaVCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"

// TestJobQuota: a free user gets ConcurrentJobs unfinished jobs at once and
// JobsPerDay a day; the next is refused before anything is stored, with the
// limit's name, the upgrade and when to retry.
func TestJobQuota(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	now := time.Now().UTC()
	lim := domain.FreeLimits
	for i := range lim.ConcurrentJobs {
		f.addJob(t, domain.Job{ID: fmt.Sprintf("run%d", i), UserID: "u1", Status: domain.StatusRunning, SubmittedAt: now.Add(-time.Minute)})
	}
	_, err := f.s.SubmitJob(ctx, SubmitRequest{UserID: "u1", FileName: "a.vcf", Body: strings.NewReader(quotaVCF)})
	var le *domain.LimitError
	if !errors.As(err, &le) || le.Name != domain.LimitConcurrentJobs || le.RetryAfter <= 0 || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("err = %v, want the concurrent jobs limit", err)
	}
	if keys := f.blob.Keys(); len(keys) != 0 {
		t.Errorf("a refused upload was stored: %v", keys)
	}
	// Premium has room for more at once.
	if _, err := f.s.SubmitJob(ctx, SubmitRequest{UserID: "p1", FileName: "a.vcf", Body: strings.NewReader(quotaVCF)}); err != nil {
		t.Errorf("premium: %v", err)
	}

	// Finished jobs do not count at once, but do count for the day.
	g := newFixture()
	first := now.Add(-23 * time.Hour)
	for i := range lim.JobsPerDay {
		g.addJob(t, domain.Job{ID: fmt.Sprintf("d%03d", i), UserID: "u1", Status: domain.StatusCompleted, SubmittedAt: first.Add(time.Duration(i) * time.Minute)})
	}
	g.addJob(t, domain.Job{ID: "old", UserID: "u1", Status: domain.StatusCompleted, SubmittedAt: now.Add(-25 * time.Hour)})
	_, err = g.s.SubmitJob(ctx, SubmitRequest{UserID: "u1", FileName: "a.vcf", Body: strings.NewReader(quotaVCF)})
	if !errors.As(err, &le) || le.Name != domain.LimitJobsPerDay || le.RetryAfter < 59*time.Minute || le.RetryAfter > time.Hour+time.Minute {
		t.Fatalf("err = %v (retry after %v), want the daily limit, retry in about an hour", err, le.RetryAfter)
	}
	// StartJob of a direct upload is refused the same way, and its object removed.
	g.putBlob(t, "inputs/u1/new1/a.vcf", "x")
	if _, err := g.s.StartJob(ctx, StartRequest{UserID: "u1", JobID: "new1", FileName: "a.vcf", InputKey: "inputs/u1/new1/a.vcf"}); !errors.Is(err, domain.ErrLimit) {
		t.Errorf("StartJob: %v", err)
	}
	if g.blobData("inputs/u1/new1/a.vcf") != nil {
		t.Error("the refused direct upload was kept")
	}
}

// TestJobQuotaBurst: 20 uploads of one free user at the same instant; exactly
// ConcurrentJobs are accepted, the others get the limit, and only the
// accepted inputs stay stored.
func TestJobQuotaBurst(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = f.s.SubmitJob(ctx, SubmitRequest{UserID: "u1", FileName: "a.vcf", Body: strings.NewReader(quotaVCF)})
		})
	}
	close(start)
	wg.Wait()
	accepted := 0
	for i, err := range errs {
		var le *domain.LimitError
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &le) && le.Name == domain.LimitConcurrentJobs && le.RetryAfter > 0:
		default:
			t.Errorf("upload %d: %v", i, err)
		}
	}
	if want := int(domain.FreeLimits.ConcurrentJobs); accepted != want {
		t.Errorf("accepted %d of %d at once, want %d", accepted, n, want)
	}
	if keys := f.blob.Keys(); len(keys) != accepted {
		t.Errorf("%d inputs stored for %d accepted jobs: %v", len(keys), accepted, keys)
	}
}
