package billing

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/gasproject/gas/internal/domain"
)

// withVersion rewrites an event's api_version.
func withVersion(t *testing.T, payload []byte, v string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	m["api_version"] = v
	b, _ := json.Marshal(m)
	return b
}

// TestOutOfOrderEvents (B6): premium follows the subscription's current
// state, whatever order the events arrive in.
func TestOutOfOrderEvents(t *testing.T) {
	r := newRig(t, free("ada"))
	// The subscription was created, then cancelled, before GAS heard of either.
	r.api.subs["sub_1"] = subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled)
	deleted := eventJSON(t, "evt_del", "customer.subscription.deleted", subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled))
	if code, body := r.deliverSigned(t, deleted); code != 200 {
		t.Fatalf("deleted: %d %s", code, body)
	}
	checkout := eventJSON(t, "evt_co", "checkout.session.completed", checkoutCompleted("ada"))
	if code, body := r.deliverSigned(t, checkout); code != 200 {
		t.Fatalf("checkout: %d %s", code, body)
	}
	p := profile(t, r.profiles, "ada")
	if p.Role != domain.RoleFree || p.StripeSubscriptionID != "sub_1" || len(r.users.restores) != 0 {
		t.Fatalf("after deleted then checkout: %s, sub %q, restores %v; want free", p.Role, p.StripeSubscriptionID, r.users.restores)
	}
	// And in order, the same two events end the same way.
	r2 := newRig(t, free("ada"))
	r2.deliverSigned(t, checkout)
	r2.api.subs["sub_1"] = subscription("sub_1", "ada", stripe.SubscriptionStatusCanceled)
	r2.deliverSigned(t, deleted)
	if p := profile(t, r2.profiles, "ada"); p.Role != domain.RoleFree {
		t.Fatalf("checkout then deleted: %s", p.Role)
	}
}

func TestUnknownUserAcknowledged(t *testing.T) {
	r := newRig(t) // nobody
	for _, ev := range [][]byte{
		eventJSON(t, "evt_1", "checkout.session.completed", checkoutCompleted("ada")),
		eventJSON(t, "evt_2", "customer.subscription.updated", subscription("sub_1", "ada", stripe.SubscriptionStatusActive)),
		eventJSON(t, "evt_3", "invoice.payment_failed", map[string]any{"id": "in_1", "object": "invoice",
			"parent": map[string]any{"subscription_details": map[string]any{"metadata": map[string]string{MetadataUserID: "ada"}}}}),
	} {
		if code, body := r.deliverSigned(t, ev); code != 200 || !strings.Contains(body, `"ignored"`) {
			t.Errorf("%d %s, want 200 ignored", code, body)
		}
	}
}

func TestAPIVersionsAndClock(t *testing.T) {
	checkout := eventJSON(t, "evt_v", "checkout.session.completed", checkoutCompleted("ada"))
	for v, want := range map[string]int{"2024-06-20": 200, "2025-03-31.basil": 200, "2024-09-30.acacia": 200, "2023-10-16": 400, "2099-01-01.zeta": 400} {
		r := newRig(t, free("ada"))
		if code, body := r.deliverSigned(t, withVersion(t, checkout, v)); code != want {
			t.Errorf("version %s: %d %s, want %d", v, code, body, want)
		}
	}
	r := newRig(t, free("ada"))
	future := sign(checkout, testSecret, time.Now().Add(10*time.Minute))
	if code, _ := r.deliver(t, checkout, future); code != 400 {
		t.Errorf("signed 10 minutes in the future: %d, want 400", code)
	}
	if p := profile(t, r.profiles, "ada"); p.Role != domain.RoleFree {
		t.Error("a refused event changed the role")
	}
	if code, _ := r.deliver(t, checkout, sign(checkout, testSecret, time.Now().Add(time.Minute))); code != 200 {
		t.Errorf("a minute of clock skew: %d, want 200", code)
	}
	// A 2024-06-20 failed invoice names the user under subscription_details.
	r = newRig(t, free("ada"))
	inv := eventJSON(t, "evt_inv", "invoice.payment_failed", map[string]any{"id": "in_1", "object": "invoice",
		"subscription_details": map[string]any{"metadata": map[string]string{MetadataUserID: "ada"}}})
	if code, body := r.deliverSigned(t, withVersion(t, inv, "2024-06-20")); code != 200 || !strings.Contains(body, "notified") {
		t.Errorf("legacy invoice: %d %s", code, body)
	}
}
