package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// AuditFilter selects executions across users for an auditor.
type AuditFilter struct {
	Execution domain.ExecutionFilter // status and date range (the store filters)
	User      string                 // email or user id; "" for everyone (matched here)
	Cursor    string
}

// AuditRow is one execution with whose it is.
type AuditRow struct {
	Exec  domain.Execution
	JobID string // the annotation's job; "" for a restore
	User  string // the owner's email, or their id when the profile is gone
}

// AuditPageSize is how many rows one Audit call returns at most.
const AuditPageSize = 50

// auditScanPages bounds the store pages one Audit call reads while matching
// a user, so a rare user's filter does not read the whole history at once.
const auditScanPages = 20

// Audit lists executions across users, newest first, with the user each
// belongs to; only auditors may. next continues the listing, "" at the end.
func (s *Service) Audit(ctx context.Context, viewer domain.Profile, f AuditFilter) (rows []AuditRow, next string, err error) {
	if !viewer.Auditor {
		return nil, "", fmt.Errorf("audit by %s: %w", viewer.ID, domain.ErrForbidden)
	}
	userID, err := s.auditUser(ctx, f.User)
	if err != nil {
		return nil, "", err
	}
	emails := map[string]string{}
	cursor := f.Cursor
	for scanned := 0; scanned < auditScanPages; scanned++ {
		execs, next, err := s.ports.Workflow.List(ctx, f.Execution, domain.Page{Limit: AuditPageSize, Cursor: cursor})
		if errors.Is(err, domain.ErrInvalid) {
			return nil, "", domain.UserErrorf(domain.ErrInvalid, "the page cursor is not valid")
		}
		if err != nil {
			return nil, "", fmt.Errorf("list executions: %w", err)
		}
		for _, ex := range execs {
			row, owner := s.auditRow(ctx, ex)
			if userID != "" && owner != userID {
				continue
			}
			row.User = s.emailOf(ctx, emails, owner)
			rows = append(rows, row)
		}
		cursor = next
		// Without a user filter the store's page is the page; with one, scan
		// on until a page of matches is full.
		if next == "" || len(rows) >= AuditPageSize || userID == "" {
			break
		}
	}
	return rows, cursor, nil
}

// auditUser resolves the filter's email to a user id.
func (s *Service) auditUser(ctx context.Context, user string) (string, error) {
	if !strings.Contains(user, "@") {
		return user, nil
	}
	p, err := s.ports.Profiles.GetByEmail(ctx, user)
	if errors.Is(err, domain.ErrNotFound) {
		return "", domain.UserErrorf(domain.ErrNotFound, "no user with email %s", user)
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

func (s *Service) auditRow(ctx context.Context, ex domain.Execution) (AuditRow, string) {
	row := AuditRow{Exec: ex}
	if ex.StateMachine == domain.MachineRestore {
		return row, restoreOwner(ex.Name)
	}
	j, err := s.ports.Jobs.Get(ctx, ex.Name)
	if err != nil {
		return row, ""
	}
	row.JobID = j.ID
	return row, j.UserID
}

// emailOf is the user's email, remembered in seen; their id when the profile is gone.
func (s *Service) emailOf(ctx context.Context, seen map[string]string, id string) string {
	if id == "" {
		return ""
	}
	if e, ok := seen[id]; ok {
		return e
	}
	e := id
	if p, err := s.ports.Profiles.Get(ctx, id); err == nil {
		e = p.Email
	}
	seen[id] = e
	return e
}
