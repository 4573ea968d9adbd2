package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// The restore of a job that a restore execution gave up on (its last round
// failed, domain.Job.RestoreRetrying is false): its premium owner may start a
// new restore from the job page (POST /jobs/{id}/restore) or the API
// (POST /api/v1/jobs/{id}/restore). A new restore brings back every archived
// result of the owner, as an upgrade does (service.StartRestore).

var errRestoreNeedsPremium = &statusError{http.StatusForbidden, "only premium accounts can restore archived results; upgrade first"}

// restoreAgain starts a new restore for the job's owner when the job is
// archived and no restore of theirs is running (one in its wait between
// rounds included, so a double click starts one); it returns the execution
// id, or "" when there was nothing to start.
func (s *Server) restoreAgain(ctx context.Context, v *domain.Profile, jobID string) (string, error) {
	if v.Auditor {
		return "", errAuditorWrite
	}
	j, err := s.jobFor(ctx, v, jobID)
	if err != nil {
		return "", err
	}
	if j.UserID != v.ID {
		return "", fmt.Errorf("job %s: %w", jobID, domain.ErrNotFound)
	}
	if !v.Premium() {
		return "", errRestoreNeedsPremium
	}
	if resultState(j) != domain.ResultArchived || j.RestoreRetrying() {
		return "", nil // restored, restoring, or a round is about to retry it
	}
	running, _, err := s.cfg.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineRestore,
		Status: domain.ExecRunning, NamePrefix: service.RestoreExecutionPrefix(v.ID)}, domain.Page{Limit: 1})
	if err != nil {
		return "", fmt.Errorf("retry restore of job %s: %w", jobID, err)
	}
	if len(running) > 0 {
		return "", nil // it lists the job again after its round
	}
	id, err := s.cfg.Service.StartRestore(ctx, v.ID)
	if err != nil {
		return "", fmt.Errorf("retry restore of job %s: %w", jobID, err)
	}
	s.cfg.Log.InfoContext(ctx, "restore started from a job", "job", jobID, "user", v.ID, "restore", id)
	return id, nil
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
	j, err := s.jobFor(r.Context(), rq.viewer, r.PathValue("id"))
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
