package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

// authSchema holds the portal's credentials: sessions and API tokens by the
// SHA-256 of their secret (never the secret), argon2id password hashes, and
// the sign-in rate-limit windows. It is one entry of the migrations list.
const authSchema = `
CREATE TABLE auth_sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	created_ns INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_ns);

CREATE TABLE auth_tokens (
	hash       TEXT PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL,
	name       TEXT NOT NULL,
	prefix     TEXT NOT NULL,
	created_ns INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_tokens_by_user ON auth_tokens (user_id, created_ns, id);

CREATE TABLE auth_passwords (
	user_id TEXT PRIMARY KEY,
	hash    TEXT NOT NULL
) STRICT;

CREATE TABLE rate_limits (
	key             TEXT PRIMARY KEY,
	window_start_ns INTEGER NOT NULL,
	hits            INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_limits_by_start ON rate_limits (window_start_ns);
`

// Auth is the auth.Store adapter.
type Auth struct {
	db    *sql.DB
	reads *stmtCache                // reads outside transactions (stmts.go)
	profs *docCache[domain.Profile] // the Profiles adapter's decoded docs (doccache.go)
}

var _ auth.Store = (*Auth)(nil)

// Auth returns the store of portal credentials.
func (db *DB) Auth() *Auth { return &Auth{db: db.sql, reads: db.reads, profs: db.profs} }

// CreateSession stores a session and drops expired ones, so the table does
// not grow with every sign-in ever made.
func (a *Auth) CreateSession(ctx context.Context, s auth.Session) error {
	err := withTx(ctx, a.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE expires_ns <= ?`, s.CreatedAt.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (id_hash, user_id, created_ns, expires_ns) VALUES (?, ?, ?, ?)`,
			s.IDHash, s.UserID, s.CreatedAt.UnixNano(), s.ExpiresAt.UnixNano())
		if isConstraint(err) {
			return domain.ErrConflict
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create session for %s: %w", s.UserID, err)
	}
	return nil
}

func (a *Auth) GetSession(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	var s auth.Session
	var created, expires int64
	err := a.reads.QueryRowContext(ctx,
		`SELECT id_hash, user_id, created_ns, expires_ns FROM auth_sessions WHERE id_hash = ? AND expires_ns > ?`,
		idHash, now.UnixNano()).Scan(&s.IDHash, &s.UserID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, fmt.Errorf("get session: %w", domain.ErrNotFound)
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("get session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = time.Unix(0, created).UTC(), time.Unix(0, expires).UTC()
	return s, nil
}

func (a *Auth) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := a.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (a *Auth) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := a.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete sessions of %s: %w", userID, err)
	}
	return nil
}

func (a *Auth) CreateToken(ctx context.Context, t auth.Token) error {
	_, err := a.db.ExecContext(ctx,
		`INSERT INTO auth_tokens (hash, id, user_id, name, prefix, created_ns) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Hash, t.ID, t.UserID, t.Name, t.Prefix, t.CreatedAt.UnixNano())
	if isConstraint(err) {
		return fmt.Errorf("create token %s: %w", t.ID, domain.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %s: %w", t.ID, err)
	}
	return nil
}

const tokenColumns = `hash, id, user_id, name, prefix, created_ns`

func scanToken(row interface{ Scan(...any) error }) (auth.Token, error) {
	var t auth.Token
	var created int64
	if err := row.Scan(&t.Hash, &t.ID, &t.UserID, &t.Name, &t.Prefix, &created); err != nil {
		return auth.Token{}, err
	}
	t.CreatedAt = time.Unix(0, created).UTC()
	return t, nil
}

func (a *Auth) GetTokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	t, err := scanToken(a.reads.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Token{}, fmt.Errorf("get token: %w", domain.ErrNotFound)
	}
	if err != nil {
		return auth.Token{}, fmt.Errorf("get token: %w", err)
	}
	return t, nil
}

func (a *Auth) ListTokens(ctx context.Context, userID string) ([]auth.Token, error) {
	rows, err := a.db.QueryContext(ctx,
		`SELECT `+tokenColumns+` FROM auth_tokens WHERE user_id = ? ORDER BY created_ns, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens of %s: %w", userID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", userID, err)
	}
	return out, nil
}

func (a *Auth) DeleteToken(ctx context.Context, userID, id string) error {
	res, err := a.db.ExecContext(ctx, `DELETE FROM auth_tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete token %s: %w", id, domain.ErrNotFound)
	}
	return nil
}

func (a *Auth) SetPasswordHash(ctx context.Context, userID, hash string) error {
	_, err := a.db.ExecContext(ctx,
		`INSERT INTO auth_passwords (user_id, hash) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET hash = excluded.hash`,
		userID, hash)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	return nil
}

func (a *Auth) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := a.db.QueryRowContext(ctx, `SELECT hash FROM auth_passwords WHERE user_id = ?`, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("password of %s: %w", userID, domain.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("password of %s: %w", userID, err)
	}
	return h, nil
}

// Hit counts an attempt in one statement: a window that has run out starts
// again at now. (In an UPDATE every expression sees the old row.)
func (a *Auth) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	var n int
	err := withTx(ctx, a.db, func(tx *sql.Tx) error {
		// Windows a day old are of no use to anyone; drop them as we go.
		if _, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start_ns < ?`,
			now.Add(-24*time.Hour-window).UnixNano()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `
INSERT INTO rate_limits (key, window_start_ns, hits) VALUES (?1, ?2, 1)
ON CONFLICT(key) DO UPDATE SET
	hits            = CASE WHEN window_start_ns + ?3 <= ?2 THEN 1  ELSE hits + 1 END,
	window_start_ns = CASE WHEN window_start_ns + ?3 <= ?2 THEN ?2 ELSE window_start_ns END
RETURNING hits`, key, now.UnixNano(), int64(window)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return n, nil
}

var _ auth.OwnerLookup = (*Auth)(nil)

// ReadsProfiles reports whether p is this database's Profiles adapter, whose
// table TokenOwner and SessionOwner join.
func (a *Auth) ReadsProfiles(p domain.Profiles) bool {
	sp, ok := p.(*Profiles)
	return ok && sp.db == a.db
}

// TokenOwner reads the profile of the token's owner in one query.
func (a *Auth) TokenOwner(ctx context.Context, hash string, createdAfter time.Time) (domain.Profile, error) {
	return a.owner(ctx, "token owner",
		`SELECT p.id, p.doc FROM auth_tokens t JOIN profiles p ON p.id = t.user_id WHERE t.hash = ? AND t.created_ns > ?`,
		hash, createdAfter.UnixNano())
}

// SessionOwner reads the profile of the live session's user in one query.
func (a *Auth) SessionOwner(ctx context.Context, idHash string, now time.Time) (domain.Profile, error) {
	return a.owner(ctx, "session owner",
		`SELECT p.id, p.doc FROM auth_sessions s JOIN profiles p ON p.id = s.user_id WHERE s.id_hash = ? AND s.expires_ns > ?`,
		idHash, now.UnixNano())
}

// owner reads the one profile query joins to a credential; what names it in errors.
func (a *Auth) owner(ctx context.Context, what, query string, args ...any) (domain.Profile, error) {
	p, err := getCached(ctx, a.reads, a.profs, "profile", query, args...)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("%s: %w", what, err)
	}
	return p, nil
}
