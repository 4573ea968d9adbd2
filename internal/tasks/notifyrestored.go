package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// RestoreResult is one iteration's outcome of the restore machine's Map.
type RestoreResult struct {
	JobID    string `json:"job_id"`
	Restored bool   `json:"restored"`
	Error    string `json:"error,omitempty"`
}

// NotifyRestoredInput names the user and what the restore did per job.
type NotifyRestoredInput struct {
	UserID  string          `json:"user_id"`
	Results []RestoreResult `json:"results"`
}

// NotifyRestoredOutput is the result of NotifyRestored.
type NotifyRestoredOutput struct {
	To       string   `json:"to"`
	Restored int      `json:"restored"`
	Failed   []string `json:"failed"`
}

// NotifyRestored sends one email per restore: how many results are available
// again, and which could not be restored and why (the job's recorded reason).
func (t *Tasks) NotifyRestored(ctx context.Context, in NotifyRestoredInput) (NotifyRestoredOutput, error) {
	p, err := t.profiles.Get(ctx, in.UserID)
	if err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: load user %s: %w", in.UserID, err)
	}
	out := NotifyRestoredOutput{To: p.Email, Failed: []string{}}
	var failed strings.Builder
	for _, r := range in.Results {
		if r.Restored {
			out.Restored++
			continue
		}
		out.Failed = append(out.Failed, r.JobID)
		name, reason := "", r.Error
		if j, err := t.jobs.Get(ctx, r.JobID); err == nil {
			name = " (" + j.InputName + ")"
			if j.RestoreError != "" {
				reason = j.RestoreError
			}
		}
		fmt.Fprintf(&failed, "  %s%s: %s\n    %s\n", r.JobID, name, reason, t.JobURL(r.JobID))
	}
	text := fmt.Sprintf("Welcome to premium. %d archived result(s) are available again.\n\nYour jobs:\n%s\n",
		out.Restored, strings.TrimRight(t.cfg.BaseURL, "/")+"/jobs")
	if len(out.Failed) > 0 {
		text += fmt.Sprintf("\n%d result(s) could not be restored yet; they stay safely archived and the next restore retries them:\n%s",
			len(out.Failed), failed.String())
	}
	m := domain.Message{To: p.Email, Subject: fmt.Sprintf("GAS: %d archived result(s) restored", out.Restored), Text: text}
	if err := t.mail.Send(ctx, m); err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: send to %s: %w", p.Email, err)
	}
	return out, nil
}
