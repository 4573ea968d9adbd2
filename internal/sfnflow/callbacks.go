package sfnflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/gasproject/gas/internal/domain"
)

// TaskAPI is the part of the Step Functions client Callbacks uses; *sfn.Client implements it.
type TaskAPI interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
}

var _ TaskAPI = (*sfn.Client)(nil)

// Callbacks resumes Task states waiting with .waitForTaskToken
// (tasks.Callbacks on AWS). A token whose task no longer waits
// (TaskDoesNotExist, TaskTimedOut, InvalidToken) is domain.ErrNotFound.
type Callbacks struct{ api TaskAPI }

// NewCallbacks returns the adapter.
func NewCallbacks(api TaskAPI) *Callbacks { return &Callbacks{api: api} }

// Step Functions' limits on SendTaskFailure's error and cause.
const (
	maxErrorLen = 256
	maxCauseLen = 32768
)

// SendTaskSuccess ends the waiting task with output as its result.
func (c *Callbacks) SendTaskSuccess(ctx context.Context, token string, output json.RawMessage) error {
	_, err := c.api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(output))})
	return taskErr("send task success", err)
}

// SendTaskFailure fails the waiting task with errName and cause (cut to Step Functions' limits).
func (c *Callbacks) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	_, err := c.api.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token),
		Error: aws.String(cut(errName, maxErrorLen)), Cause: aws.String(cut(cause, maxCauseLen))})
	return taskErr("send task failure", err)
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func taskErr(op string, err error) error {
	var gone *types.TaskDoesNotExist
	var late *types.TaskTimedOut
	var bad *types.InvalidToken
	switch {
	case err == nil:
		return nil
	case errors.As(err, &gone), errors.As(err, &late), errors.As(err, &bad):
		return fmt.Errorf("%s: the task no longer waits: %v: %w", op, err, domain.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", op, err)
}
