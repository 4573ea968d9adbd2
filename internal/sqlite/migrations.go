package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one schema step. Steps run in list order, once per database.
type migration struct {
	name string
	sql  string
}

// migrations is the schema history. APPEND ONLY: a database records how many
// steps it has run (PRAGMA user_version), so editing or reordering a step
// that has shipped leaves existing databases behind.
var migrations = []migration{
	{name: "jobs and profiles", sql: `
CREATE TABLE jobs (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL,
	status       TEXT NOT NULL,
	result_state TEXT NOT NULL DEFAULT '',
	submitted_ns INTEGER NOT NULL,      -- SubmittedAt in Unix nanoseconds, the listing order
	doc          TEXT NOT NULL          -- the domain.Job as JSON
) STRICT;
CREATE INDEX jobs_by_time   ON jobs (submitted_ns DESC, id DESC);
CREATE INDEX jobs_by_user   ON jobs (user_id, submitted_ns DESC, id DESC);
CREATE INDEX jobs_by_status ON jobs (status, submitted_ns DESC, id DESC);
CREATE INDEX jobs_by_result ON jobs (result_state, submitted_ns DESC, id DESC);

CREATE TABLE profiles (
	id        TEXT PRIMARY KEY,
	email_key TEXT NOT NULL UNIQUE,     -- lower-cased email: lookups and uniqueness ignore case
	doc       TEXT NOT NULL             -- the domain.Profile as JSON
) STRICT;
`},
	{name: "workflow executions (executions.go)", sql: executionsSchema},
	{name: "portal credentials (auth.go)", sql: authSchema},
	{name: "processed webhook events (webhooks.go)", sql: webhooksSchema},
}

// migrate applies the migrations the database has not run yet.
func (db *DB) migrate(ctx context.Context) error {
	for {
		done, err := db.applyNext(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// applyNext runs the first pending migration in a write transaction; the
// version check inside the transaction keeps two processes opening the same
// file at once from running a step twice.
func (db *DB) applyNext(ctx context.Context) (done bool, err error) {
	err = withTx(ctx, db.sql, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this program (knows %d migrations)", version, len(migrations))
		}
		if version == len(migrations) {
			done = true
			return nil
		}
		m := migrations[version]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %d (%s): %w", version+1, m.name, err)
		}
		// PRAGMA takes no bound parameters; version is an int we control.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version+1)); err != nil {
			return fmt.Errorf("migration %d (%s): set version: %w", version+1, m.name, err)
		}
		return nil
	})
	return done, err
}
