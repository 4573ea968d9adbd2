package webui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/vcf/vcftest"
	"github.com/gasproject/gas/webui"
)

// fakeDirect is a hand-written domain.DirectTransfers: it records what it signed
// and returns recognisable forms and links.
type fakeDirect struct {
	mu       sync.Mutex
	policies []domain.UploadPolicy
	gets     []string // keys
}

const (
	fakeBucketURL = "https://gas-inputs.s3.eu-west-1.amazonaws.com"
	// fakeSigningSecret stands for the credentials that sign the policy: they
	// must never reach a page, only the signature made with them.
	fakeSigningSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func (f *fakeDirect) PresignPost(_ context.Context, p domain.UploadPolicy) (domain.UploadForm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policies = append(f.policies, p)
	return domain.UploadForm{URL: fakeBucketURL, KeyPrefix: p.KeyPrefix, MaxBytes: p.MaxBytes, Fields: map[string]string{
		"key":                          p.KeyPrefix + "${filename}",
		"policy":                       "eyJjb25kaXRpb25zIjpbXX0=",
		"x-amz-algorithm":              "AWS4-HMAC-SHA256",
		"x-amz-credential":             "AKIAEXAMPLE/20261127/eu-west-1/s3/aws4_request",
		"x-amz-date":                   "20261127T140000Z",
		"x-amz-signature":              "0123abcd",
		"x-amz-server-side-encryption": "AES256",
		"success_action_status":        "201",
	}}, nil
}

func (f *fakeDirect) PresignGet(_ context.Context, key string, ttl time.Duration, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, key)
	if ttl <= 0 || ttl > 15*time.Minute {
		return "", errors.New("download links must be short-lived")
	}
	return "https://gas-results.s3.example.com/" + key + "?X-Amz-Signature=abc&name=" + url.QueryEscape(name), nil
}

func (f *fakeDirect) lastPolicy() domain.UploadPolicy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policies[len(f.policies)-1]
}

const premiumCap = 1 << 20

func newDirectHarness(t *testing.T) (*harness, *fakeDirect) {
	d := &fakeDirect{}
	h := newHarnessDirect(t, d, func(c *webui.Config) {
		c.RequestLimit = 64 << 10 // what the portal carries itself, below the premium cap
	})
	return h, d
}

var (
	uploadForm  = regexp.MustCompile(`(?s)<form id="upload"(.*?)</form>`)
	successAttr = regexp.MustCompile(`data-success="([^"]+)"`)
)

// annotatePage opens the annotate page and returns the upload form's HTML
// and its success URL.
func annotatePage(t *testing.T, b *browser) (form, success string, header http.Header) {
	t.Helper()
	r := b.get("/annotate")
	if r.status != http.StatusOK {
		t.Fatalf("annotate page: %d %s", r.status, r.body)
	}
	m := uploadForm.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no upload form in %s", r.body)
	}
	s := successAttr.FindStringSubmatch(m[1])
	if s == nil {
		t.Fatalf("upload form has no success URL: %s", m[1])
	}
	return m[1], strings.ReplaceAll(s[1], "&amp;", "&"), r.header
}

func TestDirectUploadForm(t *testing.T) {
	// GIVEN a portal whose store takes uploads from browsers, and a free and a premium user
	h, d := newDirectHarness(t)
	ada, _ := h.user("ada@example.org", domain.RoleFree, false)
	h.user("pat@example.org", domain.RolePremium, false)

	for _, tc := range []struct {
		email string
		cap   int64
	}{{"ada@example.org", freeCap}, {"pat@example.org", premiumCap}} {
		b := h.signedIn(tc.email)
		// WHEN the user opens the annotate page
		form, success, header := annotatePage(t, b)

		// THEN the form posts to the bucket with every signed field, no CSRF
		// token (S3 would refuse a field the policy does not cover), and the
		// file input last
		p := d.lastPolicy()
		if p.MaxBytes != tc.cap {
			t.Errorf("%s: signed cap %d, want %d", tc.email, p.MaxBytes, tc.cap)
		}
		if !strings.Contains(form, `action="`+fakeBucketURL+`"`) || !strings.Contains(form, `data-direct="1"`) {
			t.Errorf("%s: form does not post to the bucket: %s", tc.email, form)
		}
		for name, value := range map[string]string{"key": p.KeyPrefix + "${filename}", "x-amz-signature": "0123abcd", "success_action_status": "201",
			"policy": "eyJjb25kaXRpb25zIjpbXX0=", "x-amz-server-side-encryption": "AES256"} {
			if !strings.Contains(form, `<input type="hidden" name="`+name+`" value="`+value+`">`) {
				t.Errorf("%s: form lacks %s=%s: %s", tc.email, name, value, form)
			}
		}
		if strings.Contains(form, `name="csrf"`) {
			t.Errorf("%s: the S3 form carries the CSRF token", tc.email)
		}
		if strings.LastIndex(form, `type="hidden"`) > strings.Index(form, `type="file"`) {
			t.Errorf("%s: a field comes after the file (S3 ignores it)", tc.email)
		}
		// AND the key prefix is the user's and a fresh job's, named by the success URL
		su, err := url.Parse(success)
		if err != nil || su.Path != "/annotate/uploaded" {
			t.Fatalf("%s: success URL %q", tc.email, success)
		}
		if tc.email == "ada@example.org" && p.KeyPrefix != "inputs/"+ada.ID+"/"+su.Query().Get("job")+"/" {
			t.Errorf("key prefix %q, success URL %q", p.KeyPrefix, success)
		}
		// AND the page may talk to the bucket, and nothing else new
		csp := header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "connect-src 'self' "+fakeBucketURL+";") || !strings.Contains(csp, "form-action 'self' "+fakeBucketURL) {
			t.Errorf("%s: CSP %q does not allow the bucket", tc.email, csp)
		}
	}

	// AND the page shows no secret: not the signing credentials, not the
	// session, not the portal's key
	b := h.signedIn("ada@example.org")
	r := b.get("/annotate")
	for _, secret := range []string{fakeSigningSecret, b.cookie("gas_session").Value, string(h.key)} {
		if strings.Contains(r.body, secret) {
			t.Errorf("annotate page contains a secret %q", secret)
		}
	}
	// AND other pages keep the strict policy
	if csp := b.get("/jobs").header.Get("Content-Security-Policy"); strings.Contains(csp, fakeBucketURL) {
		t.Errorf("jobs page CSP %q allows the bucket", csp)
	}
}

func TestDirectUploadSuccess(t *testing.T) {
	const vcf = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\tPASS\t.\n"
	big := vcf + strings.Repeat("#", freeCap)
	tests := []struct {
		name    string
		object  *string                                  // stored at the key; nil: the upload never arrived
		keyFor  func(user, otherUser, job string) string // the key the browser reports
		status  int
		started bool
		kept    bool // the object is still there afterwards
	}{
		{"good", ptr(vcf), func(u, _, j string) string { return "inputs/" + u + "/" + j + "/calls.vcf" }, http.StatusSeeOther, true, true},
		{"another user's prefix", ptr(vcf), func(_, o, j string) string { return "inputs/" + o + "/" + j + "/calls.vcf" }, http.StatusForbidden, false, true},
		{"another job's prefix", ptr(vcf), func(u, _, _ string) string { return "inputs/" + u + "/otherjob/calls.vcf" }, http.StatusForbidden, false, true},
		{"results key", ptr(vcf), func(u, _, j string) string { return "results/" + u + "/" + j + "/annotated.vcf" }, http.StatusForbidden, false, true},
		{"nested key", ptr(vcf), func(u, _, j string) string { return "inputs/" + u + "/" + j + "/a/b.vcf" }, http.StatusForbidden, false, true},
		{"missing object", nil, func(u, _, j string) string { return "inputs/" + u + "/" + j + "/calls.vcf" }, http.StatusBadRequest, false, false},
		{"over the free cap", &big, func(u, _, j string) string { return "inputs/" + u + "/" + j + "/big.vcf" }, http.StatusRequestEntityTooLarge, false, false},
		{"not a VCF", ptr("%PDF-1.7\n"), func(u, _, j string) string { return "inputs/" + u + "/" + j + "/paper.pdf" }, http.StatusBadRequest, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// GIVEN a free user who rendered the upload form, and another user
			h, _ := newDirectHarness(t)
			ada, _ := h.user("ada@example.org", domain.RoleFree, false)
			bob, _ := h.user("bob@example.org", domain.RoleFree, false)
			b := h.signedIn("ada@example.org")
			_, success, _ := annotatePage(t, b)
			su, _ := url.Parse(success)
			job := su.Query().Get("job")
			key := tc.keyFor(ada.ID, bob.ID, job)
			// AND what the browser's POST left in the bucket
			if tc.object != nil {
				if err := h.blobs.Put(context.Background(), key, strings.NewReader(*tc.object)); err != nil {
					t.Fatal(err)
				}
			}

			// WHEN the browser lands on the success URL
			r := b.get(success + "&key=" + url.QueryEscape(key))

			// THEN the job starts only for a good upload, and refused files are removed
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			started := len(h.wf.started(domain.MachineAnnotation)) > 0
			if started != tc.started {
				t.Errorf("job started: %v, want %v", started, tc.started)
			}
			if _, err := h.blobs.Head(context.Background(), key); (err == nil) != tc.kept {
				t.Errorf("object kept: %v, want %v", err == nil, tc.kept)
			}
			if !tc.started {
				return
			}
			if loc := r.header.Get("Location"); loc != "/jobs/"+job+"/submitted" {
				t.Errorf("redirect to %q", loc)
			}
			j, err := h.db.Jobs().Get(context.Background(), job)
			if err != nil || j.UserID != ada.ID || j.InputKey != key || j.InputName != "calls.vcf" || j.InputSize != int64(len(vcf)) {
				t.Errorf("job %+v, %v", j, err)
			}
			// AND landing again (a reload) starts nothing new
			if r := b.get(success + "&key=" + url.QueryEscape(key)); r.status != http.StatusSeeOther || len(h.wf.started(domain.MachineAnnotation)) != 1 {
				t.Errorf("reload: %d, %d executions", r.status, len(h.wf.started(domain.MachineAnnotation)))
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestDirectUploadRefusals(t *testing.T) {
	h, _ := newDirectHarness(t)
	ada, _ := h.user("ada@example.org", domain.RoleFree, false)
	h.user("audit@example.org", domain.RoleFree, true)
	key := "inputs/" + ada.ID + "/job1/calls.vcf"
	h.blobs.Put(context.Background(), key, strings.NewReader("##fileformat=VCFv4.2\n"))
	path := "/annotate/uploaded?job=job1&key=" + url.QueryEscape(key)

	// A signed-out visitor is sent to sign in; an auditor may not submit.
	if r := h.browser().get(path); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/signin") {
		t.Errorf("signed out: %d %s", r.status, r.header.Get("Location"))
	}
	b := h.signedIn("audit@example.org")
	if r := b.get(path); r.status != http.StatusForbidden {
		t.Errorf("auditor: %d", r.status)
	}
	// A job id that is not one of ours is refused before the store is asked.
	b = h.browser()
	b.signIn("ada@example.org")
	if r := b.get("/annotate/uploaded?job=..&key=" + url.QueryEscape("inputs/"+ada.ID+"/../calls.vcf")); r.status != http.StatusForbidden {
		t.Errorf("dot-dot job: %d", r.status)
	}
	if n := len(h.wf.started(domain.MachineAnnotation)); n != 0 {
		t.Errorf("%d executions started", n)
	}
}

func TestDirectDownloadsRedirect(t *testing.T) {
	// GIVEN a direct store and a completed job
	h, d := newDirectHarness(t)
	ada, token := h.user("ada@example.org", domain.RoleFree, false)
	j := h.completedJobAt(ada, "job1", time.Now().Add(-time.Minute))
	b := h.signedIn("ada@example.org")

	// WHEN the owner downloads the input and result, in the portal or the API
	for _, tc := range []struct {
		path, key, name string
		api             bool
	}{
		{"/jobs/job1/result", j.ResultKey, "sample ü.annotated.vcf", false},
		{"/jobs/job1/input", j.InputKey, "sample ü.vcf", false},
		{"/api/v1/jobs/job1/result", j.ResultKey, "sample ü.annotated.vcf", true},
	} {
		var r resp
		if tc.api {
			req, _ := http.NewRequest("GET", h.srv.URL+tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := b.c.Do(req) // does not follow redirects
			r = read(t, res, err)
		} else {
			r = b.get(tc.path)
		}
		// THEN they are sent to a short-lived link for that object, saved under the user's name
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "https://gas-results.s3.example.com/"+tc.key+"?") ||
			!strings.Contains(loc, "name="+url.QueryEscape(tc.name)) {
			t.Errorf("%s: %d to %q", tc.path, r.status, loc)
		}
	}
	// AND another user gets no link, and an archived result none either
	h.user("bob@example.org", domain.RoleFree, false)
	other := h.browser()
	other.signIn("bob@example.org")
	before := len(d.gets)
	if r := other.get("/jobs/job1/result"); r.status != http.StatusNotFound {
		t.Errorf("another user: %d", r.status)
	}
	h.updateJob("job1", func(j *domain.Job) { j.ResultState = domain.ResultArchived })
	if r := b.get("/jobs/job1/result"); r.status != http.StatusConflict {
		t.Errorf("archived: %d", r.status)
	}
	if len(d.gets) != before {
		t.Errorf("links signed for refused downloads: %v", d.gets[before:])
	}
	// AND the log, small and shown in a page, still comes through the portal
	if r := h.api("GET", "/api/v1/jobs/job1/log", token, nil, ""); r.status != http.StatusOK || !strings.Contains(r.body, "log of job1") {
		t.Errorf("log: %d %s", r.status, r.body)
	}
}

func TestRequestLimitBelowCap(t *testing.T) {
	// GIVEN a direct store and a premium user whose cap is above what the portal carries itself
	h, _ := newDirectHarness(t)
	_, token := h.user("pat@example.org", domain.RolePremium, false)

	// WHEN they upload a file above the request limit through the API
	r := h.upload(token, "big.vcf", "##fileformat=VCFv4.2\n"+strings.Repeat("#", 100<<10))

	// THEN it is refused with a pointer to the portal's upload page, and nothing starts
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "Annotate page") {
		t.Errorf("%d %s", r.status, r.body)
	}
	if n := len(h.wf.started(domain.MachineAnnotation)); n != 0 {
		t.Errorf("%d executions started", n)
	}
	// AND a small one still goes through
	if r := h.upload(token, "small.vcf", "##fileformat=VCFv4.2\n"); r.status != http.StatusCreated {
		t.Errorf("small upload: %d %s", r.status, r.body)
	}
}

func TestNoDirectUploadsLocally(t *testing.T) {
	// GIVEN the embedded wiring (no direct store)
	h := newHarness(t)
	h.user("ada@example.org", domain.RoleFree, false)
	b := h.signedIn("ada@example.org")
	// THEN the annotate page posts to the portal and the success endpoint does not exist
	r := b.get("/annotate")
	if !strings.Contains(r.body, `action="/annotate"`) || strings.Contains(r.body, "data-direct") {
		t.Errorf("local annotate page: %s", r.body)
	}
	if r := b.get("/annotate/uploaded?job=x&key=y"); r.status != http.StatusNotFound {
		t.Errorf("success endpoint locally: %d", r.status)
	}
}

// startedCopies is a service.Copier that records the copies it is asked to
// start and makes none (a download Lambda still running).
type startedCopies struct {
	mu  sync.Mutex
	got []domain.DownloadRequest
}

func (c *startedCopies) MakeDownload(_ context.Context, req domain.DownloadRequest, wait bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, req)
	if wait {
		return errors.New("a waited copy in a test of background copies")
	}
	return nil
}

func TestLargeDownloadPreparing(t *testing.T) {
	// GIVEN a direct store with a copier, results larger than a request waits for, and a completed job with a BGZF result
	d, copies := &fakeDirect{}, &startedCopies{}
	h := newHarnessPorts(t, func(p *service.Ports, c *service.Config) { p.Direct, p.Copier, c.WaitCopyBytes = d, copies, 1 }, nil)
	ada, token := h.user("ada@example.org", domain.RoleFree, false)
	h.completedJobAt(ada, "job1", time.Now().Add(-time.Minute))
	key := "results/" + ada.ID + "/job1/annotated.vcf.gz"
	h.blobs.Put(context.Background(), key, bytes.NewReader(vcftest.BGZF(t, "##fileformat=VCFv4.2\n")))
	h.updateJob("job1", func(j *domain.Job) { j.ResultKey = key })
	b := h.browser()
	b.signIn("ada@example.org")

	// WHEN the owner asks the API for the plain VCF
	r := h.api("GET", "/api/v1/jobs/job1/result?format=vcf", token, nil, "")
	// THEN the answer is 202 with Retry-After and a message, and one background copy started
	var doc struct {
		Status     int    `json:"status"`
		Preparing  bool   `json:"preparing"`
		Message    string `json:"message"`
		RetryAfter int    `json:"retry_after_seconds"`
	}
	r.json(t, &doc)
	if r.status != http.StatusAccepted || r.header.Get("Retry-After") != "10" || !doc.Preparing || doc.RetryAfter != 10 ||
		!strings.Contains(doc.Message, "Preparing your download") || !strings.Contains(doc.Message, "sample ü.annotated.vcf") {
		t.Errorf("API: %d Retry-After %q %+v", r.status, r.header.Get("Retry-After"), doc)
	}
	// AND the portal's page says so and reloads itself, without starting another copy
	p := b.get("/jobs/job1/result")
	if p.status != http.StatusAccepted || p.header.Get("Refresh") != "10" || p.header.Get("Retry-After") != "10" ||
		!strings.Contains(p.body, `id="preparing"`) || !strings.Contains(p.body, "Preparing your download") ||
		!strings.Contains(p.body, `href="/jobs/job1/result"`) {
		t.Errorf("portal: %d Refresh %q\n%s", p.status, p.header.Get("Refresh"), p.body)
	}
	if len(copies.got) != 1 || copies.got[0] != (domain.DownloadRequest{JobID: "job1", Format: "vcf", Background: true}) {
		t.Errorf("copies started: %+v", copies.got)
	}
	// AND once the copy is stored, the same request is a link to it
	h.blobs.Put(context.Background(), domain.DownloadKey(key, "vcf"), strings.NewReader("##fileformat=VCFv4.2\n"))
	if p := b.get("/jobs/job1/result"); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.header.Get("Location"), "https://gas-results.s3.example.com/"+domain.DownloadKey(key, "vcf")+"?") {
		t.Errorf("after the copy: %d %q", p.status, p.header.Get("Location"))
	}
	// AND the OpenAPI document says so
	var api struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	h.api("GET", "/api/v1/openapi.json", "", nil, "").json(t, &api)
	var op struct {
		Responses map[string]struct {
			Headers map[string]any `json:"headers"`
			Content map[string]struct {
				Schema struct {
					Properties map[string]any `json:"properties"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(api.Paths["/api/v1/jobs/{id}/result"]["get"], &op); err != nil {
		t.Fatal(err)
	}
	res := op.Responses
	accepted := res["202"]
	if accepted.Headers["Retry-After"] == nil || accepted.Content["application/json"].Schema.Properties["retry_after_seconds"] == nil ||
		accepted.Content["application/json"].Schema.Properties["message"] == nil {
		t.Errorf("openapi.json: the result's 202 is not documented: %+v", accepted)
	}
	if _, ok := res["303"]; !ok {
		t.Error("openapi.json: the result's 303 is not documented")
	}
	// AND the stored form is linked at once, whatever its size
	if p := b.get("/jobs/job1/result?format=vcf.gz"); p.status != http.StatusSeeOther || len(copies.got) != 1 {
		t.Errorf("vcf.gz: %d, %d copies", p.status, len(copies.got))
	}
}

// TestDirectUploadRunOptions: the options the page adds to the success URL
// start the job, distance 0 (no up/downstream window) kept as 0.
func TestDirectUploadRunOptions(t *testing.T) {
	h, _ := newDirectHarness(t)
	ada, _ := h.user("ada@example.org", domain.RoleFree, false)
	key := "inputs/" + ada.ID + "/job1/calls.vcf"
	h.blobs.Put(context.Background(), key, strings.NewReader(tinyVCF))
	b := h.signedIn("ada@example.org")
	if r := b.get("/annotate/uploaded?job=job1&key=" + url.QueryEscape(key) + "&transcripts=pick&distance=0"); r.status != http.StatusSeeOther {
		t.Fatalf("%d %s", r.status, r.body)
	}
	j, err := h.db.Jobs().Get(context.Background(), "job1")
	if err != nil || j.Options.String() != "transcripts=pick distance=0" || j.Options.Distance == nil {
		t.Fatalf("job options %s (%v), want pick and 0", j.Options, err)
	}
	// An option given twice is refused, not decided by its last value.
	h.blobs.Put(context.Background(), "inputs/"+ada.ID+"/job2/calls.vcf", strings.NewReader(tinyVCF))
	r := b.get("/annotate/uploaded?job=job2&key=" + url.QueryEscape("inputs/"+ada.ID+"/job2/calls.vcf") + "&distance=0&distance=5")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "more than once") {
		t.Fatalf("distance twice: %d", r.status)
	}
	if _, err := h.db.Jobs().Get(context.Background(), "job2"); err == nil {
		t.Fatal("a job started with distance given twice")
	}
}
