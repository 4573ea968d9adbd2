package webui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/webui"
)

// fakeManager is a payment provider with a customer portal.
type fakeManager struct{ returnURL string }

func (f *fakeManager) CheckoutURL(_ context.Context, p domain.Profile, _, _ string) (string, error) {
	return "https://pay.example/checkout/" + p.ID, nil
}

func (f *fakeManager) ManageURL(_ context.Context, p domain.Profile, returnURL string) (string, error) {
	f.returnURL = returnURL
	return "https://pay.example/portal/" + p.StripeCustomerID, nil
}

var _ webui.SubscriptionManager = (*fakeManager)(nil)

func TestManageSubscription(t *testing.T) {
	until := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
	subscriber := func(h *harness, email string) {
		t.Helper()
		p := mustProfile(t, h, email)
		if _, err := h.db.Profiles().Update(context.Background(), p.ID, func(p *domain.Profile) error {
			p.StripeCustomerID, p.StripeSubscriptionID, p.PremiumUntil = "cus_7", "sub_7", until
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("subscriber", func(t *testing.T) {
		m := &fakeManager{}
		h := newHarnessWith(t, func(c *webui.Config) { c.Checkout = m })
		h.user("s@example.org", domain.RolePremium, false)
		subscriber(h, "s@example.org")
		b := h.signedIn("s@example.org")
		page := b.get("/subscribe")
		if !strings.Contains(page.body, `id="manage"`) || !strings.Contains(page.body, "ends on 2027-01-15 08:00:00 UTC") {
			t.Errorf("subscribe page of a cancelling subscriber:\n%s", page.body)
		}
		r := b.post("/subscribe/manage", nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "https://pay.example/portal/cus_7" || m.returnURL != h.srv.URL+"/subscribe" {
			t.Errorf("manage: %d %q, back to %q", r.status, r.header.Get("Location"), m.returnURL)
		}
	})
	t.Run("premium without a subscription", func(t *testing.T) {
		h := newHarnessWith(t, func(c *webui.Config) { c.Checkout = &fakeManager{} })
		h.user("p@example.org", domain.RolePremium, false)
		b := h.signedIn("p@example.org")
		if page := b.get("/subscribe"); strings.Contains(page.body, `id="manage"`) || strings.Contains(page.body, "premium-until") {
			t.Error("a manage button without a subscription")
		}
		if r := b.post("/subscribe/manage", nil); r.status != http.StatusNotFound {
			t.Errorf("manage: %d, want 404", r.status)
		}
	})
	t.Run("test mode", func(t *testing.T) {
		h := newHarness(t)
		h.user("s@example.org", domain.RolePremium, false)
		subscriber(h, "s@example.org")
		b := h.signedIn("s@example.org")
		if page := b.get("/subscribe"); strings.Contains(page.body, `id="manage"`) {
			t.Error("a manage button in test mode")
		}
		if r := b.post("/subscribe/manage", nil); r.status != http.StatusNotFound {
			t.Errorf("manage in test mode: %d, want 404", r.status)
		}
	})
	t.Run("auditor", func(t *testing.T) {
		h := newHarnessWith(t, func(c *webui.Config) { c.Checkout = &fakeManager{} })
		h.user("a@example.org", domain.RoleFree, true)
		b := h.signedIn("a@example.org")
		if r := b.post("/subscribe/manage", nil); r.status != http.StatusForbidden {
			t.Errorf("auditor: %d, want 403", r.status)
		}
	})
	t.Run("signed out", func(t *testing.T) {
		h := newHarnessWith(t, func(c *webui.Config) { c.Checkout = &fakeManager{} })
		if r := h.browser().post("/subscribe/manage", nil); r.status == http.StatusSeeOther && strings.Contains(r.header.Get("Location"), "pay.example") {
			t.Error("signed-out visitor sent to a portal")
		}
	})
}
