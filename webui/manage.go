package webui

import (
	"net/http"
	"net/url"
)

// Job management: delete (with a confirmation page) and re-run with new options.

// deleteConfirm is the confirmation page of a delete (GET /jobs/{id}/delete).
func (s *Server) deleteConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.viewer.Auditor {
		return errAuditorWrite
	}
	j, err := s.cfg.Service.Job(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "delete", "Delete "+j.InputName, j)
	return nil
}

// deleteJob answers the confirmation form (POST /jobs/{id}/delete).
func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request, rq *request) error {
	if _, err := s.cfg.Service.DeleteJob(r.Context(), *rq.viewer, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs?flash=deleted", http.StatusSeeOther)
	return nil
}

// apiDelete answers DELETE /api/v1/jobs/{id}.
func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, err := s.cfg.Service.DeleteJob(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": j.ID, "deleted_at": apiTime(j.DeletedAt)})
	return nil
}

// rerun answers the job page's Re-run form (POST /jobs/{id}/rerun, an
// urlencoded form that s.form has parsed and checked the csrf field of).
func (s *Server) rerun(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := checkFields(r.Form, "csrf"); err != nil {
		return err
	}
	opts, err := runOptionsOf(r.Form)
	if err != nil {
		return err
	}
	j, err := s.cfg.Service.Rerun(r.Context(), *rq.viewer, r.PathValue("id"), opts)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID)+"/submitted", http.StatusSeeOther)
	return nil
}

// apiRerun answers POST /api/v1/jobs/{id}/rerun (form fields transcripts, distance).
func (s *Server) apiRerun(w http.ResponseWriter, r *http.Request, rq *request) error {
	opts, err := rerunOptions(w, r)
	if err != nil {
		return err
	}
	j, err := s.cfg.Service.Rerun(r.Context(), *rq.viewer, r.PathValue("id"), opts)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusCreated, s.jobJSON(rq.viewer, j))
	return nil
}
