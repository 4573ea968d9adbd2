package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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

// ResultLink returns a short-lived signed link to the job's result in
// format (ResultFile's rules): a signed link is the only way for a large
// file past a size-limited portal (the API Lambda). A format served as
// stored links the stored object; one made from it (plain VCF from the
// BGZF result, TSV) links a copy in domain.DownloadFiles, made on the first
// request and kept while the result is hot.
func (s *Service) ResultLink(ctx context.Context, viewer domain.Profile, jobID, format string) (string, error) {
	f, err := s.ResultFile(ctx, viewer, jobID, format)
	if err != nil {
		return "", err
	}
	if f.AsStored {
		return s.presignGet(ctx, f.Job, f.Key, f.FileName())
	}
	key := domain.DownloadFiles(f.Key)[0]
	if format == FormatTSV {
		key = domain.DownloadFiles(f.Key)[1]
	}
	if _, err := s.ports.Blobs.Head(ctx, key); errors.Is(err, domain.ErrNotFound) {
		if err := s.makeDownload(ctx, viewer, jobID, format, key); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", fmt.Errorf("download copy of job %s: %w", f.Job.ID, err)
	}
	return s.presignGet(ctx, f.Job, key, f.FileName())
}

// makeDownload stores the result in format at key (OpenResult's bytes). A
// failed Put stores nothing, so a later request makes it again.
func (s *Service) makeDownload(ctx context.Context, viewer domain.Profile, jobID, format, key string) error {
	rc, f, err := s.OpenResult(ctx, viewer, jobID, format)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := s.ports.Blobs.Put(ctx, key, rc); err != nil {
		return fmt.Errorf("make the %s download of job %s: %w", format, f.Job.ID, err)
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
