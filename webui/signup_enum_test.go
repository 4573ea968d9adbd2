package webui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/webui"
)

// answer is what a client sees of a response: everything but the Date.
type answer struct {
	status             int
	location, body     string
	headers, setCookie []string
}

func answerOf(r resp) answer {
	var names, cookies []string
	for k := range r.header {
		if k != "Date" {
			names = append(names, k+": "+strings.Join(r.header.Values(k), ", "))
		}
	}
	for _, c := range r.header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(c, "=")
		cookies = append(cookies, name)
	}
	slices.Sort(names)
	return answer{r.status, r.header.Get("Location"), r.body, names, cookies}
}

// TestSignUpTellsNothingHTTP: the sign-up and reset forms answer an address
// with an account exactly as one without (status, headers, redirect, body,
// and the page it leads to); only the mailbox gets a different message.
func TestSignUpTellsNothingHTTP(t *testing.T) {
	h := newHarness(t)
	h.user("owner@example.org", domain.RoleFree, false)
	for _, form := range []struct {
		path, field string
		subjects    map[string]string // address → subject of the mail it gets
	}{
		{"/signup", "email", map[string]string{
			"new@example.org":   "Confirm your GAS account",
			"owner@example.org": "Someone tried to create a GAS account with your address",
			"OWNER@example.org": "Someone tried to create a GAS account with your address",
		}},
		{"/signin/forgot", "email", map[string]string{
			"nobody@example.org": "Password reset for GAS",
			"owner@example.org":  "Choose a new GAS password",
		}},
	} {
		var first *answer
		for addr, subject := range form.subjects {
			b := h.browser()
			b.get(form.path)
			r := b.post(form.path, url.Values{"name": {"Neo"}, form.field: {addr}})
			got := answerOf(r)
			next := answerOf(b.get(r.header.Get("Location")))
			if first == nil {
				first = &got
				if got.status != http.StatusSeeOther || len(got.setCookie) != 0 || next.status != 200 {
					t.Errorf("%s %s: %+v, then %d", form.path, addr, got, next.status)
				}
			} else if !equalAnswers(*first, got) {
				t.Errorf("%s %s answers\n%+v\nwhere another address got\n%+v", form.path, addr, got, *first)
			}
			if !strings.Contains(next.body, "Check your email") {
				t.Errorf("%s %s leads to %s", form.path, addr, next.body)
			}
			sent := h.mail.Sent()
			if m := sent[len(sent)-1]; m.To != strings.ToLower(addr) || m.Subject != subject {
				t.Errorf("%s %s: mailed %q to %s, want %q", form.path, addr, m.Subject, m.To, subject)
			}
		}
	}
	// The owner's notice says how to get in.
	for _, m := range h.mail.Sent() {
		if m.Subject == "Someone tried to create a GAS account with your address" &&
			(!strings.Contains(m.Text, mailBase+"/signin\n") || !strings.Contains(m.Text, mailBase+"/signin/forgot")) {
			t.Errorf("owner notice without the sign-in and reset links:\n%s", m.Text)
		}
	}
}

func equalAnswers(a, b answer) bool {
	return a.status == b.status && a.location == b.location && a.body == b.body &&
		slices.Equal(a.headers, b.headers) && slices.Equal(a.setCookie, b.setCookie)
}

// TestResetHTTP: forgot → email → choose a new password → signed in; the
// link works once, and the old password no longer does.
func TestResetHTTP(t *testing.T) {
	h := newHarness(t)
	h.user("owner@example.org", domain.RoleFree, false)
	b := h.browser()
	if r := b.get("/signin"); !strings.Contains(r.body, `href="/signin/forgot"`) {
		t.Error("sign-in page has no reset link")
	}
	if r := b.post("/signin/forgot", url.Values{"email": {"nope"}}); r.status != 400 || !strings.Contains(r.body, "not an email address") {
		t.Errorf("bad address: %d", r.status)
	}
	b.post("/signin/forgot", url.Values{"email": {"owner@example.org"}})
	link := lastLink(h.mail, "owner@example.org")
	if r := b.get(link); r.status != 200 || !strings.Contains(r.body, `action="/signin/reset"`) || !strings.Contains(r.body, "owner@example.org") {
		t.Fatalf("reset page %q: %d %s", link, r.status, r.body)
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(link, "/signin/reset?"))
	r := b.post("/signin/reset", url.Values{"t": {q.Get("t")}, "password": {"a new password"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/jobs" || b.cookie("gas_session") == nil {
		t.Fatalf("reset: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	if r := b.get(link); r.status != 400 || !strings.Contains(r.body, "was used already") || !strings.Contains(r.body, `href="/signin/forgot"`) {
		t.Errorf("used link: %d %s", r.status, r.body)
	}
	b2 := h.browser()
	if r := b2.signInForm("owner@example.org", "password1"); r.status != 401 {
		t.Errorf("old password: %d", r.status)
	}
	if r := b2.signInForm("owner@example.org", "a new password"); r.status != http.StatusSeeOther {
		t.Errorf("new password: %d", r.status)
	}
	// A confirmation link used twice says to sign in.
	b2.post("/signup", url.Values{"name": {"Neo"}, "email": {"neo@example.org"}})
	link = lastLink(h.mail, "neo@example.org")
	q, _ = url.ParseQuery(strings.TrimPrefix(link, "/signup/confirm?"))
	b2.post("/signup/confirm", url.Values{"t": {q.Get("t")}, "password": {"longenough"}})
	if r := h.browser().get(link); r.status != 409 || !strings.Contains(r.body, "sign in") || !strings.Contains(r.body, `href="/signin"`) {
		t.Errorf("confirmation link used twice: %d %s", r.status, r.body)
	}
}

// BenchmarkSignUpTaken times sign-up forms for new addresses and for one
// with an account, alternating, over SQLite and the real handler; it
// reports both and their ratio (taken/new), which should be about 1. Each
// side repeats one address (the new one never confirms), so the rate-limit
// rows are updated, not inserted, on both sides alike.
//
//	go test ./webui -run '^$' -bench SignUpTaken -benchtime 400x
func BenchmarkSignUpTaken(b *testing.B) {
	var cfg webui.Config
	h := newHarnessWith(b, func(c *webui.Config) { cfg = *c })
	h.user("owner@example.org", domain.RoleFree, false)
	var err error
	cfg.Auth, err = auth.New(h.db.Profiles(), h.db.Auth(), auth.Config{
		Key: h.key, SignUpLimit: 1 << 30, MailLimit: 1 << 30, Mailer: h.mail, BaseURL: mailBase,
	})
	if err != nil {
		b.Fatal(err)
	}
	portal, err := webui.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	c := &addrClient{t: nil, portal: portal, addr: "203.0.113.9", cookies: map[string]*http.Cookie{}}
	c.do(httptest.NewRequest("GET", "/signup", nil))
	post := func(email string) time.Duration {
		form := url.Values{"name": {"N"}, "email": {email}, "csrf": {c.csrf}}
		req := httptest.NewRequest("POST", "/signup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		rec := c.do(req)
		d := time.Since(start)
		if rec.Code != http.StatusSeeOther {
			b.Fatalf("sign-up %s: %d", email, rec.Code)
		}
		return d
	}
	var fresh, taken time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			fresh += post("new@example.org")
			taken += post("owner@example.org")
		} else {
			taken += post("owner@example.org")
			fresh += post("new@example.org")
		}
	}
	b.ReportMetric(float64(fresh.Nanoseconds())/float64(b.N), "new-ns/op")
	b.ReportMetric(float64(taken.Nanoseconds())/float64(b.N), "taken-ns/op")
	b.ReportMetric(float64(taken)/float64(fresh), "taken/new")
}
