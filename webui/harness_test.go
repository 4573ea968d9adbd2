package webui_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/fsblob"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sqlite"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/webui"
)

// harness is the portal on the embedded adapters (SQLite, directory blobs)
// with a hand-written workflow fake, served by httptest.
type harness struct {
	t     testing.TB
	db    *sqlite.DB
	blobs *fsblob.Store
	audit *fsblob.Store // the write-once archive of execution histories
	wf    *fakeWorkflow
	auth  *auth.Service
	mail  *memstore.Mailer // sign-up and reset emails
	key   []byte
	srv   *httptest.Server
	now   time.Time
}

const freeCap = 150_000

// quiet keeps the services' info logs out of test output.
var quiet = slog.New(slog.DiscardHandler)

func newHarness(t testing.TB) *harness { return newHarnessWith(t, nil) }

// newHarnessWith lets edit change the portal's Config before it is built.
func newHarnessWith(t testing.TB, edit func(*webui.Config)) *harness {
	t.Helper()
	return newHarnessDirect(t, nil, edit)
}

// newHarnessDirect is newHarnessWith with the service signing direct
// transfers with direct (nil: none).
func newHarnessDirect(t testing.TB, direct domain.DirectTransfers, edit func(*webui.Config)) *harness {
	t.Helper()
	return newHarnessPorts(t, func(p *service.Ports, _ *service.Config) { p.Direct = direct }, edit)
}

// newHarnessPorts is newHarnessWith with ports also changing the service's
// ports and settings before it is built.
func newHarnessPorts(t testing.TB, ports func(*service.Ports, *service.Config), edit func(*webui.Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "gas.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := fsblob.Open(filepath.Join(dir, "blobs"), fsblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	archive, err := fsblob.Open(filepath.Join(dir, "audit"), fsblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, blobs: blobs, audit: archive, wf: newFakeWorkflow(), mail: &memstore.Mailer{}, key: bytes.Repeat([]byte("secret-key!"), 4), now: time.Now().UTC()}
	h.auth, err = auth.New(db.Profiles(), db.Auth(), auth.Config{
		Key: h.key, Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, SignInLimit: 5,
		Mailer: h.mail, BaseURL: mailBase,
	})
	if err != nil {
		t.Fatal(err)
	}
	sp := service.Ports{Jobs: db.Jobs(), Profiles: db.Profiles(), Blobs: blobs, Workflow: h.wf, Archive: archive}
	sc := service.Config{FreeCap: freeCap, UploadLimit: 1 << 20, Logger: quiet}
	if ports != nil {
		ports(&sp, &sc)
	}
	svc := service.New(sp, sc)
	cfg := webui.Config{Service: svc, Auth: h.auth}
	if edit != nil {
		edit(&cfg)
	}
	portal, err := webui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(portal)
	t.Cleanup(h.srv.Close)
	return h
}

// newAppHarness is the portal on the real local service (app.Open with cfg,
// its DataDir, SharedDir and Logger filled in): SQLite, blobs, the ASL
// runner and the annotation engine. Only the harness's HTTP helpers, user
// and mail are for use with it.
func newAppHarness(t testing.TB, cfg app.Config) (*harness, *app.App) {
	t.Helper()
	cfg.DataDir, cfg.SharedDir, cfg.Logger = t.TempDir(), testshared.Dir(t), quiet
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	h := &harness{t: t, mail: &memstore.Mailer{}, key: []byte(rand.Text() + rand.Text())}
	h.auth, err = auth.New(a.Profiles, a.DB.Auth(), auth.Config{Key: h.key, Mailer: h.mail, BaseURL: mailBase})
	if err != nil {
		t.Fatal(err)
	}
	portal, err := webui.New(webui.Config{Service: a.Service, Auth: h.auth, RequestLimit: 100_000_000})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(portal)
	t.Cleanup(h.srv.Close)
	return h, a
}

// mailBase starts the links in the harness's emails.
const mailBase = "http://portal.test"

var mailLink = regexp.MustCompile(regexp.QuoteMeta(mailBase) + `(/\S+)`)

// lastLink is the path and query of the link in the last email to addr
// ("" when there is none).
func lastLink(mail *memstore.Mailer, addr string) string {
	sent := mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == addr {
			if m := mailLink.FindStringSubmatch(sent[i].Text); m != nil {
				return m[1]
			}
			return ""
		}
	}
	return ""
}

// user makes an account with a password ("password1") and an API token.
func (h *harness) user(email string, role domain.Role, auditor bool) (domain.Profile, string) {
	h.t.Helper()
	ctx := context.Background()
	p, err := h.auth.UpsertUser(ctx, auth.UpsertUser{Email: email, Name: strings.Split(email, "@")[0], Role: role, Auditor: auditor})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.auth.SetPassword(ctx, p.ID, "password1"); err != nil {
		h.t.Fatal(err)
	}
	tok, _, err := h.auth.CreateToken(ctx, p.ID, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return p, tok
}

// completedJob stores a finished job of owner, submitted now, with input,
// result, log and summary.
func (h *harness) completedJob(owner domain.Profile, id string) domain.Job {
	h.t.Helper()
	return h.completedJobAt(owner, id, time.Now().UTC())
}

// completedJobAt is completedJob submitted at submitted.
func (h *harness) completedJobAt(owner domain.Profile, id string, submitted time.Time) domain.Job {
	h.t.Helper()
	ctx := context.Background()
	j := domain.Job{
		ID: id, UserID: owner.ID, InputName: "sample ü.vcf", InputKey: "inputs/" + owner.ID + "/" + id + "/sample.vcf",
		InputSize: 30, SubmittedAt: submitted, StartedAt: submitted.Add(time.Second), CompletedAt: submitted.Add(2 * time.Second),
		Status: domain.StatusCompleted, ResultKey: "results/" + owner.ID + "/" + id + "/annotated.vcf",
		LogKey: "results/" + owner.ID + "/" + id + "/annotate.log", ResultState: domain.ResultAvailable,
		Summary: json.RawMessage(`{"reference":"GRCh38 (bundle format 1, /srv/ref)","records":3,"alleles":3,"annotated_alleles":2,
			"known_hits":1,"known_percent":50,"not_covered":1,"most_severe_consequence":{"missense_variant":1,"synonymous_variant":1},
			"impact":{"MODERATE":1,"LOW":1},"chromosomes":[{"name":"MT","records":2,"covered":true},{"name":"chrY","records":1,"covered":false}],
			"transitions":2,"transversions":1,"ts_tv":2,"ref_checked":2,"ref_mismatch":1,
			"provenance":{"gas_version":"v1.0","bundle_id":"GRCh38-0123456789ab","sources":[{"kind":"known","file":"dbsnp149.chr21.vcf.gz","sha256":"00","release":"dbSNP 149"}]},
			"warnings":[{"code":"other_assembly","message":"more than 5% of the checked records mismatch the reference: the file is probably on another assembly than GRCh38"}]}`),
	}
	for key, body := range map[string]string{j.InputKey: "##fileformat=VCFv4.2\ninput\n", j.ResultKey: "##fileformat=VCFv4.2\n##INFO=<ID=CSQ>\nresult\n", j.LogKey: "log of " + id + "\n"} {
		if err := h.blobs.Put(ctx, key, strings.NewReader(body)); err != nil {
			h.t.Fatal(err)
		}
	}
	ex, err := h.wf.Start(ctx, domain.MachineAnnotation, id, json.RawMessage(`{"job_id":"`+id+`"}`))
	if err != nil {
		h.t.Fatal(err)
	}
	h.wf.finish(ex, domain.ExecSucceeded)
	j.ExecutionID = ex
	if err := h.db.Jobs().Create(ctx, j); err != nil {
		h.t.Fatal(err)
	}
	return j
}

func (h *harness) updateJob(id string, fn func(*domain.Job)) {
	h.t.Helper()
	if _, err := h.db.Jobs().Update(context.Background(), id, func(j *domain.Job) error { fn(j); return nil }); err != nil {
		h.t.Fatal(err)
	}
}

// resp is a response read whole.
type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func read(t testing.TB, res *http.Response, err error) resp {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, string(b)}
}

// api sends a request with an optional bearer token.
func (h *harness) api(method, path, token string, body io.Reader, contentType string) resp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	return read(h.t, res, err)
}

// multipartFile builds a multipart body with the file in field "file" (and extra fields first).
func multipartFile(t testing.TB, name, content string, fields ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (h *harness) upload(token, name, content string) resp {
	h.t.Helper()
	body, ct := multipartFile(h.t, name, content)
	return h.api("POST", "/api/v1/jobs", token, body, ct)
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    testing.TB
	h    *harness
	c    *http.Client
	csrf string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) resp {
	b.t.Helper()
	res, err := b.c.Get(b.h.srv.URL + path)
	r := read(b.t, res, err)
	if m := csrfField.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	return r
}

// post sends a form with the page's CSRF token (fetching a page first if needed).
func (b *browser) post(path string, form url.Values) resp {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/signin") // any page with a form carries the token
	}
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", b.csrf)
	}
	res, err := b.c.PostForm(b.h.srv.URL+path, form)
	return read(b.t, res, err)
}

// signInForm posts the sign-in form with email and password, and next
// (where to go after) when given.
func (b *browser) signInForm(email, password string, next ...string) resp {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	if len(next) > 0 {
		form["next"] = next
	}
	return b.post("/signin", form)
}

// signIn signs in as email with the harness's password (h.user).
func (b *browser) signIn(email string) {
	b.t.Helper()
	r := b.signInForm(email, "password1")
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d %s", email, r.status, r.body)
	}
}

// executionPath is the portal's page of execution id.
func executionPath(id string) string { return "/executions/" + url.PathEscape(id) }

// signedIn returns a new browser signed in as email.
func (h *harness) signedIn(email string) *browser {
	h.t.Helper()
	b := h.browser()
	b.signIn(email)
	return b
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// fakeWorkflow is an in-memory domain.Workflow: executions start RUNNING and
// stay so until the test finishes them.
type fakeWorkflow struct {
	mu     sync.Mutex
	execs  map[string]domain.Execution
	events map[string][]domain.HistoryEvent
	order  []string
	failOn string // Describe of this execution fails (a 500 for the page)
}

func newFakeWorkflow() *fakeWorkflow {
	return &fakeWorkflow{execs: map[string]domain.Execution{}, events: map[string][]domain.HistoryEvent{}}
}

func (f *fakeWorkflow) Start(_ context.Context, machine, name string, input json.RawMessage) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := "arn:local:execution:" + machine + ":" + name
	if _, ok := f.execs[id]; ok {
		return id, nil
	}
	now := time.Now().UTC()
	f.execs[id] = domain.Execution{ID: id, Name: name, StateMachine: machine, Status: domain.ExecRunning, StartedAt: now, Input: input}
	f.events[id] = []domain.HistoryEvent{
		{ID: 1, Timestamp: now, Type: "ExecutionStarted", Input: input},
		{ID: 2, PreviousEventID: 1, Timestamp: now.Add(time.Millisecond), Type: "TaskStateEntered", StateName: "Annotate", Input: input},
	}
	f.order = append(f.order, id)
	return id, nil
}

func (f *fakeWorkflow) finish(id, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ex := f.execs[id]
	ex.Status, ex.StoppedAt = status, ex.StartedAt.Add(2*time.Second)
	if status == domain.ExecFailed {
		ex.Error, ex.Cause = "States.TaskFailed", "bad record on line 7"
	}
	f.execs[id] = ex
	typ := "ExecutionSucceeded"
	if status != domain.ExecSucceeded {
		typ = "ExecutionFailed"
	}
	f.events[id] = append(f.events[id], domain.HistoryEvent{ID: 3, PreviousEventID: 2, Timestamp: ex.StoppedAt, Type: typ,
		Output: json.RawMessage(`{"ok":true}`), Error: ex.Error, Cause: ex.Cause})
}

// setParent names the execution whose map run started id, as Step
// Functions' DescribeExecution does for a map run's child.
func (f *fakeWorkflow) setParent(id, parent string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ex := f.execs[id]
	ex.Parent = parent
	f.execs[id] = ex
}

// forget drops an execution, as Step Functions does 90 days after it ends.
func (f *fakeWorkflow) forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.execs, id)
	delete(f.events, id)
}

// MapRunChildren lists a map run's children as the local runner does
// (audit.Executions, service.MapRunLister).
func (f *fakeWorkflow) MapRunChildren(ctx context.Context, started domain.HistoryEvent, limit int) (domain.MapRunListing, error) {
	return asl.MapRunChildren(ctx, fakeLister{f}, started, limit)
}

// fakeLister gives the fake the runner store's method name.
type fakeLister struct{ f *fakeWorkflow }

func (l fakeLister) ListExecutions(ctx context.Context, flt domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	return l.f.List(ctx, flt, p)
}

// addEvents appends events to an execution's history, numbering them.
func (f *fakeWorkflow) addEvents(id string, evs ...domain.HistoryEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range evs {
		n := len(f.events[id])
		e.ID, e.PreviousEventID, e.Timestamp = int64(n+1), int64(n), f.execs[id].StartedAt.Add(time.Duration(n)*time.Millisecond)
		f.events[id] = append(f.events[id], e)
	}
}

func (f *fakeWorkflow) Describe(_ context.Context, id string) (domain.Execution, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == f.failOn {
		return domain.Execution{}, fmt.Errorf("workflow store is down")
	}
	ex, ok := f.execs[id]
	if !ok {
		return ex, fmt.Errorf("execution %s: %w", id, domain.ErrNotFound)
	}
	return ex, nil
}

func (f *fakeWorkflow) History(_ context.Context, id string) ([]domain.HistoryEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.execs[id]; !ok {
		return nil, fmt.Errorf("execution %s: %w", id, domain.ErrNotFound)
	}
	return slices.Clone(f.events[id]), nil
}

func (f *fakeWorkflow) List(_ context.Context, flt domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("cursor: %w", domain.ErrInvalid)
		}
		start = n
	}
	if p.Limit <= 0 {
		p.Limit = 100
	}
	var out []domain.Execution
	for i := len(f.order) - 1 - start; i >= 0; i-- { // newest first
		start++
		ex := f.execs[f.order[i]]
		if (flt.StateMachine != "" && ex.StateMachine != flt.StateMachine) || (flt.Status != "" && ex.Status != flt.Status) ||
			!strings.HasPrefix(ex.Name, flt.NamePrefix) || (!flt.Since.IsZero() && ex.StartedAt.Before(flt.Since)) ||
			(!flt.Until.IsZero() && ex.StartedAt.After(flt.Until)) {
			continue
		}
		out = append(out, ex)
		if len(out) == p.Limit {
			if i > 0 {
				return out, strconv.Itoa(start), nil
			}
			break
		}
	}
	return out, "", nil
}

func (f *fakeWorkflow) started(machine string) []domain.Execution {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Execution
	for _, id := range f.order {
		if f.execs[id].StateMachine == machine {
			out = append(out, f.execs[id])
		}
	}
	return out
}
