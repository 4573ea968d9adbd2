package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// fakeCallbacks records SendTask* calls; a token in gone is not waiting.
type fakeCallbacks struct {
	mu    sync.Mutex
	calls []string
	gone  map[string]bool
	err   error // every call fails with it, when set
}

func (c *fakeCallbacks) record(call, token string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if c.gone[token] {
		return fmt.Errorf("task token %s: %w", token, domain.ErrNotFound)
	}
	c.calls = append(c.calls, call)
	return nil
}

func (c *fakeCallbacks) SendTaskSuccess(_ context.Context, token string, out json.RawMessage) error {
	return c.record("success "+token+" "+string(out), token)
}

func (c *fakeCallbacks) SendTaskFailure(_ context.Context, token, name, cause string) error {
	return c.record("failure "+token+" "+name, token)
}

func (c *fakeCallbacks) list() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.calls, "; ")
}

const archiveJ1 = "archive/u1/j1/annotated.vcf.gz"

// eventTime is any time: RestoreEvent does not read the expiry.
var eventTime = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func restoreDone(key string) RestoreEvent {
	return NewRestoreEvent(EventRestoreCompleted, "results", key, eventTime.Add(7*24*time.Hour))
}

// requested is the archived fixture with j1's restore requested and the fake engine set.
func requested(t *testing.T) (*fixture, *fakeCallbacks) {
	t.Helper()
	f := archived(t)
	cb := &fakeCallbacks{gone: map[string]bool{}}
	f.t.SetCallbacks(cb)
	if _, err := f.t.RequestRestore(context.Background(), JobInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	return f, cb
}

// The event of the last file to be restored resumes the waiting step, once.
func TestRestoreEventResumesWhenEveryFileIsReadable(t *testing.T) {
	f, cb := requested(t)
	ctx := context.Background()
	if _, err := f.t.AwaitRestore(ctx, AwaitRestoreInput{JobID: "j1", TaskToken: "tok1"}); err != nil {
		t.Fatal(err)
	}
	if j := f.job(t, "j1"); j.RestoreToken != "tok1" || cb.list() != "" {
		t.Fatalf("token %q, calls %q", j.RestoreToken, cb.list())
	}
	files := domain.ResultFiles(archiveJ1)
	f.blobs.FinishRestore(files[0])
	out, err := f.t.RestoreEvent(ctx, restoreDone(files[0]))
	if err != nil || out.Action != "other files still restoring" || cb.list() != "" {
		t.Fatalf("first file: %+v %v, calls %q", out, err, cb.list())
	}
	for _, k := range files[1:] {
		f.blobs.FinishRestore(k)
	}
	out, err = f.t.RestoreEvent(ctx, restoreDone(files[len(files)-1]))
	if err != nil || out != (RestoreEventOutput{JobID: "j1", Action: "resumed"}) {
		t.Fatalf("last file: %+v %v", out, err)
	}
	if want := `success tok1 {"restored":true,"wait_seconds":1}`; cb.list() != want {
		t.Errorf("calls %q, want %q", cb.list(), want)
	}
	// The step moved on (its token is spent): a repeated event changes nothing.
	cb.gone["tok1"] = true
	if out, err := f.t.RestoreEvent(ctx, restoreDone(files[0])); err != nil || out.Action != "stale token" {
		t.Errorf("repeated event: %+v %v", out, err)
	}
	// After MarkAvailable the token is cleared and events are ignored.
	for _, step := range []func(context.Context, JobInput) (CopyBackOutput, error){f.t.CopyBack, f.t.MarkAvailable} {
		if _, err := step(ctx, JobInput{JobID: "j1"}); err != nil {
			t.Fatal(err)
		}
	}
	if j := f.job(t, "j1"); j.RestoreToken != "" {
		t.Errorf("token kept after MarkAvailable: %q", j.RestoreToken)
	}
}

// An event that comes before the token is stored is not lost: AwaitRestore
// finds the files readable and resumes the step itself.
func TestAwaitRestoreAfterTheEvent(t *testing.T) {
	f, cb := requested(t)
	ctx := context.Background()
	f.finishRestore(archiveJ1)
	if out, err := f.t.RestoreEvent(ctx, restoreDone(archiveJ1)); err != nil || out.Action != "no step waits" {
		t.Fatalf("early event: %+v %v", out, err)
	}
	if _, err := f.t.AwaitRestore(ctx, AwaitRestoreInput{JobID: "j1", TaskToken: "tok2"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cb.list(), "success tok2 ") {
		t.Errorf("calls %q", cb.list())
	}
}

func TestRestoreEventCases(t *testing.T) {
	engineDown := errors.New("ThrottlingException")
	tests := []struct {
		name       string
		ev         RestoreEvent
		token      string
		engineErr  error
		wantAction string
		wantCalls  string
		wantErr    error
	}{
		{"expired copy fails the step", NewRestoreEvent(EventRestoreExpired, "results", archiveJ1, eventTime), "tok", nil, "failed", "failure tok RestoreExpired", nil},
		{"not an archive key", restoreDone("results/u1/j1/annotated.vcf.gz"), "tok", nil, "not an archived result", "", nil},
		{"unknown job", restoreDone("archive/u1/nope/annotated.vcf.gz"), "tok", nil, "no such job", "", nil},
		{"no token yet", restoreDone(archiveJ1), "", nil, "no step waits", "", nil},
		{"other event type", NewRestoreEvent("Object Restore Initiated", "results", archiveJ1, eventTime), "tok", nil, "ignored Object Restore Initiated", "", nil},
		{"URL-encoded key", restoreDone(strings.ReplaceAll(archiveJ1, "/annotated", "%2Fannotated")), "tok", nil, "resumed", "success tok", nil},
		{"engine error is returned", restoreDone(archiveJ1), "tok", engineDown, "", "", engineDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, cb := requested(t)
			ctx := context.Background()
			f.finishRestore(archiveJ1)
			if tt.token != "" {
				if _, err := f.jobs.Update(ctx, "j1", func(j *domain.Job) error { j.RestoreToken = tt.token; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			cb.err = tt.engineErr
			out, err := f.t.RestoreEvent(ctx, tt.ev)
			if !errors.Is(err, tt.wantErr) || out.Action != tt.wantAction || !strings.HasPrefix(cb.list(), tt.wantCalls) || (tt.wantCalls == "") != (cb.list() == "") {
				t.Errorf("got %+v, %v, calls %q; want %q, %v, %q", out, err, cb.list(), tt.wantAction, tt.wantErr, tt.wantCalls)
			}
		})
	}
}

func TestAwaitRestoreErrors(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	var inv *statemachines.InvalidInputError
	if _, err := f.t.AwaitRestore(ctx, AwaitRestoreInput{JobID: "j1"}); !errors.As(err, &inv) {
		t.Errorf("no token: %v", err)
	}
	if _, err := f.t.AwaitRestore(ctx, AwaitRestoreInput{JobID: "nope", TaskToken: "t"}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
	// Without SetCallbacks a ready job cannot be resumed: an error, not a silent skip.
	f.requestRestore(t, "j1")
	f.finishRestore(archiveJ1)
	if _, err := f.t.AwaitRestore(ctx, AwaitRestoreInput{JobID: "j1", TaskToken: "t"}); !errors.Is(err, errNoCallbacks) {
		t.Errorf("no engine: %v", err)
	}
}
