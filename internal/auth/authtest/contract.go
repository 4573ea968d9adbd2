// Package authtest holds the contract test suite every auth.Store adapter runs.
package authtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

// StoreContract checks s against the auth.Store contract. s must be empty.
func StoreContract(t *testing.T, s auth.Store) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("user sessions", func(t *testing.T) { userSessions(t, s, now) })
	t.Run("sessions", func(t *testing.T) {
		sess := auth.Session{IDHash: "h1", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSession(ctx, "h1", now.Add(time.Minute))
		if err != nil || got.UserID != "u1" || !got.ExpiresAt.Equal(sess.ExpiresAt) {
			t.Fatalf("GetSession = %+v, %v", got, err)
		}
		if _, err := s.GetSession(ctx, "h1", now.Add(time.Hour)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("expired session: err = %v, want ErrNotFound", err)
		}
		if _, err := s.GetSession(ctx, "nope", now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown session: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "h1", now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleted session: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Errorf("deleting an absent session: %v", err)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		a := auth.Token{ID: "ta", UserID: "u1", Name: "laptop", Hash: "ha", Prefix: "gas_aaa", CreatedAt: now}
		b := auth.Token{ID: "tb", UserID: "u1", Name: "ci", Hash: "hb", Prefix: "gas_bbb", CreatedAt: now.Add(time.Second)}
		c := auth.Token{ID: "tc", UserID: "u2", Name: "other", Hash: "hc", Prefix: "gas_ccc", CreatedAt: now}
		for _, tok := range []auth.Token{b, a, c} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.GetTokenByHash(ctx, "hb")
		if err != nil || got.ID != "tb" || got.UserID != "u1" || got.Name != "ci" || got.Prefix != "gas_bbb" {
			t.Fatalf("GetTokenByHash = %+v, %v", got, err)
		}
		if _, err := s.GetTokenByHash(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown token: err = %v", err)
		}
		list, err := s.ListTokens(ctx, "u1")
		if err != nil || len(list) != 2 || list[0].ID != "ta" || list[1].ID != "tb" {
			t.Fatalf("ListTokens(u1) = %+v, %v; want ta, tb", list, err)
		}
		if err := s.DeleteToken(ctx, "u1", "tc"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleting another user's token: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteToken(ctx, "u1", "ta"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetTokenByHash(ctx, "ha"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("revoked token still resolves: %v", err)
		}
		if _, err := s.GetTokenByHash(ctx, "hc"); err != nil {
			t.Errorf("other user's token lost: %v", err)
		}
	})

	t.Run("passwords", func(t *testing.T) {
		if _, err := s.PasswordHash(ctx, "u9"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("no password: err = %v", err)
		}
		for _, h := range []string{"first", "second"} {
			if err := s.SetPasswordHash(ctx, "u9", h); err != nil {
				t.Fatal(err)
			}
			if got, err := s.PasswordHash(ctx, "u9"); err != nil || got != h {
				t.Errorf("PasswordHash = %q, %v; want %q", got, err, h)
			}
		}
	})

	t.Run("limiter", func(t *testing.T) {
		w := time.Minute
		for i, tc := range []struct {
			key  string
			at   time.Duration
			want int
		}{
			{"k", 0, 1}, {"k", 10 * time.Second, 2}, {"other", 10 * time.Second, 1},
			{"k", 59 * time.Second, 3}, {"k", 61 * time.Second, 1}, {"k", 62 * time.Second, 2},
		} {
			n, err := s.Hit(ctx, tc.key, w, now.Add(tc.at))
			if err != nil || n != tc.want {
				t.Errorf("hit %d (%s at %v) = %d, %v; want %d", i, tc.key, tc.at, n, err, tc.want)
			}
		}
	})
}

// userSessions: DeleteUserSessions ends every session of one user, no other.
func userSessions(t *testing.T, s auth.Store, now time.Time) {
	ctx := context.Background()
	for _, sess := range []auth.Session{
		{IDHash: "a1", UserID: "ua", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{IDHash: "a2", UserID: "ua", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{IDHash: "b1", UserID: "ub", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUserSessions(ctx, "ua"); err != nil {
		t.Fatal(err)
	}
	for h, want := range map[string]error{"a1": domain.ErrNotFound, "a2": domain.ErrNotFound, "b1": nil} {
		if _, err := s.GetSession(ctx, h, now); !errors.Is(err, want) {
			t.Errorf("session %s after DeleteUserSessions(ua): err = %v, want %v", h, err, want)
		}
	}
	if err := s.DeleteUserSessions(ctx, "nobody"); err != nil {
		t.Errorf("a user without sessions: %v", err)
	}
	s.DeleteSession(ctx, "b1")
}
