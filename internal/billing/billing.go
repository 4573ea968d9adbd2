package billing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/gasproject/gas/internal/domain"
)

// Upgrader makes a user premium and starts the restore of their archive
// (internal/service's Service.Upgrade: restore-<user>-<event id>, so a
// redelivered event starts no second restore).
type Upgrader interface {
	Upgrade(ctx context.Context, userID, eventID string) (domain.Profile, string, error)
}

// ProcessedEvents remembers the Stripe events whose effects are complete, so
// a redelivered event changes nothing. Adapters: internal/sqlite (Webhooks),
// internal/dynamo (Webhooks); both pass billingtest.TestProcessedEvents.
type ProcessedEvents interface {
	// Processed reports whether MarkProcessed was called for the event id.
	Processed(ctx context.Context, eventID string) (bool, error)
	// MarkProcessed records the event id; recording it again is not an error.
	MarkProcessed(ctx context.Context, eventID, eventType string, at time.Time) error
}

// stripeAPI is what the service asks of Stripe's API (stripe-go's client;
// tests may replace it).
type stripeAPI interface {
	CreateCheckoutSession(ctx context.Context, p *stripe.CheckoutSessionCreateParams) (*stripe.CheckoutSession, error)
	Subscription(ctx context.Context, id string) (*stripe.Subscription, error)
	CreatePortalSession(ctx context.Context, p *stripe.BillingPortalSessionCreateParams) (*stripe.BillingPortalSession, error)
}

// Ports are what the service changes.
type Ports struct {
	Profiles domain.Profiles
	Users    Upgrader
	Events   ProcessedEvents
	// Mailer tells a user their payment failed; nil: the failure is only logged.
	Mailer domain.Mailer
}

// Service creates Checkout Sessions and applies Stripe's webhook events.
type Service struct {
	cfg   Config
	ports Ports
	api   stripeAPI
}

// MetadataUserID is the metadata key of the GAS user id on the Checkout
// Session and on the subscription it creates (so subscription and invoice
// events name the user too).
const MetadataUserID = "gas_user_id"

// New checks cfg and builds the service.
func New(cfg Config, ports Ports) (*Service, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if ports.Profiles == nil || ports.Users == nil || ports.Events == nil {
		return nil, fmt.Errorf("billing: Profiles, Users and Events are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, EnableTelemetry: stripe.Bool(false),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}} // errors are returned and logged by the caller
	if cfg.APIURL != "" {
		bc.URL = stripe.String(cfg.APIURL)
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, bc)
	client := stripe.NewClient(cfg.SecretKey, stripe.WithBackends(&stripe.Backends{API: backend, Connect: backend, Uploads: backend, MeterEvents: backend}))
	return &Service{cfg: cfg, ports: ports, api: stripeClient{client}}, nil
}

// CheckoutURL creates a Checkout Session in subscription mode for the
// configured price and returns the page to send the user to. The session
// carries the user id as client_reference_id and in the subscription's
// metadata; the webhook does the upgrade once Stripe confirms the payment.
func (s *Service) CheckoutURL(ctx context.Context, user domain.Profile, successURL, cancelURL string) (string, error) {
	if user.Premium() {
		return "", fmt.Errorf("checkout for %s: %w: the account is premium already", user.ID, domain.ErrConflict)
	}
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		LineItems:         []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(s.cfg.PriceID), Quantity: stripe.Int64(1)}},
		SuccessURL:        stripe.String(successURL),
		CancelURL:         stripe.String(cancelURL),
		ClientReferenceID: stripe.String(user.ID),
		Metadata:          map[string]string{MetadataUserID: user.ID},
		SubscriptionData:  &stripe.CheckoutSessionCreateSubscriptionDataParams{Metadata: map[string]string{MetadataUserID: user.ID}},
	}
	if user.StripeCustomerID != "" {
		p.Customer = stripe.String(user.StripeCustomerID) // a returning subscriber keeps one Stripe customer
	} else if user.Email != "" {
		p.CustomerEmail = stripe.String(user.Email)
	}
	sess, err := s.api.CreateCheckoutSession(ctx, p)
	if err != nil {
		return "", fmt.Errorf("create checkout session for %s: %w", user.ID, err)
	}
	if sess.URL == "" {
		return "", fmt.Errorf("create checkout session for %s: Stripe returned session %s without a URL", user.ID, sess.ID)
	}
	s.cfg.Logger.InfoContext(ctx, "checkout session created", "user", user.ID, "session", sess.ID)
	return sess.URL, nil
}

// ManageURL returns a Stripe customer portal page where a subscriber updates
// their card or cancels (at the period end, which the webhook then follows).
// A user who never paid through Stripe gets domain.ErrNotFound.
func (s *Service) ManageURL(ctx context.Context, user domain.Profile, returnURL string) (string, error) {
	if user.StripeCustomerID == "" {
		return "", fmt.Errorf("manage subscription of %s: %w: no Stripe subscription", user.ID, domain.ErrNotFound)
	}
	sess, err := s.api.CreatePortalSession(ctx, &stripe.BillingPortalSessionCreateParams{
		Customer: stripe.String(user.StripeCustomerID), ReturnURL: stripe.String(returnURL),
	})
	if err != nil {
		return "", fmt.Errorf("customer portal for %s: %w", user.ID, err)
	}
	return sess.URL, nil
}

// stripeClient adapts stripe-go's client to stripeAPI.
type stripeClient struct{ c *stripe.Client }

func (c stripeClient) CreateCheckoutSession(ctx context.Context, p *stripe.CheckoutSessionCreateParams) (*stripe.CheckoutSession, error) {
	return c.c.V1CheckoutSessions.Create(ctx, p)
}

func (c stripeClient) Subscription(ctx context.Context, id string) (*stripe.Subscription, error) {
	return c.c.V1Subscriptions.Retrieve(ctx, id, nil)
}

func (c stripeClient) CreatePortalSession(ctx context.Context, p *stripe.BillingPortalSessionCreateParams) (*stripe.BillingPortalSession, error) {
	return c.c.V1BillingPortalSessions.Create(ctx, p)
}
