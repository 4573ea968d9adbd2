package sqlite

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// Listings are ordered by (time DESC, id DESC). A cursor names the last row
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
