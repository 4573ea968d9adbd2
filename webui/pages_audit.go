package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// auditFilter is what the auditor page filters by.
type auditFilter struct {
	Status string // execution status: RUNNING, SUCCEEDED, FAILED, ...
	User   string // email or user id
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
	Cursor string
}

type auditPage struct {
	Filter   auditFilter
	Rows     []service.AuditRow
	Next     string
	Statuses []string
	Error    string
}

func (s *Server) auditView(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.viewer.Auditor {
		return errNotAuditor
	}
	q := r.URL.Query()
	f := auditFilter{Status: strings.ToUpper(q.Get("status")), User: strings.TrimSpace(q.Get("user")),
		From: q.Get("from"), To: q.Get("to"), Cursor: q.Get("cursor")}
	page := auditPage{Filter: f, Statuses: []string{domain.ExecRunning, domain.ExecSucceeded, domain.ExecFailed, domain.ExecTimedOut, domain.ExecAborted}}
	rows, next, err := s.audit(r.Context(), rq.viewer, f)
	status := http.StatusOK
	if err != nil {
		status = statusOf(err)
		if status >= 500 {
			return err
		}
		page.Error = messageOf(err, status)
	}
	page.Rows, page.Next = rows, next
	s.render(w, r, rq, status, "audit", "Audit: every execution", page)
	return nil
}

// audit lists executions across users, newest first, with the user each belongs to.
func (s *Server) audit(ctx context.Context, v *domain.Profile, f auditFilter) ([]service.AuditRow, string, error) {
	ef := domain.ExecutionFilter{Status: f.Status}
	var err error
	if ef.Since, err = parseDay(f.From, "from"); err != nil {
		return nil, "", err
	}
	if ef.Until, err = parseDay(f.To, "to"); err != nil {
		return nil, "", err
	}
	if !ef.Until.IsZero() {
		ef.Until = ef.Until.Add(24*time.Hour - time.Nanosecond) // the whole day
	}
	return s.cfg.Service.Audit(ctx, *v, service.AuditFilter{Execution: ef, User: f.User, Cursor: f.Cursor})
}

func parseDay(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, public(fmt.Errorf("%s date %q is not YYYY-MM-DD: %w", field, s, domain.ErrInvalid))
	}
	return t, nil
}
