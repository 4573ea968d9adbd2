// Package sqlite is the embedded storage adapter: jobs, profiles and workflow
// executions in one SQLite file (modernc.org/sqlite, pure Go, no cgo).
//
//	db, err := sqlite.Open(filepath.Join(dataDir, "gas.db"))
//	jobs, profiles := db.Jobs(), db.Profiles()
//
// The file runs in WAL mode with a busy timeout, so the portal, the workflow
// runner and a `gas user` command may use it at the same time. Writes that
// read first (the closure Updates) run in BEGIN IMMEDIATE transactions: the
// write lock is taken before the read, so two read-modify-writes never
// interleave and none is lost.
//
// Rows keep the whole domain value as JSON in a `doc` column, plus the
// columns that are queried (user, status, submitted time). A new field on
// domain.Job therefore needs no migration; a new query does.
//
// Schema changes: append a migration to the list in migrations.go — never
// edit or reorder an existing entry. The database's PRAGMA user_version
// records how many have run; Open applies the rest, each in its own
// transaction. Tables for the portal (local accounts, sessions, hashed API
// tokens, processed webhook ids) are expected to be appended there.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open GAS database.
type DB struct {
	sql   *sql.DB
	reads *stmtCache
	jobs  *docCache[domain.Job]
	profs *docCache[domain.Profile]
	path  string
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date.
func Open(path string) (*DB, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") {
		// Each pooled connection would get its own empty in-memory database.
		return nil, fmt.Errorf("open sqlite: need a file path, got %q", path)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)") // durable in WAL mode except on power loss of the last commits
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Opening a connection runs the pragmas above, so keep a few open and
	// idle instead of database/sql's default of two idle: under 50 concurrent
	// portal clients the pool otherwise churns connections on every request.
	// SQLite serialises writers anyway; more connections than cores only queue.
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	sdb.SetMaxOpenConns(conns)
	sdb.SetMaxIdleConns(conns)
	db := &DB{sql: sdb, reads: newStmtCache(sdb), jobs: newJobDocs(), profs: newProfileDocs(), path: path}
	if err := db.migrate(context.Background()); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.reads.close()
	return db.sql.Close()
}

// SQL exposes the underlying handle for adapters that add their own tables
// through migrations.go (the portal's accounts and sessions, for instance).
func (db *DB) SQL() *sql.DB { return db.sql }

// Jobs returns the domain.Jobs adapter.
func (db *DB) Jobs() *Jobs { return &Jobs{db: db.sql, reads: db.reads, docs: db.jobs} }

// Profiles returns the domain.Profiles adapter.
func (db *DB) Profiles() *Profiles { return &Profiles{db: db.sql, reads: db.reads, docs: db.profs} }

// isConstraint reports whether err is a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return true
	}
	return false
}

// withTx runs fn in a write transaction (BEGIN IMMEDIATE, see Open) and
// commits if fn succeeds.
func withTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
