// Package sfnflow is the workflow engine on AWS: domain.Workflow over Step
// Functions (Standard). Executions are named by the caller (GAS uses the job
// id), so starting one twice is harmless.
package sfnflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/gasproject/gas/internal/domain"
)

// API is the part of the Step Functions client the adapter uses; *sfn.Client implements it.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, opts ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
	ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	DescribeMapRun(ctx context.Context, in *sfn.DescribeMapRunInput, opts ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error)
}

var _ API = (*sfn.Client)(nil)

// Workflow starts and inspects executions of the named state machines.
type Workflow struct {
	api      API
	machines map[string]string // name (domain.MachineAnnotation, ...) -> state machine ARN

	mu      sync.Mutex
	parents map[string]string // map run ARN -> the execution that started it (parentOf)
}

var _ domain.Workflow = (*Workflow)(nil)

// New returns the adapter; machines maps each state machine name to its ARN.
func New(api API, machines map[string]string) *Workflow {
	return &Workflow{api: api, machines: maps.Clone(machines)}
}

func (w *Workflow) arn(name string) (string, error) {
	arn, ok := w.machines[name]
	if !ok {
		return "", fmt.Errorf("state machine %q: %w", name, domain.ErrNotFound)
	}
	return arn, nil
}

// machineName maps a state machine ARN back to its name (the ARN if
// unknown). A Distributed Map's children run "<machine ARN>/<map label>",
// named "<name>/<label>" as the local runner names them (annotation/Shards).
func (w *Workflow) machineName(arn string) string {
	base, label, child := strings.Cut(arn, "/")
	for name, a := range w.machines {
		if a == base {
			if child {
				return name + "/" + label
			}
			return name
		}
	}
	return arn
}

// executionARN is the ARN Step Functions gives execution name of machine arn.
func executionARN(machineARN, name string) string {
	return strings.Replace(machineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Start begins an execution named name. An execution of that name that
// already exists (ExecutionAlreadyExists: a job started twice) counts as
// started; its ARN is returned.
func (w *Workflow) Start(ctx context.Context, stateMachine, name string, input json.RawMessage) (string, error) {
	arn, err := w.arn(stateMachine)
	if err != nil {
		return "", err
	}
	out, err := w.api.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(arn),
		Name:            aws.String(name),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		return executionARN(arn, name), nil
	case err != nil:
		return "", fmt.Errorf("start %s execution %s: %w", stateMachine, name, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// Describe reports an execution's status, input, output and failure; for a
// Distributed Map's child, the execution whose map run started it (Parent).
func (w *Workflow) Describe(ctx context.Context, executionID string) (domain.Execution, error) {
	out, err := w.api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionID)})
	if err != nil {
		return domain.Execution{}, wrap("describe execution", executionID, err)
	}
	var parent string
	if out.MapRunArn != nil {
		if parent, err = w.parentOf(ctx, *out.MapRunArn); err != nil {
			return domain.Execution{}, fmt.Errorf("describe execution %s: %w", executionID, err)
		}
	}
	return domain.Execution{
		ID:           aws.ToString(out.ExecutionArn),
		Name:         aws.ToString(out.Name),
		StateMachine: w.machineName(aws.ToString(out.StateMachineArn)),
		Status:       string(out.Status),
		StartedAt:    aws.ToTime(out.StartDate),
		StoppedAt:    aws.ToTime(out.StopDate),
		Input:        rawJSON(out.Input),
		Output:       rawJSON(out.Output),
		Error:        aws.ToString(out.Error),
		Cause:        aws.ToString(out.Cause),
		Parent:       parent,
	}, nil
}

// History returns every event of an execution, oldest first, reading all
// pages. Events that carry no state name (TaskScheduled, TaskSucceeded, ...)
// get the name of the state they belong to, found through PreviousEventId.
func (w *Workflow) History(ctx context.Context, executionID string) ([]domain.HistoryEvent, error) {
	in := &sfn.GetExecutionHistoryInput{
		ExecutionArn:         aws.String(executionID),
		IncludeExecutionData: aws.Bool(true),
		MaxResults:           1000,
	}
	var events []domain.HistoryEvent
	stateOf := map[int64]string{}
	for {
		out, err := w.api.GetExecutionHistory(ctx, in)
		if err != nil {
			return nil, wrap("execution history", executionID, err)
		}
		for _, e := range out.Events {
			he := historyEvent(e)
			if he.StateName == "" && !strings.HasPrefix(he.Type, "Execution") {
				he.StateName = stateOf[he.PreviousEventID]
			}
			stateOf[he.ID] = he.StateName
			events = append(events, he)
		}
		if out.NextToken == nil {
			return events, nil
		}
		in.NextToken = out.NextToken
	}
}

// historyEvent maps one Step Functions event to the domain's vocabulary.
func historyEvent(e types.HistoryEvent) domain.HistoryEvent {
	he := domain.HistoryEvent{
		ID:              e.Id,
		PreviousEventID: e.PreviousEventId,
		Timestamp:       aws.ToTime(e.Timestamp),
		Type:            string(e.Type),
	}
	failed := func(errName, cause *string) { he.Error, he.Cause = aws.ToString(errName), aws.ToString(cause) }
	switch d := e; {
	case d.ExecutionStartedEventDetails != nil:
		he.Input = rawJSON(d.ExecutionStartedEventDetails.Input)
	case d.ExecutionSucceededEventDetails != nil:
		he.Output = rawJSON(d.ExecutionSucceededEventDetails.Output)
	case d.ExecutionFailedEventDetails != nil:
		failed(d.ExecutionFailedEventDetails.Error, d.ExecutionFailedEventDetails.Cause)
	case d.ExecutionAbortedEventDetails != nil:
		failed(d.ExecutionAbortedEventDetails.Error, d.ExecutionAbortedEventDetails.Cause)
	case d.ExecutionTimedOutEventDetails != nil:
		failed(d.ExecutionTimedOutEventDetails.Error, d.ExecutionTimedOutEventDetails.Cause)
	case d.StateEnteredEventDetails != nil:
		he.StateName = aws.ToString(d.StateEnteredEventDetails.Name)
		he.Input = rawJSON(d.StateEnteredEventDetails.Input)
	case d.StateExitedEventDetails != nil:
		he.StateName = aws.ToString(d.StateExitedEventDetails.Name)
		he.Output = rawJSON(d.StateExitedEventDetails.Output)
	case d.TaskScheduledEventDetails != nil:
		he.Resource = taskResource(d.TaskScheduledEventDetails.ResourceType, d.TaskScheduledEventDetails.Resource)
		he.Input = rawJSON(d.TaskScheduledEventDetails.Parameters)
	case d.TaskStartedEventDetails != nil:
		he.Resource = taskResource(d.TaskStartedEventDetails.ResourceType, d.TaskStartedEventDetails.Resource)
	case d.TaskSucceededEventDetails != nil:
		he.Resource = taskResource(d.TaskSucceededEventDetails.ResourceType, d.TaskSucceededEventDetails.Resource)
		he.Output = rawJSON(d.TaskSucceededEventDetails.Output)
	case d.TaskFailedEventDetails != nil:
		he.Resource = taskResource(d.TaskFailedEventDetails.ResourceType, d.TaskFailedEventDetails.Resource)
		failed(d.TaskFailedEventDetails.Error, d.TaskFailedEventDetails.Cause)
	case d.TaskTimedOutEventDetails != nil:
		he.Resource = taskResource(d.TaskTimedOutEventDetails.ResourceType, d.TaskTimedOutEventDetails.Resource)
		failed(d.TaskTimedOutEventDetails.Error, d.TaskTimedOutEventDetails.Cause)
	case d.TaskStartFailedEventDetails != nil:
		he.Resource = taskResource(d.TaskStartFailedEventDetails.ResourceType, d.TaskStartFailedEventDetails.Resource)
		failed(d.TaskStartFailedEventDetails.Error, d.TaskStartFailedEventDetails.Cause)
	case d.TaskSubmitFailedEventDetails != nil:
		he.Resource = taskResource(d.TaskSubmitFailedEventDetails.ResourceType, d.TaskSubmitFailedEventDetails.Resource)
		failed(d.TaskSubmitFailedEventDetails.Error, d.TaskSubmitFailedEventDetails.Cause)
	case d.LambdaFunctionScheduledEventDetails != nil:
		he.Resource = aws.ToString(d.LambdaFunctionScheduledEventDetails.Resource)
		he.Input = rawJSON(d.LambdaFunctionScheduledEventDetails.Input)
	case d.LambdaFunctionSucceededEventDetails != nil:
		he.Output = rawJSON(d.LambdaFunctionSucceededEventDetails.Output)
	case d.LambdaFunctionFailedEventDetails != nil:
		failed(d.LambdaFunctionFailedEventDetails.Error, d.LambdaFunctionFailedEventDetails.Cause)
	case d.LambdaFunctionTimedOutEventDetails != nil:
		failed(d.LambdaFunctionTimedOutEventDetails.Error, d.LambdaFunctionTimedOutEventDetails.Cause)
	case d.MapIterationStartedEventDetails != nil:
		he.StateName = aws.ToString(d.MapIterationStartedEventDetails.Name)
	case d.MapIterationSucceededEventDetails != nil:
		he.StateName = aws.ToString(d.MapIterationSucceededEventDetails.Name)
	case d.MapIterationFailedEventDetails != nil:
		he.StateName = aws.ToString(d.MapIterationFailedEventDetails.Name)
	case d.MapRunStartedEventDetails != nil:
		// The same field the local runner's MapRunStarted output has.
		he.Output, _ = json.Marshal(map[string]string{"mapRunArn": aws.ToString(d.MapRunStartedEventDetails.MapRunArn)})
	case d.EvaluationFailedEventDetails != nil:
		he.StateName = aws.ToString(d.EvaluationFailedEventDetails.State)
		failed(d.EvaluationFailedEventDetails.Error, d.EvaluationFailedEventDetails.Cause)
	}
	return he
}

// taskResource names a service integration as written in the ASL, e.g.
// "arn:aws:states:::lambda:invoke".
func taskResource(resourceType, resource *string) string {
	if resourceType == nil {
		return aws.ToString(resource)
	}
	return "arn:aws:states:::" + aws.ToString(resourceType) + ":" + aws.ToString(resource)
}

// rawJSON keeps a JSON document as it is, and quotes anything else (for
// example a truncated payload) so the result is always valid JSON.
func rawJSON(s *string) json.RawMessage {
	if s == nil || *s == "" {
		return nil
	}
	if json.Valid([]byte(*s)) {
		return json.RawMessage(*s)
	}
	b, _ := json.Marshal(*s)
	return b
}

func wrap(op, id string, err error) error {
	var dne *types.ExecutionDoesNotExist
	var rnf *types.ResourceNotFound
	var bad *types.InvalidArn
	switch {
	case errors.As(err, &dne), errors.As(err, &rnf):
		return fmt.Errorf("%s %s: %w", op, id, domain.ErrNotFound)
	case errors.As(err, &bad):
		return fmt.Errorf("%s %s: %w", op, id, domain.ErrInvalid)
	}
	return fmt.Errorf("%s %s: %w", op, id, err)
}
