package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Handler is one workflow task as both runtimes call it: the JSON payload the
// state machine passes in, the JSON result it gets back. The local runner
// (internal/asl) and the Lambda mains (functions/*) share this shape.
type Handler = func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Function names: the FunctionName each Task state invokes after
// statemachines.LocalDefinition substitutes the placeholders (see
// statemachines.Functions; a test keeps both lists equal). On AWS the infra
// maps each placeholder to a Lambda ARN, and functions/<name> serves the
// handler of the same name (HandlerFor).
const (
	FnAnnotate        = "annotate"
	FnNotifyCompleted = "notify-completed"
	FnNotifyFailed    = "notify-failed"
	FnArchiveIfFree   = "archive-if-free"
	FnMarkFailed      = "mark-failed"
	FnListArchived    = "list-archived"
	FnRequestRestore  = "request-restore"
	FnCheckRestore    = "check-restore"
	FnCopyBack        = "copy-back"
	FnMarkAvailable   = "mark-available"
	FnRestoreFailed   = "restore-failed"
	FnNotifyRestored  = "notify-restored"
)

// Handlers maps every function name to its handler with JSON decode/encode.
// It is the one table both runtimes use.
func (t *Tasks) Handlers() map[string]Handler {
	return map[string]Handler{
		FnAnnotate:        wrap(t.Annotate),
		FnNotifyCompleted: wrap(t.NotifyCompleted),
		FnNotifyFailed:    wrap(t.NotifyFailed),
		FnArchiveIfFree:   wrap(t.ArchiveIfFree),
		FnMarkFailed:      wrap(t.MarkFailed),
		FnListArchived:    wrap(t.ListArchived),
		FnRequestRestore:  wrap(t.RequestRestore),
		FnCheckRestore:    wrap(t.CheckRestore),
		FnCopyBack:        wrap(t.CopyBack),
		FnMarkAvailable:   wrap(t.MarkAvailable),
		FnRestoreFailed:   wrap(t.RestoreFailed),
		FnNotifyRestored:  wrap(t.NotifyRestored),
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
