package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// RestoreExecutionPrefix starts the name of every restore execution of a user:
// restore-<user>-<upgrade event id, or a random id> (StartRestore).
func RestoreExecutionPrefix(userID string) string { return restorePrefix + userID + "-" }

const restorePrefix = "restore-"

// Upgrade makes the user premium and starts the restore of their archived
// results, named after eventID, the upgrade event (a Stripe event id; "" for
// an upgrade with no event of its own, such as the portal's test mode, which
// gets a random id). The same event again starts nothing new: its restore
// already exists. Another event for a premium user starts another restore
// (which picks up whatever a previous one could not bring back). Payment is
// the caller's business (Stripe webhook, or the portal's test mode).
func (s *Service) Upgrade(ctx context.Context, userID, eventID string) (domain.Profile, string, error) {
	p, err := s.ports.Profiles.Update(ctx, userID, func(p *domain.Profile) error {
		p.Role = domain.RolePremium
		return nil
	})
	if err != nil {
		return domain.Profile{}, "", fmt.Errorf("upgrade %s: %w", userID, err)
	}
	execID, err := s.StartRestore(ctx, userID, eventID)
	if err != nil {
		return p, "", fmt.Errorf("upgrade %s: %w", userID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "user upgraded", "user", userID, "restore", execID)
	return p, execID, nil
}

// restoreInput is the restore execution's input (statemachines/doc.go).
type restoreInput struct {
	UserID       string `json:"user_id"`
	RetrySeconds int    `json:"retry_seconds"` // the wait before a round retries what the previous one could not restore
}

// StartRestore starts restore-<user>-<id> for the user's archived results.
// id is eventID, the event that asked for it (a Stripe event id), so a
// redelivered event — one whose processing was cut short before the webhook
// recorded it — finds its restore already started and starts no second one;
// with no event ("": the portal's test-mode upgrade, Retry restore) it is
// random and new for every call. Two upgrades in a row start two restores.
// (A name counted from the user's earlier restores would repeat once Step
// Functions forgets old executions, and a repeated name starts nothing.)
// The execution retries a job that fails in later rounds, Config.RestoreRetry
// apart; a job still failing after the last round waits for the next
// StartRestore (an upgrade event, or the job page's Retry restore).
func (s *Service) StartRestore(ctx context.Context, userID, eventID string) (string, error) {
	input, _ := json.Marshal(restoreInput{UserID: userID, RetrySeconds: max(1, int(s.cfg.RestoreRetry/time.Second))})
	id := eventID
	if id == "" {
		id = NewJobID()
	}
	name := RestoreExecutionPrefix(userID) + id
	if !validExecutionName(name) {
		return "", fmt.Errorf("start restore for event %q: execution name %q: %w (at most 80 of A-Z a-z 0-9 - _)", eventID, name, domain.ErrInvalid)
	}
	id, err := s.ports.Workflow.Start(ctx, domain.MachineRestore, name, input)
	if err != nil {
		return "", fmt.Errorf("start restore %s: %w", name, err)
	}
	if err := s.noteRestore(ctx, userID, id); err != nil {
		// The restore runs regardless; only the job pages' link is missing.
		s.cfg.Logger.WarnContext(ctx, "restore not noted on the jobs", "restore", id, "err", err)
	}
	return id, nil
}

// validExecutionName reports whether name is a Step Functions execution
// name made of the characters every name of ours uses (1-80 of A-Z a-z 0-9
// - _), so an event id from outside cannot smuggle in a character Step
// Functions refuses or one that reads differently in a URL.
func validExecutionName(name string) bool {
	if name == "" || len(name) > 80 {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// noteRestore records restore execution execID on the user's archived jobs
// (Job.RestoreExecution), so each job's page links to the run that brings
// it back.
func (s *Service) noteRestore(ctx context.Context, userID, execID string) error {
	page := domain.Page{Limit: 100}
	for {
		jobs, next, err := s.ports.Jobs.List(ctx, domain.JobFilter{UserID: userID, ResultState: domain.ResultArchived}, page)
		if err != nil {
			return fmt.Errorf("list archived jobs of %s: %w", userID, err)
		}
		for _, j := range jobs {
			if _, err := s.ports.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
				if j.ResultState == domain.ResultArchived && !j.Deleted() {
					j.RestoreExecution = execID
				}
				return nil
			}); err != nil {
				return fmt.Errorf("note restore on job %s: %w", j.ID, err)
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

// RetryRestore starts a new restore for the owner of an archived job that a
// restore execution gave up on (its last round failed: the job is ARCHIVED
// and Job.RestoreRetrying is false). It does nothing (returns "") when the
// job is not archived, a round is about to retry it, or a restore of the
// owner is running (one in its wait between rounds included, so a double
// click starts one). Only the job's premium owner may.
func (s *Service) RetryRestore(ctx context.Context, viewer domain.Profile, jobID string) (string, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return "", err
	}
	if j.UserID != viewer.ID {
		return "", fmt.Errorf("job %s: %w", jobID, domain.ErrNotFound)
	}
	if !viewer.Premium() {
		return "", domain.UserErrorf(domain.ErrForbidden, "only premium accounts can restore archived results; upgrade first")
	}
	if j.VisibleResultState() != domain.ResultArchived || j.RestoreRetrying() {
		return "", nil // restored, restoring, or a round is about to retry it
	}
	running, _, err := s.ports.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineRestore,
		Status: domain.ExecRunning, NamePrefix: RestoreExecutionPrefix(viewer.ID)}, domain.Page{Limit: 1})
	if err != nil {
		return "", fmt.Errorf("retry restore of job %s: %w", jobID, err)
	}
	if len(running) > 0 {
		return "", nil // it lists the job again after its round
	}
	id, err := s.StartRestore(ctx, viewer.ID, "")
	if err != nil {
		return "", fmt.Errorf("retry restore of job %s: %w", jobID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "restore started from a job", "job", jobID, "user", viewer.ID, "restore", id)
	return id, nil
}
