package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
)

// executionsSchema is one entry of the migrations list: workflow executions,
// the runner's checkpoint (opaque bytes), and the event history.
const executionsSchema = `
CREATE TABLE executions (
	id            TEXT PRIMARY KEY,
	state_machine TEXT NOT NULL,
	name          TEXT NOT NULL,
	status        TEXT NOT NULL,
	started_ns    INTEGER NOT NULL,     -- StartedAt in Unix nanoseconds, the listing order
	doc           TEXT NOT NULL,        -- the domain.Execution as JSON
	checkpoint    BLOB,                 -- asl.Record.Checkpoint, kept byte for byte
	UNIQUE (state_machine, name)        -- a start with a used name is the same execution
) STRICT;
CREATE INDEX executions_by_time   ON executions (started_ns DESC, id);
CREATE INDEX executions_by_status ON executions (status, started_ns, id);

CREATE TABLE execution_events (
	execution_id TEXT NOT NULL REFERENCES executions (id),
	event_id     INTEGER NOT NULL,
	doc          TEXT NOT NULL,         -- the domain.HistoryEvent as JSON
	PRIMARY KEY (execution_id, event_id)
) STRICT, WITHOUT ROWID;
`

// defaultExecutionPage is asl.Store's documented page size for a zero limit.
const defaultExecutionPage = 100

// Executions is the asl.Store adapter: the local runner's durable state.
type Executions struct {
	db    *sql.DB
	reads *stmtCache // reads outside transactions (stmts.go)
}

var _ asl.Store = (*Executions)(nil)

// Executions returns the asl.Store adapter.
func (db *DB) Executions() *Executions { return &Executions{db: db.sql, reads: db.reads} }

// CreateExecution inserts rec and its first events, unless an execution of
// the same state machine and name exists: then that one is returned.
func (s *Executions) CreateExecution(ctx context.Context, rec asl.Record, events []domain.HistoryEvent) (asl.Record, bool, error) {
	var existing asl.Record
	created := false
	err := withTx(ctx, s.db, func(tx *sql.Tx) error {
		old, err := scanRecord(tx.QueryRowContext(ctx,
			`SELECT doc, checkpoint FROM executions WHERE state_machine = ? AND name = ?`, rec.StateMachine, rec.Name))
		if err == nil {
			existing = old
			return nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		doc, err := json.Marshal(rec.Execution)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO executions (id, state_machine, name, status, started_ns, doc, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.StateMachine, rec.Name, rec.Status, rec.StartedAt.UnixNano(), string(doc), checkpointBytes(rec.Checkpoint))
		if isConstraint(err) {
			return fmt.Errorf("id exists under another name: %w", domain.ErrConflict)
		}
		if err != nil {
			return err
		}
		if err := appendEvents(ctx, tx, rec.ID, events); err != nil {
			return err
		}
		existing, created = rec, true
		return nil
	})
	if err != nil {
		return asl.Record{}, false, fmt.Errorf("create execution %s (%s/%s): %w", rec.ID, rec.StateMachine, rec.Name, err)
	}
	return existing, created, nil
}

// SaveExecution replaces the record and appends events in one transaction.
func (s *Executions) SaveExecution(ctx context.Context, rec asl.Record, events []domain.HistoryEvent) error {
	err := withTx(ctx, s.db, func(tx *sql.Tx) error {
		doc, err := json.Marshal(rec.Execution)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		res, err := tx.ExecContext(ctx,
			`UPDATE executions SET status = ?, started_ns = ?, doc = ?, checkpoint = ? WHERE id = ?`,
			rec.Status, rec.StartedAt.UnixNano(), string(doc), checkpointBytes(rec.Checkpoint), rec.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return domain.ErrNotFound
		}
		return appendEvents(ctx, tx, rec.ID, events)
	})
	if err != nil {
		return fmt.Errorf("save execution %s: %w", rec.ID, err)
	}
	return nil
}

// checkpointBytes keeps an absent checkpoint NULL rather than an empty blob.
func checkpointBytes(c json.RawMessage) any {
	if c == nil {
		return nil
	}
	return []byte(c)
}

func appendEvents(ctx context.Context, tx *sql.Tx, execID string, events []domain.HistoryEvent) error {
	for _, e := range events {
		doc, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode event %d: %w", e.ID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO execution_events (execution_id, event_id, doc) VALUES (?, ?, ?)`,
			execID, e.ID, string(doc))
		if isConstraint(err) {
			return fmt.Errorf("event %d already recorded: %w", e.ID, domain.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("append event %d: %w", e.ID, err)
		}
	}
	return nil
}

// GetExecution returns one execution with its checkpoint.
func (s *Executions) GetExecution(ctx context.Context, id string) (asl.Record, error) {
	rec, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT doc, checkpoint FROM executions WHERE id = ?`, id))
	if err != nil {
		return asl.Record{}, fmt.Errorf("get execution %s: %w", id, err)
	}
	return rec, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanRecord(row rowScanner) (asl.Record, error) {
	var doc string
	var checkpoint []byte
	err := row.Scan(&doc, &checkpoint)
	if errors.Is(err, sql.ErrNoRows) {
		return asl.Record{}, domain.ErrNotFound
	}
	if err != nil {
		return asl.Record{}, err
	}
	var rec asl.Record
	if err := json.Unmarshal([]byte(doc), &rec.Execution); err != nil {
		return asl.Record{}, fmt.Errorf("decode stored execution: %w", err)
	}
	if checkpoint != nil {
		rec.Checkpoint = json.RawMessage(checkpoint)
	}
	return rec, nil
}

// ListExecutions returns executions newest first (ties by id), narrowed by f.
func (s *Executions) ListExecutions(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	out, next, err := s.list(ctx, f, p)
	if err != nil {
		return nil, "", fmt.Errorf("list executions: %w", err)
	}
	return out, next, nil
}

func (s *Executions) list(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	var l listing
	if f.StateMachine != "" {
		l.filter("state_machine = ?", f.StateMachine)
	} else {
		l.filter("instr(state_machine, '/') = 0") // top-level only (asl.MatchFilter)
	}
	if f.Status != "" {
		l.filter("status = ?", f.Status)
	}
	if f.NamePrefix != "" {
		// substr, not LIKE: a prefix may contain % or _.
		l.filter("substr(name, 1, length(?)) = ?", f.NamePrefix, f.NamePrefix)
	}
	if !f.Since.IsZero() {
		l.filter("started_ns >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		l.filter("started_ns < ?", f.Until.UnixNano())
	}
	q, args, err := l.query("executions", "started_ns", "ASC", p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultExecutionPage
	}
	limit = min(limit, maxLimit)
	return queryPage(ctx, s.reads, "execution", q, args, limit, decodeJSON[domain.Execution])
}

// UnfinishedExecutions returns every RUNNING execution, oldest first, with
// checkpoints: what the runner resumes after a restart.
func (s *Executions) UnfinishedExecutions(ctx context.Context) ([]asl.Record, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT doc, checkpoint FROM executions WHERE status = ? ORDER BY started_ns ASC, id ASC`, domain.ExecRunning)
	if err != nil {
		return nil, fmt.Errorf("unfinished executions: %w", err)
	}
	defer rows.Close()
	var out []asl.Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("unfinished executions: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unfinished executions: %w", err)
	}
	return out, nil
}

// History returns the execution's events in id order.
func (s *Executions) History(ctx context.Context, id string) ([]domain.HistoryEvent, error) {
	var exists int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM executions WHERE id = ?`, id).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("history of execution %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("history of execution %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT event_id, doc FROM execution_events WHERE execution_id = ? ORDER BY event_id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of execution %s: %w", id, err)
	}
	defer rows.Close()
	var out []domain.HistoryEvent
	for rows.Next() {
		var eventID int64
		var doc string
		if err := rows.Scan(&eventID, &doc); err != nil {
			return nil, fmt.Errorf("history of execution %s: %w", id, err)
		}
		var e domain.HistoryEvent
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, fmt.Errorf("history of execution %s: decode event %d: %w", id, eventID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of execution %s: %w", id, err)
	}
	return out, nil
}
