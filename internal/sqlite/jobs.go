package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Jobs is the domain.Jobs adapter.
type Jobs struct {
	db    *sql.DB
	reads *stmtCache            // reads outside transactions (stmts.go)
	docs  *docCache[domain.Job] // decoded docs (doccache.go)
}

var _ domain.Jobs = (*Jobs)(nil)

// Create stores a new job; ErrConflict if the id exists.
func (s *Jobs) Create(ctx context.Context, j domain.Job) error {
	return s.CreateWithin(ctx, j, domain.JobQuota{})
}

// CreateWithin counts the user's jobs and inserts in one BEGIN IMMEDIATE
// transaction: the write lock is taken before the count, so two
// submissions serialise and the second sees the first.
func (s *Jobs) CreateWithin(ctx context.Context, j domain.Job, q domain.JobQuota) error {
	if j.ID == "" {
		return fmt.Errorf("create job: empty id: %w", domain.ErrInvalid)
	}
	doc, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("create job %s: encode (summary must be JSON): %v: %w", j.ID, err, domain.ErrInvalid)
	}
	err = withTx(ctx, s.db, func(tx *sql.Tx) error {
		if q != (domain.JobQuota{}) {
			// A job that exists is a conflict (a retried start), never a quota refusal.
			var exists int
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE id = ?`, j.ID).Scan(&exists)
			if err != nil {
				return err
			}
			if exists > 0 {
				return domain.ErrConflict
			}
			if err := checkQuota(ctx, tx, j.UserID, q); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO jobs (id, user_id, status, result_state, submitted_ns, doc) VALUES (?, ?, ?, ?, ?, ?)`,
			j.ID, j.UserID, string(j.Status), string(j.ResultState), j.SubmittedAt.UnixNano(), string(doc))
		return err
	})
	if isConstraint(err) || errors.Is(err, domain.ErrConflict) {
		return fmt.Errorf("create job %s: %w", j.ID, domain.ErrConflict)
	}
	var qe *domain.QuotaError
	if errors.As(err, &qe) {
		return qe
	}
	if err != nil {
		return fmt.Errorf("create job %s: %w", j.ID, err)
	}
	return nil
}

// checkQuota fails with a *domain.QuotaError when userID is at a limit of q.
func checkQuota(ctx context.Context, tx *sql.Tx, userID string, q domain.JobQuota) error {
	var open, today int64
	var oldest sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT
		COUNT(CASE WHEN status IN (?, ?) THEN 1 END),
		COUNT(CASE WHEN submitted_ns >= ? THEN 1 END),
		MIN(CASE WHEN submitted_ns >= ? THEN submitted_ns END)
		FROM jobs WHERE user_id = ?`,
		string(domain.StatusPending), string(domain.StatusRunning), q.Since.UnixNano(), q.Since.UnixNano(), userID,
	).Scan(&open, &today, &oldest)
	if err != nil {
		return fmt.Errorf("count jobs of %s: %w", userID, err)
	}
	switch {
	case q.PerDay > 0 && today >= q.PerDay:
		return &domain.QuotaError{Limit: domain.LimitJobsPerDay, Oldest: time.Unix(0, oldest.Int64).UTC()}
	case q.Concurrent > 0 && open >= q.Concurrent:
		return &domain.QuotaError{Limit: domain.LimitConcurrentJobs}
	}
	return nil
}

// Get returns the job; ErrNotFound if absent.
func (s *Jobs) Get(ctx context.Context, id string) (domain.Job, error) {
	j, err := getCached(ctx, s.reads, s.docs, "job", `SELECT id, doc FROM jobs WHERE id = ?`, id)
	if err != nil {
		return domain.Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	return j, nil
}

// queryRower is what *sql.DB and *sql.Tx share for single-row reads.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getJob(ctx context.Context, q queryRower, id string) (domain.Job, error) {
	return getDoc[domain.Job](ctx, q, "job", `SELECT doc FROM jobs WHERE id = ?`, id)
}

// getDoc decodes the JSON doc of the one row query selects; ErrNotFound if
// there is none. what names the row in errors.
func getDoc[T any](ctx context.Context, q queryRower, what, query string, args ...any) (T, error) {
	var v T
	var doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return v, domain.ErrNotFound
	}
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, fmt.Errorf("decode stored %s: %w", what, err)
	}
	return v, nil
}

// Update reads, changes and writes the job inside one write transaction, so
// concurrent updates serialise. If fn fails nothing is written.
func (s *Jobs) Update(ctx context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	var out domain.Job
	err := withTx(ctx, s.db, func(tx *sql.Tx) error {
		j, err := getJob(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(&j); err != nil {
			return err
		}
		if j.ID != id {
			return fmt.Errorf("the update changed the id to %q: %w", j.ID, domain.ErrInvalid)
		}
		doc, err := json.Marshal(j)
		if err != nil {
			return fmt.Errorf("encode (summary must be JSON): %v: %w", err, domain.ErrInvalid)
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE jobs SET user_id = ?, status = ?, result_state = ?, submitted_ns = ?, doc = ? WHERE id = ?`,
			j.UserID, string(j.Status), string(j.ResultState), j.SubmittedAt.UnixNano(), string(doc), id)
		if err != nil {
			return err
		}
		out = j
		return nil
	})
	if err != nil {
		return domain.Job{}, fmt.Errorf("update job %s: %w", id, err)
	}
	return out, nil
}

// ListByUser returns the user's jobs newest first.
func (s *Jobs) ListByUser(ctx context.Context, userID string, p domain.Page) ([]domain.Job, string, error) {
	js, next, err := s.list(ctx, domain.JobFilter{UserID: userID}, p)
	if err != nil {
		return nil, "", fmt.Errorf("list jobs of %s: %w", userID, err)
	}
	return js, next, nil
}

// List returns jobs across users newest first, narrowed by f.
func (s *Jobs) List(ctx context.Context, f domain.JobFilter, p domain.Page) ([]domain.Job, string, error) {
	js, next, err := s.list(ctx, f, p)
	if err != nil {
		return nil, "", fmt.Errorf("list jobs: %w", err)
	}
	return js, next, nil
}

func (s *Jobs) list(ctx context.Context, f domain.JobFilter, p domain.Page) ([]domain.Job, string, error) {
	var l listing
	if f.UserID != "" {
		l.filter("user_id = ?", f.UserID)
	}
	if f.Status != "" {
		l.filter("status = ?", string(f.Status))
	}
	if f.ResultState != "" {
		l.filter("result_state = ?", string(f.ResultState))
	}
	q, args, err := l.query("jobs", "submitted_ns", "DESC", p.Cursor)
	if err != nil {
		return nil, "", err
	}
	return queryPage(ctx, s.reads, "job", q, args, pageLimit(p), s.docs.decode)
}
