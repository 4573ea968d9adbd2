package sfnflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
)

const (
	annotationARN = "arn:aws:states:us-east-1:111111111111:stateMachine:AnnotationWorkflow"
	restoreARN    = "arn:aws:states:us-east-1:111111111111:stateMachine:RestoreWorkflow"
)

// newWorkflow returns the adapter talking to a fake Step Functions over HTTP
// with the real SDK client.
func newWorkflow(t *testing.T) (*Workflow, *sfnfake.Server) {
	t.Helper()
	fake := sfnfake.New(annotationARN, restoreARN)
	client := sfn.NewFromConfig(awstest.Serve(t, fake))
	return New(client, map[string]string{domain.MachineAnnotation: annotationARN, domain.MachineRestore: restoreARN}), fake
}

func TestStartIsIdempotentByName(t *testing.T) {
	w, fake := newWorkflow(t)
	ctx := context.Background()
	input := json.RawMessage(`{"job_id":"job-1","user_id":"u1","retention_seconds":180}`)

	// GIVEN a started execution named after the job
	id, err := w.Start(ctx, domain.MachineAnnotation, "job-1", input)
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:states:us-east-1:111111111111:execution:AnnotationWorkflow:job-1"; id != want {
		t.Errorf("execution id %s, want %s", id, want)
	}
	// WHEN it is started again while running, and again after it finished
	again, err := w.Start(ctx, domain.MachineAnnotation, "job-1", input)
	if err != nil || again != id {
		t.Errorf("second Start = %s, %v; want %s", again, err, id)
	}
	fake.Finish(id, domain.ExecSucceeded, `{}`, "", "")
	after, err := w.Start(ctx, domain.MachineAnnotation, "job-1", input)
	// THEN ExecutionAlreadyExists counts as started, with the same execution
	if err != nil || after != id {
		t.Errorf("Start after finish = %s, %v; want %s", after, err, id)
	}
	if n := fake.Calls("StartExecution"); n != 3 {
		t.Errorf("StartExecution called %d times, want 3", n)
	}
	if _, err := w.Start(ctx, "nightly", "x", input); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Start of an unknown machine: err = %v, want ErrNotFound", err)
	}
}

func TestDescribeMapsTheExecution(t *testing.T) {
	w, fake := newWorkflow(t)
	ctx := context.Background()
	id, err := w.Start(ctx, domain.MachineAnnotation, "job-2", json.RawMessage(`{"job_id":"job-2"}`))
	if err != nil {
		t.Fatal(err)
	}
	fake.Advance(90 * time.Second)
	fake.Finish(id, domain.ExecFailed, "", "InvalidInputError", "line 3: bad REF")

	got, err := w.Describe(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Name != "job-2" || got.StateMachine != domain.MachineAnnotation || got.Status != domain.ExecFailed ||
		got.StoppedAt.Sub(got.StartedAt) != 90*time.Second || string(got.Input) != `{"job_id":"job-2"}` ||
		got.Error != "InvalidInputError" || got.Cause != "line 3: bad REF" || got.Output != nil {
		t.Errorf("Describe = %+v", got)
	}
	if _, err := w.Describe(ctx, id+"-nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Describe unknown: err = %v, want ErrNotFound", err)
	}
}

func TestHistoryReadsEveryPageAndNamesTheStates(t *testing.T) {
	w, fake := newWorkflow(t)
	fake.PageLimit = 2 // five events: three pages
	ctx := context.Background()
	id, err := w.Start(ctx, domain.MachineAnnotation, "job-3", json.RawMessage(`{"job_id":"job-3"}`))
	if err != nil {
		t.Fatal(err)
	}
	err = fake.Append(id,
		sfnfake.Event{Type: "TaskStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": "Annotate", "input": `{"job_id":"job-3"}`}},
		sfnfake.Event{Type: "TaskScheduled", DetailsKey: "taskScheduledEventDetails", Details: map[string]any{
			"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": `{"FunctionName":"arn:fn","Payload":{"job_id":"job-3"}}`}},
		sfnfake.Event{Type: "TaskFailed", DetailsKey: "taskFailedEventDetails", Details: map[string]any{
			"resourceType": "lambda", "resource": "invoke", "error": "States.TaskFailed", "cause": "boom"}},
		sfnfake.Event{Type: "ExecutionFailed", DetailsKey: "executionFailedEventDetails", Details: map[string]any{"error": "States.TaskFailed", "cause": "boom"}},
	)
	if err != nil {
		t.Fatal(err)
	}

	events, err := w.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var types, states []string
	for _, e := range events {
		types = append(types, e.Type)
		states = append(states, e.StateName)
	}
	if want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "ExecutionFailed"}; !slices.Equal(types, want) {
		t.Fatalf("event types %v, want %v", types, want)
	}
	if want := []string{"", "Annotate", "Annotate", "Annotate", ""}; !slices.Equal(states, want) {
		t.Errorf("state names %v, want %v", states, want)
	}
	sched, failed := events[2], events[3]
	if sched.Resource != "arn:aws:states:::lambda:invoke" || string(sched.Input) != `{"FunctionName":"arn:fn","Payload":{"job_id":"job-3"}}` {
		t.Errorf("TaskScheduled = %+v", sched)
	}
	if failed.Error != "States.TaskFailed" || failed.Cause != "boom" || failed.PreviousEventID != 3 || failed.ID != 4 {
		t.Errorf("TaskFailed = %+v", failed)
	}
	if string(events[0].Input) != `{"job_id":"job-3"}` {
		t.Errorf("ExecutionStarted input %s", events[0].Input)
	}
	if n := fake.Calls("GetExecutionHistory"); n != 3 {
		t.Errorf("GetExecutionHistory called %d times, want 3 pages", n)
	}
	if _, err := w.History(ctx, "arn:aws:states:us-east-1:111111111111:execution:AnnotationWorkflow:nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("History of unknown: err = %v", err)
	}
}

func TestListPagesFiltersAndResumes(t *testing.T) {
	w, fake := newWorkflow(t)
	fake.PageLimit = 3
	ctx := context.Background()
	// Seven annotation executions a minute apart (job-0 oldest), job-1 and job-4 failed; two restores.
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		id, err := w.Start(ctx, domain.MachineAnnotation, fmt.Sprintf("job-%d", i), json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 || i == 4 {
			fake.Finish(id, domain.ExecFailed, "", "E", "C")
		}
		fake.Advance(time.Minute)
	}
	for i := range 2 {
		if _, err := w.Start(ctx, domain.MachineRestore, fmt.Sprintf("restore-%d", i), json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		f     domain.ExecutionFilter
		limit int
		want  []string
	}{
		{"annotation, newest first", domain.ExecutionFilter{StateMachine: domain.MachineAnnotation}, 2,
			[]string{"job-6", "job-5", "job-4", "job-3", "job-2", "job-1", "job-0"}},
		{"failed only", domain.ExecutionFilter{StateMachine: domain.MachineAnnotation, Status: domain.ExecFailed}, 1, []string{"job-4", "job-1"}},
		{"time window", domain.ExecutionFilter{StateMachine: domain.MachineAnnotation, Since: start.Add(2 * time.Minute), Until: start.Add(5 * time.Minute)}, 2,
			[]string{"job-4", "job-3", "job-2"}},
		{"name prefix", domain.ExecutionFilter{NamePrefix: "restore-"}, 1, []string{"restore-1", "restore-0"}},
		{"every machine", domain.ExecutionFilter{}, 4,
			[]string{"job-6", "job-5", "job-4", "job-3", "job-2", "job-1", "job-0", "restore-1", "restore-0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range domaintest.ListAll(t, tc.limit, func(p domain.Page) ([]domain.Execution, string, error) { return w.List(ctx, tc.f, p) }) {
				got = append(got, e.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"!!", "e30", "AAAA"} {
		if _, _, err := w.List(ctx, domain.ExecutionFilter{}, domain.Page{Limit: 1, Cursor: bad}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("cursor %q: err = %v, want ErrInvalid", bad, err)
		}
	}
}
