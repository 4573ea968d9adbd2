package webui_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// TestHostileUploads (B11): odd bodies and names get a clear 4xx, never a 500.
func TestHostileUploads(t *testing.T) {
	h := newHarness(t)
	_, token := h.user("a@example.org", domain.RoleFree, false)
	full, ct := multipartFile(t, "ok.vcf", tinyVCF)
	whole := full.(*bytes.Buffer).String()
	cases := []struct {
		name, body, ct string
		status         int
		says           string
	}{
		{"NUL in the file name", strings.Replace(whole, `filename="ok.vcf"`, "filename=\"a\x00b.vcf\"", 1), ct, 400, "malformed multipart"},
		{"body cut short (longer Content-Length than sent)", whole[:len(whole)-40], ct, 400, "ended early"},
		{"no closing boundary", whole[:len(whole)-8], ct, 400, ""},
		{"not multipart", "hello", "text/plain", 400, "multipart/form-data"},
		{"garbage boundary", whole, "multipart/form-data; boundary=nope", 400, ""},
	}
	for _, c := range cases {
		r := h.api("POST", "/api/v1/jobs", token, strings.NewReader(c.body), c.ct)
		if r.status != c.status || !strings.Contains(r.body, c.says) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	// Right-to-left override and zero-width characters do not survive in the name.
	r := h.upload(token, "gpj\u202e.vcf\u200b", tinyVCF)
	if r.status != 201 || strings.Contains(r.body, "\u202e") || strings.Contains(r.body, `\u202e`) || !strings.Contains(r.body, `"input_name":"gpj_.vcf_"`) {
		t.Errorf("RTL name: %d %s", r.status, r.body)
	}
}

// TestHSTS: over HTTPS (here, behind a proxy that says so) pages carry
// Strict-Transport-Security; over plain HTTP it would be ignored and is not sent.
func TestHSTS(t *testing.T) {
	h := newHarness(t)
	r := h.api("GET", "/", "", nil, "")
	if v := r.header.Get("Strict-Transport-Security"); v != "" {
		t.Errorf("plain HTTP: HSTS %q", v)
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := h.srv.Client().Do(req)
	r = read(t, res, err)
	if v := r.header.Get("Strict-Transport-Security"); v != "max-age=63072000; includeSubDomains" {
		t.Errorf("HTTPS: HSTS %q", v)
	}
}

// TestOpenRedirect (B7): next= never leads off the site, whatever browsers
// make of tabs, newlines, backslashes and doubled slashes.
func TestOpenRedirect(t *testing.T) {
	h := newHarness(t)
	i := 0
	for next, want := range map[string]string{
		"/jobs/abc?x=1": "/jobs/abc?x=1", "/\t/evil.example/p": "/jobs", "/\n/evil.example": "/jobs", "/\r/evil.example": "/jobs",
		"//evil.example": "/jobs", "/\\evil.example": "/jobs", "/\\/evil.example": "/jobs", "\\\\evil.example": "/jobs",
		"https://evil.example": "/jobs", "/ /evil.example": "/jobs", "/\u00a0/evil.example": "/jobs", "/\u202e/x": "/jobs", "": "/jobs",
	} {
		i++ // one account each: sign-in attempts per account are limited
		email := fmt.Sprintf("u%d@example.org", i)
		h.user(email, domain.RoleFree, false)
		b := h.browser()
		r := b.post("/signin", url.Values{"email": {email}, "password": {"password1"}, "next": {next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("next=%q: %d Location %q, want %q", next, r.status, r.header.Get("Location"), want)
		}
	}
}

// TestJobQuotaHTTP: the per-user job limits answer 429 with Retry-After,
// the limit's name and the upgrade hint; pricing and profile pages list
// every limit.
func TestJobQuotaHTTP(t *testing.T) {
	h := newHarness(t)
	u, token := h.user("a@example.org", domain.RoleFree, false)
	for i := range domain.FreeLimits.ConcurrentJobs {
		if r := h.upload(token, fmt.Sprintf("j%d.vcf", i), tinyVCF); r.status != 201 {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	r := h.upload(token, "one-too-many.vcf", tinyVCF)
	var e errBody
	r.json(t, &e)
	if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(e.Error, domain.LimitConcurrentJobs) || e.Upgrade == "" {
		t.Errorf("over the concurrent jobs: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	b := h.signedIn(u.Email)
	for _, page := range []string{"/subscribe", "/profile"} {
		body := b.get(page).body
		for _, want := range []string{`id="limits"`, domain.LimitRecords, domain.LimitJobsPerDay, "100,000", "150 KB"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", page, want)
			}
		}
	}
}
