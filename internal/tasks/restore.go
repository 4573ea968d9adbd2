package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// UserInput is the payload of the restore machine's per-user steps.
type UserInput struct {
	UserID string `json:"user_id"`
}

// ListArchivedOutput lists the jobs a restore must bring back.
type ListArchivedOutput struct {
	UserID string     `json:"user_id"`
	Jobs   []JobInput `json:"jobs"`
	Count  int        `json:"count"`
}

// RestoreStatus is the result of the per-job restore steps.
type RestoreStatus struct {
	JobID string             `json:"job_id"`
	Tier  domain.RestoreTier `json:"tier,omitempty"`
	// ReadyBy is the estimate shown to the user; WaitSeconds is the same as a
	// delay from now, for a Wait state's SecondsPath (at least 1).
	ReadyBy     time.Time `json:"ready_by,omitzero"`
	WaitSeconds int       `json:"wait_seconds"`
	Restored    bool      `json:"restored"` // the archived object is readable (or the result is already hot)
	Available   bool      `json:"available"` // the job's result is hot again
	ResultKey   string    `json:"result_key,omitempty"`
}

// ListArchived returns every job of the user whose result is in GLACIER,
// including those a previous restore left RESTORING or failed on, so running
// the restore again picks them up.
func (t *Tasks) ListArchived(ctx context.Context, in UserInput) (ListArchivedOutput, error) {
	if in.UserID == "" {
		return ListArchivedOutput{}, fmt.Errorf("%w: user_id is empty", domain.ErrInvalid)
	}
	out := ListArchivedOutput{UserID: in.UserID, Jobs: []JobInput{}}
	for _, state := range []domain.ResultState{domain.ResultArchived, domain.ResultRestoring} {
		page := domain.Page{Limit: 100}
		for {
			jobs, next, err := t.jobs.List(ctx, domain.JobFilter{UserID: in.UserID, ResultState: state}, page)
			if err != nil {
				return ListArchivedOutput{}, fmt.Errorf("list %s jobs of %s: %w", state, in.UserID, err)
			}
			for _, j := range jobs {
				out.Jobs = append(out.Jobs, JobInput{JobID: j.ID})
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	out.Count = len(out.Jobs)
	return out, nil
}

// RequestRestore asks the store for a readable copy of the job's archived
// result: Expedited first, Standard when Expedited has no capacity. The job
// becomes RESTORING with the tier and an estimate. Asking again while a
// restore is in flight changes nothing.
func (t *Tasks) RequestRestore(ctx context.Context, in JobInput) (RestoreStatus, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return RestoreStatus{}, err
	}
	if j.ResultState == domain.ResultAvailable {
		return RestoreStatus{JobID: j.ID, Restored: true, Available: true, WaitSeconds: 1, ResultKey: j.ResultKey}, nil
	}
	if j.ResultState != domain.ResultArchived && j.ResultState != domain.ResultRestoring {
		return RestoreStatus{}, fmt.Errorf("restore job %s: result is %q, not archived: %w", j.ID, j.ResultState, domain.ErrConflict)
	}
	info, err := t.blobs.Head(ctx, j.ResultKey)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("restore job %s: head %s: %w", j.ID, j.ResultKey, err)
	}
	now := t.now()
	if j.ResultState == domain.ResultRestoring && (info.RestoreInProgress || info.Readable(now)) {
		return t.restoreStatus(j, info, now), nil
	}

	tier := domain.TierExpedited
	if !info.Readable(now) {
		err = t.blobs.Restore(ctx, j.ResultKey, tier, t.cfg.RestoreDays)
		if errors.Is(err, domain.ErrExpeditedUnavailable) {
			t.cfg.Logger.InfoContext(ctx, "expedited retrieval unavailable, using standard", "job", j.ID)
			tier = domain.TierStandard
			err = t.blobs.Restore(ctx, j.ResultKey, tier, t.cfg.RestoreDays)
		}
		if err != nil && !errors.Is(err, domain.ErrRestoreInProgress) {
			return RestoreStatus{}, fmt.Errorf("restore job %s: request %s retrieval of %s: %w", j.ID, tier, j.ResultKey, err)
		}
	}
	j, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.ResultState != domain.ResultArchived && j.ResultState != domain.ResultRestoring {
			return fmt.Errorf("result is %q: %w", j.ResultState, domain.ErrConflict)
		}
		j.ResultState = domain.ResultRestoring
		j.RestoreTier = tier
		j.RestoreRequestedAt = now
		j.RestoreReadyBy = now.Add(t.cfg.RestoreEstimate[tier])
		j.RestoreError = ""
		return nil
	})
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("restore job %s: record request: %w", in.JobID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "restore requested", "job", j.ID, "tier", tier, "ready_by", j.RestoreReadyBy)
	return t.restoreStatus(j, info, now), nil
}

// CheckRestore reports whether the archived result is readable yet.
func (t *Tasks) CheckRestore(ctx context.Context, in JobInput) (RestoreStatus, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return RestoreStatus{}, err
	}
	if j.ResultState == domain.ResultAvailable {
		return RestoreStatus{JobID: j.ID, Restored: true, Available: true, WaitSeconds: 1, ResultKey: j.ResultKey}, nil
	}
	info, err := t.blobs.Head(ctx, j.ResultKey)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("check restore of job %s: head %s: %w", j.ID, j.ResultKey, err)
	}
	return t.restoreStatus(j, info, t.now()), nil
}

func (t *Tasks) restoreStatus(j domain.Job, info domain.ObjectInfo, now time.Time) RestoreStatus {
	wait := 1
	if d := j.RestoreReadyBy.Sub(now); d > time.Second {
		wait = int(d.Round(time.Second) / time.Second)
	}
	return RestoreStatus{JobID: j.ID, Tier: j.RestoreTier, ReadyBy: j.RestoreReadyBy, WaitSeconds: wait,
		Restored: info.Readable(now), ResultKey: j.ResultKey}
}

// CompleteRestore copies the restored object back to STANDARD under the job's
// hot key, verifies the copy, points the job at it (AVAILABLE), and only then
// drops the archived copy. It fails (retryably) while the restore is still
// running. Repeating it changes nothing.
func (t *Tasks) CompleteRestore(ctx context.Context, in JobInput) (RestoreStatus, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return RestoreStatus{}, err
	}
	hotKey, coldKey := ResultKey(j), ArchiveKey(j)
	if j.ResultState == domain.ResultAvailable {
		// Finish the last step in case we crashed right after recording.
		if j.ResultKey == hotKey {
			if err := t.blobs.Delete(ctx, coldKey); err != nil {
				return RestoreStatus{}, fmt.Errorf("complete restore of job %s: drop archive: %w", j.ID, err)
			}
		}
		return RestoreStatus{JobID: j.ID, Tier: j.RestoreTier, Restored: true, Available: true, WaitSeconds: 1, ResultKey: j.ResultKey}, nil
	}
	if j.ResultKey != coldKey {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: result key %q is not the archive key %q: %w", j.ID, j.ResultKey, coldKey, domain.ErrConflict)
	}
	cold, err := t.blobs.Head(ctx, coldKey)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: head %s: %w", j.ID, coldKey, err)
	}
	if !cold.Readable(t.now()) {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: %s: %w", j.ID, coldKey, domain.ErrArchived)
	}
	if err := t.blobs.Copy(ctx, coldKey, hotKey, domain.ClassStandard); err != nil {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: copy to %s: %w", j.ID, hotKey, err)
	}
	hot, err := t.blobs.Head(ctx, hotKey)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: verify %s: %w", j.ID, hotKey, err)
	}
	if hot.StorageClass != domain.ClassStandard || hot.Size != cold.Size {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: copy %s is %s with %d bytes, want STANDARD with %d",
			j.ID, hotKey, hot.StorageClass, hot.Size, cold.Size)
	}
	j, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.ResultState == domain.ResultAvailable {
			return nil
		}
		if j.ResultKey != coldKey {
			return fmt.Errorf("result key is %q: %w", j.ResultKey, domain.ErrConflict)
		}
		j.ResultKey = hotKey
		j.ResultState = domain.ResultAvailable
		j.RestoredAt = t.now()
		j.RestoreError = ""
		return nil
	})
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: record: %w", in.JobID, err)
	}
	if err := t.blobs.Delete(ctx, coldKey); err != nil {
		return RestoreStatus{}, fmt.Errorf("complete restore of job %s: drop archive: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "result restored", "job", j.ID, "key", hotKey)
	return RestoreStatus{JobID: j.ID, Tier: j.RestoreTier, Restored: true, Available: true, WaitSeconds: 1, ResultKey: hotKey}, nil
}

// RestoreFailedOutput is the result of RestoreFailed.
type RestoreFailedOutput struct {
	JobID  string `json:"job_id"`
	Reason string `json:"reason"`
}

// RestoreFailed records a per-job restore failure for the user to see. The
// result stays in the archive (nothing is lost) and the job goes back to
// ARCHIVED, so the next restore picks it up again. The other jobs carry on.
func (t *Tasks) RestoreFailed(ctx context.Context, in MarkFailedInput) (RestoreFailedOutput, error) {
	reason := FailureReason(in.Error)
	j, err := t.jobs.Update(ctx, in.JobID, func(j *domain.Job) error {
		if j.ResultState == domain.ResultAvailable {
			return nil // it made it after all
		}
		j.ResultState = domain.ResultArchived
		j.RestoreError = reason
		return nil
	})
	if err != nil {
		return RestoreFailedOutput{}, fmt.Errorf("record restore failure of job %s: %w", in.JobID, err)
	}
	t.cfg.Logger.WarnContext(ctx, "restore failed", "job", j.ID, "reason", reason)
	return RestoreFailedOutput{JobID: j.ID, Reason: j.RestoreError}, nil
}

// NotifyRestoredInput names the user and, optionally, the jobs this restore
// covered (ListArchived's list); without them every job with a restore record counts.
type NotifyRestoredInput struct {
	UserID string     `json:"user_id"`
	Jobs   []JobInput `json:"jobs,omitempty"`
}

// NotifyRestoredOutput is the result of NotifyRestored.
type NotifyRestoredOutput struct {
	To       string   `json:"to"`
	Restored int      `json:"restored"`
	Failed   []string `json:"failed"`
}

// NotifyRestored emails the user how many results are available again and
// which could not be restored (and why), reading each job's state now.
func (t *Tasks) NotifyRestored(ctx context.Context, in NotifyRestoredInput) (NotifyRestoredOutput, error) {
	p, err := t.profiles.Get(ctx, in.UserID)
	if err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: load user %s: %w", in.UserID, err)
	}
	var jobs []domain.Job
	if in.Jobs != nil {
		for _, ref := range in.Jobs {
			j, err := t.loadJob(ctx, ref.JobID)
			if err != nil {
				return NotifyRestoredOutput{}, fmt.Errorf("notify restore: %w", err)
			}
			jobs = append(jobs, j)
		}
	} else {
		page := domain.Page{Limit: 100}
		for {
			js, next, err := t.jobs.ListByUser(ctx, in.UserID, page)
			if err != nil {
				return NotifyRestoredOutput{}, fmt.Errorf("notify restore: list jobs of %s: %w", in.UserID, err)
			}
			for _, j := range js {
				if !j.RestoreRequestedAt.IsZero() || j.RestoreError != "" {
					jobs = append(jobs, j)
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}

	out := NotifyRestoredOutput{To: p.Email, Failed: []string{}}
	var failed strings.Builder
	for _, j := range jobs {
		if j.ResultState == domain.ResultAvailable {
			out.Restored++
			continue
		}
		out.Failed = append(out.Failed, j.ID)
		reason := j.RestoreError
		if reason == "" {
			reason = "still " + strings.ToLower(string(j.ResultState))
		}
		fmt.Fprintf(&failed, "  %s (%s): %s\n    %s\n", j.ID, j.InputName, reason, t.JobURL(j.ID))
	}
	text := fmt.Sprintf("Welcome to premium. %d archived result(s) are available again.\n\nYour jobs:\n%s\n",
		out.Restored, strings.TrimRight(t.cfg.BaseURL, "/")+"/jobs")
	if len(out.Failed) > 0 {
		text += fmt.Sprintf("\n%d result(s) could not be restored yet; they stay safely archived and will be retried:\n%s",
			len(out.Failed), failed.String())
	}
	m := domain.Message{To: p.Email, Subject: fmt.Sprintf("GAS: %d archived result(s) restored", out.Restored), Text: text}
	if err := t.mail.Send(ctx, m); err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: send to %s: %w", p.Email, err)
	}
	return out, nil
}
