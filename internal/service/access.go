package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// Workflow executions as users see them: a job's annotation execution, and
// any execution with the access rule (auditors see all; a user sees their
// jobs' executions and their restores).

// JobHistory returns the job (the access rule of Job), its annotation
// execution and that execution's events; ex is the zero Execution and events
// nil while the job has not started.
func (s *Service) JobHistory(ctx context.Context, viewer domain.Profile, jobID string) (j domain.Job, ex domain.Execution, events []domain.HistoryEvent, err error) {
	j, err = s.Job(ctx, viewer, jobID)
	if err == nil && j.ExecutionID == "" {
		j, err = s.recoverExecution(ctx, j, false)
	}
	if err != nil || j.ExecutionID == "" {
		return j, domain.Execution{}, nil, err
	}
	ex, events, err = s.execution(ctx, j.ExecutionID)
	return j, ex, events, err
}

// History returns the event history of the job's annotation execution (no
// access check: for operators and the command line).
func (s *Service) History(ctx context.Context, j domain.Job) ([]domain.HistoryEvent, error) {
	if j.ExecutionID == "" {
		var err error
		if j, err = s.recoverExecution(ctx, j, false); err != nil {
			return nil, err
		}
	}
	if j.ExecutionID == "" {
		return nil, fmt.Errorf("job %s has no workflow execution yet: %w", j.ID, domain.ErrNotFound)
	}
	events, err := s.ports.Workflow.History(ctx, j.ExecutionID)
	if err != nil {
		return nil, fmt.Errorf("history of job %s: %w", j.ID, err)
	}
	return events, nil
}

// Execution returns any execution to an auditor, and to a user the
// executions that concern them (ExecutionOwner); anyone else gets
// domain.ErrNotFound. id is an execution id, or a restore execution's name
// (restore-<user>-<event or random id>).
func (s *Service) Execution(ctx context.Context, viewer domain.Profile, id string) (domain.Execution, []domain.HistoryEvent, error) {
	if !strings.Contains(id, ":") && restoreOwner(id) != "" {
		found, err := s.restoreByName(ctx, id)
		if err != nil {
			return domain.Execution{}, nil, err
		}
		id = found
	}
	ex, events, err := s.execution(ctx, id)
	if err != nil {
		return ex, nil, err
	}
	if viewer.Auditor || s.ExecutionOwner(ctx, ex) == viewer.ID {
		return ex, events, nil
	}
	return domain.Execution{}, nil, fmt.Errorf("execution %s of another user: %w", id, domain.ErrNotFound)
}

// restoreByName is the id of the restore execution called name.
func (s *Service) restoreByName(ctx context.Context, name string) (string, error) {
	execs, _, err := s.ports.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineRestore, NamePrefix: name}, domain.Page{Limit: 20})
	if err != nil {
		return "", fmt.Errorf("find restore execution %s: %w", name, err)
	}
	for _, ex := range execs {
		if ex.Name == name {
			return ex.ID, nil
		}
	}
	return "", fmt.Errorf("restore execution %s: %w", name, domain.ErrNotFound)
}

func (s *Service) execution(ctx context.Context, id string) (domain.Execution, []domain.HistoryEvent, error) {
	ex, err := s.ports.Workflow.Describe(ctx, id)
	if errors.Is(err, domain.ErrNotFound) && s.ports.Archive != nil {
		return s.archivedExecution(ctx, id, err)
	}
	if err != nil {
		return ex, nil, fmt.Errorf("describe execution %s: %w", id, err)
	}
	events, err := s.ports.Workflow.History(ctx, id)
	if err != nil {
		return ex, nil, fmt.Errorf("history of execution %s: %w", id, err)
	}
	return ex, events, nil
}

// archivedExecution reads an execution the workflow engine no longer has
// from the audit archive; the execution's Archived says so. Without a
// record the engine's error (liveErr) stands.
func (s *Service) archivedExecution(ctx context.Context, id string, liveErr error) (domain.Execution, []domain.HistoryEvent, error) {
	rec, err := audit.Read(ctx, s.ports.Archive, audit.NameOf(id))
	switch {
	case errors.Is(err, domain.ErrNotFound) || (err == nil && rec.Execution.ID != id):
		return domain.Execution{}, nil, fmt.Errorf("describe execution %s: %w", id, liveErr)
	case err != nil:
		return domain.Execution{}, nil, err
	}
	return rec.Execution, rec.Events, nil
}

// ExecutionOwner is the id of the user an execution belongs to, "" when none
// is known: an annotation is named after its job, a restore is
// RestoreExecutionPrefix(user) + n, and a map run's child belongs to the
// owner of its Parent when the engine names it (Step Functions), else to
// the job its name starts with ("<job>:<item>", the local runner).
func (s *Service) ExecutionOwner(ctx context.Context, ex domain.Execution) string {
	if ex.Parent != "" {
		parent, err := s.ports.Workflow.Describe(ctx, ex.Parent)
		if err != nil || parent.Parent != "" { // a map run's child is never a parent
			return ""
		}
		return s.ExecutionOwner(ctx, parent)
	}
	if ex.StateMachine == domain.MachineRestore {
		return restoreOwner(ex.Name)
	}
	if strings.HasPrefix(ex.StateMachine, domain.MachineAnnotation+"/") { // a map run's child
		if j, ok := s.shardJob(ctx, ex.Name); ok {
			return j.UserID
		}
		return ""
	}
	if j, err := s.ports.Jobs.Get(ctx, ex.Name); err == nil {
		return j.UserID
	}
	return ""
}

// restoreOwner undoes RestoreExecutionPrefix(user) + n; "" when name is not
// a restore execution's.
func restoreOwner(name string) string {
	rest, ok := strings.CutPrefix(name, restorePrefix)
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 {
		return rest[:i]
	}
	return ""
}
