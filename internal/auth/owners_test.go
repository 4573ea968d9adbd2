package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// ownerStore is a memstore.Auth offering OwnerLookup, answering from its own
// profiles and counting the calls.
type ownerStore struct {
	*memstore.Auth
	profiles *memstore.Profiles
	same     bool // what ReadsProfiles answers
	calls    int
}

func (o *ownerStore) ReadsProfiles(domain.Profiles) bool { return o.same }

func (o *ownerStore) TokenOwner(ctx context.Context, hash string, createdAfter time.Time) (domain.Profile, error) {
	o.calls++
	t, err := o.GetTokenByHash(ctx, hash)
	if err != nil {
		return domain.Profile{}, err
	}
	if !t.CreatedAt.After(createdAfter) {
		return domain.Profile{}, domain.ErrNotFound
	}
	return o.profiles.Get(ctx, t.UserID)
}

func (o *ownerStore) SessionOwner(ctx context.Context, idHash string, now time.Time) (domain.Profile, error) {
	o.calls++
	s, err := o.GetSession(ctx, idHash, now)
	if err != nil {
		return domain.Profile{}, err
	}
	return o.profiles.Get(ctx, s.UserID)
}

// TestOwnerLookupUsedOnlyForTheSameProfiles: the one-read path is taken when
// the store says it reads the Service's profiles, and it answers exactly as
// the two-read path (unknown, revoked and deleted-account credentials are
// ErrUnauthorized).
func TestOwnerLookupUsedOnlyForTheSameProfiles(t *testing.T) {
	ctx := context.Background()
	for _, same := range []bool{true, false} {
		profiles := memstore.NewProfiles()
		store := &ownerStore{Auth: memstore.NewAuth(), profiles: profiles, same: same}
		svc, err := auth.New(profiles, store, auth.Config{Key: testKey, Argon2: cheap})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: "a@example.org", Name: "A"})
		if err != nil {
			t.Fatal(err)
		}
		tok, tk, err := svc.CreateToken(ctx, p.ID, "t")
		if err != nil {
			t.Fatal(err)
		}
		cookie, err := svc.StartSession(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := svc.TokenUser(ctx, tok); err != nil || got.ID != p.ID {
			t.Errorf("same=%v: TokenUser = %+v, %v", same, got, err)
		}
		if got, err := svc.SessionUser(ctx, cookie); err != nil || got.ID != p.ID {
			t.Errorf("same=%v: SessionUser = %+v, %v", same, got, err)
		}
		if _, err := svc.TokenUser(ctx, "gas_unknown"); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("same=%v: unknown token: err = %v, want ErrUnauthorized", same, err)
		}
		if err := svc.RevokeToken(ctx, p.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.TokenUser(ctx, tok); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("same=%v: revoked token: err = %v, want ErrUnauthorized", same, err)
		}
		if want := map[bool]int{true: 4, false: 0}[same]; store.calls != want {
			t.Errorf("same=%v: OwnerLookup called %d times, want %d", same, store.calls, want)
		}
	}
}
