package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// The restore machine's per-job child waits in WaitForRestore (a
// lambda:invoke.waitForTaskToken task) until the job's archive is readable.
// AwaitRestore stores the task token on the job; S3's "Object Restore
// Completed" event (EventBridge on AWS, the blob store locally) reaches
// RestoreEvent, which finds the job by the object's key and resumes the
// step with SendTaskSuccess. Whichever of the two comes second sees both the
// token and the readable files, so the step is resumed even when the event
// comes before the token is stored. A lost event is caught by the step's
// timeout: CheckRestore looks again.

// Callbacks resumes a workflow step waiting for its task token: the local
// runner (asl.Runner) or Step Functions (sfnflow). Both fail with an error
// wrapping domain.ErrNotFound when no step waits for the token any more.
type Callbacks interface {
	SendTaskSuccess(ctx context.Context, token string, output json.RawMessage) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
}

// SetCallbacks gives AwaitRestore and RestoreEvent the workflow engine to
// resume steps with. Call it once, before the engine runs a restore.
func (t *Tasks) SetCallbacks(c Callbacks) { t.callbacks = c }

// noCallbacks is the engine until SetCallbacks: every call fails.
type noCallbacks struct{}

var errNoCallbacks = errors.New("tasks: no workflow engine to resume steps with (SetCallbacks was not called)")

func (noCallbacks) SendTaskSuccess(context.Context, string, json.RawMessage) error {
	return errNoCallbacks
}
func (noCallbacks) SendTaskFailure(context.Context, string, string, string) error {
	return errNoCallbacks
}

// AwaitRestoreInput is WaitForRestore's payload.
type AwaitRestoreInput struct {
	JobID     string `json:"job_id"`
	TaskToken string `json:"task_token"`
}

// AwaitRestore records the token of the step waiting for the job's restore
// and resumes the step at once when every file is readable already (the
// completion event may have come before the token was stored). The
// machine ignores its output.
func (t *Tasks) AwaitRestore(ctx context.Context, in AwaitRestoreInput) (JobInput, error) {
	if in.TaskToken == "" {
		return JobInput{}, invalidInput("await restore of job " + in.JobID + ": task_token is empty")
	}
	j, err := t.jobs.Update(ctx, in.JobID, func(j *domain.Job) error {
		j.RestoreToken = in.TaskToken
		return nil
	})
	if err != nil {
		return JobInput{}, fmt.Errorf("await restore of job %s: store task token: %w", in.JobID, err)
	}
	if err := t.resumeIfReady(ctx, j); err != nil {
		return JobInput{}, fmt.Errorf("await restore of job %s: %w", j.ID, err)
	}
	return JobInput{JobID: j.ID}, nil
}

// RestoreEvent is an S3 event as EventBridge delivers it; only the fields
// GAS reads.
type RestoreEvent struct {
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"`
		} `json:"object"`
		RestoreExpiryTime string `json:"restore-expiry-time,omitempty"`
	} `json:"detail"`
}

// S3 event detail types RestoreEvent acts on.
const (
	EventRestoreCompleted = "Object Restore Completed"
	EventRestoreExpired   = "Object Restore Expired"
)

// NewRestoreEvent builds the event S3 sends when the restore of key
// completes (detailType EventRestoreCompleted) or its copy expires; the
// local blob store sends it through RestoreEvent, as EventBridge does on AWS.
func NewRestoreEvent(detailType, bucket, key string, expiry time.Time) RestoreEvent {
	var e RestoreEvent
	e.DetailType, e.Source = detailType, "aws.s3"
	e.Detail.Bucket.Name, e.Detail.Object.Key = bucket, key
	if !expiry.IsZero() {
		e.Detail.RestoreExpiryTime = expiry.UTC().Format(time.RFC3339)
	}
	return e
}

// RestoreEventOutput says what RestoreEvent did, for logs and tests.
type RestoreEventOutput struct {
	JobID  string `json:"job_id,omitempty"`
	Action string `json:"action"` // "resumed", "failed", or why nothing was done
}

// RestoreEvent resumes the restore step waiting for the job whose archived
// file the event names: SendTaskSuccess once every file of the job is
// readable (each file sends its own event; the last one resumes),
// SendTaskFailure (RestoreExpired) when a restored copy expired before the
// job was copied back. Events of other objects, of jobs no step waits for,
// or for a token the engine no longer knows, change nothing and are not
// errors: EventBridge would only retry them.
func (t *Tasks) RestoreEvent(ctx context.Context, ev RestoreEvent) (RestoreEventOutput, error) {
	key := ev.Detail.Object.Key
	if strings.Contains(key, "%") { // S3 URL-encodes some keys in event notifications
		if k, err := url.PathUnescape(key); err == nil {
			key = k
		}
	}
	jobID, ok := archivedJobOf(key)
	if !ok {
		return RestoreEventOutput{Action: "not an archived result"}, nil
	}
	j, err := t.jobs.Get(ctx, jobID)
	if errors.Is(err, domain.ErrNotFound) {
		return RestoreEventOutput{JobID: jobID, Action: "no such job"}, nil
	}
	if err != nil {
		return RestoreEventOutput{}, fmt.Errorf("restore event for %s: %w", key, err)
	}
	switch {
	case j.RestoreToken == "" || j.ResultState == domain.ResultAvailable:
		return RestoreEventOutput{JobID: jobID, Action: "no step waits"}, nil
	case ev.DetailType == EventRestoreExpired:
		cause := fmt.Sprintf("the restored copy of %s expired before it was copied back", key)
		err := t.callbacks.SendTaskFailure(ctx, j.RestoreToken, "RestoreExpired", cause)
		return t.sent(ctx, j, "failed", err)
	case ev.DetailType != EventRestoreCompleted:
		return RestoreEventOutput{JobID: jobID, Action: "ignored " + ev.DetailType}, nil
	}
	ready, err := t.restoreReady(ctx, j)
	if err != nil {
		return RestoreEventOutput{}, fmt.Errorf("restore event for %s: %w", key, err)
	}
	if !ready {
		return RestoreEventOutput{JobID: jobID, Action: "other files still restoring"}, nil
	}
	return t.sent(ctx, j, "resumed", t.callbacks.SendTaskSuccess(ctx, j.RestoreToken, restoredOutput))
}

// restoredOutput is what SendTaskSuccess gives WaitForRestore (its $.restore).
var restoredOutput = json.RawMessage(`{"restored":true,"wait_seconds":1}`)

// sent reports a SendTask* call; a token no step waits for is stale, not an error.
func (t *Tasks) sent(ctx context.Context, j domain.Job, action string, err error) (RestoreEventOutput, error) {
	if errors.Is(err, domain.ErrNotFound) {
		t.cfg.Logger.InfoContext(ctx, "restore event: the step no longer waits", "job", j.ID, "err", err)
		return RestoreEventOutput{JobID: j.ID, Action: "stale token"}, nil
	}
	if err != nil {
		return RestoreEventOutput{}, fmt.Errorf("restore event for job %s: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "restore step "+action, "job", j.ID)
	return RestoreEventOutput{JobID: j.ID, Action: action}, nil
}

// resumeIfReady resumes the job's waiting step if every file is readable.
func (t *Tasks) resumeIfReady(ctx context.Context, j domain.Job) error {
	ready, err := t.restoreReady(ctx, j)
	if err != nil || !ready {
		return err
	}
	_, err = t.sent(ctx, j, "resumed", t.callbacks.SendTaskSuccess(ctx, j.RestoreToken, restoredOutput))
	return err
}

// restoreReady reports whether every file of the job's archived result is
// readable (a file the job never had is skipped).
func (t *Tasks) restoreReady(ctx context.Context, j domain.Job) (bool, error) {
	if j.ResultState == domain.ResultAvailable {
		return true, nil
	}
	now := t.now()
	for i, k := range domain.ResultFiles(j.ResultKey) {
		info, err := t.blobs.Head(ctx, k)
		if i > 0 && errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("head %s: %w", k, err)
		}
		if !info.Readable(now) {
			return false, nil
		}
	}
	return true, nil
}

// archivedJobOf returns the job id of an archived result's file:
// archive/<user>/<job>/<file>.
func archivedJobOf(key string) (string, bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 || parts[0] != "archive" || parts[1] == "" || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}
