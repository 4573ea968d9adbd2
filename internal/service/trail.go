package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// AuditTrail is a job's audit trail for its owner or an auditor: the
// archived record of its execution (written when the execution ended,
// write-once) when there is one; else the live history with the job record
// and the sha256 of the files hashed now. The execution's Archived says
// which.
func (s *Service) AuditTrail(ctx context.Context, viewer domain.Profile, jobID string) (audit.Record, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return audit.Record{}, err
	}
	if s.ports.Archive != nil {
		rec, err := audit.Read(ctx, s.ports.Archive, j.ID)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return audit.Record{}, err
		}
	}
	j, ex, events, err := s.JobHistory(ctx, viewer, jobID)
	if err != nil {
		return audit.Record{}, err
	}
	rec := audit.Record{Format: audit.FormatVersion, ExportedAt: time.Now().UTC(), Execution: ex, InputSHA256: audit.SHA256Hex(ex.Input), Events: events, Job: &j}
	if rec.Objects, err = audit.HashJobFiles(ctx, s.ports.Blobs, j); err != nil {
		return audit.Record{}, fmt.Errorf("audit trail of job %s: %w", j.ID, err)
	}
	return rec, nil
}
