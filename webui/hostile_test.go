package webui_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// TestHostileUploads (B11): odd bodies and names get a clear 4xx, never a 500.
func TestHostileUploads(t *testing.T) {
	h, token, whole, ct := uploadSetup(t, domain.RoleFree)
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
		{"no boundary", whole, "multipart/form-data", 400, "no boundary"},
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

// uploadSetup is a harness with one user of role, and that user's token
// with the body and content type of a valid upload (tinyVCF as ok.vcf), for
// tests that spoil it.
func uploadSetup(tb testing.TB, role domain.Role) (h *harness, token, body, ct string) {
	h = newHarness(tb)
	_, token = h.user("uploader@example.org", role, false)
	r, ct := multipartFile(tb, "ok.vcf", tinyVCF)
	return h, token, r.(*bytes.Buffer).String(), ct
}

// FuzzUpload: whatever the body, file name and content type of an upload,
// the API answers a JSON error or a created job, never a 500.
//
//	go test ./webui -run '^$' -fuzz FuzzUpload -fuzztime 60s
func FuzzUpload(f *testing.F) {
	h, token, valid, ct := uploadSetup(f, domain.RolePremium)
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(valid, "ok.vcf", boundary)
	f.Add(strings.Replace(valid, `filename="ok.vcf"`, "filename=\"a\x00b.vcf\"", 1), "", boundary)
	f.Add(valid[:len(valid)/2], "", boundary)
	f.Add(strings.Replace(valid, "##fileformat", "\xef\xbb\xbf##fileformat", 1), "", boundary)
	f.Add(strings.Replace(valid, "ok.vcf", "gpj\u202e.vcf", 1), "", boundary)
	f.Add("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n\x1f\x8b\x08\x00garbage\r\n--"+boundary+"--\r\n", "", boundary)
	f.Add("", "", "")
	f.Add(valid, "", strings.Repeat("b", 80))
	f.Add(valid, "", boundary+"\r\nContent-Length: 0") // a header smuggled in through the boundary
	addr := h.srv.Listener.Addr().String()
	f.Fuzz(func(t *testing.T, body, name, boundary string) {
		if name != "" {
			body = strings.Replace(body, "ok.vcf", name, 1)
		}
		status, ctype, answer := rawUpload(t, addr, token, boundary, body)
		switch {
		case status >= 500:
			t.Fatalf("%d %s for body %q", status, answer, body)
		case strings.HasPrefix(ctype, "application/json"):
			if !json.Valid([]byte(answer)) {
				t.Fatalf("%d: not JSON: %q", status, answer)
			}
		case status != 400 || !strings.HasPrefix(answer, "400 Bad Request"):
			// Only net/http itself, refusing a request it cannot parse
			// (a control character in the boundary), answers otherwise.
			t.Fatalf("%d %s: %q", status, ctype, answer)
		}
	})
}

// rawUpload sends the upload as raw bytes, so a boundary no HTTP client
// would send (a NUL, a line break) reaches the server as a hostile one would.
func rawUpload(t *testing.T, addr, token, boundary, body string) (status int, ctype, answer string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(conn, "POST /api/v1/jobs HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		token, boundary, len(body), body)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no HTTP answer: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
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
		r := b.signInForm(email, "password1", next)
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
