package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// auditFilter is what the auditor page filters by.
type auditFilter struct {
	Status string // execution status: RUNNING, SUCCEEDED, FAILED, ...
	User   string // email or user id
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
	Cursor string
}

type auditRow struct {
	Exec  domain.Execution
	JobID string
	User  string // email, or the user id when the profile is gone
}

type auditPage struct {
	Filter   auditFilter
	Rows     []auditRow
	Next     string
	Statuses []string
	Error    string
}

const auditPageSize = 50

func (s *Server) auditView(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.viewer.Auditor {
		return errNotAuditor
	}
	q := r.URL.Query()
	f := auditFilter{Status: strings.ToUpper(q.Get("status")), User: strings.TrimSpace(q.Get("user")),
		From: q.Get("from"), To: q.Get("to"), Cursor: q.Get("cursor")}
	page := auditPage{Filter: f, Statuses: []string{domain.ExecRunning, domain.ExecSucceeded, domain.ExecFailed, domain.ExecTimedOut, domain.ExecAborted}}
	rows, next, err := s.audit(r.Context(), f)
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
func (s *Server) audit(ctx context.Context, f auditFilter) ([]auditRow, string, error) {
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
	userID := ""
	if f.User != "" {
		userID = f.User
		if strings.Contains(f.User, "@") {
			p, err := s.cfg.Profiles.GetByEmail(ctx, f.User)
			if errors.Is(err, domain.ErrNotFound) {
				return nil, "", public(fmt.Errorf("no user with email %s: %w", f.User, domain.ErrNotFound))
			}
			if err != nil {
				return nil, "", err
			}
			userID = p.ID
		}
	}
	users := map[string]string{}
	email := func(id string) string {
		if id == "" {
			return ""
		}
		if e, ok := users[id]; ok {
			return e
		}
		e := id
		if p, err := s.cfg.Profiles.Get(ctx, id); err == nil {
			e = p.Email
		}
		users[id] = e
		return e
	}
	// Scan pages of executions until one page of matches is full: the
	// workflow store filters by status and date, the user is matched here.
	var rows []auditRow
	cursor := f.Cursor
	for scanned := 0; scanned < 20; scanned++ {
		execs, next, err := s.cfg.Workflow.List(ctx, ef, domain.Page{Limit: auditPageSize, Cursor: cursor})
		if errors.Is(err, domain.ErrInvalid) {
			return nil, "", public(fmt.Errorf("the page cursor is not valid: %w", domain.ErrInvalid))
		}
		if err != nil {
			return nil, "", fmt.Errorf("list executions: %w", err)
		}
		for _, ex := range execs {
			row := auditRow{Exec: ex}
			owner := ""
			if ex.StateMachine == domain.MachineRestore {
				owner = restoreOwner(ex.Name)
			} else if j, err := s.cfg.Jobs.Get(ctx, ex.Name); err == nil {
				owner, row.JobID = j.UserID, j.ID
			}
			if userID != "" && owner != userID {
				continue
			}
			row.User = email(owner)
			rows = append(rows, row)
		}
		cursor = next
		if next == "" || len(rows) >= auditPageSize || userID == "" {
			break
		}
	}
	return rows, cursor, nil
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
