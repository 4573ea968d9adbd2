package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// NotifyRestoredInput names the user, when the restore execution started
// and how many rounds it ran.
type NotifyRestoredInput struct {
	UserID string    `json:"user_id"`
	Since  time.Time `json:"since"`
	Rounds int       `json:"rounds"`
}

// NotifyRestoredOutput is the result of NotifyRestored.
type NotifyRestoredOutput struct {
	To       string   `json:"to"`
	Restored int      `json:"restored"`
	Failed   []string `json:"failed"`
	Rounds   int      `json:"rounds"`
}

// NotifyRestored sends one email per restore, after its last round: which
// results are available again (restored since the restore started), and
// which are still archived and why (the job's recorded reason). The jobs'
// records are the outcome: each job's restore ran in an execution of its
// own, so no list of outcomes passes through the restore's state.
func (t *Tasks) NotifyRestored(ctx context.Context, in NotifyRestoredInput) (NotifyRestoredOutput, error) {
	if in.UserID == "" {
		return NotifyRestoredOutput{}, fmt.Errorf("%w: notify restore: user_id is empty", domain.ErrInvalid)
	}
	p, err := t.profiles.Get(ctx, in.UserID)
	if err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: load user %s: %w", in.UserID, err)
	}
	out := NotifyRestoredOutput{To: p.Email, Failed: []string{}, Rounds: max(in.Rounds, 1)}
	var restored, failed strings.Builder
	var ids []string
	for _, state := range []domain.ResultState{domain.ResultAvailable, domain.ResultArchived, domain.ResultRestoring} {
		err := t.eachJob(ctx, domain.JobFilter{UserID: in.UserID, ResultState: state}, func(j domain.Job) {
			line := fmt.Sprintf("  %s (%s)", j.ID, j.InputName)
			switch {
			case state != domain.ResultAvailable:
				reason := j.RestoreError
				if reason == "" {
					reason = "not restored yet"
				}
				out.Failed = append(out.Failed, j.ID)
				fmt.Fprintf(&failed, "%s: %s\n    %s\n", line, reason, t.JobURL(j.ID))
			case !j.RestoredAt.Before(in.Since) && !j.RestoredAt.IsZero():
				out.Restored++
				fmt.Fprintf(&restored, "%s\n    %s\n", line, t.JobURL(j.ID))
			default:
				return // hot all along, or restored by an earlier restore
			}
			ids = append(ids, j.ID)
		})
		if err != nil {
			return NotifyRestoredOutput{}, fmt.Errorf("notify restore of %s: %w", in.UserID, err)
		}
	}
	text := fmt.Sprintf("Welcome to premium. %s available again:\n%s\nAll your jobs: %s\n",
		domain.Count(out.Restored, "archived result is", "archived results are"), restored.String(), strings.TrimRight(t.cfg.BaseURL, "/")+"/jobs")
	if len(out.Failed) > 0 {
		text += fmt.Sprintf("\n%s could not be restored in %s of attempts. They stay safely archived; "+
			"retry from the job's page (Retry restore) or contact support:\n%s",
			domain.Count(len(out.Failed), "result", "results"), domain.Count(out.Rounds, "round", "rounds"), failed.String())
	}
	m := domain.Message{To: p.Email, Subject: "GAS: " + domain.Count(out.Restored, "archived result", "archived results") + " restored", Text: text}
	if err := t.mail.Send(ctx, m); err != nil {
		// Recorded on every job the email was about; the machine retries,
		// then ends the restore without it.
		err = fmt.Errorf("notify restore: send to %s: %w", p.Email, err)
		return NotifyRestoredOutput{}, errors.Join(err, t.recordMail(ctx, ids, m.Subject, err))
	}
	return out, nil
}

// eachJob calls fn for every job matching f that its owner has not deleted
// (a deleted job keeps its record, and the result state it had, but has no
// files to restore or report), page by page.
func (t *Tasks) eachJob(ctx context.Context, f domain.JobFilter, fn func(domain.Job)) error {
	page := domain.Page{Limit: 100}
	for {
		jobs, next, err := t.jobs.List(ctx, f, page)
		if err != nil {
			return fmt.Errorf("list %s jobs: %w", f.ResultState, err)
		}
		for _, j := range jobs {
			if !j.Deleted() {
				fn(j)
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}
