package webui_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

func TestSignUpSignInSignOut(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	if r := b.get("/signup"); r.status != 200 || b.csrf == "" {
		t.Fatalf("sign-up page: %d, csrf %q", r.status, b.csrf)
	}
	r := b.post("/signup", url.Values{"name": {"Ada"}, "email": {"ada@example.org"}, "next": {"/annotate"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/signup/sent" || b.cookie("gas_session") != nil {
		t.Fatalf("sign up: %d %q, session %v", r.status, r.header.Get("Location"), b.cookie("gas_session"))
	}
	if r := b.get("/signup/sent"); r.status != 200 || !strings.Contains(r.body, "Check your email") {
		t.Errorf("sent page: %d", r.status)
	}
	link := lastLink(h.mail, "ada@example.org")
	if !strings.HasPrefix(link, "/signup/confirm?t=") {
		t.Fatalf("confirmation link %q", link)
	}
	if r := b.get(link); r.status != 200 || !strings.Contains(r.body, "ada@example.org") || !strings.Contains(r.body, `action="/signup/confirm"`) {
		t.Fatalf("confirm page: %d %s", r.status, r.body)
	}
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/signup/confirm?"))
	if r := b.post("/signup/confirm", url.Values{"t": {token.Get("t")}, "password": {"short"}}); r.status != 400 || !strings.Contains(r.body, "password must be 8 to 1024 characters") || !strings.Contains(r.body, `action="/signup/confirm"`) {
		t.Errorf("short password: %d", r.status)
	}
	r = b.post("/signup/confirm", url.Values{"t": {token.Get("t")}, "password": {"longenough"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/annotate" {
		t.Fatalf("confirm: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	set := strings.Join(r.header.Values("Set-Cookie"), "\n")
	if !strings.Contains(set, "gas_session=") || !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || strings.Contains(set, "Secure") {
		t.Errorf("session cookie over plain HTTP: %s", set)
	}
	if r := b.get("/profile"); r.status != 200 || !strings.Contains(r.body, "ada@example.org") || !strings.Contains(r.body, "150 KB") {
		t.Errorf("profile: %d", r.status)
	}
	if r := b.get("/annotate"); !strings.Contains(r.body, `data-cap="150000"`) || !strings.Contains(r.body, "150 KB") || !strings.Contains(r.body, `id="submit" disabled`) {
		t.Errorf("annotate page lacks the cap or the disabled submit: %s", r.body)
	}

	// Errors re-render the form with the right status and keep what was
	// typed; a taken address is no error (TestSignUpTellsNothingHTTP).
	b2 := h.browser()
	for _, tc := range []struct {
		form url.Values
		want int
		msg  string
	}{
		{url.Values{"name": {"Bob"}, "email": {"bob@example.org"}, "institution": {strings.Repeat("i", 201)}}, 400, "institution must be at most 200"},
		{url.Values{"name": {"Bob"}, "email": {"not-an-email"}}, 400, "not an email"},
	} {
		r := b2.post("/signup", tc.form)
		if r.status != tc.want || !strings.Contains(r.body, tc.msg) || !strings.Contains(r.body, tc.form.Get("name")) {
			t.Errorf("sign up %v: %d, want %d with %q", tc.form, r.status, tc.want, tc.msg)
		}
	}

	if r := b.post("/signout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.status)
	}
	if r := b.get("/profile"); r.status != http.StatusSeeOther {
		t.Errorf("profile after sign-out: %d", r.status)
	}
	if r := b.signInForm("ADA@example.org", "longenough"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/jobs" {
		t.Errorf("sign in: %d %q", r.status, r.header.Get("Location"))
	}
	// An open redirect through next is refused.
	b.post("/signout", nil)
	if r := b.signInForm("ada@example.org", "longenough", "//evil.example/x"); r.header.Get("Location") != "/jobs" {
		t.Errorf("next=//evil: Location %q", r.header.Get("Location"))
	}
	if r := b.signInForm("ada@example.org", "wrong-one"); r.status != 401 || !strings.Contains(r.body, "wrong email or password") {
		t.Errorf("wrong password: %d", r.status)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	h := newHarness(t)
	h.user("a@example.org", domain.RoleFree, false)
	b := h.browser()
	b.get("/signin")
	req, _ := http.NewRequest("POST", h.srv.URL+"/signin", strings.NewReader(url.Values{
		"email": {"a@example.org"}, "password": {"password1"}, "csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := b.c.Do(req)
	r := read(t, res, err)
	if set := strings.Join(r.header.Values("Set-Cookie"), "\n"); r.status != 303 || !strings.Contains(set, "Secure") || !strings.Contains(set, "HttpOnly") {
		t.Errorf("behind HTTPS: %d, cookies %s", r.status, set)
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t)
	h.user("a@example.org", domain.RoleFree, false)
	b := h.signedIn("a@example.org")
	for _, tc := range []struct{ path, csrf string }{
		{"/profile/tokens", ""}, {"/profile/tokens", "forged"}, {"/profile", "x"}, {"/subscribe", ""}, {"/signout", ""},
	} {
		if r := b.post(tc.path, url.Values{"csrf": {tc.csrf}, "name": {"n"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s with csrf %q: %d, want 403", tc.path, tc.csrf, r.status)
		}
	}
	// A token from another browser does not work either.
	other := h.browser()
	other.get("/signin")
	if r := b.post("/profile/tokens", url.Values{"csrf": {other.csrf}}); r.status != http.StatusForbidden {
		t.Errorf("another browser's token: %d", r.status)
	}
	// A cross-site form post arrives without our cookies at all.
	res, err := http.PostForm(h.srv.URL+"/signin", url.Values{"email": {"a@example.org"}, "password": {"password1"}, "csrf": {b.csrf}})
	if r := read(t, res, err); r.status != http.StatusForbidden {
		t.Errorf("post without cookies: %d", r.status)
	}
	// Uploads: the XMLHttpRequest header or the first form field.
	body, ct := multipartFile(t, "t.vcf", tinyVCF)
	req, _ := http.NewRequest("POST", h.srv.URL+"/annotate", body)
	req.Header.Set("Content-Type", ct)
	res, err = b.c.Do(req)
	if r := read(t, res, err); r.status != http.StatusForbidden {
		t.Errorf("upload without csrf: %d", r.status)
	}
}

func TestSignInRateLimited(t *testing.T) {
	h := newHarness(t)
	h.user("a@example.org", domain.RoleFree, false)
	b := h.browser()
	for i := range 5 {
		if r := b.signInForm("a@example.org", "nope-nope"); r.status != 401 {
			t.Fatalf("attempt %d: %d", i, r.status)
		}
	}
	r := b.signInForm("a@example.org", "password1")
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "too many attempts") {
		t.Errorf("6th attempt: %d", r.status)
	}
}

func TestProfileTokens(t *testing.T) {
	h := newHarness(t)
	_, otherTok := h.user("b@example.org", domain.RoleFree, false)
	h.user("a@example.org", domain.RoleFree, false)
	b := h.signedIn("a@example.org")
	b.get("/profile")
	r := b.post("/profile/tokens", url.Values{"name": {"laptop"}})
	if r.status != http.StatusCreated {
		t.Fatalf("make token: %d", r.status)
	}
	i := strings.Index(r.body, `id="new-token">`)
	if i < 0 {
		t.Fatal("new token not shown")
	}
	tok := r.body[i+len(`id="new-token">`):]
	tok = tok[:strings.Index(tok, "<")]
	if a := h.api("GET", "/api/v1/account", tok, nil, ""); a.status != 200 || !strings.Contains(a.body, "a@example.org") {
		t.Fatalf("new token: %d %s", a.status, a.body)
	}
	page := b.get("/profile")
	if strings.Contains(page.body, tok) || !strings.Contains(page.body, "laptop") || !strings.Contains(page.body, tok[:10]) {
		t.Errorf("profile must list the token by prefix and never show it again")
	}
	tokens, _ := h.auth.ListTokens(context.Background(), mustProfile(t, h, "a@example.org").ID)
	var id string
	for _, tk := range tokens {
		if tk.Name == "laptop" {
			id = tk.ID
		}
	}
	// Revoking another user's token id is a 404, and theirs keeps working.
	otherTokens, _ := h.auth.ListTokens(context.Background(), mustProfile(t, h, "b@example.org").ID)
	if r := b.post("/profile/tokens/"+otherTokens[0].ID+"/revoke", nil); r.status != 404 {
		t.Errorf("revoke another's token: %d", r.status)
	}
	if a := h.api("GET", "/api/v1/account", otherTok, nil, ""); a.status != 200 {
		t.Errorf("other's token after the attempt: %d", a.status)
	}
	if r := b.post("/profile/tokens/"+id+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if a := h.api("GET", "/api/v1/account", tok, nil, ""); a.status != 401 {
		t.Errorf("revoked token: %d", a.status)
	}
	// Profile edits.
	if r := b.post("/profile", url.Values{"name": {"Ada L."}, "institution": {"Analytical Engines"}}); r.status != 303 {
		t.Errorf("save profile: %d", r.status)
	}
	if p := mustProfile(t, h, "a@example.org"); p.Name != "Ada L." || p.Institution != "Analytical Engines" {
		t.Errorf("profile %+v", p)
	}
	if r := b.post("/profile", url.Values{"name": {" "}}); r.status != 400 {
		t.Errorf("empty name: %d", r.status)
	}
}

func mustProfile(t *testing.T, h *harness, email string) domain.Profile {
	t.Helper()
	p, err := h.db.Profiles().GetByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPortalUpload(t *testing.T) {
	h := newHarness(t)
	h.user("a@example.org", domain.RoleFree, false)
	h.user("aud@example.org", domain.RoleFree, true)
	b := h.signedIn("a@example.org")
	b.get("/annotate")

	// As the page's script sends it.
	body, ct := multipartFile(t, "../ü.vcf", tinyVCF)
	req, _ := http.NewRequest("POST", h.srv.URL+"/annotate", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	req.Header.Set("X-CSRF-Token", b.csrf)
	res, err := b.c.Do(req)
	r := read(t, res, err)
	var out struct{ ID, Redirect string }
	r.json(t, &out)
	if r.status != 201 || out.Redirect != "/jobs/"+out.ID+"/submitted" {
		t.Fatalf("xhr upload: %d %s", r.status, r.body)
	}
	if r := b.get(out.Redirect); r.status != 200 || !strings.Contains(r.body, "ü.vcf") || strings.Contains(r.body, "../") {
		t.Errorf("submitted page: %d", r.status)
	}
	h.updateJob(out.ID, func(j *domain.Job) { j.Status = domain.StatusCompleted }) // room under the concurrent-jobs limit

	// As a browser without JavaScript sends it: csrf field first, then a redirect.
	body, ct = multipartFile(t, "plain.vcf", tinyVCF, "csrf", b.csrf)
	res, err = b.c.Post(h.srv.URL+"/annotate", ct, body)
	r = read(t, res, err)
	if r.status != 303 || !strings.HasSuffix(r.header.Get("Location"), "/submitted") {
		t.Errorf("form upload: %d %q", r.status, r.header.Get("Location"))
	}
	h.updateJob(strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Location"), "/jobs/"), "/submitted"), func(j *domain.Job) { j.Status = domain.StatusCompleted })

	// Over the cap: the script gets JSON with the upgrade hint, the plain form a 413 page.
	big := "##fileformat=VCFv4.2\n" + strings.Repeat("#", freeCap)
	body, ct = multipartFile(t, "big.vcf", big)
	req, _ = http.NewRequest("POST", h.srv.URL+"/annotate", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	req.Header.Set("X-CSRF-Token", b.csrf)
	res, err = b.c.Do(req)
	r = read(t, res, err)
	var e errBody
	r.json(t, &e)
	if r.status != 413 || e.Upgrade == "" || !strings.Contains(e.Error, "150 KB") {
		t.Errorf("xhr over cap: %d %s", r.status, r.body)
	}
	body, ct = multipartFile(t, "big.vcf", big, "csrf", b.csrf)
	res, err = b.c.Post(h.srv.URL+"/annotate", ct, body)
	if r := read(t, res, err); r.status != 413 || !strings.Contains(r.body, "upgrade") {
		t.Errorf("form over cap: %d", r.status)
	}

	// Auditors cannot submit.
	a := h.browser()
	a.signIn("aud@example.org")
	if r := a.get("/annotate"); !strings.Contains(r.body, "read-only") {
		t.Errorf("auditor annotate page should say read-only")
	}
	body, ct = multipartFile(t, "x.vcf", tinyVCF, "csrf", a.csrf)
	res, err = a.c.Post(h.srv.URL+"/annotate", ct, body)
	if r := read(t, res, err); r.status != 403 {
		t.Errorf("auditor upload: %d", r.status)
	}
}

func TestJobPages(t *testing.T) {
	h := newHarness(t)
	owner, _ := h.user("a@example.org", domain.RoleFree, false)
	j := h.completedJob(owner, "job1")
	b := h.signedIn("a@example.org")

	r := b.get("/jobs/job1")
	for _, want := range []string{"COMPLETED", `id="result-link"`, "data-deadline=", `id="chart-consequences"`, `id="chart-impact"`,
		`id="chart-chromosomes"`, "missense_variant", "<svg", `href="/jobs/job1/log"`, `href="/jobs/job1/history"`, `href="/jobs/job1/input"`, "Ts/Tv 2.00",
		`data-code="other_assembly"`, "probably on another assembly than GRCh38", "1 of 2 checked records",
		"GAS v1.0, bundle GRCh38-0123456789ab: dbsnp149.chr21.vcf.gz (dbSNP 149)"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "/srv/ref") || strings.Contains(r.body, j.ResultKey) || strings.Contains(r.body, j.InputKey) {
		t.Error("job page shows server paths or storage keys")
	}
	if r := b.get("/jobs/job1/result"); r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "sample%20%C3%BC.annotated.vcf") {
		t.Errorf("result download: %d %q", r.status, r.header.Get("Content-Disposition"))
	}
	if r := b.get("/jobs/job1/log"); r.status != 200 || !strings.Contains(r.body, "log of job1") {
		t.Errorf("log page: %d", r.status)
	}
	if r := b.get("/jobs/job1/history"); r.status != 200 || !strings.Contains(r.body, "ExecutionSucceeded") || !strings.Contains(r.body, "TaskStateEntered") {
		t.Errorf("history page: %d", r.status)
	}

	h.updateJob("job1", func(j *domain.Job) { j.ResultState = domain.ResultArchived; j.ArchivedAt = time.Now() })
	r = b.get("/jobs/job1")
	if !strings.Contains(r.body, "upgrade to restore") || strings.Contains(r.body, `id="result-link"`) || strings.Contains(r.body, "data-deadline") {
		t.Errorf("archived job page wrong")
	}
	if r := b.get("/jobs/job1/result"); r.status != http.StatusConflict || !strings.Contains(r.body, "archived") {
		t.Errorf("archived result page: %d", r.status)
	}
	ready := time.Now().Add(5 * time.Minute)
	h.updateJob("job1", func(j *domain.Job) {
		j.ResultState, j.RestoreTier, j.RestoreRequestedAt, j.RestoreReadyBy = domain.ResultRestoring, domain.TierExpedited, time.Now(), ready
	})
	r = b.get("/jobs/job1")
	// The estimate reads as words and a clock time (with the date when that
	// is another day: near midnight), and no script rewrites it ("expected
	// by 2 s").
	clock := ready.UTC().Format("15:04 UTC")
	if ready.UTC().Day() != time.Now().UTC().Day() {
		clock = ready.UTC().Format("Jan 2, 15:04 UTC")
	}
	if !strings.Contains(r.body, "Restoring") || !strings.Contains(r.body, "Expedited") ||
		!strings.Contains(r.body, "within about 5 minutes (by "+clock+")") || strings.Contains(r.body, "data-deadline") {
		t.Errorf("restoring job page lacks the estimate: %s", r.body)
	}
	// Nothing annotated: the page says what happened, not "complete".
	h.updateJob("job1", func(j *domain.Job) {
		j.ResultState, j.Summary = domain.ResultAvailable, []byte(`{"records":4,"annotated_alleles":0,"not_covered":4,"chromosomes":[{"name":"chrUn_x","covered":false}]}`)
	})
	r = b.get("/jobs/job1")
	if !strings.Contains(r.body, "Finished: 0 of 4 records could be annotated: 4 are on chromosomes or at positions the reference does not cover (chrUn_x).") ||
		strings.Contains(r.body, ">COMPLETED<") || strings.Contains(r.body, "Completed") || strings.Contains(r.body, `id="variants-link"`) ||
		!strings.Contains(r.body, "Download the output VCF (no annotations)") {
		t.Errorf("nothing-annotated job page: %s", r.body)
	}
	h.updateJob("job1", func(j *domain.Job) { j.Status, j.Error = domain.StatusFailed, "line 7: POS is not a number" })
	if r := b.get("/jobs/job1"); !strings.Contains(r.body, "line 7: POS is not a number") {
		t.Errorf("failed job page lacks the reason")
	}

	// A workflow store failure is a 500 page that says nothing of the cause.
	h.wf.failOn = j.ExecutionID
	if r := b.get("/jobs/job1/history"); r.status != 500 || strings.Contains(r.body, "workflow store is down") {
		t.Errorf("history with a broken store: %d", r.status)
	}
}

func TestJobListPagination(t *testing.T) {
	h := newHarness(t)
	owner, _ := h.user("a@example.org", domain.RoleFree, false)
	base := time.Now().UTC().Add(-time.Hour)
	for i := range 25 {
		h.completedJobAt(owner, "j"+string(rune('a'+i)), base.Add(time.Duration(i)*time.Second))
	}
	b := h.signedIn("a@example.org")
	r := b.get("/jobs")
	if n := strings.Count(r.body, "<tr data-job="); n != 20 || !strings.Contains(r.body, `rel="next"`) {
		t.Fatalf("first page: %d rows", n)
	}
	if strings.Index(r.body, `data-job="jy"`) > strings.Index(r.body, `data-job="jx"`) {
		t.Error("not newest first")
	}
	i := strings.Index(r.body, `href="/jobs?cursor=`)
	next := r.body[i+len(`href="`):]
	next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
	r = b.get(next)
	if n := strings.Count(r.body, "<tr data-job="); n != 5 || strings.Contains(r.body, `rel="next"`) || !strings.Contains(r.body, "Newest") {
		t.Errorf("second page: %d rows", n)
	}
	if !strings.Contains(r.body, `data-live="/api/v1/jobs?cursor=`) {
		t.Error("the live updates must poll the same page")
	}
}

func TestErrorPages(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for _, tc := range []struct {
		method, path string
		status       int
		json         bool
	}{
		{"GET", "/no/such/page", 404, false},
		{"POST", "/jobs", 405, false},
		{"DELETE", "/profile", 405, false},
		{"GET", "/api/v1/nope", 404, true},
		{"DELETE", "/api/v1/jobs", 405, true},
		{"PUT", "/api/v1/account/upgrade", 405, true},
	} {
		req, _ := http.NewRequest(tc.method, h.srv.URL+tc.path, nil)
		res, err := b.c.Do(req)
		r := read(t, res, err)
		if r.status != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, r.status, tc.status)
		}
		isJSON := strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
		if isJSON != tc.json || (!tc.json && !strings.Contains(r.body, `class="code">`+http.StatusText(tc.status)[:0])) {
			t.Errorf("%s %s: content type %q", tc.method, tc.path, r.header.Get("Content-Type"))
		}
		if tc.status == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
	if r := b.get("/static/"); r.status != 404 {
		t.Errorf("static directory listing: %d", r.status)
	}
	if r := b.get("/static/gas.css"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", r.status, r.header.Get("Content-Type"))
	}
	if r := b.get("/"); !strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'self'") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", r.header)
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.get("/signin")
	r := b.post("/signin", url.Values{"email": {strings.Repeat("a", 100<<10)}})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KB sign-in form: %d", r.status)
	}
}

// TestNoSecretsInHTML renders every page a user sees and checks that the
// signing key, the session cookie and API tokens never appear in it.
func TestNoSecretsInHTML(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("a@example.org", domain.RoleFree, false)
	h.completedJob(owner, "job1")
	b := h.signedIn("a@example.org")
	session := b.cookie("gas_session").Value
	csrfSeed := b.cookie("gas_csrf").Value
	secrets := []string{string(h.key), hex.EncodeToString(h.key), session, csrfSeed, tok}
	for _, path := range []string{"/", "/profile", "/annotate", "/jobs", "/jobs/job1", "/jobs/job1/submitted",
		"/jobs/job1/log", "/jobs/job1/history", "/subscribe", "/signin", "/signup", "/no-such-page"} {
		r := b.get(path)
		for _, s := range secrets {
			if strings.Contains(r.body, s) {
				t.Errorf("%s contains a secret (%.6s…)", path, s)
			}
		}
	}
}

func TestFlashOnlyFromCodes(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	if r := b.get("/?flash=signed-out"); !strings.Contains(r.body, "Signed out.") {
		t.Error("known flash code not shown")
	}
	if r := b.get("/?flash=Your+account+is+locked"); strings.Contains(r.body, "account is locked") {
		t.Error("free text from the URL shown as a notice")
	}
}
