package webui

import (
	"net/http"
	"strconv"

	"github.com/gasproject/gas/internal/service"
)

// sendResult answers GET …/result?format=vcf|vcf.gz|tbi|tsv (default vcf).
func (s *Server) sendResult(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, format, v := r.PathValue("id"), r.URL.Query().Get("format"), rq.viewer
	if s.cfg.Service.Direct() {
		// Large files cannot pass through the API Lambda: every format is a
		// presigned S3 link, of a copy for vcf and tsv, which a large result
		// needs some time to make.
		d, err := s.cfg.Service.ResultLink(r.Context(), *v, id, format)
		if err != nil {
			return err
		}
		if d.Preparing {
			s.preparing(w, r, rq, d)
			return nil
		}
		return redirectLink(w, r, d.Link)
	}
	rc, f, err := s.cfg.Service.OpenResult(r.Context(), *v, id, format)
	if err != nil {
		return err
	}
	defer rc.Close()
	sendFile(w, f.FileName(), f.ContentType, rc)
	return nil
}

// preparing answers 202 while a download copy is being made (on AWS): with
// Retry-After, a JSON body for the API and a page that reloads itself
// (Refresh) for the portal, so the download starts once the copy exists.
func (s *Server) preparing(w http.ResponseWriter, r *http.Request, rq *request, d service.ResultDownload) {
	secs := strconv.Itoa(int(d.RetryAfter.Seconds()))
	w.Header().Set("Retry-After", secs)
	w.Header().Set("Cache-Control", "no-store")
	if isAPI(r) {
		writeJSON(w, http.StatusAccepted, map[string]any{"status": http.StatusAccepted, "preparing": true,
			"message": d.Message, "retry_after_seconds": int(d.RetryAfter.Seconds())})
		return
	}
	w.Header().Set("Refresh", secs)
	s.render(w, r, rq, http.StatusAccepted, "preparing", "Preparing your download", preparingPage{Job: r.PathValue("id"), URL: r.URL.RequestURI(), Download: d})
}

type preparingPage struct {
	Job, URL string
	Download service.ResultDownload
}
