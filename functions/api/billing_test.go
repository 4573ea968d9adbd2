package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/domain"
)

// upgradeOnAWS cold-starts the api Lambda on the emulators with the Stripe
// secret still holding the stack's generated placeholder, then asks for an
// upgrade through the JSON API and opens the home page.
func upgradeOnAWS(t *testing.T) (upgrade, page string, status int, role domain.Role) {
	t.Helper()
	ctx := context.Background()
	e := coldStart(t)
	u, token := e.apiUser(t, "una@example.org", "Una")
	h := httpadapter.NewV2(e.portal).ProxyWithContext
	call := func(method, path string) (int, string) {
		req := gatewayRequest(method, path, "", nil)
		if strings.HasPrefix(path, "/api/") {
			req.Headers["authorization"] = "Bearer " + token
		}
		resp, err := h(ctx, req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp.StatusCode, resp.Body
	}
	status, upgrade = call(http.MethodPost, "/api/v1/account/upgrade")
	_, page = call(http.MethodGet, "/")
	p, err := e.st.Profiles.Get(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return upgrade, page, status, p.Role
}

func TestWithoutStripeKeysTheAWSPortalRefusesUpgrades(t *testing.T) {
	// GIVEN the api Lambda on AWS wiring, the Stripe secret not filled in, no test mode
	// WHEN a free user asks for an upgrade
	body, page, status, role := upgradeOnAWS(t)

	// THEN it is refused with a clear message and the user stays free
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "no payment provider") {
		t.Errorf("upgrade: %d %s", status, body)
	}
	if role != domain.RoleFree {
		t.Errorf("role %s after a refused upgrade", role)
	}
	// AND no page claims a test mode
	if !strings.Contains(page, "</html>") || strings.Contains(page, "billing-test-mode") {
		t.Errorf("home page:\n%s", page)
	}
}

func TestBillingTestModeOnAWSUpgradesWithABanner(t *testing.T) {
	// GIVEN a stack deployed with billingTestMode=true and no Stripe keys
	t.Setenv(awsenv.BillingTestMode, "true")
	// WHEN a free user asks for an upgrade
	body, page, status, role := upgradeOnAWS(t)

	// THEN the upgrade goes through, and every page carries the test-mode banner
	if status != http.StatusOK || role != domain.RolePremium || !strings.Contains(body, `"test_mode_billing":true`) {
		t.Errorf("upgrade: %d %s, role %s", status, body, role)
	}
	if !strings.Contains(page, `id="billing-test-mode"`) {
		t.Errorf("no test-mode banner:\n%s", page)
	}
}
