package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gasproject/gas/internal/domain"
)

// OIDCConfig configures sign-in through an OpenID Connect issuer
// (Cognito, Globus Auth, ...). An empty Issuer turns OIDC off.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://portal.example/auth/oidc/callback
}

// OIDC runs the authorization-code flow and maps a verified email to a profile.
type OIDC struct {
	svc      *Service
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewOIDC discovers the issuer's endpoints and keys.
func (s *Service) NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	provider, err := oidc.NewProvider(ctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", c.Issuer, err)
	}
	return &OIDC{
		svc: s,
		oauth: oauth2.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.cfg.Now}),
	}, nil
}

// Begin returns the issuer URL to send the browser to, and the value of the
// short-lived cookie that binds the callback to this browser.
func (o *OIDC) Begin() (redirect, cookie string) {
	state, nonce := randomString(16), randomString(16)
	payload := state + "." + nonce
	cookie = payload + "." + encodeMAC(o.svc.mac("oidc", payload))
	return o.oauth.AuthCodeURL(state, oidc.Nonce(nonce)), cookie
}

var errOIDCState = fmt.Errorf("sign-in link expired or was opened in another browser; start again: %w", domain.ErrUnauthorized)

// Finish checks the callback against the cookie, redeems the code, verifies
// the ID token and returns the profile with that email, creating a free one
// on first sign-in. client identifies the caller (its IP): creating an
// account counts against the same sign-up limit as the sign-up form.
func (o *OIDC) Finish(ctx context.Context, cookie, state, code, client string) (domain.Profile, error) {
	parts := strings.Split(cookie, ".")
	if len(parts) != 3 || parts[0] != state || state == "" {
		return domain.Profile{}, errOIDCState
	}
	mac, err := decodeMAC(parts[2])
	if err != nil || !hmac.Equal(mac, o.svc.mac("oidc", parts[0]+"."+parts[1])) {
		return domain.Profile{}, errOIDCState
	}
	tok, err := o.oauth.Exchange(ctx, code)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("oidc code exchange: %w", errors.Join(err, domain.ErrUnauthorized))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return domain.Profile{}, fmt.Errorf("oidc: no id_token in token response: %w", domain.ErrUnauthorized)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("oidc: %w", errors.Join(err, domain.ErrUnauthorized))
	}
	if idt.Nonce != parts[1] {
		return domain.Profile{}, errOIDCState
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		Username      string `json:"preferred_username"`
	}
	if err := idt.Claims(&claims); err != nil {
		return domain.Profile{}, fmt.Errorf("oidc claims: %w", errors.Join(err, domain.ErrUnauthorized))
	}
	// Profiles are matched by email, so an email the issuer has not verified
	// (or does not say it verified) must not take over the account that owns it.
	if claims.Email == "" || !claims.EmailVerified {
		return domain.Profile{}, fmt.Errorf("oidc: the issuer did not vouch for an email address: %w", domain.ErrUnauthorized)
	}
	email, err := NormalizeEmail(claims.Email)
	if err != nil {
		return domain.Profile{}, err
	}
	p, err := o.svc.profiles.GetByEmail(ctx, email)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, fmt.Errorf("look up %s: %w", email, err)
	}
	if err := o.svc.limitSignUp(ctx, client); err != nil {
		return domain.Profile{}, err
	}
	name := claims.Name
	if name == "" {
		name = claims.Username
	}
	if name == "" {
		name = email
	}
	p = domain.Profile{ID: NewUserID(), Name: name, Email: email, Role: domain.RoleFree, CreatedAt: o.svc.cfg.Now().UTC()}
	if err := o.svc.profiles.Create(ctx, p); err != nil {
		return domain.Profile{}, fmt.Errorf("create profile %s: %w", email, err)
	}
	return p, nil
}
