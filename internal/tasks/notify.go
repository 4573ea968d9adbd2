package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// NotifyOutput is the result of a notify step.
type NotifyOutput struct {
	JobID string `json:"job_id,omitempty"`
	To    string `json:"to"`
}

// JobURL is the portal page of a job; emails link to it.
func (t *Tasks) JobURL(jobID string) string {
	return strings.TrimRight(t.cfg.BaseURL, "/") + "/jobs/" + jobID
}

// NotifyCompleted emails the job's owner that the result is ready.
func (t *Tasks) NotifyCompleted(ctx context.Context, in JobInput) (NotifyOutput, error) {
	return t.notifyJob(ctx, in, func(j domain.Job) domain.Message {
		return domain.Message{
			Subject: fmt.Sprintf("GAS: annotation of %s is complete (job %s)", j.InputName, j.ID),
			Text: fmt.Sprintf("Your annotation job %s for %s completed at %s.\n\nView the summary and download the result:\n%s\n",
				j.ID, j.InputName, j.CompletedAt.UTC().Format("2006-01-02 15:04:05 MST"), t.JobURL(j.ID)),
		}
	})
}

// NotifyFailed emails the job's owner why the job failed (or, for a job
// whose annotation had completed, which later step failed).
func (t *Tasks) NotifyFailed(ctx context.Context, in JobInput) (NotifyOutput, error) {
	return t.notifyJob(ctx, in, func(j domain.Job) domain.Message {
		if j.Status == domain.StatusCompleted {
			// A step after annotation failed (archiving, the completion email):
			// the result is intact, so say so rather than "failed".
			return domain.Message{
				Subject: fmt.Sprintf("GAS: job %s (%s) needs attention", j.ID, j.InputName),
				Text: fmt.Sprintf("Your annotation job %s for %s completed, but a later step did not: %s\n\nYour result is still there:\n%s\n",
					j.ID, j.InputName, j.Error, t.JobURL(j.ID)),
			}
		}
		reason := j.Error
		if reason == "" {
			reason = "an internal error; please try again later"
		}
		return domain.Message{
			Subject: fmt.Sprintf("GAS: annotation of %s failed (job %s)", j.InputName, j.ID),
			Text: fmt.Sprintf("Your annotation job %s for %s failed.\n\nReason: %s\n\nDetails:\n%s\n",
				j.ID, j.InputName, reason, t.JobURL(j.ID)),
		}
	})
}

func (t *Tasks) notifyJob(ctx context.Context, in JobInput, compose func(domain.Job) domain.Message) (NotifyOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return NotifyOutput{}, err
	}
	p, err := t.profiles.Get(ctx, j.UserID)
	if err != nil {
		return NotifyOutput{}, fmt.Errorf("notify job %s: load user %s: %w", j.ID, j.UserID, err)
	}
	m := compose(j)
	m.To = p.Email
	if err := t.mail.Send(ctx, m); err != nil {
		err = fmt.Errorf("notify job %s: send to %s: %w", j.ID, p.Email, err)
		return NotifyOutput{}, errors.Join(err, t.recordMail(ctx, []string{j.ID}, m.Subject, err))
	}
	if j.MailError != "" {
		if err := t.recordMail(ctx, []string{j.ID}, m.Subject, nil); err != nil {
			return NotifyOutput{}, err
		}
	}
	return NotifyOutput{JobID: j.ID, To: p.Email}, nil
}

// recordMail notes on each job that the email with subject could not be
// delivered (sendErr), or, with sendErr nil, clears an earlier note. The
// step still returns the send error: the state machine retries it with
// back-off and, once the retries are spent, goes on without it, so the
// note on the job is what the user and auditors see of a lost email.
func (t *Tasks) recordMail(ctx context.Context, jobIDs []string, subject string, sendErr error) error {
	var errs []error
	for _, id := range jobIDs {
		_, err := t.jobs.Update(ctx, id, func(j *domain.Job) error {
			if sendErr == nil {
				j.MailError, j.MailErrorAt = "", time.Time{}
				return nil
			}
			j.MailError = fmt.Sprintf("email %q not delivered: %v", subject, errors.Unwrap(sendErr))
			j.MailErrorAt = t.now()
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("record mail delivery on job %s: %w", id, err))
		}
	}
	if sendErr != nil {
		t.cfg.Logger.WarnContext(ctx, "mail not delivered", "jobs", jobIDs, "subject", subject, "err", sendErr)
	}
	return errors.Join(errs...)
}
