package billing_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/billing"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/webui"
)

// The end-to-end tests run the local service (real annotation.asl.json and
// restore.asl.json on the ASL runner, SQLite, the directory blob store with
// GLACIER semantics, the annotation engine) behind the portal's HTTP API,
// with the Stripe webhook mounted beside it.

const (
	whsec       = "whsec_e2e"
	webhookPath = "/webhooks/stripe" // where webui mounts Config.Webhook
)

type e2e struct {
	t     *testing.T
	a     *app.App
	srv   *httptest.Server
	token string
	user  domain.Profile
}

func startService(t *testing.T, stripeOn bool) *e2e {
	t.Helper()
	cfg := app.Config{
		DataDir: t.TempDir(), SharedDir: testshared.Dir(t), Retention: 3 * time.Second, BaseURL: "http://gas.test",
		RestoreDelays: map[domain.RestoreTier]time.Duration{domain.TierExpedited: 500 * time.Millisecond, domain.TierStandard: time.Second},
		Logger:        slog.New(slog.DiscardHandler),
	}
	if stripeOn {
		// The webhook reads the checkout's subscription back: a hand-written
		// Stripe API that knows only sub_e2e, active, and fails every other call.
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/v1/subscriptions/sub_e2e" {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":"sub_e2e","object":"subscription","status":"active","customer":"cus_e2e"}`)
				return
			}
			http.Error(w, `{"error":{"message":"not in this test"}}`, http.StatusServiceUnavailable)
		}))
		t.Cleanup(api.Close)
		cfg.Stripe = billing.Config{SecretKey: "sk_test_e2e", WebhookSecret: whsec, PriceID: "price_e2e", APIURL: api.URL}
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if (a.Billing != nil) != stripeOn {
		t.Fatalf("app.Billing = %v with Stripe keys %v", a.Billing, stripeOn)
	}
	authSvc, err := auth.New(a.Profiles, a.DB.Auth(), auth.Config{Key: bytes.Repeat([]byte("k"), 32)})
	if err != nil {
		t.Fatal(err)
	}
	wcfg := webui.Config{Service: a.Service, Auth: authSvc, RequestLimit: 10_000_000, BaseURL: cfg.BaseURL}
	if a.Billing != nil { // as gas serve wires it
		wcfg.Checkout, wcfg.Webhook = a.Billing, a.Billing.Webhook()
	}
	portal, err := webui.New(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, a: a, srv: httptest.NewServer(portal)}
	t.Cleanup(e.srv.Close)
	if e.user, err = authSvc.UpsertUser(context.Background(), auth.UpsertUser{Email: "rosalind@example.org", Name: "Rosalind", Role: domain.RoleFree}); err != nil {
		t.Fatal(err)
	}
	if e.token, _, err = authSvc.CreateToken(context.Background(), e.user.ID, "e2e"); err != nil {
		t.Fatal(err)
	}
	return e
}

// call makes an API request and returns the status and body.
func (e *e2e) call(method, path string, body io.Reader, contentType string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

type apiJob struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	ResultState string    `json:"result_state"`
	ReadyBy     time.Time `json:"restore_ready_by"`
}

func (e *e2e) job(id string) apiJob {
	e.t.Helper()
	code, b := e.call("GET", "/api/v1/jobs/"+id, nil, "")
	var j apiJob
	if err := json.Unmarshal(b, &j); code != 200 || err != nil {
		e.t.Fatalf("GET job: %d %s %v", code, b, err)
	}
	return j
}

func (e *e2e) submit(name string) apiJob {
	e.t.Helper()
	vcf := testshared.Read(e.t, "vcf", name)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(vcf)
	mw.Close()
	code, b := e.call("POST", "/api/v1/jobs", &buf, mw.FormDataContentType())
	var j apiJob
	if err := json.Unmarshal(b, &j); code != 201 || err != nil {
		e.t.Fatalf("submit: %d %s %v", code, b, err)
	}
	return j
}

// hotResultHash waits for the job to complete and downloads its result
// before the retention time archives it.
func (e *e2e) hotResultHash(id string) [32]byte {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for e.job(id).Status != string(domain.StatusCompleted) {
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s not completed after a minute", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, b := e.call("GET", "/api/v1/jobs/"+id+"/result", nil, "")
	if code != 200 || !bytes.HasPrefix(b, []byte("##fileformat=VCF")) {
		e.t.Fatalf("download before archiving: %d %.80s", code, b)
	}
	return sha256.Sum256(b)
}

func (e *e2e) wait(execID string) domain.Execution {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ex, err := e.a.Runner.Wait(ctx, execID)
	if err != nil {
		e.t.Fatalf("wait for %s: %v", execID, err)
	}
	return ex
}

// archived submits a VCF, keeps the hash of its hot result and waits until
// the annotation workflow has archived it.
func (e *e2e) archived(name string) (string, [32]byte) {
	e.t.Helper()
	j := e.submit(name)
	sum := e.hotResultHash(j.ID)
	if ex := e.wait(asl.ExecutionID(domain.MachineAnnotation, j.ID)); ex.Status != domain.ExecSucceeded {
		e.t.Fatalf("annotation %s: %s %s", j.ID, ex.Status, ex.Cause)
	}
	if got := e.job(j.ID); got.ResultState != string(domain.ResultArchived) {
		e.t.Fatalf("free user's job is %s after the retention, want ARCHIVED", got.ResultState)
	}
	if code, _ := e.call("GET", "/api/v1/jobs/"+j.ID+"/result", nil, ""); code != http.StatusConflict {
		e.t.Fatalf("archived result download: %d, want 409", code)
	}
	return j.ID, sum
}

func (e *e2e) deliver(payload []byte) (int, string) {
	e.t.Helper()
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: whsec}).Header
	req, _ := http.NewRequest("POST", e.srv.URL+webhookPath, bytes.NewReader(payload))
	req.Header.Set("Stripe-Signature", sig)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func checkoutEvent(id, user string) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "object": "event", "type": "checkout.session.completed",
		"api_version": stripe.APIVersion, "created": time.Now().Unix(),
		"data": map[string]any{"object": map[string]any{"id": "cs_e2e", "object": "checkout.session", "mode": "subscription",
			"status": "complete", "payment_status": "paid", "client_reference_id": user, "customer": "cus_e2e", "subscription": "sub_e2e"}}})
	return b
}

// restoredIntact waits for the restore, checks the job went through
// RESTORING with an estimate, and that the result downloads with its old hash.
func (e *e2e) restoredIntact(jobID string, sum [32]byte) {
	e.t.Helper()
	restores, _, err := e.a.Workflow.List(context.Background(), domain.ExecutionFilter{StateMachine: domain.MachineRestore,
		NamePrefix: service.RestoreExecutionPrefix(e.user.ID)}, domain.Page{Limit: 10})
	if err != nil || len(restores) != 1 {
		e.t.Fatalf("restores of %s: %+v %v", e.user.ID, restores, err)
	}
	restore := restores[0].ID
	sawRestoring := false
	for deadline := time.Now().Add(2 * time.Minute); ; {
		j := e.job(jobID)
		if j.ResultState == string(domain.ResultRestoring) {
			sawRestoring = true
			if j.ReadyBy.IsZero() {
				e.t.Error("RESTORING without an estimate")
			}
		}
		if j.ResultState == string(domain.ResultAvailable) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ex := e.wait(restore); ex.Status != domain.ExecSucceeded {
		e.t.Fatalf("restore: %s %s %s", ex.Status, ex.Error, ex.Cause)
	}
	if !sawRestoring {
		e.t.Error("never saw the job RESTORING")
	}
	code, b := e.call("GET", "/api/v1/jobs/"+jobID+"/result", nil, "")
	if code != 200 {
		e.t.Fatalf("download after restore: %d %s", code, b)
	}
	if sha256.Sum256(b) != sum {
		e.t.Errorf("restored result sha256 %x differs from the one before archiving %x", sha256.Sum256(b), sum)
	}
	entries, _ := os.ReadDir(e.a.OutboxDir())
	found := false
	for _, en := range entries {
		if m, _ := os.ReadFile(filepath.Join(e.a.OutboxDir(), en.Name())); strings.Contains(string(m), "restored") {
			found = true
		}
	}
	if !found {
		e.t.Error("no email about the restore in the outbox")
	}
}

func TestUpgradeThroughTheStripeWebhookRestoresTheSameBytes(t *testing.T) {
	e := startService(t, true)
	jobID, sum := e.archived("test.vcf")

	// With Stripe configured the API's upgrade asks Stripe for a payment page
	// (unreachable here) and never upgrades for free.
	if code, b := e.call("POST", "/api/v1/account/upgrade", nil, ""); code < 500 || strings.Contains(string(b), "premium_user") {
		t.Errorf("upgrade without paying: %d %s", code, b)
	}
	code, body := e.deliver(checkoutEvent("evt_e2e_1", e.user.ID))
	if code != 200 || !strings.Contains(body, `"upgraded"`) {
		t.Fatalf("webhook: %d %s", code, body)
	}
	if _, b := e.call("GET", "/api/v1/account", nil, ""); !strings.Contains(string(b), `"premium_user"`) {
		t.Errorf("account after payment: %s", b)
	}
	e.restoredIntact(jobID, sum)

	// Stripe redelivers: nothing new starts.
	if code, body := e.deliver(checkoutEvent("evt_e2e_1", e.user.ID)); code != 200 || !strings.Contains(body, "duplicate") {
		t.Errorf("replay: %d %s", code, body)
	}
	execs, _, err := e.a.Workflow.List(context.Background(), domain.ExecutionFilter{StateMachine: domain.MachineRestore}, domain.Page{Limit: 10})
	if err != nil || len(execs) != 1 {
		t.Fatalf("restore executions after a replay: %d %v", len(execs), err)
	}
	if want := service.RestoreExecutionPrefix(e.user.ID) + "evt_e2e_1"; execs[0].Name != want {
		t.Errorf("restore %q, want %q (named after the upgrade event)", execs[0].Name, want)
	}
	p, _ := e.a.Profiles.Get(context.Background(), e.user.ID)
	if p.StripeCustomerID != "cus_e2e" || p.StripeSubscriptionID != "sub_e2e" {
		t.Errorf("profile not linked to Stripe: %+v", p)
	}
}

func TestTestModeUpgradeTakesTheSameRestorePath(t *testing.T) {
	e := startService(t, false)
	jobID, sum := e.archived("test.vcf")
	if code, b := e.call("POST", "/api/v1/account/upgrade", nil, ""); code != 200 || !strings.Contains(string(b), "premium_user") {
		t.Fatalf("test-mode upgrade: %d %s", code, b)
	}
	e.restoredIntact(jobID, sum)
}

func TestStripeConfigErrorsStopTheService(t *testing.T) {
	_, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir(), SharedDir: testshared.Dir(t),
		Logger: slog.New(slog.DiscardHandler), Stripe: billing.Config{SecretKey: "sk_test_only"}})
	if err == nil || !strings.Contains(err.Error(), billing.EnvPrice) {
		t.Errorf("half-configured Stripe: %v", err)
	}
}
