package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// cheap keeps password hashing fast in tests; production uses DefaultArgon2.
var cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// testKey is the tests' signing key (auth.Config.Key, 32 bytes).
var testKey = []byte(strings.Repeat("k", 32))

func newService(t *testing.T) (*auth.Service, *memstore.Profiles, *time.Time) {
	t.Helper()
	svc, profiles, now, _ := newMailingService(t)
	return svc, profiles, now
}

// newMailingService is newService with the Mailer its sign-ups and resets write to.
func newMailingService(t *testing.T) (*auth.Service, *memstore.Profiles, *time.Time, *memstore.Mailer) {
	t.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	profiles := memstore.NewProfiles()
	mail := &memstore.Mailer{}
	svc, err := auth.New(profiles, memstore.NewAuth(), auth.Config{
		Key: testKey, Argon2: cheap, SignInLimit: 3, SignInWindow: time.Minute,
		Mailer: mail, BaseURL: "https://gas.test/", Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc, profiles, &now, mail
}

// account makes a free account for email with the password "longenough".
func account(t *testing.T, svc *auth.Service, email string) domain.Profile {
	t.Helper()
	ctx := context.Background()
	p, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: email, Name: strings.Split(email, "@")[0]})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(ctx, p.ID, "longenough"); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	for _, tc := range []struct {
		pw   string
		hash string
		ok   bool
		err  bool
	}{
		{"correct horse", h, true, false},
		{"correct hors", h, false, false},
		{"", h, false, false},
		{"x", "$bcrypt$whatever", false, true},
		{"x", "$argon2id$v=19$m=x$a$b", false, true},
	} {
		ok, err := auth.VerifyPassword(tc.pw, tc.hash)
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("VerifyPassword(%q, %q) = %v, %v", tc.pw, tc.hash, ok, err)
		}
	}
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	p := account(t, svc, "Ada@Example.org")
	got, err := svc.SignIn(ctx, "ADA@example.org", "longenough", "1.2.3.4")
	if err != nil || got.ID != p.ID {
		t.Fatalf("SignIn = %+v, %v", got, err)
	}
	if _, err := svc.SignIn(ctx, "ada@example.org", "wrong", "1.2.3.4"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("wrong password: err = %v", err)
	}
	if _, err := svc.SignIn(ctx, "who@example.org", "longenough", "1.2.3.5"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("unknown email: err = %v", err)
	}
}

func TestSignInRateLimited(t *testing.T) {
	ctx := context.Background()
	svc, _, now := newService(t)
	account(t, svc, "a@example.org")
	for i := 0; i < 3; i++ {
		if _, err := svc.SignIn(ctx, "a@example.org", "wrong", "ip"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Even the right password is refused once the window is used up...
	if _, err := svc.SignIn(ctx, "a@example.org", "longenough", "ip"); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("4th attempt: err = %v, want ErrRateLimited", err)
	}
	// ...but the owner signs in from another address: an attacker's wrong
	// passwords never lock the owner out.
	if p, err := svc.SignIn(ctx, "a@example.org", "longenough", "other-ip"); err != nil || p.Email != "a@example.org" {
		t.Errorf("owner from another address: %v", err)
	}
	*now = now.Add(2 * time.Minute)
	if _, err := svc.SignIn(ctx, "a@example.org", "longenough", "ip"); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// One address trying many emails is limited too, at 5× the per-email limit.
	*now = now.Add(2 * time.Minute)
	for i := range 15 {
		if _, err := svc.SignIn(ctx, fmt.Sprintf("u%d@example.org", i), "x", "busy"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("attempt %d from one address: %v", i, err)
		}
	}
	if _, err := svc.SignIn(ctx, "a@example.org", "longenough", "busy"); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("16th attempt from one address: %v", err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	svc, _, now := newService(t)
	p := account(t, svc, "a@example.org")
	cookie, err := svc.StartSession(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.SessionUser(ctx, cookie); err != nil || got.ID != p.ID {
		t.Fatalf("SessionUser = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "x", cookie + "x"} {
		if _, err := svc.SessionUser(ctx, bad); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("SessionUser(%q): err = %v", bad, err)
		}
	}
	if err := svc.EndSession(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionUser(ctx, cookie); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("after sign-out: err = %v", err)
	}
	cookie, _ = svc.StartSession(ctx, p.ID)
	*now = now.Add(svc.SessionTTL())
	if _, err := svc.SessionUser(ctx, cookie); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("expired: err = %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	a := account(t, svc, "a@example.org")
	b := account(t, svc, "b@example.org")
	plain, tok, err := svc.CreateToken(ctx, a.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, auth.TokenPrefix) || tok.Hash == plain || strings.Contains(tok.Hash, plain) {
		t.Errorf("token %q stored as %+v", plain, tok)
	}
	if got, err := svc.TokenUser(ctx, plain); err != nil || got.ID != a.ID {
		t.Errorf("TokenUser = %+v, %v", got, err)
	}
	if err := svc.RevokeToken(ctx, b.ID, tok.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoking another user's token: %v", err)
	}
	list, _ := svc.ListTokens(ctx, a.ID)
	if len(list) != 1 || list[0].Name != "laptop" {
		t.Errorf("ListTokens = %+v", list)
	}
	if err := svc.RevokeToken(ctx, a.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TokenUser(ctx, plain); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("revoked token: err = %v", err)
	}
	if _, err := svc.TokenUser(ctx, "gas_made-up"); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("made-up token: err = %v", err)
	}
}

// TestTokenExpiry: a token works for TokenTTL after it is made, then is refused like an unknown one.
func TestTokenExpiry(t *testing.T) {
	ctx := context.Background()
	svc, _, now := newService(t)
	a := account(t, svc, "a@example.org")
	plain, tok, err := svc.CreateToken(ctx, a.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if want := tok.CreatedAt.Add(auth.DefaultTokenTTL); !tok.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt %v, want %v", tok.ExpiresAt, want)
	}
	if list, _ := svc.ListTokens(ctx, a.ID); len(list) != 1 || !list[0].ExpiresAt.Equal(tok.ExpiresAt) {
		t.Errorf("listed %+v", list)
	}
	*now = now.Add(auth.DefaultTokenTTL - time.Second)
	if _, err := svc.TokenUser(ctx, plain); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	*now = now.Add(time.Second)
	if _, err := svc.TokenUser(ctx, plain); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("expired token: err = %v, want ErrUnauthorized", err)
	}
}

func TestCSRF(t *testing.T) {
	svc, _, _ := newService(t)
	tok := svc.CSRFToken("seed")
	if !svc.ValidCSRF("seed", tok) {
		t.Error("own token rejected")
	}
	for _, tc := range [][2]string{{"seed", ""}, {"", tok}, {"other", tok}, {"seed", tok + "A"}, {"seed", "seed"}} {
		if svc.ValidCSRF(tc[0], tc[1]) {
			t.Errorf("ValidCSRF(%q, %q) = true", tc[0], tc[1])
		}
	}
}

func TestUpsertUser(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	p, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: "aud@example.org", Name: "Aud", Auditor: true})
	if err != nil || p.Role != domain.RoleFree || !p.Auditor {
		t.Fatalf("create = %+v, %v", p, err)
	}
	q, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: "aud@example.org", Role: domain.RolePremium})
	if err != nil || q.ID != p.ID || q.Role != domain.RolePremium || q.Auditor || q.Name != "Aud" {
		t.Errorf("update = %+v, %v", q, err)
	}
	if _, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: "x@example.org", Role: "gold"}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad role: %v", err)
	}
}
