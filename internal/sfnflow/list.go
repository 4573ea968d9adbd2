package sfnflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/gasproject/gas/internal/domain"
)

// listCursor resumes a listing: the machine being listed, the Step
// Functions page token it was on, the page size it was read with (so the
// same page comes back) and how many of that page were already returned.
type listCursor struct {
	Machine string `json:"m"`
	Token   string `json:"t,omitempty"`
	Size    int32  `json:"n,omitempty"`
	Skip    int    `json:"s,omitempty"`
}

// valid reports whether a decoded cursor names a machine and a page within bounds.
func (c listCursor) valid() bool {
	return c.Machine != "" && c.Skip >= 0 && c.Size >= 0 && c.Size <= 1000
}

// List returns executions newest first, per state machine (all machines in
// name order when the filter names none). Step Functions filters by status;
// the name prefix and the time window are applied here, so a page can take
// several calls.
func (w *Workflow) List(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range w.machines {
			if !yield(n) {
				return
			}
		}
	})
	if f.StateMachine != "" {
		if _, err := w.arn(f.StateMachine); err != nil {
			return nil, "", err
		}
		names = []string{f.StateMachine}
	}
	cur := listCursor{Machine: names[0]}
	if p.Cursor != "" {
		var err error
		if cur, err = domain.DecodeCursor(p.Cursor, listCursor.valid); err != nil {
			return nil, "", err
		}
		if !slices.Contains(names, cur.Machine) {
			return nil, "", fmt.Errorf("page cursor for state machine %q: %w", cur.Machine, domain.ErrInvalid)
		}
	}
	var out []domain.Execution
	for mi := slices.Index(names, cur.Machine); mi < len(names); mi++ {
		machine := names[mi]
		if machine != cur.Machine {
			cur = listCursor{Machine: machine}
		}
		for {
			if cur.Size == 0 {
				cur.Size = int32(min(limit, 1000))
			}
			in := &sfn.ListExecutionsInput{
				StateMachineArn: aws.String(w.machines[machine]),
				MaxResults:      cur.Size,
			}
			if cur.Token != "" {
				in.NextToken = aws.String(cur.Token)
			}
			if f.Status != "" {
				in.StatusFilter = types.ExecutionStatus(f.Status)
			}
			page, err := w.api.ListExecutions(ctx, in)
			if err != nil {
				return nil, "", wrap("list executions of", machine, err)
			}
			older := false // executions come newest first: past Since, the rest are older still
			for i, e := range page.Executions {
				if i < cur.Skip {
					continue
				}
				if len(out) == limit {
					return out, domain.EncodeCursor(listCursor{Machine: machine, Token: cur.Token, Size: cur.Size, Skip: i}), nil
				}
				start := aws.ToTime(e.StartDate)
				if !f.Since.IsZero() && start.Before(f.Since) {
					older = true
					break
				}
				if (!f.Until.IsZero() && !start.Before(f.Until)) || !strings.HasPrefix(aws.ToString(e.Name), f.NamePrefix) {
					continue
				}
				out = append(out, domain.Execution{
					ID:           aws.ToString(e.ExecutionArn),
					Name:         aws.ToString(e.Name),
					StateMachine: machine,
					Status:       string(e.Status),
					StartedAt:    start,
					StoppedAt:    aws.ToTime(e.StopDate),
				})
			}
			if older || page.NextToken == nil {
				break
			}
			cur = listCursor{Machine: machine, Token: aws.ToString(page.NextToken)}
		}
	}
	return out, "", nil
}
