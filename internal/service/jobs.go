package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
)

// Read-side use cases of jobs: listing, one job with its owner, its files
// with the state rule, the archive countdown. Every read of one job goes
// through Job, so the access rule (the owner and auditors see a job, anyone
// else gets ErrNotFound) is never skipped.

// Job list page sizes.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Job returns a job its owner or an auditor may see; anyone else gets
// domain.ErrNotFound (not ErrForbidden: job ids are not to be probed).
func (s *Service) Job(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, error) {
	j, err := s.ports.Jobs.Get(ctx, jobID)
	if err != nil {
		return domain.Job{}, err
	}
	if j.UserID != viewer.ID && !viewer.Auditor {
		return domain.Job{}, fmt.Errorf("job %s: %w", jobID, domain.ErrNotFound)
	}
	if !j.DeletedAt.IsZero() && !viewer.Auditor {
		return domain.Job{}, fmt.Errorf("job %s was deleted: %w", jobID, domain.ErrNotFound)
	}
	return j, nil
}

// ListJobs lists the viewer's own jobs, newest first, limit at a time (a
// limit outside 1..MaxPageSize means DefaultPageSize); next is the cursor of
// the following page, "" at the end.
func (s *Service) ListJobs(ctx context.Context, viewer domain.Profile, cursor string, limit int) (jobs []domain.Job, next string, err error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = DefaultPageSize
	}
	jobs, next, err = s.ports.Jobs.ListByUser(ctx, viewer.ID, domain.Page{Limit: limit, Cursor: cursor})
	if errors.Is(err, domain.ErrInvalid) {
		return nil, "", domain.UserErrorf(domain.ErrInvalid, "the page cursor is not valid")
	}
	// Deleted jobs stay in the store for auditors; their owner no longer lists them.
	jobs = slices.DeleteFunc(jobs, func(j domain.Job) bool { return !j.DeletedAt.IsZero() })
	return jobs, next, err
}

// Owner returns the profile of j's owner: the viewer for their own job,
// else the stored profile (domain.ErrNotFound when it is gone).
func (s *Service) Owner(ctx context.Context, viewer domain.Profile, j domain.Job) (domain.Profile, error) {
	if j.UserID == viewer.ID {
		return viewer, nil
	}
	return s.ports.Profiles.Get(ctx, j.UserID)
}

// ArchiveAt is when a free owner's completed result moves to the archive;
// zero when it will not (domain.ArchiveAt, with this service's retention).
func (s *Service) ArchiveAt(owner domain.Profile, j domain.Job) time.Time {
	return domain.ArchiveAt(j, owner, s.cfg.Retention, s.cfg.Now())
}

// FileKind names one of a job's files.
type FileKind int

// A job's files.
const (
	FileInput  FileKind = iota // the uploaded VCF
	FileResult                 // the annotated VCF, once the job completed and while it is not archived
	FileLog                    // the annotation log, once the job has one
)

// OpenJobFile opens a job's input, result or log for the viewer (the rules
// of Job and JobFileKey).
func (s *Service) OpenJobFile(ctx context.Context, viewer domain.Profile, jobID string, kind FileKind) (io.ReadCloser, domain.Job, error) {
	key, j, err := s.JobFileKey(ctx, viewer, jobID, kind)
	if err != nil {
		return nil, j, err
	}
	rc, err := s.ports.Blobs.Get(ctx, key)
	if errors.Is(err, domain.ErrArchived) {
		return nil, j, domain.UserErrorf(domain.ErrArchived, "this file of job %s is archived; upgrade to premium to restore it", j.ID)
	}
	if err != nil {
		return nil, j, fmt.Errorf("open %s of job %s: %w", key, j.ID, err)
	}
	return rc, j, nil
}

// JobFileKey is the storage key of a job's input, result or log, if the
// viewer may read it now: a log once there is one, a result once the job
// completed and while it is neither archived nor being restored.
func (s *Service) JobFileKey(ctx context.Context, viewer domain.Profile, jobID string, kind FileKind) (string, domain.Job, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return "", j, err
	}
	key, err := fileKey(j, kind)
	return key, j, err
}

// fileKey is JobFileKey's rule without the access check.
func fileKey(j domain.Job, kind FileKind) (string, error) {
	if j.Deleted() { // only auditors see a deleted job
		return "", domain.UserErrorf(domain.ErrNotFound, "job %s was deleted %s; its files are gone", j.ID, j.DeletedAt.UTC().Format(time.RFC3339))
	}
	switch kind {
	case FileLog:
		if j.LogKey == "" {
			return "", domain.UserErrorf(domain.ErrNotFound, "job %s has no log yet (it is %s)", j.ID, j.Status)
		}
		return j.LogKey, nil
	case FileResult:
		switch j.Status {
		case domain.StatusCompleted:
		case domain.StatusFailed:
			return "", domain.UserErrorf(domain.ErrConflict, "job %s failed, so it has no result (the job's error says why)", j.ID)
		default:
			return "", domain.UserErrorf(domain.ErrConflict, "job %s has no result yet: it is %s", j.ID, j.Status)
		}
		switch j.VisibleResultState() {
		case domain.ResultArchived:
			return "", domain.UserErrorf(domain.ErrArchived, "the result of job %s is archived; upgrade to premium to restore it", j.ID)
		case domain.ResultRestoring:
			return "", domain.UserErrorf(domain.ErrRestoreInProgress, "the result of job %s is being restored; try again later", j.ID)
		}
		return j.ResultKey, nil
	}
	return j.InputKey, nil
}

// UpdateProfile sets the user's display name (1 to 200 characters) and
// institution (at most 200), trimmed.
func (s *Service) UpdateProfile(ctx context.Context, userID, name, institution string) (domain.Profile, error) {
	name, institution = strings.TrimSpace(name), strings.TrimSpace(institution)
	if name == "" || utf8.RuneCountInString(name) > 200 || utf8.RuneCountInString(institution) > 200 {
		return domain.Profile{}, domain.UserErrorf(domain.ErrInvalid, "name must be 1 to 200 characters and institution at most 200")
	}
	p, err := s.ports.Profiles.Update(ctx, userID, func(p *domain.Profile) error {
		p.Name, p.Institution = name, institution
		return nil
	})
	if err != nil {
		return domain.Profile{}, fmt.Errorf("update profile %s: %w", userID, err)
	}
	return p, nil
}
