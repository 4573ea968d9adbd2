package webui_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestRunOptionsOnSubmit(t *testing.T) {
	h := newHarness(t)
	_, tok := h.user("owner@example.org", domain.RoleFree, false)
	send := func(fields ...string) resp {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i := 0; i < len(fields); i += 2 {
			mw.WriteField(fields[i], fields[i+1])
		}
		fw, _ := mw.CreateFormFile("file", "a.vcf")
		fw.Write([]byte("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"))
		mw.Close()
		return h.api("POST", "/api/v1/jobs", tok, &buf, mw.FormDataContentType())
	}
	r := send("transcripts", "pick", "distance", "2000")
	if r.status != 201 || !strings.Contains(r.body, `"options":{"transcripts":"pick","distance":2000}`) {
		t.Fatalf("submit with options: %d %s", r.status, r.body)
	}
	if r := send(); r.status != 201 || !strings.Contains(r.body, `"options":{"transcripts":"all","distance":5000}`) {
		t.Fatalf("defaults: %d %s", r.status, r.body)
	}
	for _, bad := range [][]string{{"transcripts", "best"}, {"distance", "far"}, {"distance", "-1"}} {
		if r := send(bad...); r.status != 400 || !strings.Contains(r.body, bad[0]) {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
}

// TestDistanceZeroIsKept: distance 0 (no up/downstream window) reaches the
// job as 0 from every entry point, not as the default 5000.
func TestDistanceZeroIsKept(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	b := h.signedIn("owner@example.org")
	b.get("/annotate")
	idOf := func(r resp) string { // the new job, from the API's JSON or the portal's redirect
		if loc := r.header.Get("Location"); strings.HasPrefix(loc, "/jobs/") {
			return strings.TrimSuffix(strings.TrimPrefix(loc, "/jobs/"), "/submitted")
		}
		var j struct{ ID string }
		r.json(t, &j)
		return j.ID
	}
	for _, c := range []struct {
		name string
		send func() resp
	}{
		{"API submit", func() resp {
			body, ct := multipartFile(t, "a.vcf", tinyVCF, "distance", "0")
			return h.api("POST", "/api/v1/jobs", tok, body, ct)
		}},
		{"API rerun", func() resp {
			return h.api("POST", "/api/v1/jobs/job1/rerun", tok, strings.NewReader("distance=0"), "application/x-www-form-urlencoded")
		}},
		{"portal submit", func() resp {
			body, ct := multipartFile(t, "a.vcf", tinyVCF, "csrf", b.csrf, "transcripts", "all", "distance", "0")
			res, err := b.c.Post(h.srv.URL+"/annotate", ct, body)
			return read(t, res, err)
		}},
		{"portal rerun", func() resp { return b.post("/jobs/job1/rerun", url.Values{"transcripts": {"all"}, "distance": {"0"}}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.send()
			if r.status != 201 && r.status != 303 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			id := idOf(r)
			j, err := h.db.Jobs().Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			h.updateJob(id, func(j *domain.Job) { j.Status = domain.StatusCompleted }) // room under the concurrent-jobs limit
			if j.Options.Distance == nil || *j.Options.Distance != 0 {
				t.Fatalf("job options %s, want distance 0", j.Options)
			}
			if a := h.api("GET", "/api/v1/jobs/"+id, tok, nil, ""); !strings.Contains(a.body, `"options":{"transcripts":"all","distance":0}`) {
				t.Errorf("API job: %s", a.body)
			}
			p := b.get("/jobs/" + id)
			if !strings.Contains(p.body, "transcripts=all distance=0") || !strings.Contains(p.body, `name="distance" value="0"`) {
				t.Errorf("job page does not show distance 0")
			}
		})
	}
}

func TestDeleteAndRerun(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	_, other := h.user("other@example.org", domain.RoleFree, false)
	_, audit := h.user("auditor@example.org", domain.RoleFree, true)
	j, _, _ := h.compressedJob(owner, "job1")
	h.completedJob(owner, "job2")

	if r := h.api("POST", "/api/v1/jobs/job1/rerun", tok, strings.NewReader("transcripts=canonical&distance=100"), "application/x-www-form-urlencoded"); r.status != 201 ||
		!strings.Contains(r.body, `"options":{"transcripts":"canonical","distance":100}`) {
		t.Fatalf("rerun: %d %s", r.status, r.body)
	}
	if r := h.api("DELETE", "/api/v1/jobs/job1", other, nil, ""); r.status != 404 {
		t.Errorf("another user's delete: %d", r.status)
	}
	if r := h.api("DELETE", "/api/v1/jobs/job1", audit, nil, ""); r.status != 403 {
		t.Errorf("auditor's delete: %d", r.status)
	}
	if r := h.api("DELETE", "/api/v1/jobs/job1", tok, nil, ""); r.status != 200 || !strings.Contains(r.body, `"deleted":true`) {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	for _, k := range append([]string{j.InputKey, j.LogKey}, domain.ResultFiles(j.ResultKey)...) {
		if _, err := h.blobs.Head(t.Context(), k); err == nil {
			t.Errorf("%s still stored", k)
		}
	}
	for _, p := range []string{"/api/v1/jobs/job1", "/api/v1/jobs/job1/result", "/api/v1/jobs/job1/variants"} {
		if r := h.api("GET", p, tok, nil, ""); r.status != 404 {
			t.Errorf("%s after delete: %d", p, r.status)
		}
	}
	// The auditor still reads the job: deleted, by whom, and no links to the files that are gone.
	r := h.api("GET", "/api/v1/jobs/job1", audit, nil, "")
	if r.status != 200 || !strings.Contains(r.body, `"result_state":"DELETED"`) || !strings.Contains(r.body, `"deleted_at":"`) ||
		!strings.Contains(r.body, `"deleted_by":"`+owner.ID+`"`) {
		t.Errorf("auditor's record: %d %s", r.status, r.body)
	}
	for _, gone := range []string{"/input", "/result", "/log", "archive_at"} {
		if strings.Contains(r.body, gone) {
			t.Errorf("auditor's record of a deleted job has %s: %s", gone, r.body)
		}
	}
	if r := h.api("GET", "/api/v1/jobs/job1/input", audit, nil, ""); r.status != 404 || !strings.Contains(r.body, "was deleted") {
		t.Errorf("auditor reading the deleted input: %d %s", r.status, r.body)
	}
	p := h.signedIn("auditor@example.org").get("/jobs/job1")
	if p.status != 200 || !strings.Contains(p.body, "Deleted by owner@example.org at") || strings.Contains(p.body, owner.ID+" at") {
		t.Errorf("auditor's page of the deleted job: %d, no deleter's email:\n%s", p.status, p.body)
	}
	for _, gone := range []string{`id="input-link"`, `id="result-link"`, "result?format=", `id="variants-link"`, `id="log-link"`, `id="countdown"`} {
		if strings.Contains(p.body, gone) {
			t.Errorf("auditor's page of the deleted job has %s", gone)
		}
	}

	// The portal: a confirmation page, then the form.
	b := h.signedIn("owner@example.org")
	if p := b.get("/jobs/job2"); !strings.Contains(p.body, `href="/jobs/job2/delete"`) || !strings.Contains(p.body, `id="rerun"`) {
		t.Fatal("job page lacks Delete and Re-run")
	}
	if p := b.get("/jobs/job2/delete"); p.status != 200 || !strings.Contains(p.body, "cannot be undone") {
		t.Fatalf("confirmation: %d", p.status)
	}
	if p := b.post("/jobs/job2/delete", nil); p.status != 303 || !strings.Contains(p.header.Get("Location"), "flash=deleted") {
		t.Fatalf("delete form: %d %s", p.status, p.header.Get("Location"))
	}
	if p := b.get("/jobs/job2"); p.status != 404 {
		t.Errorf("deleted job page: %d", p.status)
	}
	if p := b.post("/jobs/job2/rerun", url.Values{"transcripts": {"pick"}}); p.status != 404 {
		t.Errorf("re-run of a deleted job: %d", p.status)
	}
}

func TestAuditorNavigationHasNoAnnotateOrUpgrade(t *testing.T) {
	h := newHarness(t)
	h.user("auditor@example.org", domain.RoleFree, true)
	h.user("user@example.org", domain.RoleFree, false)
	b := h.signedIn("auditor@example.org")
	nav := func(body string) string {
		_, after, _ := strings.Cut(body, "<nav>")
		n, _, _ := strings.Cut(after, "</nav>")
		return n
	}
	if p := nav(b.get("/profile").body); strings.Contains(p, `href="/annotate"`) || strings.Contains(p, `href="/subscribe"`) || !strings.Contains(p, `href="/audit"`) {
		t.Error("auditor navigation offers Annotate or Upgrade, or lacks Audit")
	}
	u := h.browser()
	u.signIn("user@example.org")
	if p := nav(u.get("/profile").body); !strings.Contains(p, `href="/annotate"`) || !strings.Contains(p, `href="/subscribe"`) {
		t.Error("a user's navigation lost Annotate or Upgrade")
	}
}

// multipartParts builds a multipart body of the parts in order, each
// {name, value}; a part named "file" is a VCF file part with that content.
func multipartParts(t *testing.T, parts ...[2]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p[0] == "file" {
			fw, err := mw.CreateFormFile("file", "a.vcf")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(fw, p[1])
			continue
		}
		mw.WriteField(p[0], p[1])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// refused checks that r is a 400 whose error holds want and that no job
// started since before of them had.
func refused(t *testing.T, h *harness, before int, r resp, want string) {
	t.Helper()
	var e errBody
	r.json(t, &e)
	if r.status != 400 || !strings.Contains(e.Error, want) {
		t.Errorf("%d %q, want 400 %q", r.status, e.Error, want)
	}
	if n := len(h.wf.started(domain.MachineAnnotation)); n != before {
		t.Errorf("%d jobs started", n-before)
	}
}

// TestSubmitRefusesFieldsItCannotHonour: a run option after the streamed
// file, an unknown field and a field given twice are 400s naming the
// field, and no job starts; in the API and on the portal's upload.
func TestSubmitRefusesFieldsItCannotHonour(t *testing.T) {
	h := newHarness(t)
	_, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.user("portal@example.org", domain.RoleFree, false)
	b := h.signedIn("portal@example.org")
	b.get("/annotate")
	file := [2]string{"file", tinyVCF}
	cases := []struct {
		name  string
		parts [][2]string
		want  string
	}{
		{"transcripts after file", [][2]string{file, {"transcripts", "canonical"}}, `field "transcripts" comes after "file": send it before the file`},
		{"distance after file", [][2]string{{"transcripts", "pick"}, file, {"distance", "0"}}, `field "distance" comes after "file"`},
		{"unknown after file", [][2]string{file, {"transcript", "pick"}}, `unknown field "transcript"`},
		{"second file", [][2]string{file, file}, `field "file" is given more than once`},
		{"misspelled", [][2]string{{"transcript", "pick"}, file}, `unknown field "transcript"`},
		{"repeated", [][2]string{{"transcripts", "pick"}, {"transcripts", "all"}, file}, `field "transcripts" is given more than once`},
	}
	for _, c := range cases {
		t.Run("API "+c.name, func(t *testing.T) {
			before := len(h.wf.started(domain.MachineAnnotation))
			body, ct := multipartParts(t, c.parts...)
			refused(t, h, before, h.api("POST", "/api/v1/jobs", tok, body, ct), c.want)
		})
		t.Run("portal "+c.name, func(t *testing.T) {
			before := len(h.wf.started(domain.MachineAnnotation))
			body, ct := multipartParts(t, append([][2]string{{"csrf", b.csrf}}, c.parts...)...)
			req, _ := http.NewRequest("POST", h.srv.URL+"/annotate", body)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-Requested-With", "XMLHttpRequest")
			req.Header.Set("X-CSRF-Token", b.csrf)
			res, err := b.c.Do(req)
			refused(t, h, before, read(t, res, err), c.want)
		})
	}
	// The plain form (no JavaScript) gets the message on an error page.
	body, ct := multipartParts(t, [2]string{"csrf", b.csrf}, file, [2]string{"transcripts", "canonical"})
	res, err := b.c.Post(h.srv.URL+"/annotate", ct, body)
	if r := read(t, res, err); r.status != 400 || !strings.Contains(r.body, "comes after") {
		t.Errorf("plain form, option after the file: %d", r.status)
	}
	// What the portal's forms send is still accepted: csrf, the options, then the file.
	body, ct = multipartParts(t, [2]string{"csrf", b.csrf}, [2]string{"transcripts", "canonical"}, [2]string{"distance", "10"}, file)
	res, err = b.c.Post(h.srv.URL+"/annotate", ct, body)
	if r := read(t, res, err); r.status != 303 {
		t.Errorf("plain form: %d %s", r.status, r.body)
	}
}

// TestRerunRefusesWhatItCannotRead: a JSON body, an unknown field and a
// field given twice are 400s naming the problem; the portal's Re-run form
// (csrf, transcripts, distance) and a bare POST still work.
func TestRerunRefusesWhatItCannotRead(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	rerun := "/api/v1/jobs/job1/rerun"
	form := "application/x-www-form-urlencoded"
	multi, multiCT := multipartParts(t, [2]string{"transcripts", "pick"}, [2]string{"file", tinyVCF})
	for _, c := range []struct {
		name, path, body, ct string
		want                 string
	}{
		{"JSON body", rerun, `{"transcripts":"pick"}`, "application/json", `unsupported content type "application/json"`},
		{"misspelled", rerun, "transcript=pick", form, `unknown field "transcript"`},
		{"repeated", rerun, "transcripts=pick&transcripts=all", form, `field "transcripts" is given more than once`},
		{"body and query", rerun + "?distance=10", "distance=0", form, `field "distance" is given more than once`},
		{"unknown in query", rerun + "?transcript=pick", "", "", `unknown field "transcript"`},
		{"body without type", rerun, "transcripts=pick", "", "no Content-Type"},
		{"bad Content-Type", rerun, "transcripts=pick", "text/;;", "malformed Content-Type"},
		{"a file", rerun, "", multiCT, `unknown field "file"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(c.body)
			if c.name == "a file" {
				body = multi
			}
			r := h.api("POST", c.path, tok, body, c.ct)
			var e errBody
			r.json(t, &e)
			if r.status != 400 || !strings.Contains(e.Error, c.want) {
				t.Errorf("%d %q, want 400 %q", r.status, e.Error, c.want)
			}
		})
	}
	for _, c := range []struct{ name, query, ct, want string }{
		{"bare POST", "", "", `"options":{"transcripts":"all","distance":5000}`},
		{"multipart", "", "multipart", `"options":{"transcripts":"per_gene","distance":7}`},
		{"query", "?transcripts=canonical&distance=0", "", `"options":{"transcripts":"canonical","distance":0}`},
	} {
		t.Run("accepted "+c.name, func(t *testing.T) {
			var body io.Reader
			ct := c.ct
			if ct == "multipart" {
				body, ct = multipartParts(t, [2]string{"transcripts", "per_gene"}, [2]string{"distance", "7"})
			}
			r := h.api("POST", rerun+c.query, tok, body, ct)
			if r.status != 201 || !strings.Contains(r.body, c.want) {
				t.Fatalf("%d %s, want %s", r.status, r.body, c.want)
			}
			var j struct{ ID string }
			r.json(t, &j)
			h.updateJob(j.ID, func(j *domain.Job) { j.Status = domain.StatusCompleted })
		})
	}

	// The portal's form: its csrf field is fine, a stray field is not.
	b := h.signedIn("owner@example.org")
	if p := b.post("/jobs/job1/rerun", url.Values{"transcripts": {"pick"}, "distance": {"100"}}); p.status != 303 {
		t.Errorf("portal re-run: %d", p.status)
	}
	if p := b.post("/jobs/job1/rerun", url.Values{"transcript": {"pick"}}); p.status != 400 || !strings.Contains(p.body, "unknown field") {
		t.Errorf("portal re-run, misspelled field: %d", p.status)
	}
	if p := b.post("/jobs/job1/rerun", url.Values{"distance": {"1", "2"}}); p.status != 400 || !strings.Contains(p.body, "more than once") {
		t.Errorf("portal re-run, distance twice: %d", p.status)
	}
}
