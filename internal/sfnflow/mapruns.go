package sfnflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/gasproject/gas/internal/domain"
)

// maxParents bounds the cache of map run -> parent execution.
const maxParents = 1024

// MapRunChildren describes the Distributed Map run a MapRunStarted event
// started (DescribeMapRun: status, items, child counts) and lists its child
// executions (ListExecutions by map run ARN, page by page), oldest first:
// at most limit of them (limit <= 0: all), the newest, and then up to limit
// of each unsuccessful status (ListExecutions with a status filter) so that
// failures show however large the run. An event that is not a map run's
// start gives the zero listing.
func (w *Workflow) MapRunChildren(ctx context.Context, started domain.HistoryEvent, limit int) (domain.MapRunListing, error) {
	var ev struct {
		ARN string `json:"mapRunArn"`
	}
	if started.Type != "MapRunStarted" || json.Unmarshal(started.Output, &ev) != nil || ev.ARN == "" {
		return domain.MapRunListing{}, nil
	}
	d, err := w.api.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(ev.ARN)})
	if err != nil {
		return domain.MapRunListing{}, wrap("describe map run", ev.ARN, err)
	}
	parent := aws.ToString(d.ExecutionArn)
	w.rememberParent(ev.ARN, parent)
	l := domain.MapRunListing{ARN: ev.ARN, Status: string(d.Status)}
	if c := d.ItemCounts; c != nil {
		l.Items = int(c.Total)
	}
	children, more, err := w.listChildren(ctx, ev.ARN, "", limit)
	if err != nil {
		return domain.MapRunListing{}, err
	}
	if !more {
		l.Children, l.Counts = children, domain.CountChildren(children)
	} else {
		l.Truncated, l.Counts = true, executionCounts(d.ExecutionCounts)
		for _, status := range []types.ExecutionStatus{types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted} {
			if l.Counts[string(status)] == 0 {
				continue
			}
			bad, _, err := w.listChildren(ctx, ev.ARN, status, limit)
			if err != nil {
				return domain.MapRunListing{}, err
			}
			for _, b := range bad {
				if !slices.ContainsFunc(children, func(c domain.Execution) bool { return c.ID == b.ID }) {
					children = append(children, b)
				}
			}
		}
		slices.SortStableFunc(children, func(a, b domain.Execution) int { return a.StartedAt.Compare(b.StartedAt) })
		l.Children = children
	}
	for i := range l.Children {
		l.Children[i].Parent = parent
	}
	return l, nil
}

// listChildren lists up to limit (<= 0: all) of a map run's children with
// status ("" any), oldest first; more is true when Step Functions has more.
func (w *Workflow) listChildren(ctx context.Context, mapRun string, status types.ExecutionStatus, limit int) (children []domain.Execution, more bool, err error) {
	in := &sfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), StatusFilter: status}
	for {
		in.MaxResults = 1000
		if limit > 0 {
			in.MaxResults = int32(min(limit-len(children), 1000))
		}
		page, err := w.api.ListExecutions(ctx, in)
		if err != nil {
			return nil, false, wrap("list executions of map run", mapRun, err)
		}
		for _, e := range page.Executions {
			if limit > 0 && len(children) == limit {
				break
			}
			children = append(children, domain.Execution{
				ID:           aws.ToString(e.ExecutionArn),
				Name:         aws.ToString(e.Name),
				StateMachine: w.machineName(aws.ToString(e.StateMachineArn)),
				Status:       string(e.Status),
				StartedAt:    aws.ToTime(e.StartDate),
				StoppedAt:    aws.ToTime(e.StopDate),
			})
		}
		if page.NextToken == nil {
			break
		}
		if limit > 0 && len(children) >= limit {
			more = true
			break
		}
		in.NextToken = page.NextToken
	}
	slices.Reverse(children) // Step Functions lists newest first
	return children, more, nil
}

// executionCounts are DescribeMapRun's child counts by execution status
// (children not started yet are not counted).
func executionCounts(c *types.MapRunExecutionCounts) map[string]int {
	counts := map[string]int{}
	if c == nil {
		return counts
	}
	for status, n := range map[types.ExecutionStatus]int64{
		types.ExecutionStatusRunning: c.Running, types.ExecutionStatusSucceeded: c.Succeeded, types.ExecutionStatusFailed: c.Failed,
		types.ExecutionStatusTimedOut: c.TimedOut, types.ExecutionStatusAborted: c.Aborted,
	} {
		if n > 0 {
			counts[string(status)] = int(n)
		}
	}
	return counts
}

// parentOf is the execution whose map run mapRun is (DescribeMapRun, kept:
// it never changes, and every child of a run asks the same).
func (w *Workflow) parentOf(ctx context.Context, mapRun string) (string, error) {
	w.mu.Lock()
	parent, ok := w.parents[mapRun]
	w.mu.Unlock()
	if ok {
		return parent, nil
	}
	d, err := w.api.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mapRun)})
	if err != nil {
		return "", fmt.Errorf("parent execution: %w", wrap("describe map run", mapRun, err))
	}
	parent = aws.ToString(d.ExecutionArn)
	w.rememberParent(mapRun, parent)
	return parent, nil
}

func (w *Workflow) rememberParent(mapRun, parent string) {
	if parent == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.parents == nil || len(w.parents) >= maxParents {
		w.parents = map[string]string{}
	}
	w.parents[mapRun] = parent
}
