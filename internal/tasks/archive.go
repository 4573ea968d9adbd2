package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// ArchiveOutput is the result of ArchiveIfFree.
type ArchiveOutput struct {
	JobID    string `json:"job_id"`
	Archived bool   `json:"archived"`
	// Reason says why nothing was archived ("premium_user", "not completed", ...), or "archived".
	Reason     string `json:"reason"`
	ArchiveKey string `json:"archive_key,omitempty"`
}

// ArchiveIfFree moves a free user's result to the GLACIER storage class. The
// tier is read now, not when the job started: a user who upgraded during the
// retention wait keeps the result hot. The copy is verified with Head before
// the job points at it and before the hot copy is dropped, so a crash at any
// point leaves a readable result; running it again changes nothing.
func (t *Tasks) ArchiveIfFree(ctx context.Context, in JobInput) (ArchiveOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return ArchiveOutput{}, err
	}
	out := ArchiveOutput{JobID: j.ID}
	hotKey, coldKey := ResultKey(j), ArchiveKey(j)

	switch {
	case !j.DeletedAt.IsZero():
		out.Reason = "job deleted" // its files are gone; nothing to move
		return out, nil
	case j.ResultState == domain.ResultArchived:
		// Done before; finish the last step in case we crashed right after it.
		if err := t.deleteAll(ctx, append(domain.ResultFiles(hotKey), domain.DownloadFiles(hotKey)...)); err != nil {
			return out, fmt.Errorf("archive job %s: drop hot copy: %w", j.ID, err)
		}
		out.Archived, out.Reason, out.ArchiveKey = true, "archived", j.ResultKey
		return out, nil
	case j.Status != domain.StatusCompleted:
		out.Reason = "job is " + string(j.Status)
		return out, nil
	case j.ResultState != domain.ResultAvailable || j.ResultKey != hotKey:
		out.Reason = "result is " + string(j.ResultState)
		return out, nil
	}

	p, err := t.profiles.Get(ctx, j.UserID)
	if err != nil {
		return out, fmt.Errorf("archive job %s: load user %s: %w", j.ID, j.UserID, err)
	}
	if p.Premium() {
		out.Reason = string(p.Role)
		return out, nil
	}

	// Auditors get the files' sha256 from the execution's record, exported
	// when it ends: after this move, when GLACIER cannot be read.
	sums, err := resultSums(ctx, t.blobs, j)
	if err != nil {
		return out, fmt.Errorf("archive job %s: %w", j.ID, err)
	}
	if err := t.copyFiles(ctx, domain.ResultFiles(hotKey), domain.ResultFiles(coldKey), domain.ClassGlacier); err != nil {
		return out, fmt.Errorf("archive job %s: %w", j.ID, err)
	}

	errMoved, errDeleted := errors.New("result moved meanwhile"), errors.New("job deleted meanwhile")
	_, err = t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.Deleted() {
			return errDeleted
		}
		if j.ResultState != domain.ResultAvailable || j.ResultKey != hotKey {
			return errMoved
		}
		j.ResultKey = coldKey
		j.ResultState = domain.ResultArchived
		j.FileSHA256 = sums
		j.ArchivedAt = t.now()
		return nil
	})
	if errors.Is(err, errDeleted) {
		// The owner deleted the job while we copied: the delete may have
		// run before our copies existed, so drop them here.
		if err := t.deleteAll(ctx, domain.ResultFiles(coldKey)); err != nil {
			return out, fmt.Errorf("archive job %s: drop the copy of a deleted job: %w", j.ID, err)
		}
		out.Reason = "job deleted"
		return out, nil
	}
	if errors.Is(err, errMoved) {
		// A concurrent attempt (a retry overlapping a timed-out one) got
		// there first: its record stands; finish like a repeated run.
		return t.ArchiveIfFree(ctx, in)
	}
	if err != nil {
		return out, fmt.Errorf("archive job %s: record archive: %w", j.ID, err)
	}
	if err := t.deleteAll(ctx, append(domain.ResultFiles(hotKey), domain.DownloadFiles(hotKey)...)); err != nil {
		return out, fmt.Errorf("archive job %s: drop hot copy: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job archived", "job", j.ID, "key", coldKey)
	out.Archived, out.Reason, out.ArchiveKey = true, "archived", coldKey
	return out, nil
}

// resultSums hashes the job's hot result files, by role (audit.ArchivedRoles).
func resultSums(ctx context.Context, blobs domain.Blobs, j domain.Job) (map[string]string, error) {
	objs, err := audit.HashJobFiles(ctx, blobs, j, audit.ArchivedRoles...)
	if err != nil {
		return nil, err
	}
	sums := map[string]string{}
	for _, o := range objs {
		if o.SHA256 != "" {
			sums[o.Role] = o.SHA256
		}
	}
	return sums, nil
}

// copyFiles copies each src file that exists (the first must) to the dst of
// the same index in the given class, and verifies each copy with Head
// (class and size) before returning.
func (t *Tasks) copyFiles(ctx context.Context, src, dst []string, class domain.StorageClass) error {
	for i := range src {
		from, err := t.blobs.Head(ctx, src[i])
		if i > 0 && errors.Is(err, domain.ErrNotFound) {
			continue // a job from before this file existed
		}
		if err != nil {
			return fmt.Errorf("head %s: %w", src[i], err)
		}
		if err := t.blobs.Copy(ctx, src[i], dst[i], class); err != nil {
			return fmt.Errorf("copy to %s: %w", dst[i], err)
		}
		to, err := t.blobs.Head(ctx, dst[i])
		if err != nil {
			return fmt.Errorf("verify %s: %w", dst[i], err)
		}
		if to.StorageClass != class || to.Size != from.Size {
			return fmt.Errorf("copy %s is %s with %d bytes, want %s with %d", dst[i], to.StorageClass, to.Size, class, from.Size)
		}
	}
	return nil
}

// deleteAll deletes every key (absent ones are not an error).
func (t *Tasks) deleteAll(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := t.blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}
