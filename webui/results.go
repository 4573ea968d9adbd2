package webui

import (
	"net/http"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// sendResult answers GET …/result?format=vcf|vcf.gz|tbi|tsv (default vcf).
func (s *Server) sendResult(w http.ResponseWriter, r *http.Request, v *domain.Profile) error {
	id, format := r.PathValue("id"), r.URL.Query().Get("format")
	if s.cfg.Direct != nil {
		// Large files cannot pass through the API Lambda: a format served as
		// stored is a presigned S3 link; vcf comes as its stored BGZF form.
		f, err := s.cfg.Service.ResultFile(r.Context(), *v, id, format)
		if err != nil {
			return err
		}
		if (format == "" || format == service.FormatVCF) && strings.HasSuffix(f.Key, ".gz") {
			f.Suffix, f.AsStored = ".annotated.vcf.gz", true
		}
		if f.AsStored {
			return s.redirectKey(w, r, f.Job, f.Key, stem(sanitizeName(f.Job.InputName))+f.Suffix)
		}
	}
	rc, f, err := s.cfg.Service.OpenResult(r.Context(), *v, id, format)
	if err != nil {
		return err
	}
	defer rc.Close()
	sendFile(w, stem(sanitizeName(f.Job.InputName))+f.Suffix, f.ContentType, rc)
	return nil
}
