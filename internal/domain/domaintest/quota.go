package domaintest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// jobQuotaContract is CreateWithin's part of the domain.Jobs contract.
var jobQuotaContract = []contractCase[domain.Jobs]{
	{"QuotaConcurrentAtOnce", quotaConcurrentAtOnce},
	{"QuotaPerDayAtOnce", quotaPerDayAtOnce},
	{"QuotaFreedByFinishing", quotaFreed},
	{"QuotaExistingID", quotaExistingID},
}

// quotaNow is "now" of the quota tests; the daily window starts a day earlier.
var quotaNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// freeQuota is the free tier's job quota at quotaNow.
var freeQuota = domain.JobQuota{Concurrent: 2, PerDay: 50, Since: quotaNow.Add(-24 * time.Hour)}

func pendingJob(id, user string, at time.Time) domain.Job {
	j := SampleJob(id, user, at)
	j.Status, j.ResultState, j.CompletedAt = domain.StatusPending, "", time.Time{}
	return j
}

// submitAtOnce fires n CreateWithin calls for user at the same instant and
// returns how many were accepted, and the refusals.
func submitAtOnce(t *testing.T, s domain.Jobs, user string, n int, q domain.JobQuota) (int, []*domain.QuotaError) {
	t.Helper()
	ctx := context.Background()
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.CreateWithin(ctx, pendingJob(fmt.Sprintf("%s-burst-%02d", user, i), user, quotaNow), q)
		})
	}
	close(start)
	wg.Wait()
	accepted := 0
	var refused []*domain.QuotaError
	for i, err := range errs {
		var qe *domain.QuotaError
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &qe) && errors.Is(err, domain.ErrLimit):
			refused = append(refused, qe)
		default:
			t.Errorf("submission %d: %v, want nil or a *QuotaError", i, err)
		}
	}
	return accepted, refused
}

// quotaConcurrentAtOnce: 20 submissions of one free user at the same
// instant; exactly 2 (the concurrent limit) are stored.
func quotaConcurrentAtOnce(t *testing.T, s domain.Jobs) {
	accepted, refused := submitAtOnce(t, s, "u1", 20, freeQuota)
	if accepted != 2 || len(refused) != 18 {
		t.Fatalf("accepted %d, refused %d; want 2 and 18", accepted, len(refused))
	}
	for _, qe := range refused {
		if qe.Limit != domain.LimitConcurrentJobs {
			t.Errorf("refused by %q, want %q", qe.Limit, domain.LimitConcurrentJobs)
		}
	}
	jobs, _, err := s.ListByUser(context.Background(), "u1", domain.Page{Limit: 100})
	if err != nil || len(jobs) != 2 {
		t.Errorf("stored %d jobs (%v), want 2", len(jobs), err)
	}
	// Another user is not affected.
	if err := s.CreateWithin(context.Background(), pendingJob("u2-1", "u2", quotaNow), freeQuota); err != nil {
		t.Errorf("another user: %v", err)
	}
}

// quotaPerDayAtOnce: a user with 48 finished jobs today (and older ones
// outside the window) sends 20 at once; exactly 2 fit in the 50 a day.
func quotaPerDayAtOnce(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	oldest := freeQuota.Since.Add(time.Minute)
	for i := range 48 {
		if err := s.Create(ctx, SampleJob(fmt.Sprintf("today-%02d", i), "u1", oldest.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := s.Create(ctx, SampleJob(fmt.Sprintf("yesterday-%d", i), "u1", freeQuota.Since.Add(-time.Duration(i+1)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	q := freeQuota
	q.Concurrent = 0
	accepted, refused := submitAtOnce(t, s, "u1", 20, q)
	if accepted != 2 || len(refused) != 18 {
		t.Fatalf("accepted %d, refused %d; want 2 and 18", accepted, len(refused))
	}
	for _, qe := range refused {
		if qe.Limit != domain.LimitJobsPerDay || !qe.Oldest.Equal(oldest) {
			t.Errorf("refused by %q, oldest %v; want %q, %v", qe.Limit, qe.Oldest, domain.LimitJobsPerDay, oldest)
		}
	}
}

// quotaFreed: a job that finishes frees its place at once.
func quotaFreed(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		if err := s.CreateWithin(ctx, pendingJob(id, "u1", quotaNow), freeQuota); err != nil {
			t.Fatal(err)
		}
	}
	var qe *domain.QuotaError
	if err := s.CreateWithin(ctx, pendingJob("c", "u1", quotaNow), freeQuota); !errors.As(err, &qe) {
		t.Fatalf("third at once: %v, want a *QuotaError", err)
	}
	if _, err := s.Update(ctx, "a", func(j *domain.Job) error { j.Status = domain.StatusRunning; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWithin(ctx, pendingJob("c", "u1", quotaNow), freeQuota); !errors.As(err, &qe) {
		t.Fatalf("third while one runs: %v, want a *QuotaError", err)
	}
	if _, err := s.Update(ctx, "a", func(j *domain.Job) error { j.Status = domain.StatusCompleted; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWithin(ctx, pendingJob("c", "u1", quotaNow), freeQuota); err != nil {
		t.Errorf("third after one completed: %v", err)
	}
}

// quotaExistingID: creating a job whose id exists is a conflict, even at the
// limit (a retried start is not a new job).
func quotaExistingID(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		if err := s.CreateWithin(ctx, pendingJob(id, "u1", quotaNow), freeQuota); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateWithin(ctx, pendingJob("a", "u1", quotaNow), freeQuota); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("existing id at the limit: %v, want ErrConflict", err)
	}
}
