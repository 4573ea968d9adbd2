// Package service holds the use cases the portal and the JSON API share,
// over the domain ports only, so the same code runs with the embedded
// adapters (`gas serve`, wired by internal/app) and with the AWS ones (the
// api Lambda): submit a job, upgrade a user and restore their archive, read a
// job or its execution history with the owner/auditor check.
package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// Ports are the adapters the use cases need.
type Ports struct {
	Jobs     domain.Jobs
	Profiles domain.Profiles
	Blobs    domain.Blobs
	Workflow domain.Workflow
	// Direct, when set, signs browser uploads to and downloads from the
	// object store (direct.go); without it the portal carries the bytes.
	Direct domain.DirectTransfers
	// Archive, when set, holds exported execution histories (internal/audit):
	// read when the workflow engine has forgotten an execution.
	Archive audit.Archive
	// Copier, when set, makes the download copies of results (ResultLink)
	// away from the portal: on AWS the download Lambda, so that a copy
	// larger than the API's time limit allows is made in the background.
	// Without it the service makes them during the request.
	Copier Copier
}

// Config holds the service's settings.
type Config struct {
	// Retention is how long a free user's result stays hot before archiving
	// (the annotation execution's retention_seconds). Default 180 s.
	Retention time.Duration
	// FreeCap is the largest upload a free user may make, in bytes. Default 150 KB.
	FreeCap int64
	// UploadLimit is the operator's cap on any upload, premium included, in
	// bytes; 0 means no limit.
	UploadLimit int64
	// RestoreRetry is how long a restore waits before its next round retries
	// the jobs the previous round could not bring back (the restore
	// execution's retry_seconds, whole seconds, at least 1). Default 15 min.
	RestoreRetry time.Duration
	// WaitCopyBytes is the largest stored result (BGZF bytes) whose download
	// copy a request waits for, with a Copier; a larger one is made in the
	// background (ResultLink). Default DefaultWaitCopyBytes.
	WaitCopyBytes int64
	// DeleteHashBytes bounds the bytes DeleteJob reads to hash a job's files
	// before it deletes them (for the audit record); a file beyond it is
	// recorded with its size and storage class, unhashed. Default
	// DefaultDeleteHashBytes.
	DeleteHashBytes int64
	Now             func() time.Time
	Logger          *slog.Logger
}

// Defaults of Config.
const (
	DefaultRetention    = 180 * time.Second
	DefaultRestoreRetry = 15 * time.Minute
	// DefaultWaitCopyBytes: 64 MiB of BGZF decompress to at most ~0.6 GB
	// (annotated VCF compresses 3-10x), well within API Gateway's 29 s at
	// the 100-200 MB/s a copy runs.
	DefaultWaitCopyBytes = 64 << 20
	// DefaultDeleteHashBytes: 1 GiB hashes in 5-11 s at the 100-200 MB/s an
	// S3 read runs, within API Gateway's 29 s; every free job's files fit.
	DefaultDeleteHashBytes = 1 << 30
)

// DefaultFreeCap is the free tier's upload cap unless the operator sets another.
var DefaultFreeCap = domain.FreeLimits.UploadBytes

// Service runs the use cases.
type Service struct {
	ports   Ports
	cfg     Config
	indexes *indexCache // open variant indexes (variants.go)
}

// New builds the service; zero Config fields get their defaults.
func New(p Ports, cfg Config) *Service {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.FreeCap <= 0 {
		cfg.FreeCap = DefaultFreeCap
	}
	if cfg.RestoreRetry <= 0 {
		cfg.RestoreRetry = DefaultRestoreRetry
	}
	if cfg.WaitCopyBytes <= 0 {
		cfg.WaitCopyBytes = DefaultWaitCopyBytes
	}
	if cfg.DeleteHashBytes <= 0 {
		cfg.DeleteHashBytes = DefaultDeleteHashBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{ports: p, cfg: cfg, indexes: newIndexCache(32, maxIndexFiles)}
}

// Config returns the settings in effect (defaults filled in).
// maxIndexFiles bounds the files the open variant indexes hold (a joined
// index in the directory store holds one a shard).
const maxIndexFiles = 2048

func (s *Service) Config() Config { return s.cfg }

// UploadCap is the largest input p may submit, in bytes (0: unlimited).
func (s *Service) UploadCap(p domain.Profile) int64 {
	limit := s.cfg.UploadLimit
	if !p.Premium() && (limit == 0 || s.cfg.FreeCap < limit) {
		limit = s.cfg.FreeCap
	}
	return limit
}

// NewJobID returns a fresh, URL-safe job id. It is also the annotation
// execution's name, so it must be unique.
func NewJobID() string { return strings.ToLower(rand.Text()) }

// SubmitRequest is an upload to annotate.
type SubmitRequest struct {
	UserID   string
	FileName string    // as the user named it; CleanFileName makes the job's InputName
	Body     io.Reader // the VCF (plain, gzip or BGZF)
	Options  domain.RunOptions
}

// SubmitJob checks that the upload is a VCF (CheckVCF), stores it, creates
// the PENDING job and starts its annotation execution (name = job id). An
// upload over the user's cap fails with domain.ErrTooLarge and leaves
// nothing behind.
func (s *Service) SubmitJob(ctx context.Context, req SubmitRequest) (domain.Job, error) {
	p, err := s.ports.Profiles.Get(ctx, req.UserID)
	if err != nil {
		return domain.Job{}, fmt.Errorf("submit job: user %s: %w", req.UserID, err)
	}
	if err := req.Options.Check(); err != nil {
		return domain.Job{}, domain.ForUser(err)
	}
	name := CleanFileName(req.FileName)
	counted := &countingReader{r: req.Body, limit: s.UploadCap(p)}
	tooLarge := func() error { return &TooLargeError{Name: name, Limit: counted.limit} }
	body, err := CheckVCF(name, counted)
	if err != nil {
		if counted.over {
			return domain.Job{}, tooLarge()
		}
		return domain.Job{}, err
	}
	if err := s.precheckJobQuota(ctx, p); err != nil { // before storing an upload that would be refused
		return domain.Job{}, err
	}
	id := NewJobID()
	key := InputKey(p.ID, id, name)
	if err := s.ports.Blobs.Put(ctx, key, body); err != nil {
		s.ports.Blobs.Delete(ctx, key) // a store may keep a partial object; ours is unused
		if counted.over {
			return domain.Job{}, tooLarge()
		}
		return domain.Job{}, fmt.Errorf("submit job: store %s: %w", key, err)
	}
	return s.StartJob(ctx, StartRequest{UserID: p.ID, JobID: id, FileName: name, InputKey: key, Options: req.Options})
}

// StartRequest names an input that is already in the store (uploaded by
// SubmitJob, or by the browser straight to S3 with a presigned POST).
type StartRequest struct {
	UserID   string
	JobID    string // from NewJobID; the key's job segment
	FileName string
	InputKey string
	Options  domain.RunOptions
}

// StartJob creates the PENDING job for a stored input and starts its
// execution. The input's size is checked against the user's cap (the store
// may have enforced it already). Starting the same job again is harmless.
func (s *Service) StartJob(ctx context.Context, req StartRequest) (domain.Job, error) {
	if err := req.Options.Check(); err != nil {
		return domain.Job{}, domain.ForUser(err)
	}
	p, err := s.ports.Profiles.Get(ctx, req.UserID)
	if err != nil {
		return domain.Job{}, fmt.Errorf("start job: user %s: %w", req.UserID, err)
	}
	if req.JobID == "" || !strings.HasPrefix(req.InputKey, InputPrefix(p.ID, req.JobID)) {
		return domain.Job{}, fmt.Errorf("start job: %w: key %q is not an input of user %s, job %s", domain.ErrForbidden, req.InputKey, p.ID, req.JobID)
	}
	info, err := s.ports.Blobs.Head(ctx, req.InputKey)
	if err != nil {
		return domain.Job{}, fmt.Errorf("start job %s: input %s: %w", req.JobID, req.InputKey, err)
	}
	if limit := s.UploadCap(p); limit > 0 && info.Size > limit {
		s.ports.Blobs.Delete(ctx, req.InputKey)
		return domain.Job{}, &TooLargeError{Name: CleanFileName(req.FileName), Limit: limit}
	}
	j := domain.Job{
		ID: req.JobID, UserID: p.ID, InputName: CleanFileName(req.FileName), InputKey: req.InputKey, InputSize: info.Size,
		SubmittedAt: s.cfg.Now().UTC(), Status: domain.StatusPending, Options: req.Options,
	}
	if err := s.createJob(ctx, p, j); errors.Is(err, domain.ErrConflict) {
		// Started before (a retried request): carry on with the stored job if it is this one.
		existing, gerr := s.ports.Jobs.Get(ctx, j.ID)
		if gerr != nil {
			return domain.Job{}, fmt.Errorf("start job %s: %w", j.ID, gerr)
		}
		if existing.UserID != j.UserID || existing.InputKey != j.InputKey {
			return domain.Job{}, fmt.Errorf("start job %s: another job has this id: %w", j.ID, domain.ErrConflict)
		}
		j = existing
	} else if errors.Is(err, domain.ErrLimit) {
		return domain.Job{}, err
	} else if err != nil {
		return domain.Job{}, fmt.Errorf("start job %s: %w", j.ID, err)
	}
	execID, err := s.ports.Workflow.Start(ctx, domain.MachineAnnotation, j.ID, s.annotationInput(j))
	if err != nil {
		reason := "the annotation workflow could not be started; please submit the file again"
		s.ports.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
			if j.Status == domain.StatusPending && j.ExecutionID == "" {
				j.Status, j.Error, j.CompletedAt = domain.StatusFailed, reason, s.cfg.Now().UTC()
			}
			return nil
		})
		return domain.Job{}, fmt.Errorf("start job %s: start execution: %w", j.ID, err)
	}
	j, err = s.ports.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		j.ExecutionID = execID
		return nil
	})
	if err != nil {
		return domain.Job{}, fmt.Errorf("start job %s: record execution: %w", req.JobID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "job submitted", "job", j.ID, "user", j.UserID, "bytes", j.InputSize)
	return j, nil
}

// TooLargeError is an upload over the user's cap; it matches domain.ErrTooLarge.
type TooLargeError struct {
	Name  string // the file, as CleanFileName gives it
	Limit int64  // the user's cap, bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than your upload limit of %d bytes", e.Name, e.Limit)
}

func (e *TooLargeError) Unwrap() error { return domain.ErrTooLarge }

// countingReader fails once more than limit bytes (limit > 0) pass through.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.limit > 0 && c.n > c.limit {
		c.over = true
		return n, domain.ErrTooLarge
	}
	return n, err
}
