package webui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/testshared"
)

const tinyVCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\t.\t.\n"

type jobBody struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	InputName   string            `json:"input_name"`
	InputSize   int64             `json:"input_size"`
	ResultState string            `json:"result_state"`
	ArchiveAt   time.Time         `json:"archive_at"`
	Summary     map[string]any    `json:"summary"`
	Error       string            `json:"error"`
	Links       map[string]string `json:"links"`
	InputKey    string            `json:"input_key"` // must never appear
}

type errBody struct {
	Error      string `json:"error"`
	Status     int    `json:"status"`
	Upgrade    string `json:"upgrade"`
	LimitBytes int64  `json:"limit_bytes"`
}

func TestAPISubmit(t *testing.T) {
	h := newHarness(t)
	_, free := h.user("free@example.org", domain.RoleFree, false)
	_, premium := h.user("premium@example.org", domain.RolePremium, false)
	_, auditor := h.user("audit@example.org", domain.RoleFree, true)
	big := testshared.Read(t, "vcf", "premium_1.vcf") // 175,701 bytes: over the free cap

	for _, tc := range []struct {
		name, token, file, content string
		status                     int
		wantName                   string
		upgradeHint                bool
	}{
		{"plain", free, "test.vcf", tinyVCF, 201, "test.vcf", false},
		{"dots in name", free, "a.b.c.vcf", tinyVCF, 201, "a.b.c.vcf", false},
		{"unicode name", free, "Probe ü 東京.vcf", tinyVCF, 201, "Probe ü 東京.vcf", false},
		{"traversal", free, "../x.vcf", tinyVCF, 201, "x.vcf", false},
		{"windows path", free, `C:\data\y.vcf`, tinyVCF, 201, "y.vcf", false},
		{"quote in name", free, `q"uote.vcf`, tinyVCF, 201, "q_uote.vcf", false},
		{"bidi override in name", free, "calls\u202Efcv.exe", tinyVCF, 201, "calls_fcv.exe", false},
		{"UTF-8 BOM", free, "bom.vcf", "\xef\xbb\xbf" + tinyVCF, 201, "bom.vcf", false},
		{"#CHROM first, as the engine reads", free, "bare.vcf", tinyVCF[strings.Index(tinyVCF, "#CHROM"):], 201, "bare.vcf", false},
		{"not a VCF", free, "notes.txt", "hello world\n", 400, "", false},
		{"empty", free, "empty.vcf", "", 400, "", false},
		{"free over cap", free, "premium_1.vcf", string(big), 413, "", true},
		{"premium may", premium, "premium_1.vcf", string(big), 201, "premium_1.vcf", false},
		{"auditor read-only", auditor, "test.vcf", tinyVCF, 403, "", false},
		{"no token", "", "test.vcf", tinyVCF, 401, "", false},
		{"bad token", "gas_nope", "test.vcf", tinyVCF, 401, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.upload(tc.token, tc.file, tc.content)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if tc.status != 201 {
				var e errBody
				r.json(t, &e)
				if e.Error == "" || e.Status != tc.status {
					t.Errorf("error body %+v", e)
				}
				if tc.upgradeHint != (e.Upgrade != "") || (tc.upgradeHint && e.LimitBytes != freeCap) {
					t.Errorf("upgrade hint %+v, want one: %v", e, tc.upgradeHint)
				}
				return
			}
			var j jobBody
			r.json(t, &j)
			if j.ID == "" || j.Status != "PENDING" || j.InputName != tc.wantName || j.InputSize != int64(len(tc.content)) || j.InputKey != "" {
				t.Errorf("job %+v; want name %q, size %d, no key", j, tc.wantName, len(tc.content))
			}
			if r.header.Get("Location") != "/api/v1/jobs/"+j.ID {
				t.Errorf("Location %q", r.header.Get("Location"))
			}
			// Finished, so the user's concurrent-jobs limit leaves room for the next case.
			defer h.updateJob(j.ID, func(j *domain.Job) { j.Status = domain.StatusCompleted })
			// The input downloads back byte for byte, under the clean name.
			in := h.api("GET", "/api/v1/jobs/"+j.ID+"/input", tc.token, nil, "")
			if in.status != 200 || in.body != tc.content {
				t.Errorf("input: %d, %d bytes", in.status, len(in.body))
			}
			if cd := in.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || strings.Contains(cd, "..") {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	}
	if n := len(h.wf.started(domain.MachineAnnotation)); n != 10 {
		t.Errorf("%d annotation executions started, want 10 (one per accepted upload)", n)
	}
}

func TestAPISubmitRefusedByLengthBeforeReading(t *testing.T) {
	h := newHarness(t)
	_, free := h.user("free@example.org", domain.RoleFree, false)
	// A body the server's hard limit refuses even for premium users.
	r := h.upload(free, "huge.vcf", "##fileformat=VCFv4.2\n"+strings.Repeat("x", 2<<20))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	r = h.api("POST", "/api/v1/jobs", free, strings.NewReader("file=x"), "application/x-www-form-urlencoded")
	if r.status != 400 {
		t.Errorf("urlencoded upload: %d %s", r.status, r.body)
	}
}

func TestAPIJobLifecycle(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	j := h.completedJobAt(owner, "job1", time.Now().UTC().Add(-time.Minute))

	r := h.api("GET", "/api/v1/jobs/job1", tok, nil, "")
	var got jobBody
	r.json(t, &got)
	if r.status != 200 || got.Status != "COMPLETED" || got.ResultState != "AVAILABLE" || got.Summary["records"] != 3.0 {
		t.Fatalf("job: %d %+v", r.status, got)
	}
	if want := j.CompletedAt.Add(180 * time.Second); !got.ArchiveAt.Equal(want) {
		t.Errorf("archive_at %v, want %v (free user)", got.ArchiveAt, want)
	}
	if r := h.api("GET", "/api/v1/jobs/job1/result", tok, nil, ""); r.status != 200 || !strings.Contains(r.body, "CSQ") ||
		!strings.Contains(r.header.Get("Content-Disposition"), "annotated.vcf") {
		t.Errorf("result: %d %q %q", r.status, r.body, r.header.Get("Content-Disposition"))
	}
	if r := h.api("GET", "/api/v1/jobs/job1/log", tok, nil, ""); r.status != 200 || r.body != "log of job1\n" {
		t.Errorf("log: %d %q", r.status, r.body)
	}
	var hist struct {
		Execution *domain.Execution     `json:"execution"`
		Events    []domain.HistoryEvent `json:"events"`
	}
	r = h.api("GET", "/api/v1/jobs/job1/history", tok, nil, "")
	r.json(t, &hist)
	if r.status != 200 || hist.Execution == nil || hist.Execution.Status != domain.ExecSucceeded || len(hist.Events) != 3 {
		t.Errorf("history: %d %+v", r.status, hist)
	}

	// Archived: 409 with a JSON error; RESTORING likewise.
	h.updateJob("job1", func(j *domain.Job) { j.ResultState = domain.ResultArchived; j.ArchivedAt = time.Now() })
	for _, state := range []domain.ResultState{domain.ResultArchived, domain.ResultRestoring} {
		h.updateJob("job1", func(j *domain.Job) { j.ResultState = state })
		r := h.api("GET", "/api/v1/jobs/job1/result", tok, nil, "")
		var e errBody
		r.json(t, &e)
		if r.status != http.StatusConflict || e.Error == "" {
			t.Errorf("%s result: %d %s", state, r.status, r.body)
		}
		r = h.api("GET", "/api/v1/jobs/job1", tok, nil, "")
		got = jobBody{}
		r.json(t, &got)
		if got.ResultState != string(state) || !got.ArchiveAt.IsZero() {
			t.Errorf("%s: job %+v", state, got)
		}
	}

	// A running job has no result yet: 409.
	h.updateJob("job1", func(j *domain.Job) { j.Status = domain.StatusRunning; j.ResultState = "" })
	if r := h.api("GET", "/api/v1/jobs/job1/result", tok, nil, ""); r.status != http.StatusConflict {
		t.Errorf("running result: %d", r.status)
	}
	// A failed job reports its reason.
	h.updateJob("job1", func(j *domain.Job) { j.Status = domain.StatusFailed; j.Error = "line 7: POS is not a number" })
	r = h.api("GET", "/api/v1/jobs/job1", tok, nil, "")
	r.json(t, &got)
	if got.Status != "FAILED" || got.Error != "line 7: POS is not a number" {
		t.Errorf("failed job: %+v", got)
	}
}

func TestAPIList(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	other, otherTok := h.user("other@example.org", domain.RoleFree, false)
	base := time.Now().UTC().Add(-time.Hour)
	for i := range 25 {
		h.completedJobAt(owner, "j"+string(rune('a'+i)), base.Add(time.Duration(i)*time.Second))
	}
	h.completedJobAt(other, "theirs", base)

	var page struct {
		Jobs []jobBody `json:"jobs"`
		Next string    `json:"next"`
	}
	r := h.api("GET", "/api/v1/jobs?limit=20", tok, nil, "")
	r.json(t, &page)
	if r.status != 200 || len(page.Jobs) != 20 || page.Next == "" || page.Jobs[0].ID != "jy" {
		t.Fatalf("page 1: %d, %d jobs, next %q, first %v", r.status, len(page.Jobs), page.Next, page.Jobs)
	}
	r = h.api("GET", "/api/v1/jobs?limit=20&cursor="+page.Next, tok, nil, "")
	page.Next = ""
	r.json(t, &page)
	if len(page.Jobs) != 5 || page.Next != "" || page.Jobs[4].ID != "ja" {
		t.Errorf("page 2: %d jobs, next %q", len(page.Jobs), page.Next)
	}
	r = h.api("GET", "/api/v1/jobs", otherTok, nil, "")
	r.json(t, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].ID != "theirs" {
		t.Errorf("other's list: %+v", page.Jobs)
	}
	if r := h.api("GET", "/api/v1/jobs?cursor=garbage!", tok, nil, ""); r.status != 400 {
		t.Errorf("bad cursor: %d %s", r.status, r.body)
	}
	// What the call cannot honour is a 400 naming it, not the default page.
	for q, want := range map[string]string{
		"limit=abc":        `limit \"abc\" is not a whole number from 1 to 100`,
		"limit=0":          `limit \"0\" is not a whole number from 1 to 100`,
		"limit=101":        `limit \"101\" is not a whole number from 1 to 100`,
		"foo=1":            `unknown parameter \"foo\" (known: cursor, limit)`,
		"limit=5;cursor=x": `the query string has a ';'`,
	} {
		if r := h.api("GET", "/api/v1/jobs?"+q, tok, nil, ""); r.status != 400 || !strings.Contains(r.body, want) {
			t.Errorf("?%s: %d %s, want 400 with %s", q, r.status, r.body, want)
		}
	}
	r = h.api("GET", "/api/v1/jobs?limit=100", tok, nil, "")
	r.json(t, &page)
	if r.status != 200 || len(page.Jobs) != 25 {
		t.Errorf("limit=100: %d, %d jobs", r.status, len(page.Jobs))
	}
	_ = other
}

func TestAPIUpgrade(t *testing.T) {
	h := newHarness(t)
	p, tok := h.user("free@example.org", domain.RoleFree, false)
	r := h.api("POST", "/api/v1/account/upgrade", tok, nil, "")
	var acct struct {
		Role        string `json:"role"`
		UploadLimit int64  `json:"upload_limit_bytes"`
		TestMode    bool   `json:"test_mode_billing"`
	}
	r.json(t, &acct)
	if r.status != 200 || acct.Role != "premium_user" || !acct.TestMode || acct.UploadLimit != 1<<20 {
		t.Fatalf("upgrade: %d %s", r.status, r.body)
	}
	restores := h.wf.started(domain.MachineRestore)
	if len(restores) != 1 || !strings.HasPrefix(restores[0].Name, service.RestoreExecutionPrefix(p.ID)) {
		t.Errorf("restore executions %+v", restores)
	}
	// Now the big file is accepted.
	if r := h.upload(tok, "big.vcf", "##fileformat=VCFv4.2\n"+strings.Repeat("#", freeCap)); r.status != 201 {
		t.Errorf("premium upload: %d %s", r.status, r.body)
	}
	if r := h.api("GET", "/api/v1/account", tok, nil, ""); !strings.Contains(r.body, `"premium_user"`) {
		t.Errorf("account: %s", r.body)
	}
}

// TestAuthMatrix: every job route, page and API, for the owner, another
// user, an auditor, nobody and a bad token.
func TestAuthMatrix(t *testing.T) {
	h := newHarness(t)
	owner, ownerTok := h.user("owner@example.org", domain.RoleFree, false)
	_, otherTok := h.user("other@example.org", domain.RoleFree, false)
	_, auditTok := h.user("audit@example.org", domain.RoleFree, true)
	h.completedJob(owner, "job1")

	routes := []string{
		"/api/v1/jobs/job1", "/api/v1/jobs/job1/input", "/api/v1/jobs/job1/result",
		"/api/v1/jobs/job1/log", "/api/v1/jobs/job1/history",
	}
	for _, path := range routes {
		for _, c := range []struct {
			who, token string
			want       int
		}{
			{"owner", ownerTok, 200}, {"other user", otherTok, 404}, {"auditor", auditTok, 200},
			{"nobody", "", 401}, {"bad token", "gas_forged", 401},
		} {
			r := h.api("GET", path, c.token, nil, "")
			if r.status != c.want {
				t.Errorf("GET %s as %s: %d, want %d: %.200s", path, c.who, r.status, c.want, r.body)
			}
			if c.want != 200 && (!strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || strings.Contains(r.body, "job1")) {
				t.Errorf("GET %s as %s: error must be JSON and say nothing of the job: %q", path, c.who, r.body)
			}
		}
	}
	// An unknown job is the same 404 as another user's.
	if r := h.api("GET", "/api/v1/jobs/nope", otherTok, nil, ""); r.status != 404 {
		t.Errorf("unknown job: %d", r.status)
	}
	// Auditors are read-only.
	if r := h.api("POST", "/api/v1/account/upgrade", auditTok, nil, ""); r.status != 403 {
		t.Errorf("auditor upgrade: %d", r.status)
	}
	// The page routes, with browser sessions.
	pages := []string{"/jobs/job1", "/jobs/job1/submitted", "/jobs/job1/input", "/jobs/job1/result", "/jobs/job1/log", "/jobs/job1/history"}
	sessions := map[string]*browser{}
	for _, who := range []string{"owner", "other", "audit"} {
		b := h.signedIn(who + "@example.org")
		sessions[who] = b
	}
	sessions["nobody"] = h.browser()
	for _, path := range pages {
		for who, want := range map[string]int{"owner": 200, "other": 404, "audit": 200, "nobody": 303} {
			r := sessions[who].get(path)
			if r.status != want {
				t.Errorf("GET %s as %s: %d, want %d", path, who, r.status, want)
			}
			if who == "nobody" && !strings.HasPrefix(r.header.Get("Location"), "/signin?next=") {
				t.Errorf("GET %s signed out: Location %q", path, r.header.Get("Location"))
			}
			if who == "other" && (strings.Contains(r.body, "sample ü") || strings.Contains(r.body, "log of job1") || strings.Contains(r.body, "ID=CSQ")) {
				t.Errorf("GET %s as other user leaks job data", path)
			}
		}
	}
	// The browser session also reads the API (for live updates), but does not write without the CSRF header.
	if r := sessions["owner"].get("/api/v1/jobs"); r.status != 200 {
		t.Errorf("session GET /api/v1/jobs: %d", r.status)
	}
	res, err := sessions["owner"].c.Post(h.srv.URL+"/api/v1/account/upgrade", "", nil)
	if r := read(t, res, err); r.status != 403 {
		t.Errorf("session POST without CSRF header: %d", r.status)
	}
	_ = context.Background()
}
