package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/auth/authtest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

func TestAuthContract(t *testing.T) { authtest.StoreContract(t, openTest(t).Auth()) }

// TestOwnerLookup: the one-query lookups answer as GetTokenByHash or
// GetSession followed by Profiles.Get would.
func TestOwnerLookup(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := db.Auth()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if !a.ReadsProfiles(db.Profiles()) || a.ReadsProfiles(openTest(t).Profiles()) {
		t.Fatal("ReadsProfiles must accept this database's profiles only")
	}
	if err := db.Profiles().Create(ctx, domaintest.SampleProfile("u1", "a@example.org")); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []auth.Token{{Hash: "t1", ID: "tid1", UserID: "u1", CreatedAt: now}, {Hash: "t2", ID: "tid2", UserID: "gone", CreatedAt: now}, {Hash: "t3", ID: "tid3", UserID: "u1", CreatedAt: now.Add(-time.Hour)}} {
		if err := a.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []auth.Session{
		{IDHash: "s1", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{IDHash: "s2", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
		{IDHash: "s3", UserID: "gone", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	later := now.Add(30 * time.Minute)
	for _, tc := range []struct {
		name   string
		lookup func() (domain.Profile, error)
		want   string // profile id, or "" for ErrNotFound
	}{
		{"token", func() (domain.Profile, error) { return a.TokenOwner(ctx, "t1", now.Add(-time.Minute)) }, "u1"},
		{"expired token", func() (domain.Profile, error) { return a.TokenOwner(ctx, "t3", now.Add(-time.Minute)) }, ""},
		{"unknown token", func() (domain.Profile, error) { return a.TokenOwner(ctx, "nope", now.Add(-time.Minute)) }, ""},
		{"token of a deleted account", func() (domain.Profile, error) { return a.TokenOwner(ctx, "t2", now.Add(-time.Minute)) }, ""},
		{"session", func() (domain.Profile, error) { return a.SessionOwner(ctx, "s1", later) }, "u1"},
		{"expired session", func() (domain.Profile, error) { return a.SessionOwner(ctx, "s2", later) }, ""},
		{"unknown session", func() (domain.Profile, error) { return a.SessionOwner(ctx, "nope", later) }, ""},
		{"session of a deleted account", func() (domain.Profile, error) { return a.SessionOwner(ctx, "s3", later) }, ""},
	} {
		p, err := tc.lookup()
		switch {
		case tc.want == "" && !errors.Is(err, domain.ErrNotFound):
			t.Errorf("%s: err = %v, want ErrNotFound", tc.name, err)
		case tc.want != "" && (err != nil || p.ID != tc.want || p.Email != "a@example.org"):
			t.Errorf("%s = %+v, %v; want profile %s", tc.name, p, err, tc.want)
		}
	}
	if err := a.DeleteToken(ctx, "u1", "tid1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TokenOwner(ctx, "t1", now.Add(-time.Minute)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoked token: err = %v, want ErrNotFound", err)
	}
}
