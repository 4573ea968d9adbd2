package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// StepError is what a Catch puts into the state (ResultPath "$.error"): the
// error name and its cause, in Step Functions' spelling.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// MarkFailedInput is the payload of MarkFailed.
type MarkFailedInput struct {
	JobID string    `json:"job_id"`
	Error StepError `json:"error"`
}

// MarkFailedOutput is the result of MarkFailed.
type MarkFailedOutput struct {
	JobID  string `json:"job_id"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// MarkFailed records why the workflow failed on the job. A job that had not
// completed becomes FAILED with the reason; a COMPLETED job (a later step such
// as archiving failed) keeps its downloadable result and status, and only the
// reason is recorded. Repeating it changes nothing.
func (t *Tasks) MarkFailed(ctx context.Context, in MarkFailedInput) (MarkFailedOutput, error) {
	reason := FailureReason(in.Error)
	j, err := t.jobs.Update(ctx, in.JobID, func(j *domain.Job) error {
		switch j.Status {
		case domain.StatusFailed:
			return nil // recorded before
		case domain.StatusCompleted:
			j.Error = "after completion: " + reason
			return nil
		}
		j.Status = domain.StatusFailed
		j.Error = reason
		j.CompletedAt = t.now()
		return nil
	})
	if err != nil {
		return MarkFailedOutput{}, fmt.Errorf("mark job %s failed: %w", in.JobID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job failed", "job", j.ID, "error", in.Error.Error, "reason", reason)
	return MarkFailedOutput{JobID: j.ID, Status: string(j.Status), Reason: j.Error}, nil
}

// FailureReason turns a caught error into words a user can act on. Input
// errors carry their own explanation; Lambda wraps causes in a JSON object
// ({"errorMessage": ...}), which is unwrapped; anything else is an internal
// failure named by its error.
func FailureReason(e StepError) string {
	cause := strings.TrimSpace(e.Cause)
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if strings.HasPrefix(cause, "{") && json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		cause = lambdaErr.ErrorMessage
	}
	switch {
	case e.Error == ErrorNameInvalidInput && cause != "":
		return cause
	case e.Error == "States.Timeout":
		return "a workflow step timed out; please try again or contact support"
	case cause == "":
		return "internal error (" + e.Error + ")"
	}
	// Internal causes can be long (stack traces); keep the first line.
	if i := strings.IndexByte(cause, '\n'); i >= 0 {
		cause = cause[:i]
	}
	return fmt.Sprintf("internal error (%s): %s", e.Error, cause)
}
