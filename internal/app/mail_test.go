package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/sesmail"
)

// sesSandbox is an emulator of the SES v2 SendEmail call as a sandboxed
// account answers it: every recipient is unverified, so every message is
// refused with MessageRejected.
type sesSandbox struct{ calls atomic.Int32 }

func (f *sesSandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	f.calls.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "MessageRejected")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"message": "Email address is not verified. The following identities failed the check: u@lab.test"})
}

func TestRefusedCompletionMailLeavesTheJobCompletedAndArchivedWithTheFailureRecorded(t *testing.T) {
	// GIVEN the service mailing through SES from a sandboxed account
	fake := &sesSandbox{}
	client := sesv2.NewFromConfig(awstest.Serve(t, fake))
	mailer, err := sesmail.New(client, "GAS <gas@lab.gas-project.org>")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, t.TempDir())
	cfg.mailer = mailer
	a := openApp(t, cfg)
	addUser(t, a, "sam", domain.RoleFree)

	// WHEN a free user's job completes and its email is refused
	j := submit(t, a, "sam", "test.vcf", sharedVCF(t, "test.vcf"))
	e := wait(t, a, j.ExecutionID)

	// THEN the execution succeeds through the retention wait and the archive
	if e.Status != domain.ExecSucceeded || field(t, e.Output, "archive.archived") != true {
		t.Fatalf("execution %s (%s %s), output %s", e.Status, e.Error, e.Cause, e.Output)
	}
	ev := history(t, a, j.ExecutionID)
	if n := count(ev, "TaskFailed", "NotifyCompleted"); n != 4 {
		t.Errorf("NotifyCompleted failed %d times, want 4 (first try and 3 retries)", n)
	}
	if count(ev, "WaitStateEntered", "WaitRetention") != 1 || count(ev, "TaskSucceeded", "ArchiveIfFree") != 1 || count(ev, "TaskStateEntered", "MarkFailed") != 0 {
		t.Errorf("history:\n%s", strings.Join(steps(ev), "\n"))
	}
	if int(fake.calls.Load()) != 4 {
		t.Errorf("SES called %d times, want 4", fake.calls.Load())
	}
	// AND the job is COMPLETED, archived, with the delivery failure recorded for the user and auditors
	j = job(t, a, j.ID)
	if j.Status != domain.StatusCompleted || j.ResultState != domain.ResultArchived || j.ArchivedAt.IsZero() {
		t.Errorf("job %s, result %s, archived at %v", j.Status, j.ResultState, j.ArchivedAt)
	}
	if !strings.Contains(j.MailError, "not delivered") || !strings.Contains(j.MailError, "rejected by SES") || j.MailErrorAt.IsZero() {
		t.Errorf("mail error %q at %v", j.MailError, j.MailErrorAt)
	}
	// AND it is archived on time: the retention wait starts right after the mail retries
	if got := j.ArchivedAt.Sub(j.CompletedAt); got > cfg.Retention+5e9 {
		t.Errorf("archived %v after completion, retention %v", got, cfg.Retention)
	}
}
