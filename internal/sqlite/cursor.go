package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// Listings are ordered by time, newest first, then by id. A cursor names the last row
// of a page; the next page starts strictly after it. It is opaque to callers:
// base64url of "v1|<unix nanos>|<id>".

const (
	defaultLimit = 50
	maxLimit     = 1000
)

type cursor struct {
	ns int64
	id string
}

// decodeJSON is queryPage's decode for rows without a cache.
func decodeJSON[T any](_, doc string) (T, error) {
	var v T
	err := json.Unmarshal([]byte(doc), &v)
	return v, err
}

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1|" + strconv.FormatInt(c.ns, 10) + "|" + c.id))
}

// decodeCursor parses s; ok is false for the empty (first page) cursor.
func decodeCursor(s string) (c cursor, ok bool, err error) {
	if s == "" {
		return cursor{}, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false, fmt.Errorf("page cursor: not one this store issued: %w", domain.ErrInvalid)
	}
	parts := strings.SplitN(string(raw), "|", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return cursor{}, false, fmt.Errorf("page cursor: not one this store issued: %w", domain.ErrInvalid)
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return cursor{}, false, fmt.Errorf("page cursor: bad time: %w", domain.ErrInvalid)
	}
	return cursor{ns: ns, id: parts[2]}, true, nil
}

// listing is a page query over a table's (id, listing time, JSON doc)
// rows: the conditions that narrow it and their arguments.
type listing struct {
	where []string
	args  []any
}

// filter narrows the listing with cond and its arguments.
func (l *listing) filter(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

// query is the SELECT of table's (id, timeCol, doc) rows that pass the
// filters, newest first, ties by id in idOrder ("DESC" or "ASC"), starting
// strictly after cursor's row: what queryPage runs.
func (l *listing) query(table, timeCol, idOrder, cursor string) (string, []any, error) {
	cur, after, err := decodeCursor(cursor)
	if err != nil {
		return "", nil, err
	}
	if after {
		next := "<"
		if idOrder == "ASC" {
			next = ">"
		}
		l.filter("("+timeCol+" < ? OR ("+timeCol+" = ? AND id "+next+" ?))", cur.ns, cur.ns, cur.id)
	}
	q := "SELECT id, " + timeCol + ", doc FROM " + table
	if len(l.where) > 0 {
		q += " WHERE " + strings.Join(l.where, " AND ")
	}
	return q + " ORDER BY " + timeCol + " DESC, id " + idOrder, l.args, nil
}

// pageLimit applies the default and the cap to a requested page size.
func pageLimit(p domain.Page) int {
	switch {
	case p.Limit <= 0:
		return defaultLimit
	case p.Limit > maxLimit:
		return maxLimit
	}
	return p.Limit
}

// queryPage runs q, a SELECT of (id, listing time in Unix nanoseconds, JSON
// doc) in listing order, for one row more than limit — the extra row tells
// whether a next page exists — and decodes each doc into a T with decode.
// what names the rows in errors.
func queryPage[T any](ctx context.Context, db *stmtCache, what, q string, args []any, limit int,
	decode func(id, doc string) (T, error)) ([]T, string, error) {
	rows, err := db.QueryContext(ctx, q+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	// Sized up front: a domain.Job is a few hundred bytes, and growing the
	// slice row by row copied each page about twice.
	out := make([]T, 0, min(limit, 100))
	var last cursor
	for rows.Next() {
		var id, doc string // the driver's strings, taken without another copy
		var ns int64
		if err := rows.Scan(&id, &ns, &doc); err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			return out, encodeCursor(last), rows.Close()
		}
		v, err := decode(id, doc)
		if err != nil {
			return nil, "", fmt.Errorf("decode stored %s %s: %w", what, id, err)
		}
		out = append(out, v)
		last = cursor{ns: ns, id: id}
	}
	if len(out) == 0 {
		out = nil // an empty listing stays nil, as before the capacity above
	}
	return out, "", rows.Err()
}
