package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// authorize plays the browser: it follows the issuer URL and returns the
// state and code the issuer redirects back with.
func authorize(t *testing.T, issuerURL string) (state, code string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s, location %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state"), loc.Query().Get("code")
}

func TestOIDC(t *testing.T) {
	ctx := context.Background()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	// mockoidc signs with the real clock, so this service uses it too.
	svc, err := auth.New(memstore.NewProfiles(), memstore.NewAuth(), auth.Config{Key: make([]byte, 32), Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	o, err := svc.NewOIDC(ctx, auth.OIDCConfig{
		Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://127.0.0.1/auth/oidc/callback",
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("first sign-in creates a free profile", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "s1", Email: "Grace@Example.org", EmailVerified: true})
		redirect, cookie := o.Begin()
		state, code := authorize(t, redirect)
		p, err := o.Finish(ctx, cookie, state, code, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Email != "grace@example.org" || p.Role != domain.RoleFree {
			t.Errorf("profile = %+v", p)
		}
		// The same person again gets the same profile.
		m.QueueUser(&mockoidc.MockUser{Subject: "s1", Email: "grace@example.org", EmailVerified: true})
		redirect, cookie = o.Begin()
		state, code = authorize(t, redirect)
		q, err := o.Finish(ctx, cookie, state, code, "192.0.2.1")
		if err != nil || q.ID != p.ID {
			t.Errorf("second sign-in = %+v, %v; want %s", q, err, p.ID)
		}
	})

	t.Run("new accounts count against the sign-up limit", func(t *testing.T) {
		finish := func(email, client string) (domain.Profile, error) {
			m.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true})
			redirect, cookie := o.Begin()
			state, code := authorize(t, redirect)
			return o.Finish(ctx, cookie, state, code, client)
		}
		for i := range 5 { // the default: 5 per hour per address
			if _, err := finish(fmt.Sprintf("n%d@example.org", i), "198.51.100.7"); err != nil {
				t.Fatalf("account %d: %v", i+1, err)
			}
		}
		if _, err := finish("n5@example.org", "198.51.100.7"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("6th account: err = %v, want ErrRateLimited", err)
		}
		// Existing accounts still sign in from that address; others still sign up.
		if p, err := finish("n0@example.org", "198.51.100.7"); err != nil || p.Email != "n0@example.org" {
			t.Errorf("existing account = %+v, %v", p, err)
		}
		if _, err := finish("n5@example.org", "198.51.100.8"); err != nil {
			t.Errorf("other address: %v", err)
		}
	})

	t.Run("unverified email is refused", func(t *testing.T) {
		m.QueueUser(&mockoidc.MockUser{Subject: "s2", Email: "eve@example.org", EmailVerified: false})
		redirect, cookie := o.Begin()
		state, code := authorize(t, redirect)
		if _, err := o.Finish(ctx, cookie, state, code, "192.0.2.1"); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", err)
		}
	})

	t.Run("state bound to the browser", func(t *testing.T) {
		redirect, _ := o.Begin()
		_, otherCookie := o.Begin()
		state, code := authorize(t, redirect)
		if _, err := o.Finish(ctx, otherCookie, state, code, "192.0.2.1"); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("other browser's cookie: err = %v", err)
		}
		if _, err := o.Finish(ctx, "", state, code, "192.0.2.1"); !errors.Is(err, domain.ErrUnauthorized) {
			t.Errorf("no cookie: err = %v", err)
		}
	})
}
