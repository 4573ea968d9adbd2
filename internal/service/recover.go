package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// A job is created, then its execution started, then the execution id
// recorded on it. A crash (kill -9) between those steps leaves a job whose
// execution runs, or ran to the end, without the link, or a PENDING job
// whose execution never started. The execution's name is the job id, so
// both are recovered: at start for every job (RecoverExecutions, called by
// internal/app before serving) and on demand when a job's history is read.

// annotationInput is the annotation execution's input for j.
func (s *Service) annotationInput(j domain.Job) json.RawMessage {
	input, _ := json.Marshal(map[string]any{
		"job_id": j.ID, "user_id": j.UserID, "retention_seconds": int64(s.cfg.Retention / time.Second),
	})
	return input
}

// RecoverExecutions links every job without an execution id to its
// execution, and starts the execution of a PENDING job that has none. It
// returns how many jobs it repaired.
func (s *Service) RecoverExecutions(ctx context.Context) (int, error) {
	fixed, cursor := 0, ""
	for {
		jobs, next, err := s.ports.Jobs.List(ctx, domain.JobFilter{}, domain.Page{Cursor: cursor, Limit: 200})
		if err != nil {
			return fixed, fmt.Errorf("recover executions: list jobs: %w", err)
		}
		for _, j := range jobs {
			if j.ExecutionID != "" {
				continue
			}
			r, err := s.recoverExecution(ctx, j, true)
			if err != nil {
				return fixed, err
			}
			if r.ExecutionID != "" {
				fixed++
			}
		}
		if next == "" {
			return fixed, nil
		}
		cursor = next
	}
}

// recoverExecution finds j's annotation execution by name and records its
// id on j; with start, a PENDING job without one gets it started.
func (s *Service) recoverExecution(ctx context.Context, j domain.Job, start bool) (domain.Job, error) {
	execs, _, err := s.ports.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineAnnotation, NamePrefix: j.ID}, domain.Page{Limit: 20})
	if err != nil {
		return j, fmt.Errorf("recover execution of job %s: %w", j.ID, err)
	}
	id := ""
	for _, ex := range execs {
		if ex.Name == j.ID {
			id = ex.ID
		}
	}
	if id == "" && start && j.Status == domain.StatusPending {
		if id, err = s.ports.Workflow.Start(ctx, domain.MachineAnnotation, j.ID, s.annotationInput(j)); err != nil {
			return j, fmt.Errorf("recover execution of job %s: start: %w", j.ID, err)
		}
	}
	if id == "" {
		return j, nil
	}
	j, err = s.ports.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.ExecutionID == "" {
			j.ExecutionID = id
		}
		return nil
	})
	if err != nil {
		return j, fmt.Errorf("recover execution of job %s: record: %w", j.ID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "job linked to its execution after a crash", "job", j.ID, "execution", j.ExecutionID)
	return j, nil
}
