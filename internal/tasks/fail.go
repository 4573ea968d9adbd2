package tasks

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// MarkFailedInput is the payload of MarkFailed: the job and the error name
// and cause a Catch caught.
type MarkFailedInput struct {
	JobID string `json:"job_id"`
	Error string `json:"error"`
	Cause string `json:"cause"`
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
	reason := FailureReason(in.Error, in.Cause)
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
	t.cfg.Logger.InfoContext(ctx, "job failed", "job", j.ID, "error", in.Error, "reason", reason)
	return MarkFailedOutput{JobID: j.ID, Status: string(j.Status), Reason: j.Error}, nil
}

// invalidInputName is the Step Functions error name of statemachines.InvalidInputError.
var invalidInputName = reflect.TypeFor[statemachines.InvalidInputError]().Name()

// FailureReason turns a caught error (name and cause) into words a user can
// act on. Input errors carry their own explanation; a Lambda function error's
// cause is unwrapped from its JSON; anything else is an internal failure named
// by its error.
func FailureReason(name, cause string) string {
	cause = strings.TrimSpace(statemachines.ErrorMessage(cause))
	switch {
	case name == invalidInputName && cause != "":
		return cause
	case name == "States.Timeout",
		// A shard that timed out fails the map run (the local runner names the first failure in the cause).
		name == "States.ExceedToleratedFailureThreshold" && strings.Contains(cause, "States.Timeout"):
		return "a workflow step timed out; please try again or contact support"
	case cause == "":
		return "internal error (" + name + ")"
	}
	// Internal causes can be long (stack traces); keep the first line.
	if i := strings.IndexByte(cause, '\n'); i >= 0 {
		cause = cause[:i]
	}
	return fmt.Sprintf("internal error (%s): %s", name, cause)
}
