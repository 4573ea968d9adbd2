package webui

import (
	"net/http"

	"github.com/gasproject/gas/internal/domain"
)

// sendResult answers GET …/result?format=vcf|vcf.gz|tbi|tsv (default vcf).
func (s *Server) sendResult(w http.ResponseWriter, r *http.Request, v *domain.Profile) error {
	id, format := r.PathValue("id"), r.URL.Query().Get("format")
	if s.cfg.Service.Direct() {
		// Large files cannot pass through the API Lambda: a format served as
		// stored is a presigned S3 link.
		link, err := s.cfg.Service.ResultLink(r.Context(), *v, id, format)
		if err != nil {
			return err
		}
		if link != "" {
			return redirectLink(w, r, link)
		}
	}
	rc, f, err := s.cfg.Service.OpenResult(r.Context(), *v, id, format)
	if err != nil {
		return err
	}
	defer rc.Close()
	sendFile(w, f.FileName(), f.ContentType, rc)
	return nil
}
