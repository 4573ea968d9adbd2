package webui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// Helpers between the handlers and the use cases. Every job route, page or
// API, reads the job through jobFor, so the ownership rule (Service.Job: the
// owner and auditors see a job, anyone else gets ErrNotFound) is never skipped.

func (s *Server) jobFor(ctx context.Context, v *domain.Profile, id string) (domain.Job, error) {
	return s.cfg.Service.Job(ctx, *v, id)
}

// listJobs lists the viewer's own jobs, newest first.
func (s *Server) listJobs(ctx context.Context, v *domain.Profile, cursor string, limit int) ([]domain.Job, string, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	jobs, next, err := s.cfg.Jobs.ListByUser(ctx, v.ID, domain.Page{Limit: limit, Cursor: cursor})
	if errors.Is(err, domain.ErrInvalid) {
		return nil, "", public(fmt.Errorf("the page cursor is not valid: %w", domain.ErrInvalid))
	}
	return jobs, next, err
}

// resultState is the job's result state as the API reports it: empty until
// the job completes, AVAILABLE by default once it has.
func resultState(j domain.Job) domain.ResultState {
	if j.Status != domain.StatusCompleted {
		return ""
	}
	if j.ResultState == "" {
		return domain.ResultAvailable
	}
	return j.ResultState
}

type blobKind int

const (
	blobInput blobKind = iota
	blobResult
	blobLog
)

// openJobBlob opens a job's input, result or log for the viewer.
func (s *Server) openJobBlob(ctx context.Context, v *domain.Profile, id string, kind blobKind) (io.ReadCloser, domain.Job, error) {
	key, j, err := s.jobBlobKey(ctx, v, id, kind)
	if err != nil {
		return nil, j, err
	}
	rc, err := s.cfg.Blobs.Get(ctx, key)
	if errors.Is(err, domain.ErrArchived) {
		return nil, j, public(fmt.Errorf("this file of job %s is archived; upgrade to premium to restore it: %w", j.ID, domain.ErrArchived))
	}
	if err != nil {
		return nil, j, fmt.Errorf("open %s of job %s: %w", key, j.ID, err)
	}
	return rc, j, nil
}

// jobBlobKey is the key of a job's input, result or log, if the viewer may
// read it now.
func (s *Server) jobBlobKey(ctx context.Context, v *domain.Profile, id string, kind blobKind) (string, domain.Job, error) {
	j, err := s.jobFor(ctx, v, id)
	if err != nil {
		return "", j, err
	}
	var key string
	switch kind {
	case blobInput:
		key = j.InputKey
	case blobLog:
		key = j.LogKey
		if key == "" {
			return "", j, public(fmt.Errorf("job %s has no log yet (it is %s): %w", j.ID, j.Status, domain.ErrNotFound))
		}
	case blobResult:
		if j.Status != domain.StatusCompleted {
			return "", j, public(fmt.Errorf("job %s has no result: it is %s: %w", j.ID, j.Status, domain.ErrConflict))
		}
		switch resultState(j) {
		case domain.ResultArchived:
			return "", j, public(fmt.Errorf("the result of job %s is archived; upgrade to premium to restore it: %w", j.ID, domain.ErrArchived))
		case domain.ResultRestoring:
			return "", j, public(fmt.Errorf("the result of job %s is being restored; try again later: %w", j.ID, domain.ErrRestoreInProgress))
		}
		key = j.ResultKey
	}
	return key, j, nil
}

// jobHistory returns the job's workflow execution and its events.
func (s *Server) jobHistory(ctx context.Context, v *domain.Profile, id string) (domain.Job, domain.Execution, []domain.HistoryEvent, error) {
	j, err := s.jobFor(ctx, v, id)
	if err != nil {
		return j, domain.Execution{}, nil, err
	}
	if j.ExecutionID == "" {
		return j, domain.Execution{}, nil, nil // not started yet
	}
	ex, events, err := s.execution(ctx, j.ExecutionID)
	return j, ex, events, err
}

func (s *Server) execution(ctx context.Context, id string) (domain.Execution, []domain.HistoryEvent, error) {
	ex, err := s.cfg.Workflow.Describe(ctx, id)
	if err != nil {
		return ex, nil, fmt.Errorf("describe execution %s: %w", id, err)
	}
	events, err := s.cfg.Workflow.History(ctx, id)
	if err != nil {
		return ex, nil, fmt.Errorf("history of execution %s: %w", id, err)
	}
	return ex, events, nil
}

// executionFor returns any execution to an auditor, and to a user the
// executions that concern them: their jobs' and their restores.
func (s *Server) executionFor(ctx context.Context, v *domain.Profile, id string) (domain.Execution, []domain.HistoryEvent, error) {
	ex, events, err := s.execution(ctx, id)
	if err != nil {
		return ex, nil, err
	}
	if v.Auditor || s.executionOwner(ctx, ex) == v.ID {
		return ex, events, nil
	}
	return domain.Execution{}, nil, fmt.Errorf("execution %s of another user: %w", id, domain.ErrNotFound)
}

// executionOwner finds whose execution ex is: an annotation is named after
// its job, a restore is named restore-<user>-<n>.
func (s *Server) executionOwner(ctx context.Context, ex domain.Execution) string {
	if ex.StateMachine == domain.MachineRestore {
		return restoreOwner(ex.Name)
	}
	if j, err := s.cfg.Jobs.Get(ctx, ex.Name); err == nil {
		return j.UserID
	}
	return ""
}

func restoreOwner(name string) string {
	const prefix = "restore-"
	if len(name) <= len(prefix) || name[:len(prefix)] != prefix {
		return ""
	}
	rest := name[len(prefix):]
	for i := len(rest) - 1; i >= 0; i-- {
		if rest[i] == '-' {
			return rest[:i]
		}
	}
	return ""
}

// capFor is the largest upload the user may make.
func (s *Server) capFor(p *domain.Profile) int64 {
	if c := s.cfg.Service.UploadCap(*p); c > 0 && c < s.cfg.MaxUpload {
		return c
	}
	return s.cfg.MaxUpload
}

// bodyLimit is the largest upload the portal carries itself (the request
// body limit); with Config.Direct it may be below the users' caps.
func (s *Server) bodyLimit() int64 {
	if s.cfg.RequestLimit > 0 && s.cfg.RequestLimit < s.cfg.MaxUpload {
		return s.cfg.RequestLimit
	}
	return s.cfg.MaxUpload
}

// tooLarge is the error for an upload of name over what v may send through
// the portal: their cap, or the request limit when that is lower.
func (s *Server) tooLarge(v *domain.Profile, name string) error {
	limit := s.capFor(v)
	if body := s.bodyLimit(); body < limit {
		return public(&statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"%s is larger than this server accepts in one request (%s); upload larger files on the portal's Annotate page",
			name, formatBytes(body))})
	}
	return s.overCap(v, name)
}

// overCap is the error for an upload of name over v's cap, with the upgrade
// hint when premium would allow more.
func (s *Server) overCap(v *domain.Profile, name string) error {
	limit := s.capFor(v)
	return public(&tooLargeError{name: name, limit: limit, premiumLimit: s.cfg.MaxUpload,
		upgradable: !v.Premium() && s.cfg.MaxUpload > limit})
}

// submit checks that the upload is a VCF and starts one job.
func (s *Server) submit(ctx context.Context, v *domain.Profile, fileName string, body io.Reader) (domain.Job, error) {
	if v.Auditor {
		return domain.Job{}, errAuditorWrite
	}
	name := sanitizeName(fileName)
	vcf, err := sniffVCF(name, body)
	if err == nil {
		var j domain.Job
		j, err = s.cfg.Service.SubmitJob(ctx, service.SubmitRequest{UserID: v.ID, FileName: name, Body: vcf})
		if err == nil {
			return j, nil
		}
	}
	var mbe *http.MaxBytesError
	if errors.Is(err, domain.ErrTooLarge) || errors.As(err, &mbe) {
		return domain.Job{}, s.tooLarge(v, name)
	}
	return domain.Job{}, err
}

// upgrade is the one decision behind the page's and the API's upgrade. With a
// payment provider (Config.Checkout) nothing changes yet: checkout is the
// payment page to send the viewer to, and the provider's webhook upgrades.
// Without one (test mode) the viewer becomes premium at once and the restore starts.
func (s *Server) upgrade(r *http.Request, v *domain.Profile) (checkout string, p domain.Profile, err error) {
	if v.Auditor {
		return "", domain.Profile{}, errAuditorWrite
	}
	if s.cfg.Checkout != nil {
		u, err := s.checkoutURL(r, v)
		return u, *v, err
	}
	p, _, err = s.cfg.Service.Upgrade(r.Context(), v.ID)
	return "", p, err
}

// archiveAt is when a free user's completed result moves to the archive;
// zero when it will not. The archive step runs once, at the end of the
// retention wait: a result still hot well after that (its owner was premium
// then, or it was restored) stays hot.
func (s *Server) archiveAt(owner domain.Profile, j domain.Job) time.Time {
	if owner.Premium() || resultState(j) != domain.ResultAvailable || j.CompletedAt.IsZero() ||
		!j.ArchivedAt.IsZero() || !j.RestoredAt.IsZero() {
		return time.Time{}
	}
	at := j.CompletedAt.Add(s.cfg.Retention)
	if s.cfg.Now().After(at.Add(time.Minute)) {
		return time.Time{}
	}
	return at
}
