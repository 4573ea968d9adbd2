package billing

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

const testSecret = "whsec_test_gas"

type rig struct {
	svc      *Service
	profiles *memstore.Profiles
	users    *fakeUpgrader
	events   *memEvents
	api      *fakeStripe
	mail     *memstore.Mailer
}

func newRig(t *testing.T, ps ...domain.Profile) *rig {
	t.Helper()
	r := &rig{profiles: memstore.NewProfiles(ps...), events: &memEvents{}, api: &fakeStripe{subs: map[string]*stripe.Subscription{}}, mail: &memstore.Mailer{}}
	r.users = &fakeUpgrader{profiles: r.profiles}
	svc, err := New(Config{SecretKey: "sk_test_gas", WebhookSecret: testSecret, PriceID: "price_premium", Logger: slog.New(slog.DiscardHandler)},
		Ports{Profiles: r.profiles, Users: r.users, Events: r.events, Mailer: r.mail})
	if err != nil {
		t.Fatal(err)
	}
	svc.api = r.api
	r.svc = svc
	// checkoutCompleted's subscription, as Stripe reports it now.
	r.api.subs["sub_1"] = subscription("sub_1", "ada", stripe.SubscriptionStatusActive)
	return r
}

func free(id string) domain.Profile {
	return domain.Profile{ID: id, Name: id, Email: id + "@example.org", Role: domain.RoleFree}
}

// eventJSON is a Stripe event of the library's API version around obj.
func eventJSON(t *testing.T, id, typ string, obj any) []byte {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": json.RawMessage(raw)}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// deliver posts payload with a signature header to the webhook handler.
func (r *rig) deliver(t *testing.T, payload []byte, signature string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/stripe/webhook", strings.NewReader(string(payload)))
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	w := httptest.NewRecorder()
	r.svc.Webhook().ServeHTTP(w, req)
	body, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(body)
}

func (r *rig) deliverSigned(t *testing.T, payload []byte) (int, string) {
	t.Helper()
	return r.deliver(t, payload, sign(payload, testSecret, time.Now()))
}

func checkoutCompleted(user string) map[string]any {
	return map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "subscription", "status": "complete",
		"payment_status": "paid", "client_reference_id": user, "customer": "cus_1", "subscription": "sub_1"}
}

func TestCheckoutCompletedUpgradesOnceAndLinksStripe(t *testing.T) {
	r := newRig(t, free("ada"))
	payload := eventJSON(t, "evt_1", "checkout.session.completed", checkoutCompleted("ada"))
	if code, body := r.deliverSigned(t, payload); code != 200 || !strings.Contains(body, `"outcome":"upgraded"`) {
		t.Fatalf("first delivery: %d %s", code, body)
	}
	p := profile(t, r.profiles, "ada")
	if p.Role != domain.RolePremium || p.StripeCustomerID != "cus_1" || p.StripeSubscriptionID != "sub_1" {
		t.Errorf("profile %+v", p)
	}
	if len(r.users.restores) != 1 || r.users.restores[0] != "restore-ada-evt_1" {
		t.Errorf("restores %v", r.users.restores)
	}
	// Stripe delivers at least once: a replay (re-signed, as Stripe does) changes nothing.
	if code, body := r.deliverSigned(t, payload); code != 200 || !strings.Contains(body, `"outcome":"duplicate"`) {
		t.Fatalf("replay: %d %s", code, body)
	}
	if len(r.users.restores) != 1 {
		t.Errorf("replay started another restore: %v", r.users.restores)
	}
	if r.events.m["evt_1"] != "checkout.session.completed" {
		t.Errorf("processed ids %v", r.events.m)
	}
}

func TestBadDeliveriesAre400AndChangeNothing(t *testing.T) {
	payload := func(t *testing.T) []byte {
		return eventJSON(t, "evt_1", "checkout.session.completed", checkoutCompleted("ada"))
	}
	oldVersion := strings.Replace(string(eventJSON(t, "evt_1", "checkout.session.completed", checkoutCompleted("ada"))),
		stripe.APIVersion, "2023-10-16", 1)
	tests := []struct {
		name      string
		payload   []byte
		signature func(p []byte) string
	}{
		{"no signature", payload(t), func([]byte) string { return "" }},
		{"wrong secret", payload(t), func(p []byte) string { return sign(p, "whsec_someone_else", time.Now()) }},
		{"tampered body", payload(t), func(p []byte) string {
			return sign([]byte(strings.Replace(string(p), "ada", "eve", 1)), testSecret, time.Now())
		}},
		{"older than 5 minutes", payload(t), func(p []byte) string { return sign(p, testSecret, time.Now().Add(-10*time.Minute)) }},
		{"garbled header", payload(t), func([]byte) string { return "t=abc,v1" }},
		{"not JSON", []byte("hello"), func(p []byte) string { return sign(p, testSecret, time.Now()) }},
		{"API version of another release", []byte(oldVersion), func(p []byte) string { return sign(p, testSecret, time.Now()) }},
		{"no event id", []byte(`{"object":"event","type":"checkout.session.completed","api_version":"` + stripe.APIVersion + `","data":{"object":{}}}`),
			func(p []byte) string { return sign(p, testSecret, time.Now()) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, free("ada"))
			code, body := r.deliver(t, tc.payload, tc.signature(tc.payload))
			if code != http.StatusBadRequest {
				t.Errorf("status %d %s, want 400", code, body)
			}
			if p := profile(t, r.profiles, "ada"); p.Role != domain.RoleFree || len(r.users.restores) != 0 || len(r.events.m) != 0 {
				t.Errorf("changed: %+v %v %v", p, r.users.restores, r.events.m)
			}
		})
	}
}

func TestNoUpgradeMeansNon2xxAndStripeRetries(t *testing.T) {
	payload := func(t *testing.T) []byte {
		return eventJSON(t, "evt_pay", "checkout.session.completed", checkoutCompleted("ada"))
	}
	t.Run("profile store down", func(t *testing.T) {
		r := newRig(t, free("ada"))
		r.profiles.FailUpdate(errors.New("database is locked"))
		if code, _ := r.deliverSigned(t, payload(t)); code < 500 {
			t.Fatalf("status %d with a failing profile store, want 5xx", code)
		}
		if len(r.events.m) != 0 {
			t.Fatal("a failed event was recorded as processed")
		}
		r.profiles.FailUpdate(nil) // Stripe's retry finds the store back
		if code, body := r.deliverSigned(t, payload(t)); code != 200 || !strings.Contains(body, "upgraded") {
			t.Fatalf("retry: %d %s", code, body)
		}
		if p := profile(t, r.profiles, "ada"); p.Role != domain.RolePremium || len(r.users.restores) != 1 {
			t.Errorf("after retry: %s, restores %v", p.Role, r.users.restores)
		}
	})
	t.Run("restore cannot start", func(t *testing.T) {
		r := newRig(t, free("ada"))
		r.users.fail = errors.New("workflow unavailable")
		if code, _ := r.deliverSigned(t, payload(t)); code < 500 {
			t.Fatalf("status %d, want 5xx", code)
		}
		r.users.fail = nil
		if code, _ := r.deliverSigned(t, payload(t)); code != 200 || len(r.users.restores) != 1 {
			t.Errorf("retry: %d, restores %v", code, r.users.restores)
		}
	})
	t.Run("recording the event fails", func(t *testing.T) {
		r := newRig(t, free("ada"))
		r.events.fail = errors.New("disk full")
		if code, _ := r.deliverSigned(t, payload(t)); code < 500 {
			t.Fatalf("status %d, want 5xx", code)
		}
		if p := profile(t, r.profiles, "ada"); p.Role != domain.RolePremium {
			t.Error("the upgrade itself should stand")
		}
	})
	t.Run("Stripe API down", func(t *testing.T) {
		r := newRig(t, free("ada"))
		delete(r.api.subs, "sub_1")
		if code, _ := r.deliverSigned(t, payload(t)); code < 500 {
			t.Fatalf("status %d while the subscription cannot be read, want 5xx", code)
		}
		if p := profile(t, r.profiles, "ada"); p.Role != domain.RoleFree {
			t.Error("upgraded without knowing the subscription's state")
		}
	})
}

func TestCheckoutEventsThatDoNotUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		edit    func(map[string]any)
		outcome Outcome
	}{
		{"payment mode", "checkout.session.completed", func(s map[string]any) { s["mode"] = "payment" }, OutcomeIgnored},
		{"no user", "checkout.session.completed", func(s map[string]any) { delete(s, "client_reference_id") }, OutcomeIgnored},
		{"delayed payment", "checkout.session.completed", func(s map[string]any) { s["payment_status"] = "unpaid" }, OutcomePending},
		{"unrelated event", "customer.created", func(map[string]any) {}, OutcomeIgnored},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, free("ada"))
			s := checkoutCompleted("ada")
			tc.edit(s)
			code, body := r.deliverSigned(t, eventJSON(t, "evt_x", tc.typ, s))
			if code != 200 || !strings.Contains(body, `"outcome":"`+string(tc.outcome)+`"`) {
				t.Errorf("%d %s, want 200 %s", code, body, tc.outcome)
			}
			if p := profile(t, r.profiles, "ada"); p.Role != domain.RoleFree || len(r.users.restores) != 0 {
				t.Errorf("upgraded: %+v", p)
			}
			if _, ok := r.events.m["evt_x"]; !ok {
				t.Error("a handled event must be recorded, or Stripe would keep sending it")
			}
		})
	}
	t.Run("async payment succeeded later", func(t *testing.T) {
		r := newRig(t, free("ada"))
		if code, body := r.deliverSigned(t, eventJSON(t, "evt_a", "checkout.session.async_payment_succeeded", checkoutCompleted("ada"))); code != 200 || !strings.Contains(body, "upgraded") {
			t.Errorf("%d %s", code, body)
		}
	})
}

func subscription(id, user string, status stripe.SubscriptionStatus) *stripe.Subscription {
	return &stripe.Subscription{ID: id, Status: status, Customer: &stripe.Customer{ID: "cus_1"},
		Metadata: map[string]string{MetadataUserID: user},
		Items:    &stripe.SubscriptionItemList{Data: []*stripe.SubscriptionItem{{ID: "si_1", CurrentPeriodEnd: 1_800_000_000}}}}
}

func TestSubscriptionEventsFollowStripesCurrentState(t *testing.T) {
	periodEnd := time.Unix(1_800_000_000, 0).UTC()
	linked := func(role domain.Role, sub string) domain.Profile {
		p := free("ada")
		p.Role, p.StripeCustomerID, p.StripeSubscriptionID = role, "cus_1", sub
		return p
	}
	tests := []struct {
		name     string
		profile  domain.Profile
		event    string
		sub      *stripe.Subscription // what Stripe says now
		outcome  Outcome
		role     domain.Role
		until    time.Time
		restores int
	}{
		{"renewal of a premium user changes nothing", linked(domain.RolePremium, "sub_1"), "customer.subscription.updated",
			subscription("sub_1", "ada", stripe.SubscriptionStatusActive), OutcomeUpdated, domain.RolePremium, time.Time{}, 0},
		{"an unpaid subscription paid after all upgrades again", linked(domain.RoleFree, "sub_1"), "customer.subscription.updated",
			subscription("sub_1", "ada", stripe.SubscriptionStatusActive), OutcomeUpgraded, domain.RolePremium, time.Time{}, 1},
		{"trialing counts as paid", linked(domain.RoleFree, "sub_1"), "customer.subscription.resumed",
			subscription("sub_1", "ada", stripe.SubscriptionStatusTrialing), OutcomeUpgraded, domain.RolePremium, time.Time{}, 1},
		{"cancel at period end keeps premium until then", linked(domain.RolePremium, "sub_1"), "customer.subscription.updated",
			func() *stripe.Subscription {
				s := subscription("sub_1", "ada", stripe.SubscriptionStatusActive)
				s.CancelAtPeriodEnd = true
				return s
			}(), OutcomeUpdated, domain.RolePremium, periodEnd, 0},
		{"past due keeps premium while Stripe retries", linked(domain.RolePremium, "sub_1"), "customer.subscription.updated",
			subscription("sub_1", "ada", stripe.SubscriptionStatusPastDue), OutcomeUpdated, domain.RolePremium, time.Time{}, 0},
		{"deleted at period end returns to free", linked(domain.RolePremium, "sub_1"), "customer.subscription.deleted",
			subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled), OutcomeDowngraded, domain.RoleFree, time.Time{}, 0},
		{"unpaid returns to free", linked(domain.RolePremium, "sub_1"), "customer.subscription.updated",
			subscription("sub_1", "ada", stripe.SubscriptionStatusUnpaid), OutcomeDowngraded, domain.RoleFree, time.Time{}, 0},
		// Events arrive out of order: an old "active" update of a subscription that has
		// since been deleted must not upgrade, because the handler reads the current state.
		{"stale active event of a cancelled subscription", linked(domain.RoleFree, "sub_1"), "customer.subscription.updated",
			subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled), OutcomeUpdated, domain.RoleFree, time.Time{}, 0},
		// subscription.created comes before checkout.session.completed, which links and upgrades:
		// upgrading here too would start a second restore.
		{"a new subscription waits for its checkout", free("ada"), "customer.subscription.created",
			subscription("sub_1", "ada", stripe.SubscriptionStatusActive), OutcomeIgnored, domain.RoleFree, time.Time{}, 0},
		{"a replaced subscription's deletion is ignored", linked(domain.RolePremium, "sub_2"), "customer.subscription.deleted",
			subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled), OutcomeIgnored, domain.RolePremium, time.Time{}, 0},
		{"a subscription of no GAS user is ignored", linked(domain.RolePremium, "sub_1"), "customer.subscription.deleted",
			subscription("sub_1", "", stripe.SubscriptionStatusCanceled), OutcomeIgnored, domain.RolePremium, time.Time{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.profile)
			r.api.subs[tc.sub.ID] = tc.sub
			// The event's own copy says "active": only the API's answer may count.
			stale := map[string]any{"id": tc.sub.ID, "object": "subscription", "status": "active", "metadata": map[string]string{MetadataUserID: "ada"}}
			code, body := r.deliverSigned(t, eventJSON(t, "evt_s", tc.event, stale))
			if code != 200 || !strings.Contains(body, `"outcome":"`+string(tc.outcome)+`"`) {
				t.Fatalf("%d %s, want 200 %s", code, body, tc.outcome)
			}
			p := profile(t, r.profiles, "ada")
			if p.Role != tc.role || !p.PremiumUntil.Equal(tc.until) || len(r.users.restores) != tc.restores {
				t.Errorf("role %s until %v restores %d; want %s %v %d", p.Role, p.PremiumUntil, len(r.users.restores), tc.role, tc.until, tc.restores)
			}
		})
	}
	t.Run("Stripe unreachable", func(t *testing.T) {
		r := newRig(t, free("ada"))
		if code, _ := r.deliverSigned(t, eventJSON(t, "evt_s", "customer.subscription.updated", map[string]any{"id": "sub_404"})); code < 500 {
			t.Errorf("status %d, want 5xx so that Stripe retries", code)
		}
	})
}

func TestPaymentFailedTellsTheUserAndKeepsTheRole(t *testing.T) {
	invoice := map[string]any{"id": "in_1", "object": "invoice", "attempt_count": 1, "next_payment_attempt": 1_800_000_000,
		"hosted_invoice_url": "https://invoice.stripe.test/i/in_1",
		"parent": map[string]any{"type": "subscription_details", "subscription_details": map[string]any{
			"subscription": "sub_1", "metadata": map[string]string{MetadataUserID: "ada"}}}}
	p := free("ada")
	p.Role = domain.RolePremium
	r := newRig(t, p)
	code, body := r.deliverSigned(t, eventJSON(t, "evt_f", "invoice.payment_failed", invoice))
	if code != 200 || !strings.Contains(body, "notified") {
		t.Fatalf("%d %s", code, body)
	}
	if got := profile(t, r.profiles, "ada"); got.Role != domain.RolePremium {
		t.Errorf("role %s after one failed payment", got.Role)
	}
	if len(r.mail.Sent()) != 1 || r.mail.Sent()[0].To != "ada@example.org" || !strings.Contains(r.mail.Sent()[0].Text, "https://invoice.stripe.test/i/in_1") ||
		!strings.Contains(r.mail.Sent()[0].Text, "2027-01-15") {
		t.Errorf("mail %+v", r.mail.Sent())
	}

	r = newRig(t, p)
	r.mail.Fail(errors.New("smtp down"))
	if code, _ := r.deliverSigned(t, eventJSON(t, "evt_f", "invoice.payment_failed", invoice)); code < 500 {
		t.Errorf("status %d when the mail cannot go out, want 5xx", code)
	}
}

func TestWebhookOnlyTakesPOST(t *testing.T) {
	r := newRig(t)
	w := httptest.NewRecorder()
	r.svc.Webhook().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/stripe/webhook", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
}

func TestCheckoutSession(t *testing.T) {
	r := newRig(t)
	p := free("ada")
	u, err := r.svc.CheckoutURL(context.Background(), p, "https://gas.test/ok", "https://gas.test/subscribe")
	if err != nil || u != "https://checkout.stripe.test/c/cs_test_1" {
		t.Fatalf("%q %v", u, err)
	}
	c := r.api.checkout
	if *c.Mode != "subscription" || *c.LineItems[0].Price != "price_premium" || *c.ClientReferenceID != "ada" ||
		c.SubscriptionData.Metadata[MetadataUserID] != "ada" || *c.CustomerEmail != "ada@example.org" || c.Customer != nil ||
		*c.SuccessURL != "https://gas.test/ok" || *c.CancelURL != "https://gas.test/subscribe" {
		t.Errorf("params %+v", c)
	}
	p.StripeCustomerID = "cus_9"
	if _, err := r.svc.CheckoutURL(context.Background(), p, "https://gas.test/ok", "https://gas.test/subscribe"); err != nil || *r.api.checkout.Customer != "cus_9" || r.api.checkout.CustomerEmail != nil {
		t.Errorf("returning customer: %v %+v", err, r.api.checkout)
	}
	p.Role = domain.RolePremium
	if _, err := r.svc.CheckoutURL(context.Background(), p, "a", "b"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("premium user: %v", err)
	}
}

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if c, err := ConfigFromEnv(env(nil)); err != nil || c.Enabled() {
		t.Errorf("no keys: %+v %v, want test mode", c, err)
	}
	c, err := ConfigFromEnv(env(map[string]string{EnvSecretKey: "sk_test_1", EnvWebhookSecret: "whsec_1", EnvPrice: "price_1"}))
	if err != nil || !c.Enabled() || c.PriceID != "price_1" {
		t.Errorf("all keys: %+v %v", c, err)
	}
	if _, err := ConfigFromEnv(env(map[string]string{EnvSecretKey: "sk_test_1"})); err == nil ||
		!strings.Contains(err.Error(), EnvWebhookSecret) || !strings.Contains(err.Error(), EnvPrice) {
		t.Errorf("partial: %v", err)
	}
	if _, err := ConfigFromEnv(env(map[string]string{EnvSecretKey: "sk_test_1", EnvWebhookSecret: "whsec_1", EnvPrice: "prod_1"})); err == nil {
		t.Error("a product id accepted as a price")
	}
}
