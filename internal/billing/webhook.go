package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gasproject/gas/internal/domain"
)

// ErrBadRequest marks a delivery that is not a valid, signed Stripe event:
// the webhook answers 400.
var ErrBadRequest = errors.New("not a valid signed Stripe event")

// MaxPayload is the largest webhook body read (Stripe's events are a few KB).
const MaxPayload = 1 << 20

// Outcome says what a delivered event did.
type Outcome string

const (
	OutcomeUpgraded   Outcome = "upgraded"   // the user is premium; a restore was started
	OutcomeUpdated    Outcome = "updated"    // subscription details recorded, role unchanged
	OutcomeDowngraded Outcome = "downgraded" // back to free_user
	OutcomeNotified   Outcome = "notified"   // a failed payment was recorded and the user told
	OutcomePending    Outcome = "pending"    // checkout finished, payment not confirmed yet
	OutcomeIgnored    Outcome = "ignored"    // not an event GAS acts on, or not one of its users
	OutcomeDuplicate  Outcome = "duplicate"  // processed before: nothing done
)

// Webhook is the http.Handler for Stripe's webhook endpoint (POST). It
// answers 400 to a bad signature or body, 500 when applying the event failed
// (Stripe then retries it, for up to three days), and 200 otherwise.
func (s *Service) Webhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST"})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
		if err != nil || len(body) > MaxPayload {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the body is unreadable or larger than 1 MB"})
			return
		}
		outcome, err := s.HandleWebhook(r.Context(), body, r.Header.Get("Stripe-Signature"))
		switch {
		case errors.Is(err, ErrBadRequest):
			s.cfg.Logger.WarnContext(r.Context(), "stripe webhook refused", "err", err)
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		case err != nil:
			s.cfg.Logger.ErrorContext(r.Context(), "stripe webhook failed; Stripe will retry", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "the event could not be applied; it will be retried"})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"received": true, "outcome": outcome})
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// HandleWebhook verifies a delivery's signature and applies the event once.
// The event id is recorded only after every effect succeeded, so a failure
// leaves the event to Stripe's retry; effects are idempotent, so a retry
// after a partial success is harmless.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) (Outcome, error) {
	// The library refuses any API version but its own; GAS reads only fields
	// that are the same in every version AcceptedAPIVersion takes, and reads
	// subscriptions back through the API at the library's version.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.cfg.WebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if at, ok := signedAt(signature); !ok || at.After(s.cfg.Now().Add(MaxClockSkew)) {
		return "", fmt.Errorf("%w: the signature's timestamp is more than %v in the future", ErrBadRequest, MaxClockSkew)
	}
	if !AcceptedAPIVersion(ev.APIVersion) {
		return "", fmt.Errorf("%w: API version %q is not accepted (want 2024-06-20, or a .acacia or .basil version; set the endpoint's version in the Stripe dashboard)", ErrBadRequest, ev.APIVersion)
	}
	if ev.ID == "" || ev.Data == nil {
		return "", fmt.Errorf("%w: event without id or data", ErrBadRequest)
	}
	done, err := s.ports.Events.Processed(ctx, ev.ID)
	if err != nil {
		return "", fmt.Errorf("event %s: check whether processed: %w", ev.ID, err)
	}
	if done {
		s.cfg.Logger.InfoContext(ctx, "stripe event already processed", "event", ev.ID, "type", ev.Type)
		return OutcomeDuplicate, nil
	}
	outcome, err := s.apply(ctx, ev)
	if err != nil {
		return "", fmt.Errorf("event %s (%s): %w", ev.ID, ev.Type, err)
	}
	if err := s.ports.Events.MarkProcessed(ctx, ev.ID, string(ev.Type), s.cfg.Now().UTC()); err != nil {
		return "", fmt.Errorf("event %s (%s): applied, but recording it failed: %w", ev.ID, ev.Type, err)
	}
	s.cfg.Logger.InfoContext(ctx, "stripe event processed", "event", ev.ID, "type", ev.Type, "outcome", outcome)
	return outcome, nil
}

// MaxClockSkew is how far in the future a signature's timestamp may be
// (Stripe's clock against ours); more is refused like a stale signature.
const MaxClockSkew = 5 * time.Minute

// signedAt is the "t=" timestamp of a Stripe-Signature header.
func signedAt(header string) (time.Time, bool) {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			return time.Unix(sec, 0), err == nil
		}
	}
	return time.Time{}, false
}

// AcceptedAPIVersion reports whether events of API version v are accepted:
// 2024-06-20 (the last version before Stripe's named releases) and every
// .acacia and .basil release. Their checkout sessions and subscription
// events carry the fields GAS reads in the same place; a failed invoice
// names its subscription's metadata under parent.subscription_details from
// 2025-03-31.basil and under subscription_details before, and both are read.
func AcceptedAPIVersion(v string) bool {
	return v == "2024-06-20" || strings.HasSuffix(v, ".acacia") || strings.HasSuffix(v, ".basil")
}

func (s *Service) apply(ctx context.Context, ev stripe.Event) (Outcome, error) {
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted, stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		var sess stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &sess); err != nil {
			return "", fmt.Errorf("%w: checkout session: %w", ErrBadRequest, err)
		}
		return s.checkoutCompleted(ctx, ev.ID, &sess)
	case stripe.EventTypeCustomerSubscriptionCreated, stripe.EventTypeCustomerSubscriptionUpdated,
		stripe.EventTypeCustomerSubscriptionDeleted, stripe.EventTypeCustomerSubscriptionPaused,
		stripe.EventTypeCustomerSubscriptionResumed:
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil || sub.ID == "" {
			return "", fmt.Errorf("%w: subscription without id: %v", ErrBadRequest, err)
		}
		return s.syncSubscription(ctx, ev.ID, sub.ID)
	case stripe.EventTypeInvoicePaymentFailed:
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return "", fmt.Errorf("%w: invoice: %w", ErrBadRequest, err)
		}
		var legacy struct {
			SubscriptionDetails *stripe.InvoiceParentSubscriptionDetails `json:"subscription_details"`
		}
		if inv.Parent == nil && json.Unmarshal(ev.Data.Raw, &legacy) == nil && legacy.SubscriptionDetails != nil {
			inv.Parent = &stripe.InvoiceParent{SubscriptionDetails: legacy.SubscriptionDetails}
		}
		return s.paymentFailed(ctx, &inv)
	}
	return OutcomeIgnored, nil
}

// checkoutCompleted links the Stripe customer and subscription to the user
// named by client_reference_id and upgrades them (which starts the restore).
// It upgrades on every delivery that gets this far, so a retry after a failed
// restore start starts it again.
func (s *Service) checkoutCompleted(ctx context.Context, eventID string, sess *stripe.CheckoutSession) (Outcome, error) {
	if sess.Mode != stripe.CheckoutSessionModeSubscription {
		return OutcomeIgnored, nil
	}
	userID := sess.ClientReferenceID
	if userID == "" {
		userID = sess.Metadata[MetadataUserID]
	}
	if userID == "" {
		// Not started by GAS (e.g. a payment link): nobody to upgrade, and a retry cannot change that.
		s.cfg.Logger.ErrorContext(ctx, "checkout session names no GAS user; nothing upgraded", "session", sess.ID)
		return OutcomeIgnored, nil
	}
	if sess.PaymentStatus == stripe.CheckoutSessionPaymentStatusUnpaid {
		// A delayed payment method: checkout.session.async_payment_succeeded follows.
		return OutcomePending, nil
	}
	if sess.Subscription == nil || sess.Subscription.ID == "" {
		s.cfg.Logger.ErrorContext(ctx, "checkout session has no subscription; nothing upgraded", "session", sess.ID, "user", userID)
		return OutcomeIgnored, nil
	}
	// The subscription's current state decides, not this event: Stripe may
	// deliver customer.subscription.deleted before this checkout's event.
	sub, err := s.api.Subscription(ctx, sess.Subscription.ID)
	if err != nil {
		return "", fmt.Errorf("retrieve subscription %s of checkout %s: %w", sess.Subscription.ID, sess.ID, err)
	}
	_, err = s.ports.Profiles.Update(ctx, userID, func(p *domain.Profile) error {
		if sess.Customer != nil && sess.Customer.ID != "" {
			p.StripeCustomerID = sess.Customer.ID
		}
		p.StripeSubscriptionID = sub.ID
		return nil
	})
	if errors.Is(err, domain.ErrNotFound) {
		return s.unknownUser(ctx, userID, "checkout session "+sess.ID)
	}
	if err != nil {
		return "", fmt.Errorf("link checkout session %s to user %s: %w", sess.ID, userID, err)
	}
	return s.applySubscription(ctx, eventID, userID, sub, true)
}

// unknownUser acknowledges an event for a user GAS does not have (deleted,
// or another deployment's): retrying cannot change that, so it is logged
// and answered 200 rather than left for Stripe to retry for three days.
func (s *Service) unknownUser(ctx context.Context, userID, what string) (Outcome, error) {
	s.cfg.Logger.ErrorContext(ctx, "stripe event for an unknown user; acknowledged, nothing changed", "user", userID, "object", what)
	return OutcomeIgnored, nil
}

// syncSubscription reads the subscription from Stripe and applies its state:
// Stripe may deliver events out of order, the API has the latest state.
func (s *Service) syncSubscription(ctx context.Context, eventID, id string) (Outcome, error) {
	sub, err := s.api.Subscription(ctx, id)
	if err != nil {
		return "", fmt.Errorf("retrieve subscription %s: %w", id, err)
	}
	userID := sub.Metadata[MetadataUserID]
	if userID == "" {
		s.cfg.Logger.WarnContext(ctx, "subscription names no GAS user; ignored", "subscription", sub.ID)
		return OutcomeIgnored, nil
	}
	return s.applySubscription(ctx, eventID, userID, sub, false)
}

// errOtherSubscription stops an update for a subscription that is not the
// one linked to the user: a replaced one, or a new one whose checkout has not
// completed yet (checkout.session.completed links it and upgrades; upgrading
// here too would start a second restore).
var errOtherSubscription = errors.New("not the user's linked subscription")

// applySubscription maps the status of the user's linked subscription to
// their role: active or trialing is premium (service.Upgrade when the user
// was free, e.g. an unpaid subscription paid after all), or premium until the
// period end when cancelling,
// past_due keeps the role while Stripe retries the payment, and canceled,
// unpaid, incomplete_expired or paused is free. incomplete changes nothing:
// the checkout's completion does the upgrade. checkout (the checkout's own
// event) upgrades an active subscription even when the user is premium
// already, so a retry after a failed restore start starts it again.
func (s *Service) applySubscription(ctx context.Context, eventID, userID string, sub *stripe.Subscription, checkout bool) (Outcome, error) {
	outcome := OutcomeUpdated
	_, err := s.ports.Profiles.Update(ctx, userID, func(p *domain.Profile) error {
		if p.StripeSubscriptionID != sub.ID {
			return errOtherSubscription
		}
		outcome = OutcomeUpdated
		if sub.Customer != nil && sub.Customer.ID != "" {
			p.StripeCustomerID = sub.Customer.ID
		}
		switch sub.Status {
		case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing:
			p.PremiumUntil = time.Time{}
			if sub.CancelAtPeriodEnd || sub.CancelAt != 0 {
				p.PremiumUntil = premiumEnd(sub)
			}
			if !p.Premium() || checkout {
				outcome = OutcomeUpgraded // the role changes in Upgrade, with the restore
			}
		case stripe.SubscriptionStatusIncomplete:
			if checkout {
				outcome = OutcomePending // the first payment is not confirmed yet
			}
		case stripe.SubscriptionStatusCanceled, stripe.SubscriptionStatusUnpaid,
			stripe.SubscriptionStatusIncompleteExpired, stripe.SubscriptionStatusPaused:
			if p.Premium() {
				outcome = OutcomeDowngraded
			}
			p.Role, p.PremiumUntil = domain.RoleFree, time.Time{}
		}
		return nil
	})
	if errors.Is(err, domain.ErrNotFound) {
		return s.unknownUser(ctx, userID, "subscription "+sub.ID)
	}
	if errors.Is(err, errOtherSubscription) {
		s.cfg.Logger.InfoContext(ctx, "event of a subscription not linked to the user ignored", "user", userID, "subscription", sub.ID)
		return OutcomeIgnored, nil
	}
	if err != nil {
		return "", fmt.Errorf("apply subscription %s (%s) to user %s: %w", sub.ID, sub.Status, userID, err)
	}
	if outcome == OutcomeUpgraded {
		if _, _, err := s.ports.Users.Upgrade(ctx, userID, eventID); err != nil {
			return "", err
		}
	}
	if outcome == OutcomeDowngraded {
		s.cfg.Logger.InfoContext(ctx, "user back to free", "user", userID, "subscription", sub.ID, "status", sub.Status)
	}
	return outcome, nil
}

// premiumEnd is when a cancelling subscription stops: cancel_at, else the end
// of the current period (per item since API 2025-03-31).
func premiumEnd(sub *stripe.Subscription) time.Time {
	if sub.CancelAt != 0 {
		return time.Unix(sub.CancelAt, 0).UTC()
	}
	var end int64
	if sub.Items != nil {
		for _, it := range sub.Items.Data {
			end = max(end, it.CurrentPeriodEnd)
		}
	}
	if end == 0 {
		return time.Time{}
	}
	return time.Unix(end, 0).UTC()
}

// paymentFailed records a failed renewal and tells the user. The role does
// not change: the subscription is past_due while Stripe retries the payment,
// and the user keeps premium until Stripe gives up and the subscription
// becomes canceled or unpaid (a subscription event then downgrades).
func (s *Service) paymentFailed(ctx context.Context, inv *stripe.Invoice) (Outcome, error) {
	var userID string
	if inv.Parent != nil && inv.Parent.SubscriptionDetails != nil {
		userID = inv.Parent.SubscriptionDetails.Metadata[MetadataUserID]
	}
	if userID == "" {
		s.cfg.Logger.WarnContext(ctx, "failed invoice names no GAS user; ignored", "invoice", inv.ID)
		return OutcomeIgnored, nil
	}
	p, err := s.ports.Profiles.Get(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return s.unknownUser(ctx, userID, "invoice "+inv.ID)
	}
	if err != nil {
		return "", fmt.Errorf("failed payment of invoice %s: user %s: %w", inv.ID, userID, err)
	}
	s.cfg.Logger.WarnContext(ctx, "subscription payment failed", "user", userID, "invoice", inv.ID, "attempts", inv.AttemptCount)
	if s.ports.Mailer == nil || p.Email == "" {
		return OutcomeNotified, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nThe payment for your GAS premium subscription did not go through.\n", p.Name)
	if inv.NextPaymentAttempt != 0 {
		fmt.Fprintf(&b, "Stripe will try again on %s; your premium plan continues until then.\n",
			time.Unix(inv.NextPaymentAttempt, 0).UTC().Format("2006-01-02 15:04 UTC"))
	} else {
		b.WriteString("If it is not paid, your account returns to the free plan: new results are archived after the retention time; results that are downloadable now stay so.\n")
	}
	if inv.HostedInvoiceURL != "" {
		fmt.Fprintf(&b, "\nPay or change your card here: %s\n", inv.HostedInvoiceURL)
	}
	m := domain.Message{To: p.Email, Subject: "GAS: your premium payment failed", Text: b.String()}
	if err := s.ports.Mailer.Send(ctx, m); err != nil {
		return "", fmt.Errorf("failed payment of invoice %s: tell %s: %w", inv.ID, p.Email, err)
	}
	return OutcomeNotified, nil
}
