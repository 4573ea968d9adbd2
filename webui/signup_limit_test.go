package webui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gasproject/gas/webui"
)

// addrClient is a browser at a chosen client address: it calls the portal
// handler directly, since every request through the test server comes from 127.0.0.1.
type addrClient struct {
	t       *testing.T
	portal  http.Handler
	addr    string
	cookies map[string]*http.Cookie
	csrf    string
}

func (c *addrClient) do(req *http.Request) *httptest.ResponseRecorder {
	req.RemoteAddr = c.addr + ":40000"
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.portal.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		c.cookies[ck.Name] = ck
	}
	if m := csrfField.FindStringSubmatch(rec.Body.String()); m != nil {
		c.csrf = m[1]
	}
	return rec
}

func (c *addrClient) signUp(email string) *httptest.ResponseRecorder {
	c.t.Helper()
	if c.csrf == "" {
		c.do(httptest.NewRequest("GET", "/signup", nil))
	}
	form := url.Values{"name": {"N"}, "email": {email}, "csrf": {c.csrf}}
	req := httptest.NewRequest("POST", "/signup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func TestSignUpRateLimitedPerAddress(t *testing.T) {
	var cfg webui.Config
	h := newHarnessWith(t, func(c *webui.Config) { cfg = *c })
	portal, err := webui.New(cfg) // a second handler over the harness's stores
	if err != nil {
		t.Fatal(err)
	}
	client := func(addr string) *addrClient {
		return &addrClient{t: t, portal: portal, addr: addr, cookies: map[string]*http.Cookie{}}
	}
	busy, other := client("203.0.113.5"), client("203.0.113.6")
	for i, tc := range []struct {
		name   string
		c      *addrClient
		email  string
		status int
	}{
		{"1st", busy, "s1@example.org", http.StatusSeeOther},
		{"2nd", busy, "s2@example.org", http.StatusSeeOther},
		{"3rd", busy, "s3@example.org", http.StatusSeeOther},
		{"4th", busy, "s4@example.org", http.StatusSeeOther},
		{"5th", busy, "s5@example.org", http.StatusSeeOther},
		{"6th from the same address", busy, "s6@example.org", http.StatusTooManyRequests},
		{"a new browser at the same address", client("203.0.113.5"), "s7@example.org", http.StatusTooManyRequests},
		{"another address", other, "o1@example.org", http.StatusSeeOther},
	} {
		rec := tc.c.signUp(tc.email)
		if rec.Code != tc.status {
			t.Fatalf("%d. %s: %d, want %d: %s", i+1, tc.name, rec.Code, tc.status, rec.Body)
		}
		if tc.status == http.StatusTooManyRequests {
			// The sign-up form again, as for a refused sign-in, keeping what was typed.
			body := rec.Body.String()
			if !strings.Contains(body, "too many attempts") || !strings.Contains(body, tc.email) || !strings.Contains(body, `action="/signup"`) {
				t.Errorf("%s: page lacks the message, the email or the form: %s", tc.name, body)
			}
		}
	}
	// The refused sign-up sent nothing; the accepted ones a link each.
	if l := lastLink(h.mail, "s6@example.org"); l != "" {
		t.Errorf("refused sign-up mailed %q", l)
	}
	if l := lastLink(h.mail, "s5@example.org"); !strings.HasPrefix(l, "/signup/confirm?t=") {
		t.Errorf("5th sign-up mailed %q", l)
	}
}
