package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/webui"
)

// TestOIDCSignIn walks the browser through "Sign in with" against mockoidc.
func TestOIDCSignIn(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	var h *harness
	h = newHarnessWith(t, func(cfg *webui.Config) {
		mc := m.Config()
		// The callback host is not known yet; mockoidc redirects wherever
		// asked, and the test replays the callback on the real server.
		o, err := cfg.Auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: mc.Issuer, ClientID: mc.ClientID,
			ClientSecret: mc.ClientSecret, RedirectURL: "http://portal.invalid/auth/oidc/callback"})
		if err != nil {
			t.Fatal(err)
		}
		cfg.OIDC, cfg.OIDCName = o, "Mock IdP"
	})
	b := h.browser()
	if r := b.get("/signin"); !strings.Contains(r.body, "Sign in with Mock IdP") {
		t.Fatal("sign-in page lacks the OIDC button")
	}
	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", Email: "Hedy@Example.org", EmailVerified: true})
	r := b.get("/auth/oidc/login")
	if r.status != http.StatusFound || !strings.HasPrefix(r.header.Get("Location"), m.AuthorizationEndpoint()) {
		t.Fatalf("login: %d %q", r.status, r.header.Get("Location"))
	}
	res, err := b.c.Get(r.header.Get("Location")) // the issuer "signs in" and redirects back
	idp := read(t, res, err)
	back, err := url.Parse(idp.header.Get("Location"))
	if err != nil || back.Path != "/auth/oidc/callback" {
		t.Fatalf("issuer redirect %q", idp.header.Get("Location"))
	}
	// A callback with a forged state is refused.
	if r := b.get("/auth/oidc/callback?state=forged&code=" + back.Query().Get("code")); r.status != http.StatusUnauthorized {
		t.Errorf("forged state: %d", r.status)
	}
	// The real one: a session for the email's (new, free) account. The
	// forged attempt above cleared the state cookie, so start again.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", Email: "Hedy@Example.org", EmailVerified: true})
	r = b.get("/auth/oidc/login")
	res, err = b.c.Get(r.header.Get("Location"))
	idp = read(t, res, err)
	back, _ = url.Parse(idp.header.Get("Location"))
	r = b.get(back.RequestURI())
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/jobs" {
		t.Fatalf("callback: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	if r := b.get("/profile"); r.status != 200 || !strings.Contains(r.body, "hedy@example.org") {
		t.Errorf("profile after OIDC sign-in: %d", r.status)
	}
	if r := b.get("/auth/oidc/callback?error=access_denied"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "access_denied") {
		t.Errorf("issuer error: %d", r.status)
	}
}

func TestOIDCOff(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	if r := b.get("/auth/oidc/login"); r.status != 404 {
		t.Errorf("login without OIDC: %d", r.status)
	}
	if r := b.get("/signin"); strings.Contains(r.body, "Sign in with") {
		t.Error("OIDC button shown without an issuer")
	}
}
