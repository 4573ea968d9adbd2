package webui

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/audit"
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
	if format := q.Get("format"); format != "" {
		return s.auditExport(w, r, rq, f, format)
	}
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
		return time.Time{}, domain.UserErrorf(domain.ErrInvalid, "%s date %q is not YYYY-MM-DD", field, s)
	}
	return t, nil
}

// maxAuditExport bounds the rows one export of the audit list holds, so one
// request cannot make us read every execution ever run; a larger list ends
// with next_cursor (JSON) or the X-GAS-Next-Cursor header (CSV), from which
// the next export continues.
const maxAuditExport = 10_000

// auditListCSVHeader are the columns of the audit list's CSV export.
var auditListCSVHeader = []string{"started", "stopped", "execution", "name", "machine", "user", "job", "status", "error", "cause"}

// auditExport answers GET /audit?format=csv|json with every execution the
// page's filters match (all pages, up to maxAuditExport rows), as a download.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, rq *request, f auditFilter, format string) error {
	if format != "csv" && format != "json" {
		return domain.UserErrorf(domain.ErrInvalid, "format %q: want csv or json", format)
	}
	var all []service.AuditRow
	for {
		rows, next, err := s.audit(r.Context(), rq.viewer, f)
		if err != nil {
			return err
		}
		for _, row := range rows {
			// The list, not each execution's payloads: those are in its
			// trail (/jobs/{id}/audit), and 10,000 of them could be GBs.
			row.Exec.Input, row.Exec.Output = nil, nil
			all = append(all, row)
		}
		f.Cursor = next
		if next == "" || len(all) >= maxAuditExport {
			break
		}
	}
	name := "gas-audit-executions." + format
	if f.Cursor != "" {
		w.Header().Set("X-GAS-Next-Cursor", f.Cursor)
	}
	if format == "json" {
		type row struct {
			domain.Execution
			JobID string `json:"job_id,omitempty"`
			User  string `json:"user"`
		}
		out := struct {
			Rows       []row  `json:"rows"`
			NextCursor string `json:"next_cursor,omitempty"`
		}{Rows: make([]row, len(all)), NextCursor: f.Cursor}
		for i, a := range all {
			out.Rows[i] = row{a.Exec, a.JobID, a.User}
		}
		w.Header().Set("Content-Disposition", "attachment; filename="+name)
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	setDownload(w, name, "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	write := func(f ...string) {
		for i := range f {
			f[i] = audit.Cell(f[i])
		}
		cw.Write(f)
	}
	write(auditListCSVHeader...)
	for _, a := range all {
		e := a.Exec
		write(audit.Stamp(e.StartedAt), audit.Stamp(e.StoppedAt), e.ID, e.Name, e.StateMachine, a.User, a.JobID, e.Status, e.Error, e.Cause)
	}
	cw.Flush()
	return cw.Error()
}
