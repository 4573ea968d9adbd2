package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// JobInput is the payload of every per-job step: ids only, never file contents
// (Step Functions caps a state's payload at 256 KB).
type JobInput struct {
	JobID string `json:"job_id"`
}

// AnnotateOutput is the result of the Annotate step.
type AnnotateOutput struct {
	JobID     string `json:"job_id"`
	ResultKey string `json:"result_key"`
	LogKey    string `json:"log_key"`
}

// Annotate runs the engine on the job's input and stores the annotated VCF and
// the log; the summary goes on the job. The job moves PENDING -> RUNNING ->
// COMPLETED through conditional updates, so a retried or repeated step is
// harmless: a COMPLETED job returns its recorded result without work, a
// RUNNING one (a crashed or timed-out attempt) runs again and overwrites the
// same keys. A VCF the parser rejects returns *statemachines.InvalidInputError.
func (t *Tasks) Annotate(ctx context.Context, in JobInput) (AnnotateOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return AnnotateOutput{}, err
	}
	switch j.Status {
	case domain.StatusCompleted:
		return AnnotateOutput{JobID: j.ID, ResultKey: j.ResultKey, LogKey: j.LogKey}, nil
	case domain.StatusFailed:
		// Only MarkFailed sets FAILED; report the same permanent failure again.
		return AnnotateOutput{}, invalidInput(j.Error)
	}
	if t.annotator == nil {
		return AnnotateOutput{}, errors.New("annotate: no annotation engine configured in this process")
	}

	j, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		switch j.Status {
		case domain.StatusPending:
			j.Status = domain.StatusRunning
			j.StartedAt = t.now()
		case domain.StatusRunning: // a retry: keep the first start time
		default:
			return fmt.Errorf("job is %s, not PENDING or RUNNING: %w", j.Status, domain.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return AnnotateOutput{}, fmt.Errorf("annotate job %s: mark running: %w", in.JobID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job running", "job", j.ID, "user", j.UserID)

	resultKey, logKey := ResultKey(j), LogKey(j)
	role, err := t.roleOf(ctx, j.UserID)
	if err != nil {
		return AnnotateOutput{}, fmt.Errorf("annotate job %s: %w", j.ID, err)
	}
	rep, err := t.runLimited(ctx, j, resultKey, role)
	if err != nil {
		// No half-written result is left behind: the engine's error reaches
		// Put through the pipe, and a failed Put stores nothing (the Blobs
		// contract). Deleting here instead could remove the result of a
		// retry that overlapped a timed-out attempt.
		var le *domain.LimitError
		if errors.As(err, &le) {
			t.cfg.Logger.WarnContext(ctx, "job limit reached", "job", j.ID, "user", j.UserID, "limit", le.Name)
			return AnnotateOutput{}, invalidInput(fmt.Sprintf("%s: %v", j.InputName, le.WithRole(role)))
		}
		if errors.Is(err, domain.ErrInvalid) {
			return AnnotateOutput{}, invalidInput(fmt.Sprintf("%s: %v", j.InputName, err))
		}
		return AnnotateOutput{}, fmt.Errorf("annotate job %s: %w", j.ID, err)
	}
	if err := t.blobs.Put(ctx, logKey, bytesReader(rep.Log)); err != nil {
		return AnnotateOutput{}, fmt.Errorf("annotate job %s: store log: %w", j.ID, err)
	}

	j, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		switch j.Status {
		case domain.StatusRunning:
		case domain.StatusCompleted: // a concurrent attempt won; same keys, same content
			return nil
		default:
			return fmt.Errorf("job is %s, not RUNNING: %w", j.Status, domain.ErrConflict)
		}
		j.Status = domain.StatusCompleted
		j.CompletedAt = t.now()
		j.ResultKey, j.LogKey = resultKey, logKey
		j.Summary = rep.Summary
		j.ResultState = domain.ResultAvailable
		j.Error = ""
		return nil
	})
	if err != nil {
		return AnnotateOutput{}, fmt.Errorf("annotate job %s: mark completed: %w", in.JobID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job completed", "job", j.ID, "result", resultKey)
	return AnnotateOutput{JobID: j.ID, ResultKey: resultKey, LogKey: logKey}, nil
}

// roleOf is the tier whose limits apply to userID's jobs: the one in effect
// when the job runs. A deleted profile gets the free tier's.
func (t *Tasks) roleOf(ctx context.Context, userID string) (domain.Role, error) {
	p, err := t.profiles.Get(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.RoleFree, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the owner's tier: %w", err)
	}
	return p.Role, nil
}

// runLimited runs the engine within role's limits, JobTime included: the
// deadline cancels the engine's context, which stops it within a record,
// and is reported as that limit (a permanent failure, never retried).
func (t *Tasks) runLimited(ctx context.Context, j domain.Job, resultKey string, role domain.Role) (Report, error) {
	lim := t.cfg.Limits(role)
	if lim.JobTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, lim.JobTime,
			&domain.LimitError{Name: domain.LimitJobTime, Max: int64(lim.JobTime / time.Second)})
		defer cancel()
	}
	rep, err := t.runEngine(ctx, j, resultKey, lim)
	if err != nil && ctx.Err() != nil {
		if cause := context.Cause(ctx); errors.Is(cause, domain.ErrLimit) {
			return Report{}, cause
		}
	}
	return rep, err
}
