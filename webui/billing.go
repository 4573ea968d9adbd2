package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// SubscriptionManager is implemented by a Config.Checkout that also offers subscribers a
// page of their own (Stripe's customer portal: change the card, cancel at
// the end of the period).
type SubscriptionManager interface {
	ManageURL(ctx context.Context, user domain.Profile, returnURL string) (string, error)
}

// manageSubscription sends a subscriber to the payment provider's page for
// their subscription; it comes back to /subscribe.
func (s *Server) manageSubscription(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.viewer.Auditor {
		return errAuditorWrite
	}
	m, ok := s.cfg.Checkout.(SubscriptionManager)
	if !ok || rq.viewer.StripeCustomerID == "" {
		return domain.UserErrorf(domain.ErrNotFound, "there is no paid subscription to manage")
	}
	u, err := m.ManageURL(r.Context(), *rq.viewer, s.publicBase(r)+"/subscribe")
	if err != nil {
		return fmt.Errorf("manage subscription of %s: %w", rq.viewer.ID, err)
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// publicBase is the portal's public URL, for links the payment provider
// sends the browser back to: Config.BaseURL, else the request's own host.
func (s *Server) publicBase(r *http.Request) string {
	if base := strings.TrimSuffix(s.cfg.BaseURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
