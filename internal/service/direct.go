package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Direct transfers (AWS). A Lambda's request and response are capped near
// 6 MB, so there the browser uploads straight to the object store with a
// signed form (NewDirectUpload), and the portal then checks what arrived and
// starts the job (FinishDirectUpload); downloads go through short-lived
// signed links (DownloadLink). Ports.Direct signs; without it (the embedded
// store) the portal carries the bytes itself.

// DownloadLinkTTL is short: the browser follows the link at once.
const DownloadLinkTTL = 5 * time.Minute

// DirectUpload is a signed form for one new job's input.
type DirectUpload struct {
	JobID  string
	Prefix string // InputPrefix of the job: the form puts the file under it
	Form   domain.UploadForm
}

// Direct reports whether browsers transfer files with the object store
// itself (Ports.Direct is set).
func (s *Service) Direct() bool { return s.ports.Direct != nil }

// NewDirectUpload signs an upload of one new job's input for viewer, up to
// their cap.
func (s *Service) NewDirectUpload(ctx context.Context, viewer domain.Profile) (DirectUpload, error) {
	if s.ports.Direct == nil {
		return DirectUpload{}, fmt.Errorf("direct upload: no signer: %w", domain.ErrNotFound)
	}
	limit := s.UploadCap(viewer)
	if limit <= 0 {
		return DirectUpload{}, fmt.Errorf("direct upload: a signed upload needs an upload limit (Config.UploadLimit): %w", domain.ErrInvalid)
	}
	jobID := NewJobID()
	prefix := InputPrefix(viewer.ID, jobID)
	f, err := s.ports.Direct.PresignPost(ctx, domain.UploadPolicy{KeyPrefix: prefix, MaxBytes: limit})
	if err != nil {
		return DirectUpload{}, fmt.Errorf("sign the upload form of %s: %w", viewer.ID, err)
	}
	return DirectUpload{JobID: jobID, Prefix: prefix, Form: f}, nil
}

// jobIDPattern matches NewJobID's ids (and the tests' readable ones).
var jobIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// FinishDirectUpload starts the job of a direct upload once the browser has
// put it at key: key must be directly under the viewer's InputPrefix for
// jobID, the object must exist, be within the viewer's cap (checked again in
// case the cap shrank or the object came another way) and start like a VCF
// (CheckVCF). The job runs with opts (the options the page chose). A
// refused object is deleted. Calling it again is harmless:
// StartJob carries on with the job it made the first time.
func (s *Service) FinishDirectUpload(ctx context.Context, viewer domain.Profile, jobID, key string, opts domain.RunOptions) (domain.Job, error) {
	name, ok := strings.CutPrefix(key, InputPrefix(viewer.ID, jobID))
	if !jobIDPattern.MatchString(jobID) || !ok || name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return domain.Job{}, domain.UserErrorf(domain.ErrForbidden, "this upload does not belong to your account")
	}
	display := CleanFileName(name)
	info, err := s.ports.Blobs.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Job{}, domain.UserErrorf(domain.ErrInvalid, "%s did not arrive; please upload it again", display)
	}
	if err != nil {
		return domain.Job{}, fmt.Errorf("uploaded job %s: %w", jobID, err)
	}
	if limit := s.UploadCap(viewer); limit > 0 && info.Size > limit {
		s.dropUpload(ctx, key)
		return domain.Job{}, &TooLargeError{Name: display, Limit: limit}
	}
	if err := s.checkStored(ctx, display, key); err != nil {
		if errors.Is(err, domain.ErrInvalid) {
			s.dropUpload(ctx, key)
		}
		return domain.Job{}, err
	}
	return s.StartJob(ctx, StartRequest{UserID: viewer.ID, JobID: jobID, FileName: display, InputKey: key, Options: opts})
}

// checkStored checks that the stored object starts like a VCF, reading only its head.
func (s *Service) checkStored(ctx context.Context, name, key string) error {
	rc, err := s.ports.Blobs.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read the head of %s: %w", key, err)
	}
	defer rc.Close()
	_, err = CheckVCF(name, rc)
	return err
}

// dropUpload removes a refused upload; a bucket's lifecycle is no help for
// complete objects, and a refused file is of no use to anyone.
func (s *Service) dropUpload(ctx context.Context, key string) {
	if err := s.ports.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, domain.ErrNotFound) {
		s.cfg.Logger.WarnContext(ctx, "delete refused upload", "key", key, "err", err)
	}
}

// DownloadLink returns a short-lived signed link to a job's input or result
// (the rules of JobFileKey), saved under DownloadName.
func (s *Service) DownloadLink(ctx context.Context, viewer domain.Profile, jobID string, kind FileKind) (string, error) {
	key, j, err := s.JobFileKey(ctx, viewer, jobID, kind)
	if err != nil {
		return "", err
	}
	return s.presignGet(ctx, j, key, DownloadName(j, kind))
}

// Copier makes the download copy of a job's result (MakeDownload, run
// where it may take long: the download Lambda on AWS). With wait it returns
// once the copy is stored (or failed); without, once the copy is started.
type Copier interface {
	MakeDownload(ctx context.Context, req domain.DownloadRequest, wait bool) error
}

// CopyTimeout is how long a background copy may take (the download
// Lambda's timeout): a marker older than this, with no copy, is a lost
// attempt, and the next request starts another.
const CopyTimeout = 15 * time.Minute

// ResultDownload is where a result download is: a signed link, or, while
// its copy is being made in the background, when to ask again.
type ResultDownload struct {
	Link       string        // the signed link; "" while Preparing
	Preparing  bool          // the copy is being made: ask again after RetryAfter
	RetryAfter time.Duration // a hint, from the result's size
	Message    string        // for people: what is happening and since when
}

// ResultLink returns a short-lived signed link to the job's result in
// format (ResultFile's rules): a signed link is the only way for a large
// file past a size-limited portal (the API Lambda). A format served as
// stored links the stored object; one made from it (plain VCF from the
// BGZF result, TSV) links a copy (domain.DownloadKey), made on the first
// request and kept while the result is hot. With a Copier, a result of up
// to Config.WaitCopyBytes is copied while the request waits; a larger one
// in the background: the first request starts the copy and answers
// Preparing, as do later ones until the copy is stored (a copy that failed,
// or was lost past CopyTimeout, is started again).
func (s *Service) ResultLink(ctx context.Context, viewer domain.Profile, jobID, format string) (ResultDownload, error) {
	f, err := s.ResultFile(ctx, viewer, jobID, format)
	if err != nil {
		return ResultDownload{}, err
	}
	link := func(key string) (ResultDownload, error) {
		l, err := s.presignGet(ctx, f.Job, key, f.FileName())
		return ResultDownload{Link: l}, err
	}
	if f.AsStored {
		return link(f.Key)
	}
	if format == "" {
		format = FormatVCF
	}
	key := domain.DownloadKey(f.Key, format)
	if _, err := s.ports.Blobs.Head(ctx, key); err == nil {
		return link(key)
	} else if !errors.Is(err, domain.ErrNotFound) {
		return ResultDownload{}, fmt.Errorf("download copy of job %s: %w", f.Job.ID, err)
	}
	req := domain.DownloadRequest{JobID: f.Job.ID, Format: format}
	if s.ports.Copier == nil {
		if err := s.MakeDownload(ctx, req); err != nil {
			return ResultDownload{}, err
		}
		return link(key)
	}
	info, err := s.ports.Blobs.Head(ctx, f.Key)
	if err != nil {
		return ResultDownload{}, fmt.Errorf("result of job %s: %w", f.Job.ID, err)
	}
	if info.Size <= s.cfg.WaitCopyBytes {
		if err := s.ports.Copier.MakeDownload(ctx, req, true); err != nil {
			return ResultDownload{}, fmt.Errorf("make the %s download of job %s: %w", format, f.Job.ID, err)
		}
		return link(key)
	}
	return s.backgroundCopy(ctx, f, req, key, info.Size)
}

// backgroundCopy starts the copy at key unless its marker says an attempt
// is under way, and says to come back.
func (s *Service) backgroundCopy(ctx context.Context, f ResultFile, req domain.DownloadRequest, key string, size int64) (ResultDownload, error) {
	m, err := s.downloadMarker(ctx, key)
	if err != nil {
		return ResultDownload{}, err
	}
	now := s.cfg.Now()
	running := !m.StartedAt.IsZero() && m.FailedAt.IsZero() && now.Sub(m.StartedAt) < CopyTimeout
	failed := m.Error
	if !running {
		// Noted before it starts, so that the requests until it is done
		// start nothing more (the copier does not run it twice either).
		m = domain.DownloadMarker{StartedAt: now.UTC()}
		if err := s.putMarker(ctx, key, m); err != nil {
			return ResultDownload{}, err
		}
		req.Background = true
		if err := s.ports.Copier.MakeDownload(ctx, req, false); err != nil {
			s.noteFailure(ctx, key, m, err)
			return ResultDownload{}, fmt.Errorf("start the %s download of job %s: %w", req.Format, f.Job.ID, err)
		}
	}
	// Copies run at 100-200 MB/s of output; BGZF holds 3-10x less.
	retry := min(max(time.Duration(size/(20<<20))*time.Second, 10*time.Second), 2*time.Minute)
	msg := fmt.Sprintf("Preparing your download: the %s file of %s is being made from the compressed result (%s) since %s UTC. "+
		"Try again in %s; the download starts once it is ready.", f.FileName(), f.Job.ID, fmt.Sprintf("%.0f MB", float64(size)/1e6), m.StartedAt.UTC().Format("15:04:05"), retry)
	if failed != "" && !running {
		msg += " (The previous attempt failed: " + failed + "; this is a new one.)"
	}
	return ResultDownload{Preparing: true, RetryAfter: retry, Message: msg}, nil
}

// downloadMarker reads the marker of the copy at key (the zero marker when
// there is none, or it cannot be read as one).
func (s *Service) downloadMarker(ctx context.Context, key string) (domain.DownloadMarker, error) {
	var m domain.DownloadMarker
	rc, err := s.ports.Blobs.Get(ctx, domain.DownloadMarkerKey(key))
	if errors.Is(err, domain.ErrNotFound) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("download copy %s: %w", key, err)
	}
	defer rc.Close()
	if json.NewDecoder(io.LimitReader(rc, 64<<10)).Decode(&m) != nil {
		return domain.DownloadMarker{}, nil
	}
	return m, nil
}

// MakeDownload stores the copy of a job's result in req.Format
// (domain.DownloadKey) unless it is there: the download Lambda's handler
// on AWS, run by Copier.MakeDownload; no viewer (ResultLink checked the
// one who asked). A background request's failure is noted in the copy's
// marker (ResultLink noted its start). A failed Put stores nothing, so a
// later request makes the copy again.
func (s *Service) MakeDownload(ctx context.Context, req domain.DownloadRequest) error {
	j, err := s.ports.Jobs.Get(ctx, req.JobID)
	if err != nil {
		return fmt.Errorf("download of job %s: %w", req.JobID, err)
	}
	if !slices.Contains(domain.DownloadFormats, req.Format) {
		return fmt.Errorf("download of job %s: format %q is not one of %v: %w", j.ID, req.Format, domain.DownloadFormats, domain.ErrInvalid)
	}
	f, err := resultFile(j, req.Format)
	if err != nil {
		return err
	}
	key := domain.DownloadKey(f.Key, req.Format)
	if _, err := s.ports.Blobs.Head(ctx, key); err == nil {
		return nil // made already (a repeated request)
	}
	start := s.cfg.Now().UTC()
	err = s.copyResult(ctx, f, req.Format, key)
	if err != nil && req.Background {
		s.noteFailure(ctx, key, domain.DownloadMarker{StartedAt: start}, err)
	}
	return err
}

// noteFailure records in the marker of the copy at key that the attempt m
// failed with err, so that the next request starts another and says why.
func (s *Service) noteFailure(ctx context.Context, key string, m domain.DownloadMarker, err error) {
	m.FailedAt, m.Error = s.cfg.Now().UTC(), err.Error()
	if merr := s.putMarker(ctx, key, m); merr != nil {
		s.cfg.Logger.WarnContext(ctx, "note a failed download copy", "key", key, "err", merr)
	}
}

func (s *Service) copyResult(ctx context.Context, f ResultFile, format, key string) error {
	rc, err := s.openResult(ctx, f, format)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := s.ports.Blobs.Put(ctx, key, rc); err != nil {
		return fmt.Errorf("make the %s download of job %s: %w", format, f.Job.ID, err)
	}
	return nil
}

func (s *Service) putMarker(ctx context.Context, key string, m domain.DownloadMarker) error {
	b, _ := json.Marshal(m)
	if err := s.ports.Blobs.Put(ctx, domain.DownloadMarkerKey(key), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("note the download copy %s: %w", key, err)
	}
	return nil
}

func (s *Service) presignGet(ctx context.Context, j domain.Job, key, name string) (string, error) {
	if s.ports.Direct == nil {
		return "", fmt.Errorf("download link: no signer: %w", domain.ErrNotFound)
	}
	link, err := s.ports.Direct.PresignGet(ctx, key, DownloadLinkTTL, name)
	if err != nil {
		return "", fmt.Errorf("download link of job %s: %w", j.ID, err)
	}
	return link, nil
}

// DownloadName is the file name a browser saves: the user's own name, with
// .annotated before the extension for the result, .log for the log.
func DownloadName(j domain.Job, kind FileKind) string {
	name := CleanFileName(j.InputName)
	switch kind {
	case FileResult:
		return stem(name) + ".annotated.vcf"
	case FileLog:
		return stem(name) + ".log"
	}
	return name
}

// stem is name without its VCF extension (.vcf, .vcf.gz, .vcf.bgz, .gz; any case).
func stem(name string) string {
	for _, ext := range []string{".vcf.gz", ".vcf.bgz", ".vcf", ".gz"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}
