package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// A failure in an early round says it will be retried; the next round's
// request clears it; the one email counts each job once, by its latest outcome.
func TestRestoreRoundsRetryAndOneEmail(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	f.requestRestore(t, "j1", "j3")
	out, err := f.t.RestoreFailed(ctx, RestoreFailedInput{JobID: "j1", Error: "errorString", Cause: `{"errorMessage":"reset"}`, Round: 1, Rounds: 3})
	if err != nil || !out.Retrying {
		t.Fatalf("%+v %v", out, err)
	}
	if j := f.job(t, "j1"); !j.RestoreRetrying() || j.RestoreRound != 1 || j.RestoreRounds != 3 || j.ResultState != domain.ResultArchived {
		t.Errorf("after round 1: %+v", j)
	}
	// Round 2 asks again: the job is RESTORING, the old failure gone.
	f.requestRestore(t, "j1")
	if j := f.job(t, "j1"); j.RestoreError != "" || j.RestoreRound != 0 || j.RestoreRetrying() || j.ResultState != domain.ResultRestoring {
		t.Errorf("after round 2's request: %+v", j)
	}
	for _, id := range []string{"j1", "j3"} {
		f.finishRestore("archive/u1/" + id + "/annotated.vcf.gz")
		for _, step := range []func(context.Context, JobInput) (CopyBackOutput, error){f.t.CopyBack, f.t.MarkAvailable} {
			if _, err := step(ctx, JobInput{JobID: id}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Since: f.now, Rounds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n.Restored != 2 || len(n.Failed) != 0 || n.Rounds != 2 || len(f.mail.Sent()) == 0 {
		t.Fatalf("notify %+v", n)
	}
	m := f.mail.Sent()[len(f.mail.Sent())-1]
	if !strings.Contains(m.Text, "2 archived results are available again") || strings.Contains(m.Text, "could not be restored") {
		t.Errorf("mail:\n%s", m.Text)
	}
	for _, id := range []string{"j1", "j3"} {
		if n := strings.Count(m.Text, "http://gas.test/jobs/"+id+"\n"); n != 1 {
			t.Errorf("mail lists %s %d times:\n%s", id, n, m.Text)
		}
	}
	if _, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{Rounds: 1}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("no user: %v", err)
	}
	// A result restored before this restore started is not news.
	if n, _ := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Since: f.now.Add(time.Second), Rounds: 1}); n.Restored != 0 {
		t.Errorf("restored before the restore: %+v", n)
	}
}

// A restore email that cannot be delivered fails the step (the machine
// retries, then ends without it) and is noted on every job it was about.
func TestUndeliveredRestoreMailIsRecordedOnEachJob(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	f.mail.Fail(errors.New("Throttling: Maximum sending rate exceeded"))
	if _, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Since: f.now, Rounds: 1}); err == nil {
		t.Fatal("no error for an undelivered email")
	}
	for _, id := range []string{"j1", "j3"} {
		j, _ := f.jobs.Get(ctx, id)
		if !strings.Contains(j.MailError, "restored") || !strings.Contains(j.MailError, "Maximum sending rate") || j.MailErrorAt.IsZero() {
			t.Errorf("job %s: mail error %q at %v", id, j.MailError, j.MailErrorAt)
		}
	}
}
