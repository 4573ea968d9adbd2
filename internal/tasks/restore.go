package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// ListArchivedInput is ListArchived's payload: the user, and the restore
// execution's name, which names the list it writes.
type ListArchivedInput struct {
	UserID    string `json:"user_id"`
	Execution string `json:"execution"`
}

// ListArchivedOutput says how many jobs a restore round must bring back and
// where their ids are: a JSON array of strings (the restore machine's
// ItemReader reads it, so no list passes through the execution's state).
type ListArchivedOutput struct {
	UserID string `json:"user_id"`
	Count  int    `json:"count"`
	Key    string `json:"key"`
}

// RestoreListKey is where ListArchived writes the job ids of a restore
// execution; each listing replaces the last (a lifecycle rule expires them on AWS).
func RestoreListKey(userID, execution string) string {
	return "restores/" + userID + "/" + execution + ".json"
}

// RestoreStatus is the result of RequestRestore and CheckRestore. Every field
// is always present: the state machine selects them by path.
type RestoreStatus struct {
	JobID string             `json:"job_id"`
	Tier  domain.RestoreTier `json:"tier"`
	// ReadyBy is the estimate shown to the user.
	ReadyBy time.Time `json:"ready_by"`
	// WaitSeconds is how long the machine waits for the completion event
	// before it checks by itself (>= 1): until the estimate, plus a margin.
	WaitSeconds int  `json:"wait_seconds"`
	Restored    bool `json:"restored"` // every archived file is readable, or the result is hot already
}

// ListArchived lists every job of the user whose result is in GLACIER,
// including those a previous restore left RESTORING or failed on, so running
// the restore again picks them up, and writes their ids to RestoreListKey.
func (t *Tasks) ListArchived(ctx context.Context, in ListArchivedInput) (ListArchivedOutput, error) {
	if in.UserID == "" || in.Execution == "" {
		return ListArchivedOutput{}, fmt.Errorf("%w: user_id and execution are required", domain.ErrInvalid)
	}
	ids := []string{}
	for _, state := range []domain.ResultState{domain.ResultArchived, domain.ResultRestoring} {
		err := t.eachJob(ctx, domain.JobFilter{UserID: in.UserID, ResultState: state}, func(j domain.Job) { ids = append(ids, j.ID) })
		if err != nil {
			return ListArchivedOutput{}, fmt.Errorf("list archived jobs of %s: %w", in.UserID, err)
		}
	}
	out := ListArchivedOutput{UserID: in.UserID, Count: len(ids), Key: RestoreListKey(in.UserID, in.Execution)}
	if err := t.putJSON(ctx, out.Key, ids); err != nil {
		return ListArchivedOutput{}, fmt.Errorf("list archived jobs of %s: %w", in.UserID, err)
	}
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
	now := t.now()
	if j.ResultState == domain.ResultAvailable {
		return RestoreStatus{JobID: j.ID, Tier: j.RestoreTier, ReadyBy: now, WaitSeconds: 1, Restored: true}, nil
	}
	if j.ResultState != domain.ResultArchived && j.ResultState != domain.ResultRestoring {
		return RestoreStatus{}, fmt.Errorf("restore job %s: result is %q, not archived: %w", j.ID, j.ResultState, domain.ErrConflict)
	}
	info, err := t.blobs.Head(ctx, j.ResultKey)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("restore job %s: head %s: %w", j.ID, j.ResultKey, err)
	}
	if j.ResultState == domain.ResultRestoring && (info.RestoreInProgress || info.Readable(now)) {
		return t.restoreStatus(ctx, j, now)
	}

	tier := domain.TierExpedited
	if info.Readable(now) && j.RestoreTier != "" {
		tier = j.RestoreTier // restored by an earlier request; nothing to ask for
	}
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
	if err := t.restoreSidecars(ctx, j.ResultKey, tier, now); err != nil {
		return RestoreStatus{}, fmt.Errorf("restore job %s: %w", j.ID, err)
	}
	j, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.ResultState != domain.ResultArchived && j.ResultState != domain.ResultRestoring {
			return fmt.Errorf("result is %q: %w", j.ResultState, domain.ErrConflict)
		}
		j.ResultState = domain.ResultRestoring
		j.RestoreTier = tier
		j.RestoreRequestedAt = now
		j.RestoreReadyBy = now.Add(t.cfg.RestoreEstimate[tier])
		j.RestoreError, j.RestoreRound, j.RestoreRounds = "", 0, 0
		return nil
	})
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("restore job %s: record request: %w", in.JobID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "restore requested", "job", j.ID, "tier", tier, "ready_by", j.RestoreReadyBy)
	return t.restoreStatus(ctx, j, now)
}

// restoreSidecars asks for the result's other files in the tier the result got.
func (t *Tasks) restoreSidecars(ctx context.Context, resultKey string, tier domain.RestoreTier, now time.Time) error {
	for _, k := range domain.ResultFiles(resultKey)[1:] {
		info, err := t.blobs.Head(ctx, k)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("head %s: %w", k, err)
		}
		if info.Readable(now) || info.RestoreInProgress {
			continue
		}
		err = t.blobs.Restore(ctx, k, tier, t.cfg.RestoreDays)
		if errors.Is(err, domain.ErrExpeditedUnavailable) {
			err = t.blobs.Restore(ctx, k, domain.TierStandard, t.cfg.RestoreDays)
		}
		if err != nil && !errors.Is(err, domain.ErrRestoreInProgress) {
			return fmt.Errorf("request %s retrieval of %s: %w", tier, k, err)
		}
	}
	return nil
}

// CheckRestore reports whether every archived file of the job is readable
// yet (HeadObject): the restore machine's fallback when no completion event
// resumed it in time.
func (t *Tasks) CheckRestore(ctx context.Context, in JobInput) (RestoreStatus, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return RestoreStatus{}, err
	}
	st, err := t.restoreStatus(ctx, j, t.now())
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("check restore: %w", err)
	}
	return st, nil
}

// restoreStatus says whether every file is readable, and how long to wait
// for the completion event: until the estimate, plus a margin of a tenth of
// the tier's typical time (1 s to 15 min); only the margin once the
// estimate has passed.
func (t *Tasks) restoreStatus(ctx context.Context, j domain.Job, now time.Time) (RestoreStatus, error) {
	ready, err := t.restoreReady(ctx, j)
	if err != nil {
		return RestoreStatus{}, fmt.Errorf("job %s: %w", j.ID, err)
	}
	wait := min(max(t.cfg.RestoreEstimate[j.RestoreTier]/10, time.Second), 15*time.Minute)
	if until := j.RestoreReadyBy.Sub(now); until > 0 {
		wait += until
	}
	return RestoreStatus{JobID: j.ID, Tier: j.RestoreTier, ReadyBy: j.RestoreReadyBy,
		WaitSeconds: int((wait + time.Second - 1) / time.Second), Restored: ready}, nil
}

// CopyBackOutput is the result of CopyBack and MarkAvailable.
type CopyBackOutput struct {
	JobID     string `json:"job_id"`
	ResultKey string `json:"result_key"`
}

// CopyBack copies the restored archive object to STANDARD under the job's hot
// key and verifies the copy. The job still points at the archive: MarkAvailable
// switches it. It fails (retryably) while the restore is still running, and
// does nothing when the copy is already there.
func (t *Tasks) CopyBack(ctx context.Context, in JobInput) (CopyBackOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return CopyBackOutput{}, err
	}
	hotKey, coldKey := ResultKey(j), ArchiveKey(j)
	if j.ResultState == domain.ResultAvailable {
		return CopyBackOutput{JobID: j.ID, ResultKey: j.ResultKey}, nil
	}
	if j.ResultKey != coldKey {
		return CopyBackOutput{}, fmt.Errorf("copy back job %s: result key %q is not the archive key %q: %w", j.ID, j.ResultKey, coldKey, domain.ErrConflict)
	}
	now := t.now()
	hot, cold := domain.ResultFiles(hotKey), domain.ResultFiles(coldKey)
	for i := range cold {
		info, err := t.blobs.Head(ctx, cold[i])
		if i > 0 && errors.Is(err, domain.ErrNotFound) {
			continue // a job from before this file existed
		}
		if err != nil {
			return CopyBackOutput{}, fmt.Errorf("copy back job %s: head %s: %w", j.ID, cold[i], err)
		}
		if err := t.verifyHot(ctx, hot[i], info); err == nil {
			continue // copied by an earlier attempt
		}
		if !info.Readable(now) {
			return CopyBackOutput{}, fmt.Errorf("copy back job %s: %s: %w", j.ID, cold[i], domain.ErrArchived)
		}
		if err := t.blobs.Copy(ctx, cold[i], hot[i], domain.ClassStandard); err != nil {
			return CopyBackOutput{}, fmt.Errorf("copy back job %s: copy to %s: %w", j.ID, hot[i], err)
		}
		if err := t.verifyHot(ctx, hot[i], info); err != nil {
			return CopyBackOutput{}, fmt.Errorf("copy back job %s: %w", j.ID, err)
		}
	}
	return CopyBackOutput{JobID: j.ID, ResultKey: hotKey}, nil
}

// verifyHot checks that hotKey is a STANDARD object of the archive's size.
func (t *Tasks) verifyHot(ctx context.Context, hotKey string, cold domain.ObjectInfo) error {
	hot, err := t.blobs.Head(ctx, hotKey)
	if err != nil {
		return fmt.Errorf("verify %s: %w", hotKey, err)
	}
	if hot.StorageClass != domain.ClassStandard || hot.Size != cold.Size {
		return fmt.Errorf("copy %s is %s with %d bytes, want STANDARD with %d", hotKey, hot.StorageClass, hot.Size, cold.Size)
	}
	return nil
}

// MarkAvailable points the job at the hot copy CopyBack made (AVAILABLE), and
// only then drops the archived copy. Repeating it changes nothing.
func (t *Tasks) MarkAvailable(ctx context.Context, in JobInput) (CopyBackOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return CopyBackOutput{}, err
	}
	hotKey, coldKey := ResultKey(j), ArchiveKey(j)
	if j.ResultState != domain.ResultAvailable {
		cold, err := t.blobs.Head(ctx, coldKey)
		if err != nil {
			return CopyBackOutput{}, fmt.Errorf("mark job %s available: head %s: %w", j.ID, coldKey, err)
		}
		if err := t.verifyHot(ctx, hotKey, cold); err != nil {
			return CopyBackOutput{}, fmt.Errorf("mark job %s available: %w", j.ID, err)
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
			j.RestoreError, j.RestoreRound, j.RestoreRounds, j.RestoreToken = "", 0, 0, ""
			return nil
		})
		if err != nil {
			return CopyBackOutput{}, fmt.Errorf("mark job %s available: %w", in.JobID, err)
		}
		t.cfg.Logger.InfoContext(ctx, "result restored", "job", j.ID, "key", hotKey)
	}
	if j.ResultKey == hotKey {
		// The job no longer needs the archive (also finishes a run that crashed here).
		if err := t.deleteAll(ctx, domain.ResultFiles(coldKey)); err != nil {
			return CopyBackOutput{}, fmt.Errorf("mark job %s available: drop archive: %w", j.ID, err)
		}
	}
	return CopyBackOutput{JobID: j.ID, ResultKey: j.ResultKey}, nil
}

// RestoreFailedInput is the payload of RestoreFailed: the job, the error
// name and cause a Catch caught, and the restore round it happened in out of
// the rounds the execution runs at most.
type RestoreFailedInput struct {
	JobID  string `json:"job_id"`
	Error  string `json:"error"`
	Cause  string `json:"cause"`
	Round  int    `json:"round"`
	Rounds int    `json:"rounds"`
}

// RestoreFailedOutput is the result of RestoreFailed.
type RestoreFailedOutput struct {
	JobID    string `json:"job_id"`
	Reason   string `json:"reason"`
	Retrying bool   `json:"retrying"` // a later round of this restore tries again
}

// RestoreFailed records a per-job restore failure for the user to see. The
// result stays in the archive (nothing is lost) and the job goes back to
// ARCHIVED, so the next round (or, after the last, the next restore) picks it
// up again; the round is recorded so the job page can tell which. The other
// jobs carry on.
func (t *Tasks) RestoreFailed(ctx context.Context, in RestoreFailedInput) (RestoreFailedOutput, error) {
	reason := FailureReason(in.Error, in.Cause)
	j, err := t.jobs.Update(ctx, in.JobID, func(j *domain.Job) error {
		if j.ResultState == domain.ResultAvailable {
			return nil // it made it after all
		}
		j.ResultState = domain.ResultArchived
		j.RestoreError, j.RestoreRound, j.RestoreRounds, j.RestoreToken = reason, in.Round, in.Rounds, ""
		return nil
	})
	if err != nil {
		return RestoreFailedOutput{}, fmt.Errorf("record restore failure of job %s: %w", in.JobID, err)
	}
	t.cfg.Logger.WarnContext(ctx, "restore failed", "job", j.ID, "reason", reason, "round", in.Round, "rounds", in.Rounds)
	return RestoreFailedOutput{JobID: j.ID, Reason: j.RestoreError, Retrying: j.RestoreRetrying()}, nil
}
