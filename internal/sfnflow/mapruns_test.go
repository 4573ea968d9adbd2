package sfnflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
)

// fakeMapRuns is a hand-written API for the map run calls: map runs with
// their children (oldest first), listed newest first in pages of at most
// pageSize, as Step Functions lists them. Other calls are not expected.
type fakeMapRuns struct {
	API      // nil: any other call panics
	pageSize int
	runs     map[string]*sfn.DescribeMapRunOutput
	children map[string][]types.ExecutionListItem // by map run, oldest first
	execs    map[string]*sfn.DescribeExecutionOutput
	calls    []string // "DescribeMapRun", "ListExecutions <status> <maxResults>", ...
}

func (f *fakeMapRuns) DescribeMapRun(_ context.Context, in *sfn.DescribeMapRunInput, _ ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error) {
	return describe(f, "DescribeMapRun", f.runs, in.MapRunArn, &types.ResourceNotFound{Message: aws.String("no map run")})
}

// describe records call and answers what m holds under arn, or notFound.
func describe[T any](f *fakeMapRuns, call string, m map[string]*T, arn *string, notFound error) (*T, error) {
	f.calls = append(f.calls, call)
	if v, ok := m[aws.ToString(arn)]; ok {
		return v, nil
	}
	return nil, notFound
}

func (f *fakeMapRuns) ListExecutions(_ context.Context, in *sfn.ListExecutionsInput, _ ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	f.calls = append(f.calls, fmt.Sprintf("ListExecutions %s %d", in.StatusFilter, in.MaxResults))
	var match []types.ExecutionListItem
	for _, c := range slices.Backward(f.children[aws.ToString(in.MapRunArn)]) {
		if in.StatusFilter == "" || c.Status == in.StatusFilter {
			match = append(match, c)
		}
	}
	from, _ := strconv.Atoi(aws.ToString(in.NextToken))
	to := min(from+min(int(in.MaxResults), f.pageSize), len(match))
	out := &sfn.ListExecutionsOutput{Executions: match[from:to]}
	if to < len(match) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

func (f *fakeMapRuns) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	return describe(f, "DescribeExecution", f.execs, in.ExecutionArn, &types.ExecutionDoesNotExist{Message: aws.String("no execution")})
}

const (
	mapRunARN = "arn:aws:states:us-east-1:111111111111:mapRun:AnnotationWorkflow/Shards:9f2c"
	parentARN = "arn:aws:states:us-east-1:111111111111:execution:AnnotationWorkflow:job-1"
)

// childItems are n children of mapRunARN a second apart, oldest first;
// statuses[i] when given, else SUCCEEDED.
func childItems(n int, statuses map[int]types.ExecutionStatus) []types.ExecutionListItem {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var items []types.ExecutionListItem
	for i := range n {
		status := types.ExecutionStatusSucceeded
		if s, ok := statuses[i]; ok {
			status = s
		}
		name := fmt.Sprintf("c%02d", i)
		items = append(items, types.ExecutionListItem{
			ExecutionArn:    aws.String("arn:aws:states:us-east-1:111111111111:execution:AnnotationWorkflow/Shards:" + name),
			Name:            aws.String(name),
			StateMachineArn: aws.String(annotationARN + "/Shards"),
			MapRunArn:       aws.String(mapRunARN),
			Status:          status,
			StartDate:       aws.Time(t0.Add(time.Duration(i) * time.Second)),
		})
	}
	return items
}

func TestMapRunChildren(t *testing.T) {
	started := domain.HistoryEvent{Type: "MapRunStarted", StateName: "ShardMap", Output: json.RawMessage(`{"mapRunArn":"` + mapRunARN + `"}`)}
	failedAt := map[int]types.ExecutionStatus{1: types.ExecutionStatusFailed, 3: types.ExecutionStatusFailed, 8: types.ExecutionStatusRunning}
	tests := []struct {
		name      string
		event     domain.HistoryEvent
		children  []types.ExecutionListItem
		counts    *types.MapRunExecutionCounts // DescribeMapRun's
		limit     int
		wantNames []string
		wantCut   bool
		wantCount map[string]int
		wantCalls []string
		wantErr   error
	}{
		{name: "every child over three pages, oldest first", event: started, children: childItems(5, nil),
			wantNames: []string{"c00", "c01", "c02", "c03", "c04"}, wantCount: map[string]int{"SUCCEEDED": 5},
			wantCalls: []string{"DescribeMapRun", "ListExecutions  1000", "ListExecutions  1000", "ListExecutions  1000"}},
		{name: "exactly the limit: not cut", event: started, children: childItems(4, nil), limit: 4,
			wantNames: []string{"c00", "c01", "c02", "c03"}, wantCount: map[string]int{"SUCCEEDED": 4},
			wantCalls: []string{"DescribeMapRun", "ListExecutions  4", "ListExecutions  2"}},
		{name: "cut: the newest and every failed child, counts from DescribeMapRun", event: started, children: childItems(10, failedAt), limit: 4,
			counts:    &types.MapRunExecutionCounts{Succeeded: 7, Failed: 2, Running: 1, Pending: 5, Total: 15},
			wantNames: []string{"c01", "c03", "c06", "c07", "c08", "c09"}, wantCut: true,
			wantCount: map[string]int{"SUCCEEDED": 7, "FAILED": 2, "RUNNING": 1},
			wantCalls: []string{"DescribeMapRun", "ListExecutions  4", "ListExecutions  2", "ListExecutions FAILED 4"}},
		{name: "another event: nothing asked", event: domain.HistoryEvent{Type: "MapRunFailed", StateName: "ShardMap"}},
		{name: "a map run Step Functions no longer has", event: domain.HistoryEvent{Type: "MapRunStarted",
			Output: json.RawMessage(`{"mapRunArn":"arn:aws:states:us-east-1:111111111111:mapRun:AnnotationWorkflow/Shards:gone"}`)},
			wantCalls: []string{"DescribeMapRun"}, wantErr: domain.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeMapRuns{pageSize: 2,
				runs: map[string]*sfn.DescribeMapRunOutput{mapRunARN: {MapRunArn: aws.String(mapRunARN), ExecutionArn: aws.String(parentARN),
					Status: types.MapRunStatusRunning, ItemCounts: &types.MapRunItemCounts{Total: 15}, ExecutionCounts: tc.counts}},
				children: map[string][]types.ExecutionListItem{mapRunARN: tc.children}}
			w := New(api, map[string]string{domain.MachineAnnotation: annotationARN})
			got, err := w.MapRunChildren(context.Background(), tc.event, tc.limit)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(api.calls, tc.wantCalls) {
				t.Errorf("calls %q, want %q", api.calls, tc.wantCalls)
			}
			if tc.wantNames == nil {
				if got.ARN != "" || got.Children != nil {
					t.Errorf("listing %+v, want none", got)
				}
				return
			}
			var names []string
			for _, c := range got.Children {
				names = append(names, c.Name)
				if c.StateMachine != "annotation/Shards" || c.Parent != parentARN || c.StartedAt.IsZero() {
					t.Errorf("child %+v: want machine annotation/Shards, parent %s", c, parentARN)
				}
			}
			if !slices.Equal(names, tc.wantNames) || got.Truncated != tc.wantCut {
				t.Errorf("children %v (cut %v), want %v (cut %v)", names, got.Truncated, tc.wantNames, tc.wantCut)
			}
			if got.ARN != mapRunARN || got.Status != "RUNNING" || got.Items != 15 || fmt.Sprint(got.Counts) != fmt.Sprint(tc.wantCount) {
				t.Errorf("listing %s %s items %d counts %v, want counts %v", got.ARN, got.Status, got.Items, got.Counts, tc.wantCount)
			}
		})
	}
}

// TestDescribeNamesAChildsParent: a map run's child names the execution
// that started the run, asked once per run.
func TestDescribeNamesAChildsParent(t *testing.T) {
	items := childItems(2, nil)
	api := &fakeMapRuns{
		runs: map[string]*sfn.DescribeMapRunOutput{mapRunARN: {MapRunArn: aws.String(mapRunARN), ExecutionArn: aws.String(parentARN)}},
		execs: map[string]*sfn.DescribeExecutionOutput{parentARN: {ExecutionArn: aws.String(parentARN), Name: aws.String("job-1"),
			StateMachineArn: aws.String(annotationARN), Status: types.ExecutionStatusRunning}},
	}
	for _, c := range items {
		api.execs[*c.ExecutionArn] = &sfn.DescribeExecutionOutput{ExecutionArn: c.ExecutionArn, Name: c.Name,
			StateMachineArn: c.StateMachineArn, MapRunArn: c.MapRunArn, Status: c.Status, StartDate: c.StartDate}
	}
	w := New(api, map[string]string{domain.MachineAnnotation: annotationARN})
	ctx := context.Background()
	for _, tc := range []struct{ id, machine, parent string }{
		{parentARN, domain.MachineAnnotation, ""},
		{*items[0].ExecutionArn, "annotation/Shards", parentARN},
		{*items[1].ExecutionArn, "annotation/Shards", parentARN},
	} {
		got, err := w.Describe(ctx, tc.id)
		if err != nil || got.StateMachine != tc.machine || got.Parent != tc.parent {
			t.Errorf("Describe(%s) = %s parent %q, %v; want %s parent %q", tc.id, got.StateMachine, got.Parent, err, tc.machine, tc.parent)
		}
	}
	if want := []string{"DescribeExecution", "DescribeExecution", "DescribeMapRun", "DescribeExecution"}; !slices.Equal(api.calls, want) {
		t.Errorf("calls %q, want %q", api.calls, want)
	}
}

// TestMapRunOverTheWire runs the listing and a child's history through the
// SDK client against sfnfake (the JSON protocol, two-item pages): a failed
// run of three children, one failed.
func TestMapRunOverTheWire(t *testing.T) {
	w, fake := newWorkflow(t)
	fake.PageLimit = 2
	ctx := context.Background()
	parent, err := w.Start(ctx, domain.MachineAnnotation, "job-9", json.RawMessage(`{"job_id":"job-9"}`))
	if err != nil {
		t.Fatal(err)
	}
	run := "arn:aws:states:us-east-1:111111111111:mapRun:AnnotationWorkflow/Shards:r9"
	fake.StartMapRun(parent, run, 3)
	var kids []string
	for i, status := range []string{domain.ExecSucceeded, domain.ExecFailed, domain.ExecSucceeded} {
		fake.Advance(time.Second)
		id := fake.StartChild(run, annotationARN+"/Shards", fmt.Sprintf("0b7d-%d", i), `{}`)
		must(t, fake.Append(id, sfnfake.Event{Type: "TaskStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": "AnnotateShard"}}))
		must(t, fake.Finish(id, status, "", "", ""))
		kids = append(kids, id)
	}
	must(t, fake.Append(parent, sfnfake.Event{Type: "MapRunStarted", DetailsKey: "mapRunStartedEventDetails", Details: map[string]any{"mapRunArn": run}}))
	events, err := w.History(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.MapRunChildren(ctx, events[len(events)-1], 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range l.Children {
		names = append(names, c.Name)
	}
	if l.Status != "FAILED" || l.Items != 3 || !l.Truncated || !slices.Equal(names, []string{"0b7d-1", "0b7d-2"}) ||
		l.Counts[domain.ExecFailed] != 1 || l.Counts[domain.ExecSucceeded] != 2 {
		t.Errorf("listing %s items %d cut %v children %v counts %v", l.Status, l.Items, l.Truncated, names, l.Counts)
	}
	child, err := w.Describe(ctx, kids[1])
	if err != nil || child.Parent != parent || child.StateMachine != "annotation/Shards" || child.Status != domain.ExecFailed {
		t.Errorf("child %+v, %v", child, err)
	}
	if h, err := w.History(ctx, kids[1]); err != nil || len(h) != 2 || h[1].StateName != "AnnotateShard" {
		t.Errorf("child history %+v, %v", h, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
