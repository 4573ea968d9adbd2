package auth

import (
	"context"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Session is a signed-in browser. Only the hash of its cookie value is
// stored, so a leaked database does not hand out live sessions.
type Session struct {
	IDHash    string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is a personal API token. Only its SHA-256 hash is stored; the plain
// value is shown once when it is made.
type Token struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"name"`
	Hash      string    `json:"-"`
	Prefix    string    `json:"prefix"` // first characters, so a user can tell tokens apart
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is CreatedAt + Config.TokenTTL, filled in by the Service
	// (not stored: the TTL in effect decides).
	ExpiresAt time.Time `json:"expires_at,omitzero" dynamodbav:"-"`
}

// Sessions stores browser sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	// GetSession fails with domain.ErrNotFound for an unknown or expired session.
	GetSession(ctx context.Context, idHash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions deletes every session of userID (a new password
	// signs out every browser).
	DeleteUserSessions(ctx context.Context, userID string) error
}

// Tokens stores API tokens.
type Tokens interface {
	CreateToken(ctx context.Context, t Token) error
	// GetTokenByHash fails with domain.ErrNotFound for an unknown token.
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	// ListTokens returns the user's tokens, oldest first.
	ListTokens(ctx context.Context, userID string) ([]Token, error)
	// DeleteToken fails with domain.ErrNotFound unless the token exists and belongs to userID.
	DeleteToken(ctx context.Context, userID, id string) error
}

// Passwords stores password hashes (PHC strings) by user id.
type Passwords interface {
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// PasswordHash fails with domain.ErrNotFound when the user has no password (e.g. OIDC only).
	PasswordHash(ctx context.Context, userID string) (string, error)
}

// Limiter counts attempts in fixed windows.
type Limiter interface {
	// Hit records one attempt under key and reports how many attempts the
	// current window (of length window, started at or before now) holds, this one included.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// OwnerLookup is an optional Store capability: resolving a token or session
// hash straight to its owner's profile in one read, where the Store holds
// the profiles too (the SQLite adapter: one database). Every API request
// and page resolves its caller, so this halves the reads they all pay.
// The Service uses it only when ReadsProfiles confirms that the Store reads
// the very profiles New was given; otherwise it reads the credential and
// then the profile, as before.
type OwnerLookup interface {
	// ReadsProfiles reports whether the Store's profile reads are those of p.
	ReadsProfiles(p domain.Profiles) bool
	// TokenOwner fails with domain.ErrNotFound for an unknown token, one
	// created at or before createdAfter (expired), or one whose profile is gone.
	TokenOwner(ctx context.Context, hash string, createdAfter time.Time) (domain.Profile, error)
	// SessionOwner fails with domain.ErrNotFound for an unknown or expired
	// session, or one whose profile is gone.
	SessionOwner(ctx context.Context, idHash string, now time.Time) (domain.Profile, error)
}

// Store is everything the Service persists. One adapter usually implements all of it.
type Store interface {
	Sessions
	Tokens
	Passwords
	Limiter
}
