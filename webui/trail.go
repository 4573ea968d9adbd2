package webui

import (
	"net/http"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// auditTrail answers GET /jobs/{id}/audit and /api/v1/jobs/{id}/audit with
// the job's audit trail (service.AuditTrail: history, job record, sha256
// of its files; the archived record when there is one) as a download:
// ?format=json (the default; audit.Record) or csv (audit.WriteCSV).
func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request, rq *request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return domain.UserErrorf(domain.ErrInvalid, "format %q: want json or csv", format)
	}
	rec, err := s.cfg.Service.AuditTrail(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	name := "gas-audit-" + rec.Execution.Name + "." + format
	if rec.Job != nil {
		name = "gas-audit-" + rec.Job.ID + "." + format
	}
	if format == "csv" {
		setDownload(w, name, "text/csv; charset=utf-8")
		return audit.WriteCSV(w, rec)
	}
	w.Header().Set("Content-Disposition", "attachment; filename="+name)
	writeJSON(w, http.StatusOK, rec)
	return nil
}
