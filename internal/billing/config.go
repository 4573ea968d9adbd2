package billing

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Environment variables of the Stripe settings (`gas serve`; on AWS the same
// three values come from the Secrets Manager secret GAS_STRIPE_SECRET_ARN).
const (
	EnvSecretKey     = "GAS_STRIPE_SECRET_KEY"     // sk_test_... or sk_live_...
	EnvWebhookSecret = "GAS_STRIPE_WEBHOOK_SECRET" // whsec_... of the webhook endpoint
	EnvPrice         = "GAS_STRIPE_PRICE"          // price_... of the recurring premium price
	EnvAPIURL        = "GAS_STRIPE_API_URL"        // optional: another API base, e.g. a local stripe-mock
)

// Config holds the Stripe settings. With none of SecretKey, WebhookSecret and
// PriceID set, billing runs in the portal's test mode (no Service is built).
type Config struct {
	SecretKey     string
	WebhookSecret string
	PriceID       string
	// APIURL replaces https://api.stripe.com (stripe-mock in tests).
	APIURL string
	// HTTPClient calls Stripe; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Enabled reports whether any Stripe setting is given.
func (c Config) Enabled() bool {
	return c.SecretKey != "" || c.WebhookSecret != "" || c.PriceID != ""
}

// Check reports the first missing or malformed setting.
func (c Config) Check() error {
	var missing []string
	if c.SecretKey == "" {
		missing = append(missing, EnvSecretKey)
	}
	if c.WebhookSecret == "" {
		missing = append(missing, EnvWebhookSecret)
	}
	if c.PriceID == "" {
		missing = append(missing, EnvPrice)
	}
	if len(missing) > 0 {
		return fmt.Errorf("stripe billing needs a secret key, a webhook signing secret and a price: %s not set", strings.Join(missing, ", "))
	}
	if !strings.HasPrefix(c.PriceID, "price_") {
		return fmt.Errorf("%s=%q is not a Stripe price id (price_...)", EnvPrice, c.PriceID)
	}
	return nil
}

// ConfigFromEnv reads the Stripe settings; getenv is os.Getenv in mains.
// All unset gives a zero Config (test mode); some set but not all is an error.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		SecretKey:     strings.TrimSpace(getenv(EnvSecretKey)),
		WebhookSecret: strings.TrimSpace(getenv(EnvWebhookSecret)),
		PriceID:       strings.TrimSpace(getenv(EnvPrice)),
		APIURL:        strings.TrimSpace(getenv(EnvAPIURL)),
	}
	if !c.Enabled() {
		return Config{}, nil
	}
	return c, c.Check()
}
