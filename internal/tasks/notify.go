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
func (t *Tasks) JobURL(jobID string) string { return t.url("/jobs/" + jobID) }

// url is the portal's address of path.
func (t *Tasks) url(path string) string { return strings.TrimRight(t.cfg.BaseURL, "/") + path }

// NotifyCompletedInput is the NotifyCompleted step's payload: the job, and
// the execution's retention_seconds (how long a free user's result stays
// hot before ArchiveIfFree), which the email turns into a time.
type NotifyCompletedInput struct {
	JobID            string `json:"job_id"`
	RetentionSeconds int64  `json:"retention_seconds,omitempty"`
}

// NotifyCompleted emails the job's owner that the job finished: the result
// is ready, or, when nothing could be annotated, what happened. A free
// owner is told when the result moves to the archive (domain.ArchiveAt,
// the rule of the job page's countdown).
func (t *Tasks) NotifyCompleted(ctx context.Context, in NotifyCompletedInput) (NotifyOutput, error) {
	return t.notifyJob(ctx, in.JobID, func(j domain.Job, owner domain.Profile) domain.Message {
		var m domain.Message
		done := j.CompletedAt.UTC().Format(mailTime)
		if o := domain.JobOutcome(j); o.NothingAnnotated() {
			m.Subject = fmt.Sprintf("GAS: job %s (%s) finished, but nothing could be annotated", j.ID, j.InputName)
			m.Text = fmt.Sprintf("Your annotation job %s for %s finished at %s: %s.\n\n"+
				"The output holds your records without annotations. The job page has the summary and the log:\n%s\n",
				j.ID, j.InputName, done, o.Explain(), t.JobURL(j.ID))
		} else {
			m.Subject = fmt.Sprintf("GAS: annotation of %s is complete (job %s)", j.InputName, j.ID)
			m.Text = fmt.Sprintf("Your annotation job %s for %s completed at %s.\n\nView the summary and download the result:\n%s\n",
				j.ID, j.InputName, done, t.JobURL(j.ID))
		}
		if at := domain.ArchiveAt(j, owner, time.Duration(in.RetentionSeconds)*time.Second, j.CompletedAt); !at.IsZero() {
			m.Text += fmt.Sprintf("\nOn the free plan results are archived %s after the job ends: this one moves to the archive at %s "+
				"and can then be downloaded only after upgrading, which restores it (%s).\n",
				domain.DurationWords(time.Duration(in.RetentionSeconds)*time.Second), at.UTC().Format(mailTime), t.url("/subscribe"))
		}
		return m
	})
}

// mailTime is how emails write times.
const mailTime = "2006-01-02 15:04:05 MST"

// NotifyFailed emails the job's owner why the job failed (or, for a job
// whose annotation had completed, which later step failed).
func (t *Tasks) NotifyFailed(ctx context.Context, in JobInput) (NotifyOutput, error) {
	return t.notifyJob(ctx, in.JobID, func(j domain.Job, _ domain.Profile) domain.Message {
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

func (t *Tasks) notifyJob(ctx context.Context, jobID string, compose func(domain.Job, domain.Profile) domain.Message) (NotifyOutput, error) {
	j, err := t.loadJob(ctx, jobID)
	if err != nil {
		return NotifyOutput{}, err
	}
	p, err := t.profiles.Get(ctx, j.UserID)
	if err != nil {
		return NotifyOutput{}, fmt.Errorf("notify job %s: load user %s: %w", j.ID, j.UserID, err)
	}
	m := compose(j, p)
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
