package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// concurrentRetry is the Retry-After of a refusal for too many unfinished
// jobs: about the time a small job takes.
const concurrentRetry = time.Minute

// jobQuota is p's tier's job quota now: ConcurrentJobs unfinished (PENDING
// or RUNNING) jobs, JobsPerDay submitted in the last 24 hours. The jobs
// store applies it atomically with the insert (domain.Jobs.CreateWithin),
// so submissions at the same instant cannot both take the last place.
func (s *Service) jobQuota(p domain.Profile) domain.JobQuota {
	lim := domain.LimitsFor(p.Role)
	return domain.JobQuota{Concurrent: lim.ConcurrentJobs, PerDay: lim.JobsPerDay, Since: s.cfg.Now().Add(-24 * time.Hour)}
}

// quotaRefusal is the user's answer to a job over its quota: a
// *domain.LimitError naming the limit, the upgrade and when to retry.
func (s *Service) quotaRefusal(p domain.Profile, qe *domain.QuotaError) error {
	le := &domain.LimitError{Name: qe.Limit, Role: p.Role, RetryAfter: concurrentRetry}
	lim := domain.LimitsFor(p.Role)
	le.Max = lim.ConcurrentJobs
	if qe.Limit == domain.LimitJobsPerDay {
		le.Max, le.RetryAfter = lim.JobsPerDay, max(qe.Oldest.Add(24*time.Hour).Sub(s.cfg.Now()), time.Second)
	}
	return domain.ForUser(le)
}

// precheckJobQuota refuses early, before an upload is stored, a job that
// CreateWithin would refuse: it counts p's newest jobs (at most JobsPerDay
// of them). It is only a shortcut; the store's CreateWithin decides.
func (s *Service) precheckJobQuota(ctx context.Context, p domain.Profile) error {
	q := s.jobQuota(p)
	var today, running int64
	var oldest time.Time // oldest submission still inside the day
	cursor := ""
	for {
		jobs, next, err := s.ports.Jobs.ListByUser(ctx, p.ID, domain.Page{Cursor: cursor, Limit: 100})
		if err != nil {
			return fmt.Errorf("count jobs of %s: %w", p.ID, err)
		}
		done := next == ""
		for _, j := range jobs {
			if j.SubmittedAt.Before(q.Since) {
				done = true
				break
			}
			today++
			oldest = j.SubmittedAt
			if domain.Unfinished(j.Status) {
				running++
			}
		}
		if done || today > q.PerDay {
			break
		}
		cursor = next
	}
	switch {
	case q.PerDay > 0 && today >= q.PerDay:
		return s.quotaRefusal(p, &domain.QuotaError{Limit: domain.LimitJobsPerDay, Oldest: oldest})
	case q.Concurrent > 0 && running >= q.Concurrent:
		return s.quotaRefusal(p, &domain.QuotaError{Limit: domain.LimitConcurrentJobs})
	}
	return nil
}

// createJob stores the new job j of p within p's quota; over it, the input
// is deleted (nothing of a refused job is kept) and the user's refusal returned.
func (s *Service) createJob(ctx context.Context, p domain.Profile, j domain.Job) error {
	err := s.ports.Jobs.CreateWithin(ctx, j, s.jobQuota(p))
	var qe *domain.QuotaError
	if errors.As(err, &qe) {
		s.ports.Blobs.Delete(ctx, j.InputKey)
		return s.quotaRefusal(p, qe)
	}
	return err
}
