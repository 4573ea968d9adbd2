package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// docCache remembers decoded JSON docs, keyed by row id together with the
// exact stored text. Decoding the doc of every row was the largest cost of a
// job listing (a quarter of the CPU of GET /api/v1/jobs), and every request
// decodes its caller's profile; yet a user's recent jobs are listed again
// and again (the job list page polls for status) and change rarely, and a
// profile changes more rarely still.
//
// A hit needs the stored text to be byte-for-byte the cached one, so a
// changed row (any writer, any process) is decoded afresh: the cache can
// never return stale data, only save work. It holds at most maxCachedDocs
// entries and starts over when full, which bounds memory (about 10 MB for
// jobs with real summaries) without an eviction list.
type docCache[T any] struct {
	// own gives the caller a value sharing no memory with the cached one
	// (nil: T holds no slices or maps).
	own func(T) T
	mu  sync.Mutex
	m   map[string]cachedDoc[T]
}

type cachedDoc[T any] struct {
	doc string
	v   T
}

const maxCachedDocs = 4096

func newDocCache[T any](own func(T) T) *docCache[T] {
	return &docCache[T]{own: own, m: map[string]cachedDoc[T]{}}
}

// newJobDocs caches jobs; their Summary is the one slice to copy.
func newJobDocs() *docCache[domain.Job] {
	return newDocCache(func(j domain.Job) domain.Job {
		j.Summary = bytes.Clone(j.Summary)
		return j
	})
}

// newProfileDocs caches profiles (strings, times and flags only).
func newProfileDocs() *docCache[domain.Profile] { return newDocCache[domain.Profile](nil) }

// decode returns the value stored as doc under id.
func (c *docCache[T]) decode(id, doc string) (T, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.doc == doc {
		return c.copy(e.v), nil
	}
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedDocs {
		clear(c.m)
	}
	c.m[id] = cachedDoc[T]{doc: doc, v: c.copy(v)}
	c.mu.Unlock()
	return v, nil
}

// getCached reads the one (id, doc) row query selects and decodes the doc
// through c; ErrNotFound if there is none. what names the row in errors.
func getCached[T any](ctx context.Context, q queryRower, c *docCache[T], what, query string, args ...any) (T, error) {
	var id, doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&id, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, domain.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := c.decode(id, doc)
	if err != nil {
		return v, fmt.Errorf("decode stored %s: %w", what, err)
	}
	return v, nil
}

func (c *docCache[T]) copy(v T) T {
	if c.own == nil {
		return v
	}
	return c.own(v)
}
