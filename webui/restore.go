package webui

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gasproject/gas/internal/domain"
)

// The restore of a job that a restore execution gave up on (its last round
// failed, domain.Job.RestoreRetrying is false): its premium owner may start a
// new restore from the job page (POST /jobs/{id}/restore) or the API
// (POST /api/v1/jobs/{id}/restore). A new restore brings back every archived
// result of the owner, as an upgrade does (service.StartRestore).

// restoreAgain is the one entry of both routes: auditors are read-only,
// the rest is service.RetryRestore.
func (s *Server) restoreAgain(ctx context.Context, v *domain.Profile, jobID string) (string, error) {
	if v.Auditor {
		return "", errAuditorWrite
	}
	return s.cfg.Service.RetryRestore(ctx, *v, jobID)
}

func (s *Server) retryRestore(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	execID, err := s.restoreAgain(r.Context(), rq.viewer, id)
	if err != nil {
		return err
	}
	flash := "restore-started"
	if execID == "" {
		flash = "restore-running"
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(id)+"?flash="+flash, http.StatusSeeOther)
	return nil
}

// restoreJSON answers POST /api/v1/jobs/{id}/restore.
type restoreJSON struct {
	Started   bool    `json:"started"`             // false: nothing to do (not archived, or a restore is running)
	Execution string  `json:"execution,omitempty"` // the new restore execution
	Job       jobJSON `json:"job"`
}

func (s *Server) apiRetryRestore(w http.ResponseWriter, r *http.Request, rq *request) error {
	execID, err := s.restoreAgain(r.Context(), rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	j, err := s.cfg.Service.Job(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if execID != "" {
		status = http.StatusAccepted
	}
	writeJSON(w, status, restoreJSON{Started: execID != "", Execution: execID, Job: s.jobJSON(rq.viewer, j)})
	return nil
}
