package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
)

// Errors of this package. They wrap domain errors where one fits, so the
// HTTP edge translates them with the rest.
var (
	ErrBadCredentials = fmt.Errorf("wrong email or password: %w", domain.ErrUnauthorized)
	ErrRateLimited    = errors.New("too many attempts; wait a few minutes and try again")
)

// Config tunes the Service. Zero fields take the defaults noted.
type Config struct {
	// Key signs CSRF tokens and OIDC state; at least 32 bytes. Every instance
	// serving the same users must share it.
	Key          []byte
	SessionTTL   time.Duration // default 14 days
	Argon2       Argon2Params  // default DefaultArgon2
	SignInLimit  int           // attempts per window per email from one client address; default 10
	ClientLimit  int           // attempts per window per client address (many users may share one); default 5×SignInLimit
	SignInWindow time.Duration // default 15 minutes
	// SignUpLimit caps the accounts one client address may create per
	// SignUpWindow (sign-up form and first OIDC sign-in alike), so a script
	// cannot mint unlimited free accounts; default 5 per hour.
	// Every valid form counts, whether or not its address has an account.
	// Password reset requests have a budget of the same size.
	SignUpLimit  int
	SignUpWindow time.Duration
	// TokenTTL is how long an API token works after it is made; default
	// DefaultTokenTTL. An expired token is refused like an unknown one (401).
	TokenTTL time.Duration
	// Mailer sends sign-up confirmations, password reset links and the
	// notices that replace them for addresses that have (or lack) an
	// account; without one, sign-up and reset fail with ErrNoMailer.
	Mailer domain.Mailer
	// BaseURL is the portal's public URL that emailed links start with;
	// required with a Mailer.
	BaseURL string
	// MailLimit caps the sign-up and reset emails one address receives per
	// SignUpWindow, whoever asks; past it the form answers the same and
	// nothing is sent. Default 3.
	MailLimit int
	// LinkTTL is how long an emailed link works; default 24 hours.
	LinkTTL time.Duration
	Now     func() time.Time
}

// DefaultTokenTTL is the life of an API token: long enough for a pipeline,
// short enough that a leaked one stops working on its own.
const DefaultTokenTTL = 90 * 24 * time.Hour

// Service signs users in and out and resolves sessions and API tokens to profiles.
type Service struct {
	profiles domain.Profiles
	store    Store
	owners   OwnerLookup // nil unless store offers it for these profiles
	cfg      Config
}

// New returns a Service over profiles and store.
func New(profiles domain.Profiles, store Store, cfg Config) (*Service, error) {
	if len(cfg.Key) < 32 {
		return nil, errors.New("auth: key must be at least 32 bytes")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.SignInLimit == 0 {
		cfg.SignInLimit = 10
	}
	if cfg.ClientLimit == 0 {
		cfg.ClientLimit = 5 * cfg.SignInLimit
	}
	if cfg.SignInWindow == 0 {
		cfg.SignInWindow = 15 * time.Minute
	}
	if cfg.SignUpLimit == 0 {
		cfg.SignUpLimit = 5
	}
	if cfg.SignUpWindow == 0 {
		cfg.SignUpWindow = time.Hour
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MailLimit == 0 {
		cfg.MailLimit = 3
	}
	if cfg.LinkTTL == 0 {
		cfg.LinkTTL = 24 * time.Hour
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Mailer != nil && cfg.BaseURL == "" {
		return nil, errors.New("auth: a Mailer needs the BaseURL its links start with")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{profiles: profiles, store: store, cfg: cfg}
	if o, ok := store.(OwnerLookup); ok && o.ReadsProfiles(profiles) {
		s.owners = o
	}
	return s, nil
}

// SessionTTL is how long a session lives; the web layer uses it for the cookie.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

// dummyHash makes an unknown email cost as much as a wrong password, so
// response times do not tell which emails have accounts.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password", DefaultArgon2)
	return h
})

// SignIn checks a password. client identifies the caller (its IP) for rate limiting.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (domain.Profile, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return domain.Profile{}, ErrBadCredentials
	}
	// Counted per client address, and per account from that address: wrong
	// passwords from one address never lock the owner out of their account
	// from another. Guessing one account from many addresses is slowed by
	// argon2id and by each address's own limits.
	if err := s.limit(ctx, "signin:client:"+client, s.cfg.ClientLimit, s.cfg.SignInWindow); err != nil {
		return domain.Profile{}, err
	}
	if err := s.limit(ctx, "signin:email:"+email+"|"+client, s.cfg.SignInLimit, s.cfg.SignInWindow); err != nil {
		return domain.Profile{}, err
	}
	p, err := s.profiles.GetByEmail(ctx, email)
	hash := dummyHash()
	if err == nil {
		hash, err = s.store.PasswordHash(ctx, p.ID)
		if errors.Is(err, domain.ErrNotFound) {
			hash, err = dummyHash(), nil
			p = domain.Profile{}
		}
	} else if errors.Is(err, domain.ErrNotFound) {
		err = nil
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("sign in %s: %w", email, err)
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("sign in %s: %w", email, err)
	}
	if !ok || p.ID == "" {
		return domain.Profile{}, ErrBadCredentials
	}
	return p, nil
}

// limit counts one attempt under key and fails with ErrRateLimited once the
// window holds more than allowed.
func (s *Service) limit(ctx context.Context, key string, allowed int, window time.Duration) error {
	n, err := s.store.Hit(ctx, key, window, s.cfg.Now())
	if err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if n > allowed {
		return ErrRateLimited
	}
	return nil
}

// limitSignUp counts one account created by client.
func (s *Service) limitSignUp(ctx context.Context, client string) error {
	return s.limit(ctx, "signup:client:"+client, s.cfg.SignUpLimit, s.cfg.SignUpWindow)
}

// SetPassword replaces a user's password (used by `gas user add --password`).
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	hash, err := s.hashNew(password)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, userID, hash)
}

// StartSession creates a session for userID and returns the cookie value.
func (s *Service) StartSession(ctx context.Context, userID string) (string, error) {
	secret := randomString(32)
	now := s.cfg.Now().UTC()
	err := s.store.CreateSession(ctx, Session{
		IDHash: hashSecret(secret), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	})
	if err != nil {
		return "", fmt.Errorf("create session for %s: %w", userID, err)
	}
	return secret, nil
}

// SessionUser resolves a session cookie value to its profile; ErrUnauthorized when it is unknown or expired.
func (s *Service) SessionUser(ctx context.Context, cookie string) (domain.Profile, error) {
	if cookie == "" {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	if s.owners != nil {
		return ownerOrUnauthorized(s.owners.SessionOwner(ctx, hashSecret(cookie), s.cfg.Now()))
	}
	sess, err := s.store.GetSession(ctx, hashSecret(cookie), s.cfg.Now())
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("session: %w", err)
	}
	return s.profile(ctx, sess.UserID)
}

// EndSession deletes a session; an unknown one is not an error.
func (s *Service) EndSession(ctx context.Context, cookie string) error {
	if cookie == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, hashSecret(cookie))
}

// TokenPrefix starts every API token, so secret scanners can spot leaked ones.
const TokenPrefix = "gas_"

// CreateToken makes an API token for userID and returns its plain value, shown once.
func (s *Service) CreateToken(ctx context.Context, userID, name string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "token"
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", Token{}, domain.UserErrorf(domain.ErrInvalid, "token name too long")
	}
	plain := TokenPrefix + randomString(32)
	t := Token{
		ID: "t" + randomHex(8), UserID: userID, Name: name, Hash: hashSecret(plain),
		Prefix: plain[:len(TokenPrefix)+6], CreatedAt: s.cfg.Now().UTC(),
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", Token{}, fmt.Errorf("create token for %s: %w", userID, err)
	}
	t.ExpiresAt = t.CreatedAt.Add(s.cfg.TokenTTL)
	return plain, t, nil
}

// ListTokens lists a user's tokens (never their values).
func (s *Service) ListTokens(ctx context.Context, userID string) ([]Token, error) {
	ts, err := s.store.ListTokens(ctx, userID)
	for i := range ts {
		ts[i].ExpiresAt = ts[i].CreatedAt.Add(s.cfg.TokenTTL)
	}
	return ts, err
}

// RevokeToken deletes one of the user's tokens; ErrNotFound if it is not theirs.
func (s *Service) RevokeToken(ctx context.Context, userID, id string) error {
	return s.store.DeleteToken(ctx, userID, id)
}

// TokenUser resolves a bearer token to its profile; ErrUnauthorized when unknown.
func (s *Service) TokenUser(ctx context.Context, plain string) (domain.Profile, error) {
	if !strings.HasPrefix(plain, TokenPrefix) {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	createdAfter := s.cfg.Now().Add(-s.cfg.TokenTTL)
	if s.owners != nil {
		return ownerOrUnauthorized(s.owners.TokenOwner(ctx, hashSecret(plain), createdAfter))
	}
	t, err := s.store.GetTokenByHash(ctx, hashSecret(plain))
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("token: %w", err)
	}
	if !t.CreatedAt.After(createdAfter) {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	return s.profile(ctx, t.UserID)
}

// ownerOrUnauthorized maps an OwnerLookup answer as the two-read path does:
// an unknown credential or a vanished account is ErrUnauthorized.
func ownerOrUnauthorized(p domain.Profile, err error) (domain.Profile, error) {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, domain.ErrUnauthorized
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("credential owner: %w", err)
	}
	return p, nil
}

func (s *Service) profile(ctx context.Context, id string) (domain.Profile, error) {
	p, err := s.profiles.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, domain.ErrUnauthorized // the account is gone
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", id, err)
	}
	return p, nil
}

// UpsertUser is what `gas user add` asks for.
type UpsertUser struct {
	Email, Name string
	Role        domain.Role // empty keeps the current role (free for a new account)
	Auditor     bool
}

// UpsertUser creates or updates an account by email.
func (s *Service) UpsertUser(ctx context.Context, in UpsertUser) (domain.Profile, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return domain.Profile{}, err
	}
	if in.Role != "" && !in.Role.Valid() {
		return domain.Profile{}, domain.UserErrorf(domain.ErrInvalid, "role %q is not free_user or premium_user", in.Role)
	}
	existing, err := s.profiles.GetByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		p := domain.Profile{
			ID: NewUserID(), Email: email, Name: strings.TrimSpace(in.Name), Role: in.Role,
			Auditor: in.Auditor, CreatedAt: s.cfg.Now().UTC(),
		}
		if p.Name == "" {
			p.Name = email
		}
		if p.Role == "" {
			p.Role = domain.RoleFree
		}
		if err := s.profiles.Create(ctx, p); err != nil {
			return domain.Profile{}, fmt.Errorf("create profile %s: %w", email, err)
		}
		return p, nil
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("look up %s: %w", email, err)
	}
	return s.profiles.Update(ctx, existing.ID, func(p *domain.Profile) error {
		if n := strings.TrimSpace(in.Name); n != "" {
			p.Name = n
		}
		if in.Role != "" {
			p.Role = in.Role
		}
		p.Auditor = in.Auditor
		return nil
	})
}

// CSRFToken returns the form token bound to seed (the browser's CSRF cookie).
// It is an HMAC, so a page can carry it without the key ever reaching HTML.
func (s *Service) CSRFToken(seed string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", seed))
}

// ValidCSRF reports whether token matches seed.
func (s *Service) ValidCSRF(seed, token string) bool {
	if seed == "" || token == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && hmac.Equal(got, s.mac("csrf", seed))
}

func encodeMAC(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeMAC(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func (s *Service) mac(purpose, msg string) []byte {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// NormalizeEmail checks an address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", domain.UserErrorf(domain.ErrInvalid, "%q is not an email address", s)
	}
	return strings.ToLower(s), nil
}

// NewUserID returns a fresh profile id: short, and safe in execution names and keys.
func NewUserID() string { return "u" + randomHex(8) }

// RandomString returns n random bytes, URL-safe base64 encoded.
func RandomString(n int) string { return randomString(n) }

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hashSecret is how session ids and tokens are stored: they carry 256 bits
// of entropy, so a fast hash is enough (no salt or stretching needed).
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
