package domaintest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// SampleProfile returns a profile with every field set.
func SampleProfile(id, email string) domain.Profile {
	return domain.Profile{
		ID:                   id,
		Name:                 "Ada Lovelace",
		Email:                email,
		Institution:          "Analytical Engines Ltd",
		Role:                 domain.RoleFree,
		Auditor:              true,
		CreatedAt:            base,
		StripeCustomerID:     "cus_123",
		StripeSubscriptionID: "sub_456",
		PremiumUntil:         base.Add(30 * 24 * time.Hour),
	}
}

// TestProfiles runs the domain.Profiles contract. newStore must return an empty store.
func TestProfiles(t *testing.T, newStore func(t *testing.T) domain.Profiles) {
	runCases(t, newStore, profilesContract)
}

// profilesContract is the domain.Profiles contract.
var profilesContract = []contractCase[domain.Profiles]{
	{"CreateGet", profilesCreateGet},
	{"NotFound", profilesNotFound},
	{"Duplicates", profilesDuplicates},
	{"Update", profilesUpdate},
	{"UpdateEmailUnique", profilesUpdateEmail},
	{"UpdateConcurrent", profilesConcurrent},
}

func profilesCreateGet(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	want := SampleProfile("p1", "Ada@Example.org")
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got := mustGet(t, s.Get, "p1")
	assertProfile(t, got, want)
	// Email lookup ignores case; the stored spelling is kept.
	for _, e := range []string{"Ada@Example.org", "ada@example.org", "ADA@EXAMPLE.ORG"} {
		got, err := s.GetByEmail(ctx, e)
		if err != nil {
			t.Fatalf("GetByEmail(%q): %v", e, err)
		}
		assertProfile(t, got, want)
	}
}

func profilesNotFound(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get: err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetByEmail(ctx, "nobody@example.org"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetByEmail: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, "nope", func(*domain.Profile) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Update: err = %v, want ErrNotFound", err)
	}
}

func profilesDuplicates(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	first := SampleProfile("p1", "ada@example.org")
	if err := s.Create(ctx, first); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := s.Create(ctx, SampleProfile("p1", "other@example.org")); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Create same id: err = %v, want ErrConflict", err)
	}
	if err := s.Create(ctx, SampleProfile("p2", "ADA@example.ORG")); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Create same email in other case: err = %v, want ErrConflict", err)
	}
	if _, err := s.Get(ctx, "p2"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("rejected profile was stored: err = %v", err)
	}
	if _, err := s.GetByEmail(ctx, "other@example.org"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("rejected profile's email was stored: err = %v", err)
	}
	got := mustGet(t, s.Get, "p1")
	assertProfile(t, got, first)
}

func profilesUpdate(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	p := SampleProfile("p1", "ada@example.org")
	if err := s.Create(ctx, p); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Update(ctx, "p1", func(p *domain.Profile) error {
		p.Role = domain.RolePremium
		p.Email = "Ada.L@Example.org"
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := p
	want.Role, want.Email = domain.RolePremium, "Ada.L@Example.org"
	assertProfile(t, got, want)
	if got, err := s.GetByEmail(ctx, "ada.l@example.org"); err != nil {
		t.Errorf("GetByEmail new address: %v", err)
	} else {
		assertProfile(t, got, want)
	}
	if _, err := s.GetByEmail(ctx, "ada@example.org"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetByEmail old address: err = %v, want ErrNotFound", err)
	}

	boom := errors.New("boom")
	if _, err := s.Update(ctx, "p1", func(p *domain.Profile) error { p.Role = domain.RoleFree; return boom }); !errors.Is(err, boom) {
		t.Errorf("Update fn error: err = %v, want it returned", err)
	}
	if got, _ := s.Get(ctx, "p1"); got.Role != domain.RolePremium {
		t.Errorf("failed Update wrote role %q", got.Role)
	}
	if _, err := s.Update(ctx, "p1", func(p *domain.Profile) error { p.ID = "p9"; return nil }); err == nil {
		t.Error("Update that changed the id succeeded")
	}
}

func profilesUpdateEmail(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	for _, p := range []domain.Profile{SampleProfile("p1", "ada@example.org"), SampleProfile("p2", "bob@example.org")} {
		if err := s.Create(ctx, p); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	_, err := s.Update(ctx, "p2", func(p *domain.Profile) error { p.Email = "ADA@example.org"; return nil })
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("Update to a taken email: err = %v, want ErrConflict", err)
	}
	got, err := s.GetByEmail(ctx, "ada@example.org")
	if err != nil || got.ID != "p1" {
		t.Errorf("GetByEmail(ada) = %s, %v; want p1", got.ID, err)
	}
	got, err = s.GetByEmail(ctx, "bob@example.org")
	if err != nil || got.ID != "p2" {
		t.Errorf("GetByEmail(bob) = %s, %v; want p2 unchanged", got.ID, err)
	}
}

func profilesConcurrent(t *testing.T, s domain.Profiles) {
	ctx := context.Background()
	if err := s.Create(ctx, domain.Profile{ID: "p1", Email: "c@example.org", Role: domain.RoleFree, CreatedAt: base}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	const workers, each = 6, 5
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				for attempt := 0; ; attempt++ {
					_, err := s.Update(ctx, "p1", func(p *domain.Profile) error {
						name := p.Name
						time.Sleep(time.Millisecond) // widen the window between read and write
						p.Name = name + "x"
						return nil
					})
					if errors.Is(err, domain.ErrConflict) && attempt < 50 {
						time.Sleep(time.Duration(attempt+1) * time.Millisecond)
						continue
					}
					if err != nil {
						t.Errorf("Update: %v", err)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	got := mustGet(t, s.Get, "p1")
	if len(got.Name) != workers*each {
		t.Errorf("name has %d marks after %d updates: updates were lost", len(got.Name), workers*each)
	}
}

func assertProfile(t *testing.T, got, want domain.Profile) {
	t.Helper()
	got.CreatedAt, want.CreatedAt = normTime(got.CreatedAt), normTime(want.CreatedAt)
	got.PremiumUntil, want.PremiumUntil = normTime(got.PremiumUntil), normTime(want.PremiumUntil)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profile %s differs:\ngot  %+v\nwant %+v", want.ID, got, want)
	}
}
