package webui

import (
	"fmt"
	"net/http"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

type profilePage struct {
	Tokens   []auth.Token
	NewToken string // shown once, right after it is made
	Cap      int64
	Limits   []domain.LimitRow // of the viewer's tier
}

// limitRows are role's limits as pages show them, with the upload row
// holding the cap this deployment applies (an operator setting).
func (s *Server) limitRows(role domain.Role) []domain.LimitRow {
	rows := domain.LimitsFor(role).Rows()
	for i := range rows {
		if rows[i].Name == domain.LimitUpload {
			rows[i].Value = formatBytes(s.capFor(&domain.Profile{Role: role}))
		}
	}
	return rows
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderProfile(w, r, rq, http.StatusOK, "")
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, rq *request, status int, newToken string) error {
	tokens, err := s.cfg.Auth.ListTokens(r.Context(), rq.viewer.ID)
	if err != nil {
		return err
	}
	s.render(w, r, rq, status, "profile", "Your profile", profilePage{Tokens: tokens, NewToken: newToken, Cap: s.capFor(rq.viewer), Limits: s.limitRows(rq.viewer.Role)})
	return nil
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	_, err := s.cfg.Service.UpdateProfile(r.Context(), rq.viewer.ID, r.PostForm.Get("name"), r.PostForm.Get("institution"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?flash=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	plain, _, err := s.cfg.Auth.CreateToken(r.Context(), rq.viewer.ID, r.PostForm.Get("name"))
	if err != nil {
		return public(err)
	}
	// Rendered rather than redirected: the value must never sit in a URL or a log.
	return s.renderProfile(w, r, rq, http.StatusCreated, plain)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.cfg.Auth.RevokeToken(r.Context(), rq.viewer.ID, r.PathValue("tid")); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?flash=revoked", http.StatusSeeOther)
	return nil
}

type subscribePage struct {
	TestMode   bool
	NoBilling  bool // upgrades refused: no payment provider and no test mode
	FreeCap    int64
	PremiumCap int64
	Retention  string
	Limits     []limitPair // free and premium side by side
}

type limitPair struct{ Name, Free, Premium string }

// billingTestMode reports whether upgrades are free (no payment provider,
// test mode allowed); every page then carries a banner saying so.
func (s *Server) billingTestMode() bool { return s.cfg.Checkout == nil && !s.cfg.NoTestMode }

func (s *Server) subscribeForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "subscribe", "Upgrade to premium", subscribePage{
		TestMode: s.billingTestMode(), NoBilling: s.cfg.Checkout == nil && s.cfg.NoTestMode, FreeCap: s.freeCap(), PremiumCap: s.maxUpload, Retention: formatDuration(s.cfg.Service.Config().Retention),
		Limits: s.limitPairs(),
	})
	return nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, rq *request) error {
	checkout, _, err := s.upgrade(r, rq.viewer)
	if err != nil {
		return err
	}
	if checkout != "" {
		http.Redirect(w, r, checkout, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/jobs?flash=upgraded", http.StatusSeeOther)
	return nil
}

// checkoutURL asks the payment provider for the viewer's payment page.
func (s *Server) checkoutURL(r *http.Request, v *domain.Profile) (string, error) {
	base := s.publicBase(r)
	u, err := s.cfg.Checkout.CheckoutURL(r.Context(), *v,
		base+"/jobs?flash=paid", base+"/subscribe")
	if err != nil {
		return "", fmt.Errorf("checkout for %s: %w", v.ID, err)
	}
	return u, nil
}

func (s *Server) limitPairs() []limitPair {
	free, prem := s.limitRows(domain.RoleFree), s.limitRows(domain.RolePremium)
	out := make([]limitPair, len(free))
	for i := range free {
		out[i] = limitPair{free[i].Name, free[i].Value, prem[i].Value}
	}
	return out
}
