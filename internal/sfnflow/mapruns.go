package sfnflow

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/internal/domain"
)

// MapRunChildren lists the child executions of the Distributed Map run a
// MapRunStarted event started (ListExecutions by map run ARN, every page),
// oldest first. arn is "" for another event.
func (w *Workflow) MapRunChildren(ctx context.Context, started domain.HistoryEvent) (arn string, children []domain.Execution, err error) {
	var out struct {
		ARN string `json:"mapRunArn"`
	}
	if started.Type != "MapRunStarted" || json.Unmarshal(started.Output, &out) != nil || out.ARN == "" {
		return "", nil, nil
	}
	in := &sfn.ListExecutionsInput{MapRunArn: aws.String(out.ARN), MaxResults: 1000}
	for {
		page, err := w.api.ListExecutions(ctx, in)
		if err != nil {
			return "", nil, wrap("list executions of map run", out.ARN, err)
		}
		for _, e := range page.Executions {
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
		in.NextToken = page.NextToken
	}
	slices.Reverse(children) // Step Functions lists newest first
	return out.ARN, children, nil
}
