package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// Job management: delete a job with all its files, re-run one with new options.

// DeleteJob removes the owner's finished job: every file it has (input, log,
// the result and the files beside it, hot and archived alike) is deleted,
// and the job answers domain.ErrNotFound from then on, except to auditors,
// who keep seeing the record with who deleted it and when, and its files as
// they were just before (Job.DeletedFiles: key, size, storage class,
// sha256). A running job, or one being restored, is a conflict.
func (s *Service) DeleteJob(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, error) {
	j, err := s.ownJob(ctx, viewer, jobID, "delete")
	if err != nil {
		return j, err
	}
	if !j.Terminal() || j.VisibleResultState() == domain.ResultRestoring {
		return j, domain.UserErrorf(domain.ErrConflict, "job %s is %s; it can be deleted once it has finished", j.ID, jobState(j))
	}
	// Hash first: the execution's audit record, exported when it ends (after
	// the retention wait, so possibly after this), lists the files from the
	// job record once they are gone. A file in GLACIER is noted, not read.
	files, err := audit.HashBeforeDelete(ctx, s.ports.Blobs, j, s.cfg.DeleteHashBytes)
	if err != nil {
		return j, fmt.Errorf("delete job %s: hash its files: %w", jobID, err)
	}
	// Mark before deleting: the workflow's later steps (archiving) then
	// leave the job alone.
	errMoved := errors.New("result moved meanwhile")
	hashed := j
	j, err = s.ports.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.Deleted() {
			return nil // a concurrent delete got there first; its record stands
		}
		if j.ResultKey != hashed.ResultKey || j.ResultState != hashed.ResultState {
			return errMoved
		}
		j.DeletedAt, j.DeletedBy, j.DeletedFiles = s.cfg.Now().UTC(), viewer.ID, files
		return nil
	})
	if errors.Is(err, errMoved) {
		return j, domain.UserErrorf(domain.ErrConflict, "the result of job %s was being archived or restored just now; try the delete again", jobID)
	}
	if err != nil {
		return j, fmt.Errorf("delete job %s: %w", jobID, err)
	}
	for _, key := range jobKeys(j) {
		if err := s.ports.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return j, fmt.Errorf("delete job %s: %s: %w", j.ID, key, err)
		}
		s.indexes.forget(key)
	}
	s.cfg.Logger.InfoContext(ctx, "job deleted", "job", j.ID, "user", j.UserID, "by", viewer.ID)
	return j, nil
}

func jobState(j domain.Job) string {
	if j.VisibleResultState() == domain.ResultRestoring {
		return "being restored"
	}
	return string(j.Status)
}

// jobKeys is every key a job may have files under, in every storage class.
func jobKeys(j domain.Job) []string {
	keys := []string{j.InputKey}
	if j.LogKey != "" {
		keys = append(keys, j.LogKey)
	}
	if j.ResultKey != "" {
		hot, cold := j.ResultKey, j.ResultKey
		if rest, ok := strings.CutPrefix(j.ResultKey, "archive/"); ok {
			hot = "results/" + rest
		} else if rest, ok := strings.CutPrefix(j.ResultKey, "results/"); ok {
			cold = "archive/" + rest
		}
		keys = append(keys, domain.ResultFiles(hot)...)
		keys = append(keys, domain.ResultFiles(cold)...)
		keys = append(keys, domain.DownloadFiles(hot)...)
	}
	return keys
}

// Rerun starts a new job of the owner from the stored input of jobID, with
// new options. The new job has its own copy of the input.
func (s *Service) Rerun(ctx context.Context, viewer domain.Profile, jobID string, opts domain.RunOptions) (domain.Job, error) {
	if err := opts.Check(); err != nil {
		return domain.Job{}, domain.ForUser(err)
	}
	j, err := s.ownJob(ctx, viewer, jobID, "re-run")
	if err != nil {
		return domain.Job{}, err
	}
	id := NewJobID()
	key := InputKey(viewer.ID, id, j.InputName)
	if err := s.ports.Blobs.Copy(ctx, j.InputKey, key, domain.ClassStandard); errors.Is(err, domain.ErrNotFound) {
		return domain.Job{}, domain.UserErrorf(domain.ErrNotFound, "the input of job %s is gone; submit the file again", j.ID)
	} else if err != nil {
		return domain.Job{}, fmt.Errorf("re-run job %s: copy input: %w", j.ID, err)
	}
	return s.StartJob(ctx, StartRequest{UserID: viewer.ID, JobID: id, FileName: j.InputName, InputKey: key, Options: opts})
}

// ownJob is Job for an action only the owner may take: auditors are
// refused, anyone else does not see the job.
func (s *Service) ownJob(ctx context.Context, viewer domain.Profile, jobID, action string) (domain.Job, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return j, err
	}
	if j.UserID != viewer.ID {
		if viewer.Auditor {
			return j, domain.UserErrorf(domain.ErrForbidden, "auditor accounts are read-only: they cannot %s jobs", action)
		}
		return j, fmt.Errorf("job %s: %w", jobID, domain.ErrNotFound)
	}
	if !j.DeletedAt.IsZero() {
		return j, fmt.Errorf("job %s is deleted: %w", jobID, domain.ErrNotFound)
	}
	return j, nil
}
