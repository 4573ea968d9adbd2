package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/gasproject/gas/internal/domain"
)

// memProfiles is domain.Profiles in memory; failUpdate makes Update fail.
type memProfiles struct {
	mu         sync.Mutex
	m          map[string]domain.Profile
	failUpdate error
}

func newProfiles(ps ...domain.Profile) *memProfiles {
	f := &memProfiles{m: map[string]domain.Profile{}}
	for _, p := range ps {
		f.m[p.ID] = p
	}
	return f
}

func (f *memProfiles) Create(_ context.Context, p domain.Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[p.ID]; ok {
		return domain.ErrConflict
	}
	f.m[p.ID] = p
	return nil
}

func (f *memProfiles) Get(_ context.Context, id string) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[id]
	if !ok {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", id, domain.ErrNotFound)
	}
	return p, nil
}

func (f *memProfiles) GetByEmail(_ context.Context, email string) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.m {
		if strings.EqualFold(p.Email, email) {
			return p, nil
		}
	}
	return domain.Profile{}, domain.ErrNotFound
}

func (f *memProfiles) Update(_ context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failUpdate != nil {
		return domain.Profile{}, f.failUpdate
	}
	p, ok := f.m[id]
	if !ok {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", id, domain.ErrNotFound)
	}
	if err := fn(&p); err != nil {
		return domain.Profile{}, err
	}
	f.m[id] = p
	return p, nil
}

func (f *memProfiles) get(t *testing.T, id string) domain.Profile {
	t.Helper()
	p, err := f.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeUpgrader does what service.Upgrade does to the profile and counts the
// restores it would start; fail makes it fail after the role change, like a
// workflow that cannot start.
type fakeUpgrader struct {
	profiles *memProfiles
	restores []string
	fail     error
}

func (u *fakeUpgrader) Upgrade(ctx context.Context, id string) (domain.Profile, string, error) {
	p, err := u.profiles.Update(ctx, id, func(p *domain.Profile) error { p.Role = domain.RolePremium; return nil })
	if err != nil {
		return p, "", err
	}
	if u.fail != nil {
		return p, "", u.fail
	}
	name := fmt.Sprintf("restore-%s-%d", id, len(u.restores)+1)
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

// mailbox is domain.Mailer in memory.
type mailbox struct {
	sent []domain.Message
	fail error
}

func (m *mailbox) Send(_ context.Context, msg domain.Message) error {
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, msg)
	return nil
}
