package service

import (
	"context"
	"fmt"

	"github.com/gasproject/gas/internal/domain"
)

// Job returns a job its owner or an auditor may see; anyone else gets
// domain.ErrNotFound (not ErrForbidden: job ids are not to be probed).
func (s *Service) Job(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, error) {
	j, err := s.ports.Jobs.Get(ctx, jobID)
	if err != nil {
		return domain.Job{}, err
	}
	if j.UserID != viewer.ID && !viewer.Auditor {
		return domain.Job{}, fmt.Errorf("job %s: %w", jobID, domain.ErrNotFound)
	}
	return j, nil
}

// JobHistory returns the job and its execution's event history, with the
// same access rule as Job.
func (s *Service) JobHistory(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, []domain.HistoryEvent, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return domain.Job{}, nil, err
	}
	events, err := s.History(ctx, j)
	return j, events, err
}

// History returns the event history of the job's annotation execution (no
// access check: for operators and the command line).
func (s *Service) History(ctx context.Context, j domain.Job) ([]domain.HistoryEvent, error) {
	if j.ExecutionID == "" {
		return nil, fmt.Errorf("job %s has no workflow execution yet: %w", j.ID, domain.ErrNotFound)
	}
	events, err := s.ports.Workflow.History(ctx, j.ExecutionID)
	if err != nil {
		return nil, fmt.Errorf("history of job %s: %w", j.ID, err)
	}
	return events, nil
}
