package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/service"
)

// Direct transfers (AWS). A Lambda's request and response are capped near
// 6 MB, so on AWS the browser uploads straight to S3 with a presigned POST
// and downloads through a presigned GET. The annotate page renders the
// signed form; the page's script posts it with XMLHttpRequest (for the
// progress bar) and then opens GET /annotate/uploaded?job=&key=, which
// checks the object and starts the job. Without Config.Direct (the embedded
// store) the portal carries the bytes itself.

// DirectStore signs browser transfers to and from the object store.
// s3blob.Split implements it.
type DirectStore interface {
	// PresignPost signs a form that uploads one file under p.KeyPrefix, at
	// most p.MaxBytes long.
	PresignPost(ctx context.Context, p s3blob.UploadPolicy) (s3blob.UploadForm, error)
	// PresignGet returns a link that downloads key for ttl as downloadName.
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error)
}

var _ DirectStore = s3blob.Split{}

const (
	// downloadLinkTTL is short: the browser follows the link at once.
	downloadLinkTTL = 5 * time.Minute
	uploadedPath    = "/annotate/uploaded"
)

// directForm is the signed upload form the annotate page renders.
type directForm struct {
	URL     string
	Fields  map[string]string // hidden inputs; the file input comes last
	Prefix  string            // the key prefix, so the script can name the object if S3's answer is unreadable
	Success string            // where the script goes after the upload, with &key= added
}

// inputPrefix is where the browser may put the input of job jobID.
func inputPrefix(userID, jobID string) string {
	return s3blob.InputsPrefix + userID + "/" + jobID + "/"
}

// newDirectForm signs an upload of one new job's input for v.
func (s *Server) newDirectForm(ctx context.Context, v *domain.Profile) (*directForm, error) {
	jobID := service.NewJobID()
	prefix := inputPrefix(v.ID, jobID)
	f, err := s.cfg.Direct.PresignPost(ctx, s3blob.UploadPolicy{KeyPrefix: prefix, MaxBytes: s.capFor(v)})
	if err != nil {
		return nil, fmt.Errorf("sign the upload form of %s: %w", v.ID, err)
	}
	return &directForm{URL: f.URL, Fields: f.Fields, Prefix: prefix, Success: uploadedPath + "?job=" + url.QueryEscape(jobID)}, nil
}

// originOf is the scheme://host of a URL, for the Content-Security-Policy.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// jobIDPattern matches service.NewJobID's ids (and the tests' readable ones).
var jobIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

var errNotYourUpload = &statusError{http.StatusForbidden, "this upload does not belong to your account"}

// uploaded is where the browser lands after its upload to S3: it checks that
// the object is the signed-in user's, exists, is within their cap and looks
// like a VCF, then starts the job. Visiting it again is harmless: StartJob
// carries on with the job it made the first time.
func (s *Server) uploaded(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := rq.viewer
	if v.Auditor {
		return errAuditorWrite
	}
	ctx := r.Context()
	jobID, key := r.URL.Query().Get("job"), r.URL.Query().Get("key")
	name, ok := strings.CutPrefix(key, inputPrefix(v.ID, jobID))
	if !jobIDPattern.MatchString(jobID) || !ok || name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return errNotYourUpload
	}
	display := sanitizeName(name)
	info, err := s.cfg.Blobs.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return public(&statusError{http.StatusBadRequest, fmt.Sprintf("%s did not arrive; please upload it again", display)})
	}
	if err != nil {
		return fmt.Errorf("uploaded job %s: %w", jobID, err)
	}
	// S3 enforced the policy's size range already; check again in case the
	// cap shrank (a downgrade) or the object came another way.
	if info.Size > s.capFor(v) {
		s.dropUpload(ctx, key)
		return s.overCap(v, display)
	}
	if err := s.sniffStored(ctx, display, key); err != nil {
		if errors.Is(err, domain.ErrInvalid) {
			s.dropUpload(ctx, key)
		}
		return err
	}
	j, err := s.cfg.Service.StartJob(ctx, service.StartRequest{UserID: v.ID, JobID: jobID, FileName: display, InputKey: key})
	if err != nil {
		if errors.Is(err, domain.ErrTooLarge) {
			return s.overCap(v, display)
		}
		return err
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID)+"/submitted", http.StatusSeeOther)
	return nil
}

// sniffStored checks that the stored object starts like a VCF, reading only its head.
func (s *Server) sniffStored(ctx context.Context, name, key string) error {
	rc, err := s.cfg.Blobs.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read the head of %s: %w", key, err)
	}
	defer rc.Close()
	_, err = sniffVCF(name, rc)
	return err
}

// dropUpload removes a refused upload; the bucket's lifecycle is no help
// for complete objects, and a refused file is of no use to anyone.
func (s *Server) dropUpload(ctx context.Context, key string) {
	if err := s.cfg.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, domain.ErrNotFound) {
		s.cfg.Log.Warn("delete refused upload", "key", key, "err", err)
	}
}

// redirectDownload sends the browser (or API client) to a short-lived
// presigned link for the job's input or result.
func (s *Server) redirectDownload(w http.ResponseWriter, r *http.Request, v *domain.Profile, kind service.FileKind) error {
	key, j, err := s.cfg.Service.JobFileKey(r.Context(), *v, r.PathValue("id"), kind)
	if err != nil {
		return err
	}
	return s.redirectKey(w, r, j, key, downloadName(j, kind))
}

// redirectKey answers 303 to a short-lived presigned link of key, saved as name.
func (s *Server) redirectKey(w http.ResponseWriter, r *http.Request, j domain.Job, key, name string) error {
	link, err := s.cfg.Direct.PresignGet(r.Context(), key, downloadLinkTTL, name)
	if err != nil {
		return fmt.Errorf("download link of job %s: %w", j.ID, err)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, link, http.StatusSeeOther)
	return nil
}
