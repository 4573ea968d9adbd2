package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// Direct transfers (AWS; service.Service.Direct). The annotate page renders
// the signed form; the page's script posts it with XMLHttpRequest (for the
// progress bar) and then opens GET /annotate/uploaded?job=&key=, which has
// the service check the object and start the job. Downloads redirect to a
// short-lived signed link. Without direct transfers the portal carries the
// bytes itself.

const uploadedPath = "/annotate/uploaded"

// directForm is the signed upload form the annotate page renders.
type directForm struct {
	URL     string
	Fields  map[string]string // hidden inputs; the file input comes last
	Prefix  string            // the key prefix, so the script can name the object if S3's answer is unreadable
	Success string            // where the script goes after the upload, with &key= added
}

// newDirectForm signs an upload of one new job's input for v.
func (s *Server) newDirectForm(ctx context.Context, v *domain.Profile) (*directForm, error) {
	up, err := s.cfg.Service.NewDirectUpload(ctx, *v)
	if err != nil {
		return nil, err
	}
	return &directForm{URL: up.Form.URL, Fields: up.Form.Fields, Prefix: up.Prefix,
		Success: uploadedPath + "?job=" + url.QueryEscape(up.JobID)}, nil
}

// originOf is the scheme://host of a URL, for the Content-Security-Policy.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// uploaded is where the browser lands after its upload to S3, with the run
// options chosen on the page (transcripts, distance: query parameters, as
// S3 refuses form fields its policy does not sign): the service checks that
// the object is the signed-in user's, exists, is within their cap and looks
// like a VCF, then starts the job with those options. Visiting it again is
// harmless (the job keeps the options it started with).
func (s *Server) uploaded(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := rq.viewer
	if v.Auditor {
		return errAuditorWrite
	}
	q := r.URL.Query()
	// The page's run options, which the script adds to this URL; other
	// parameters are not checked (S3's success redirect adds its own).
	opts, err := runOptionsOf(q)
	if err != nil {
		return err
	}
	j, err := s.cfg.Service.FinishDirectUpload(r.Context(), *v, q.Get("job"), q.Get("key"), opts)
	var tl *service.TooLargeError
	if errors.As(err, &tl) {
		return s.overCap(v, tl.Name)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID)+"/submitted", http.StatusSeeOther)
	return nil
}

// redirectDownload sends the browser (or API client) to a short-lived
// signed link for the job's input or result.
func (s *Server) redirectDownload(w http.ResponseWriter, r *http.Request, v *domain.Profile, kind service.FileKind) error {
	link, err := s.cfg.Service.DownloadLink(r.Context(), *v, r.PathValue("id"), kind)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return redirectLink(w, r, link)
}

// redirectLink answers 303 to a signed link, never cached.
func redirectLink(w http.ResponseWriter, r *http.Request, link string) error {
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, link, http.StatusSeeOther)
	return nil
}
