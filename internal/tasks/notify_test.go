package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestNotify(t *testing.T) {
	tests := []struct {
		name string
		run  func(*fixture) (NotifyOutput, error)
		want []string
	}{
		{"completed", func(f *fixture) (NotifyOutput, error) {
			f.runJob("j1")
			return f.t.NotifyCompleted(context.Background(), NotifyCompletedInput{JobID: "j1"})
		}, []string{"j1", "sample.vcf", "complete", "http://gas.test/jobs/j1"}},
		{"failed", func(f *fixture) (NotifyOutput, error) {
			f.t.MarkFailed(context.Background(), MarkFailedInput{JobID: "j1",
				Error: "InvalidInputError", Cause: "sample.vcf: line 3: bad REF"})
			return f.t.NotifyFailed(context.Background(), JobInput{JobID: "j1"})
		}, []string{"j1", "sample.vcf", "failed", "line 3: bad REF", "http://gas.test/jobs/j1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			out, err := tc.run(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.mail.Sent()) != 1 {
				t.Fatalf("sent %d messages", len(f.mail.Sent()))
			}
			m := f.mail.Sent()[0]
			if m.To != "u1@example.org" || out.To != m.To {
				t.Errorf("to %q (out %q)", m.To, out.To)
			}
			all := m.Subject + "\n" + m.Text
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("message lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestCompletionEmailSaysWhenAFreeResultIsArchived(t *testing.T) {
	for _, tc := range []struct {
		user      string
		retention int64
		want      string // "" = no archive sentence
	}{
		{"u1", 180, "moves to the archive at 2026-11-27 12:03:00 UTC"},
		{"u1", 0, ""}, // an execution from before the payload carried it
		{"p1", 180, ""},
	} {
		f := completed(t, tc.user)
		id := map[bool]string{true: "j1", false: "j2"}[tc.user == "u1"]
		if _, err := f.t.NotifyCompleted(context.Background(), NotifyCompletedInput{JobID: id, RetentionSeconds: tc.retention}); err != nil {
			t.Fatal(err)
		}
		m := f.mail.Sent()[0]
		if !strings.Contains(m.Subject, "complete") {
			t.Errorf("%s: subject %q", tc.user, m.Subject)
		}
		if tc.want == "" && strings.Contains(m.Text, "archive") {
			t.Errorf("%s (retention %d): %s", tc.user, tc.retention, m.Text)
		}
		if tc.want != "" && (!strings.Contains(m.Text, tc.want) || !strings.Contains(m.Text, "archived 3 minutes after") ||
			!strings.Contains(m.Text, "http://gas.test/subscribe")) {
			t.Errorf("%s: %s", tc.user, m.Text)
		}
	}
}

func TestCompletionEmailWhenNothingWasAnnotated(t *testing.T) {
	f := newFixture(t)
	f.engine.none = true
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.t.NotifyCompleted(context.Background(), NotifyCompletedInput{JobID: "j1", RetentionSeconds: 180}); err != nil {
		t.Fatal(err)
	}
	m := f.mail.Sent()[0]
	if strings.Contains(m.Subject+m.Text, "complete") || !strings.Contains(m.Subject, "nothing could be annotated") ||
		!strings.Contains(m.Text, "0 of 3 records could be annotated: 3 are on chromosomes or at positions the reference does not cover") ||
		!strings.Contains(m.Text, "moves to the archive at") {
		t.Errorf("message:\n%s\n%s", m.Subject, m.Text)
	}
}

func TestNotifyUnknownUserFails(t *testing.T) {
	f := newFixture(t)
	f.addJob(t, "j9", "ghost")
	if _, err := f.t.NotifyCompleted(context.Background(), NotifyCompletedInput{JobID: "j9"}); err == nil {
		t.Fatal("no error for a job whose owner is gone")
	}
	if len(f.mail.Sent()) != 0 {
		t.Error("sent mail anyway")
	}
	_ = domain.ErrNotFound
}

func TestNotifyFailedAfterCompletionSaysTheResultIsSafe(t *testing.T) {
	f := completed(t, "u1")
	ctx := context.Background()
	f.t.MarkFailed(ctx, MarkFailedInput{JobID: "j1", Error: "States.Timeout"})
	if _, err := f.t.NotifyFailed(ctx, JobInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	m := f.mail.Sent()[0]
	if strings.Contains(m.Subject, "failed") || !strings.Contains(m.Text, "still there") || !strings.Contains(m.Text, "timed out") {
		t.Errorf("message:\n%s\n%s", m.Subject, m.Text)
	}
}

func TestUndeliveredMailIsRecordedOnTheJobAndClearedByTheNextDelivery(t *testing.T) {
	f := completed(t, "u1")
	ctx := context.Background()
	rejected := errors.New("MessageRejected: Email address is not verified")
	f.mail.Fail(rejected)

	// A refused completion email fails the step (so the machine retries it) and is noted on the job.
	if _, err := f.t.NotifyCompleted(ctx, NotifyCompletedInput{JobID: "j1"}); !errors.Is(err, rejected) {
		t.Fatalf("err = %v, want the mail error", err)
	}
	j, _ := f.jobs.Get(ctx, "j1")
	if j.Status != domain.StatusCompleted || !strings.Contains(j.MailError, "not delivered") ||
		!strings.Contains(j.MailError, "not verified") || !j.MailErrorAt.Equal(f.now) {
		t.Fatalf("job %s, mail error %q at %v", j.Status, j.MailError, j.MailErrorAt)
	}

	// A later delivery clears the note.
	f.mail.Fail(nil)
	if _, err := f.t.NotifyCompleted(ctx, NotifyCompletedInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	if j, _ = f.jobs.Get(ctx, "j1"); j.MailError != "" || !j.MailErrorAt.IsZero() {
		t.Errorf("mail error %q at %v after a delivery", j.MailError, j.MailErrorAt)
	}
}
