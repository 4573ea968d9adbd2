package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/gasproject/gas/statemachines"
)

// Handler is one workflow task as both runtimes call it: the JSON payload the
// state machine passes in, the JSON result it gets back. The local runner
// (internal/asl) and the Lambda mains (functions/*) share this shape.
type Handler = func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Handlers maps every task name (statemachines.Task*) to its handler with JSON decode/encode.
// It is the one table both runtimes use. TaskRestoreEvent is no state's
// task: S3's restore events reach it (EventBridge's target on AWS, the blob
// store locally).
func (t *Tasks) Handlers() map[string]Handler {
	return map[string]Handler{
		statemachines.TaskPlan:            wrap(t.Plan),
		statemachines.TaskAnnotateShard:   wrap(t.AnnotateShard),
		statemachines.TaskMerge:           wrap(t.Merge),
		statemachines.TaskNotifyCompleted: wrap(t.NotifyCompleted),
		statemachines.TaskNotifyFailed:    wrap(t.NotifyFailed),
		statemachines.TaskArchiveIfFree:   wrap(t.ArchiveIfFree),
		statemachines.TaskMarkFailed:      wrap(t.MarkFailed),
		statemachines.TaskListArchived:    wrap(t.ListArchived),
		statemachines.TaskRequestRestore:  wrap(t.RequestRestore),
		statemachines.TaskAwaitRestore:    wrap(t.AwaitRestore),
		statemachines.TaskCheckRestore:    wrap(t.CheckRestore),
		statemachines.TaskRestoreEvent:    wrap(t.RestoreEvent),
		statemachines.TaskCopyBack:        wrap(t.CopyBack),
		statemachines.TaskMarkAvailable:   wrap(t.MarkAvailable),
		statemachines.TaskRestoreFailed:   wrap(t.RestoreFailed),
		statemachines.TaskNotifyRestored:  wrap(t.NotifyRestored),
	}
}

// HandlerFor returns the handler of one function name, for a Lambda main.
func (t *Tasks) HandlerFor(name string) (Handler, error) {
	h, ok := t.Handlers()[name]
	if !ok {
		return nil, fmt.Errorf("no task handler named %q", name)
	}
	return h, nil
}

// wrap adapts a typed handler to the JSON shape. Unknown payload fields are
// ignored: states pass their whole input through Parameters-less Tasks.
func wrap[In, Out any](fn func(context.Context, In) (Out, error)) Handler {
	// Panics are left to the runtime (the local runner and aws-lambda-go both
	// recover them and name the error by the panic value's type, alike).
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		var in In
		if len(bytes.TrimSpace(payload)) > 0 {
			if err := json.Unmarshal(payload, &in); err != nil {
				return nil, fmt.Errorf("decode task payload: %w", err)
			}
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encode task result: %w", err)
		}
		return b, nil
	}
}
