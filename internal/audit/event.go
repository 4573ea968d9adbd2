package audit

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gasproject/gas/internal/domain"
)

// Event is the part of EventBridge's "Step Functions Execution Status
// Change" event the exporter reads (source aws.states).
type Event struct {
	Source     string       `json:"source"`
	DetailType string       `json:"detail-type"`
	Detail     StatusChange `json:"detail"`
}

// StatusChange is the event's detail.
type StatusChange struct {
	ExecutionARN    string `json:"executionArn"`
	StateMachineARN string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
}

// DetailType is the EventBridge detail-type the export rule matches.
const DetailType = "Step Functions Execution Status Change"

// TerminalStatuses are the statuses after which a history is final.
var TerminalStatuses = []string{domain.ExecSucceeded, domain.ExecFailed, domain.ExecTimedOut, domain.ExecAborted}

// HandleEvent exports the execution an event reports ended; other events
// are ignored. An error makes Lambda retry the asynchronous invocation
// (then its dead-letter queue keeps the event); an execution exported
// before is not an error, so a repeated delivery is harmless.
func (e *Exporter) HandleEvent(ctx context.Context, ev Event) error {
	d := ev.Detail
	log := e.Log
	if log == nil {
		log = slog.Default()
	}
	if ev.DetailType != DetailType || d.ExecutionARN == "" || !terminal(d.Status) {
		log.InfoContext(ctx, "audit: event ignored", "detail-type", ev.DetailType, "status", d.Status, "execution", d.ExecutionARN)
		return nil
	}
	rec, wrote, err := e.Export(ctx, d.ExecutionARN)
	if err != nil {
		return fmt.Errorf("audit export of %s: %w", d.ExecutionARN, err)
	}
	log.InfoContext(ctx, "audit: execution archived", "execution", d.ExecutionARN, "key", Key(rec.Execution.Name),
		"events", len(rec.Events), "map_runs", len(rec.MapRuns), "objects", len(rec.Objects), "new", wrote)
	return nil
}

func terminal(status string) bool {
	for _, s := range TerminalStatuses {
		if s == status {
			return true
		}
	}
	return false
}
