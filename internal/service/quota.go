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

// checkJobQuota refuses a new job of p over its tier's ConcurrentJobs
// (PENDING or RUNNING) or JobsPerDay (submitted in the last 24 hours) with a
// *domain.LimitError carrying RetryAfter, before anything is stored. It
// reads the user's newest jobs only, at most JobsPerDay of them. Two
// submissions at the same instant may both pass: the limits bound what a
// user spends, they are not an exact count.
func (s *Service) checkJobQuota(ctx context.Context, p domain.Profile) error {
	lim := domain.LimitsFor(p.Role)
	now := s.cfg.Now()
	since := now.Add(-24 * time.Hour)
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
			if j.SubmittedAt.Before(since) {
				done = true
				break
			}
			today++
			oldest = j.SubmittedAt
			if j.Status == domain.StatusPending || j.Status == domain.StatusRunning {
				running++
			}
		}
		if done || today > lim.JobsPerDay {
			break
		}
		cursor = next
	}
	switch {
	case lim.JobsPerDay > 0 && today >= lim.JobsPerDay:
		return domain.ForUser(&domain.LimitError{Name: domain.LimitJobsPerDay, Max: lim.JobsPerDay, Role: p.Role,
			RetryAfter: max(oldest.Add(24*time.Hour).Sub(now), time.Second)})
	case lim.ConcurrentJobs > 0 && running >= lim.ConcurrentJobs:
		return domain.ForUser(&domain.LimitError{Name: domain.LimitConcurrentJobs, Max: lim.ConcurrentJobs, Role: p.Role, RetryAfter: concurrentRetry})
	}
	return nil
}

// isNewJob reports whether no job with id exists (StartJob may be repeated
// for a job it created before; only a new one counts against the quota).
func (s *Service) isNewJob(ctx context.Context, id string) (bool, error) {
	_, err := s.ports.Jobs.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return true, nil
	}
	return false, err
}
