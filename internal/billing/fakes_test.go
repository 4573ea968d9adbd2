package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/memstore"
)

func profile(t *testing.T, s *memstore.Profiles, id string) domain.Profile {
	t.Helper()
	return domaintest.Stored(t, s.Get, id)
}

// fakeUpgrader does what service.Upgrade does to the profile and records the
// restores it would start, named after the event as service.Upgrade names them; fail makes it fail after the role change, like a
// workflow that cannot start.
type fakeUpgrader struct {
	profiles *memstore.Profiles
	restores []string
	fail     error
}

func (u *fakeUpgrader) Upgrade(ctx context.Context, id, eventID string) (domain.Profile, string, error) {
	p, err := u.profiles.Update(ctx, id, func(p *domain.Profile) error { p.Role = domain.RolePremium; return nil })
	if err != nil {
		return p, "", err
	}
	if u.fail != nil {
		return p, "", u.fail
	}
	name := fmt.Sprintf("restore-%s-%s", id, eventID)
	u.restores = append(u.restores, name)
	return p, name, nil
}

// memEvents is billing.ProcessedEvents in memory.
type memEvents struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func (e *memEvents) Processed(_ context.Context, id string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.m[id]
	return ok, nil
}

func (e *memEvents) MarkProcessed(_ context.Context, id, typ string, _ time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail != nil {
		return e.fail
	}
	if e.m == nil {
		e.m = map[string]string{}
	}
	e.m[id] = typ
	return nil
}

// fakeStripe answers subscription reads from a map and records checkouts.
type fakeStripe struct {
	subs     map[string]*stripe.Subscription
	checkout *stripe.CheckoutSessionCreateParams
}

func (f *fakeStripe) CreateCheckoutSession(_ context.Context, p *stripe.CheckoutSessionCreateParams) (*stripe.CheckoutSession, error) {
	f.checkout = p
	return &stripe.CheckoutSession{ID: "cs_test_1", URL: "https://checkout.stripe.test/c/cs_test_1"}, nil
}

func (f *fakeStripe) Subscription(_ context.Context, id string) (*stripe.Subscription, error) {
	s, ok := f.subs[id]
	if !ok {
		return nil, errors.New("no such subscription: " + id)
	}
	return s, nil
}

func (f *fakeStripe) CreatePortalSession(_ context.Context, p *stripe.BillingPortalSessionCreateParams) (*stripe.BillingPortalSession, error) {
	return &stripe.BillingPortalSession{ID: "bps_1", URL: "https://billing.stripe.test/p/" + *p.Customer}, nil
}
