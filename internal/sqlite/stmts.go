package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache runs the hot reads (session and token lookups, profile and job
// gets, listings) through prepared statements, one per query text. The
// driver otherwise parses and plans the SQL on every call, which cost more
// CPU than the indexed read itself (about an eighth of a job-list request).
// database/sql prepares a *sql.Stmt lazily on each pooled connection it
// runs on and keeps it there, so this needs no per-connection bookkeeping.
//
// The set of query texts is small and fixed (constants and the filter
// combinations of the listings), so the map does not grow without bound.
// Writes and reads inside transactions keep using the *sql.DB / *sql.Tx.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepared outside the lock: it waits for a pooled connection.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok { // another caller won the race
		st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

// QueryContext is (*sql.DB).QueryContext through the cached statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(uncancelled(ctx), args...)
}

// QueryRowContext is (*sql.DB).QueryRowContext through the cached statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil || ctx.Err() != nil {
		// A *sql.Row cannot be made from an error outside database/sql; the
		// plain path reports the same error from Scan.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(uncancelled(ctx), args...)
}

// uncancelled drops ctx's cancellation for a read that has started. For a
// cancellable context (every HTTP request's) database/sql and the driver
// each start a goroutine per query to watch it, which cost more than these
// reads themselves: indexed, at most a page (1,000 rows) long, done in well
// under a millisecond. A request cancelled before its read still gets
// ctx.Err() (checked by the callers above); one cancelled during it finishes
// that read.
func uncancelled(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// close closes the statements; the DB closes after.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}
