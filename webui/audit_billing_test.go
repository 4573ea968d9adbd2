package webui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/webui"
)

func TestAuditAndExecutions(t *testing.T) {
	h := newHarness(t)
	a, _ := h.user("a@example.org", domain.RoleFree, false)
	bUser, _ := h.user("b@example.org", domain.RoleFree, false)
	h.user("aud@example.org", domain.RoleFree, true)
	h.completedJob(a, "joba")
	jb := h.completedJob(bUser, "jobb")
	h.wf.finish(jb.ExecutionID, domain.ExecFailed)
	restore, _ := h.wf.Start(context.Background(), domain.MachineRestore, "restore-"+a.ID+"-1", nil)

	user := h.browser()
	user.signIn("a@example.org")
	if r := user.get("/audit"); r.status != 403 {
		t.Errorf("audit as a user: %d", r.status)
	}
	aud := h.browser()
	aud.signIn("aud@example.org")
	r := aud.get("/audit")
	if r.status != 200 || !strings.Contains(r.body, "joba") || !strings.Contains(r.body, "jobb") || !strings.Contains(r.body, "restore-"+a.ID+"-1") {
		t.Fatalf("audit: %d", r.status)
	}
	if !strings.Contains(r.body, `href="/jobs/joba/audit?format=csv"`) || !strings.Contains(r.body, `href="/jobs/jobb/audit?format=json"`) {
		t.Errorf("audit page lacks the jobs' trail downloads")
	}
	if r := aud.get("/audit?status=FAILED"); !strings.Contains(r.body, `href="/audit?status=FAILED&amp;user=&amp;from=&amp;to=&amp;format=csv"`) {
		t.Errorf("audit page lacks the filtered list's CSV export link")
	}
	for q, want := range map[string][]string{
		"status=FAILED":                 {"jobb"},
		"user=a@example.org":            {"joba", "restore-"},
		"user=" + bUser.ID:              {"jobb"},
		"from=2000-01-01&to=2000-01-02": {},
	} {
		r := aud.get("/audit?" + q)
		got := []string{}
		for _, name := range []string{"joba", "jobb", "restore-"} {
			if strings.Contains(r.body, ">"+name) {
				got = append(got, name)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("audit?%s shows %v, want %v", q, got, want)
		}
	}
	if r := aud.get("/audit?from=yesterday"); r.status != 400 || !strings.Contains(r.body, "from date &#34;yesterday&#34; is not YYYY-MM-DD") || strings.Contains(r.body, "invalid input") {
		t.Errorf("bad date: %d %s", r.status, r.body)
	}
	// The filtered list exports whole, as CSV and JSON, for auditors only.
	if r := user.get("/audit?format=csv"); r.status != 403 {
		t.Errorf("audit export as a user: %d", r.status)
	}
	if r := aud.get("/audit?format=xml"); r.status != 400 || !strings.Contains(r.body, "format &#34;xml&#34;: want csv or json") || strings.Contains(r.body, "invalid input") {
		t.Errorf("audit export format=xml: %d %s", r.status, r.body)
	}
	csvResp := aud.get("/audit?status=FAILED&format=csv")
	lines := strings.Split(strings.TrimSpace(csvResp.body), "\n")
	if csvResp.status != 200 || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") || len(lines) != 2 ||
		lines[0] != "started,stopped,execution,name,machine,user,job,status,error,cause" ||
		!strings.Contains(lines[1], ",jobb,FAILED,") || !strings.Contains(lines[1], "b@example.org") {
		t.Errorf("audit CSV export: %d %q", csvResp.status, csvResp.body)
	}
	for i := range 60 { // more than one page of the list (service.AuditPageSize)
		h.wf.Start(context.Background(), domain.MachineRestore, fmt.Sprintf("restore-%s-x%d", a.ID, i), nil)
	}
	var exported struct {
		Rows []struct {
			Name  string `json:"name"`
			User  string `json:"user"`
			JobID string `json:"job_id"`
		} `json:"rows"`
		NextCursor string `json:"next_cursor"`
	}
	jr := aud.get("/audit?user=a@example.org&format=json")
	if err := json.Unmarshal([]byte(jr.body), &exported); jr.status != 200 || err != nil {
		t.Fatalf("audit JSON export: %d %v", jr.status, err)
	}
	if len(exported.Rows) != 62 || exported.NextCursor != "" || !strings.Contains(jr.header.Get("Content-Disposition"), "gas-audit-executions.json") {
		t.Errorf("audit JSON export of a's executions: %d rows (want 62: joba, 61 restores), next %q", len(exported.Rows), exported.NextCursor)
	}
	for _, row := range exported.Rows {
		if row.User != "a@example.org" {
			t.Errorf("row %s of user %q in a's export", row.Name, row.User)
		}
	}
	if r := aud.get("/audit?user=nobody@example.org"); r.status != 404 {
		t.Errorf("unknown user: %d", r.status)
	}
	// A restore execution: its user and auditors may read it, others not.
	path := executionPath(restore)
	if r := user.get(path); r.status != 200 || !strings.Contains(r.body, "ExecutionStarted") {
		t.Errorf("own restore execution: %d", r.status)
	}
	if r := aud.get(path); r.status != 200 {
		t.Errorf("auditor restore execution: %d", r.status)
	}
	other := h.browser()
	other.signIn("b@example.org")
	if r := other.get(path); r.status != 404 {
		t.Errorf("another user's restore execution: %d", r.status)
	}
	if r := other.get("/jobs/jobb/history"); r.status != 200 || !strings.Contains(r.body, "bad record on line 7") {
		t.Errorf("failed execution history: %d", r.status)
	}
}

func TestSubscribeTestMode(t *testing.T) {
	h := newHarness(t)
	p, _ := h.user("a@example.org", domain.RoleFree, false)
	h.user("aud@example.org", domain.RoleFree, true)
	b := h.signedIn("a@example.org")
	r := b.get("/subscribe")
	if !strings.Contains(r.body, "Test mode") || !strings.Contains(r.body, `id="upgrade"`) {
		t.Fatalf("subscribe page: %d", r.status)
	}
	if !strings.Contains(r.body, `id="billing-test-mode"`) || !strings.Contains(b.get("/jobs").body, `id="billing-test-mode"`) {
		t.Error("no test-mode banner on every page")
	}
	if r := b.post("/subscribe", nil); r.status != 303 {
		t.Fatalf("upgrade: %d", r.status)
	}
	if got := mustProfile(t, h, "a@example.org"); got.Role != domain.RolePremium {
		t.Errorf("role %s after upgrade", got.Role)
	}
	if rs := h.wf.started(domain.MachineRestore); len(rs) != 1 || !strings.HasPrefix(rs[0].Name, service.RestoreExecutionPrefix(p.ID)) {
		t.Errorf("restores %+v", rs)
	}
	if r := b.get("/subscribe"); !strings.Contains(r.body, "premium already") {
		t.Error("premium user sees the upgrade button")
	}
	aud := h.browser()
	aud.signIn("aud@example.org")
	if r := aud.post("/subscribe", nil); r.status != 403 {
		t.Errorf("auditor upgrade: %d", r.status)
	}
}

func TestUpgradesRefusedWithoutPaymentProviderOrTestMode(t *testing.T) {
	h := newHarnessWith(t, func(cfg *webui.Config) { cfg.NoTestMode = true })
	h.user("a@example.org", domain.RoleFree, false)
	b := h.signedIn("a@example.org")
	r := b.get("/subscribe")
	if !strings.Contains(r.body, `id="no-billing"`) || strings.Contains(r.body, `id="upgrade"`) || strings.Contains(r.body, "billing-test-mode") {
		t.Fatalf("subscribe page: %d\n%s", r.status, r.body)
	}
	if r := b.post("/subscribe", nil); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "no payment provider") {
		t.Errorf("upgrade: %d", r.status)
	}
	if got := mustProfile(t, h, "a@example.org"); got.Role != domain.RoleFree {
		t.Errorf("role %s after a refused upgrade", got.Role)
	}
	if rs := h.wf.started(domain.MachineRestore); len(rs) != 0 {
		t.Errorf("restores %+v", rs)
	}
}

// fakeCheckout stands in for Stripe Checkout.
type fakeCheckout struct{ success, cancel string }

func (f *fakeCheckout) CheckoutURL(_ context.Context, p domain.Profile, success, cancel string) (string, error) {
	f.success, f.cancel = success, cancel
	return "https://pay.example/session/" + p.ID, nil
}

func TestSubscribeWithPaymentProvider(t *testing.T) {
	co := &fakeCheckout{}
	hooked := false
	h := newHarnessWith(t, func(cfg *webui.Config) {
		cfg.Checkout = co
		cfg.Webhook = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooked = true })
	})
	p, tok := h.user("a@example.org", domain.RoleFree, false)
	b := h.signedIn("a@example.org")
	if r := b.get("/subscribe"); strings.Contains(r.body, "Test mode") || !strings.Contains(r.body, "Subscribe") {
		t.Error("subscribe page says test mode with a payment provider")
	}
	r := b.post("/subscribe", nil)
	if r.status != 303 || r.header.Get("Location") != "https://pay.example/session/"+p.ID || !strings.HasPrefix(co.cancel, h.srv.URL+"/subscribe") {
		t.Errorf("subscribe: %d %q, return links %q %q", r.status, r.header.Get("Location"), co.success, co.cancel)
	}
	if got := mustProfile(t, h, "a@example.org"); got.Role != domain.RoleFree || len(h.wf.started(domain.MachineRestore)) != 0 {
		t.Error("upgraded before paying")
	}
	a := h.api("POST", "/api/v1/account/upgrade", tok, nil, "")
	if a.status != 200 || !strings.Contains(a.body, `"checkout_url":"https://pay.example/session/`) {
		t.Errorf("API upgrade: %d %s", a.status, a.body)
	}
	if w := h.api("POST", "/webhooks/stripe", "", strings.NewReader("{}"), "application/json"); w.status != 200 || !hooked {
		t.Errorf("webhook not mounted: %d", w.status)
	}
}

// TestMapRunsOnTheExecutionPage: the job's execution page shows each
// Distributed Map run (status, items, child counts) and links every child
// execution's own history; the children are the job owner's and auditors'
// to read, nobody else's; the JSON history carries them as map_runs.
func TestMapRunsOnTheExecutionPage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	owner, tok := h.user("a@example.org", domain.RoleFree, false)
	h.user("b@example.org", domain.RoleFree, false)
	h.user("aud@example.org", domain.RoleFree, true)
	j := h.completedJob(owner, "job1")
	const kids = domain.MachineAnnotation + "/Shards"
	var childIDs []string
	for i, status := range []string{domain.ExecSucceeded, domain.ExecSucceeded, domain.ExecFailed} {
		id, _ := h.wf.Start(ctx, kids, "job1:"+string(rune('0'+i)), json.RawMessage(`{}`))
		h.wf.finish(id, status)
		childIDs = append(childIDs, id)
	}
	h.wf.Start(ctx, kids, "job10:0", nil) // another job's child: the prefix must not take it
	h.wf.addEvents(j.ExecutionID,
		domain.HistoryEvent{Type: "MapRunStarted", StateName: "ShardMap", Output: json.RawMessage(
			`{"mapRunArn":"arn:aws:states:local:000000000000:mapRun:annotation/Shards:job1","length":3,"childStateMachine":"` + kids + `","childNamePrefix":"job1:"}`)},
		domain.HistoryEvent{Type: "MapRunFailed", StateName: "ShardMap", Error: "States.ExceedToleratedFailureThreshold", Cause: "1 of 3 items failed"})

	aud := h.browser()
	aud.signIn("aud@example.org")
	r := aud.get("/jobs/job1/history")
	for _, want := range []string{`id="maprun-ShardMap"`, "Map run of ShardMap", `<span class="badge bad">FAILED</span>`,
		"Items: 3. Child executions: 3 started, 2 succeeded, 1 failed, 0 running", "States.ExceedToleratedFailureThreshold",
		"mapRun:annotation/Shards:job1", ">job1:2</a>"} {
		if r.status != 200 || !strings.Contains(r.body, want) {
			t.Fatalf("auditor's history page (%d) lacks %q:\n%s", r.status, want, r.body)
		}
	}
	if strings.Contains(r.body, "job10:0") {
		t.Error("another job's child execution is listed")
	}
	for _, id := range childIDs {
		if !strings.Contains(r.body, `href="`+executionPath(id)+`"`) {
			t.Errorf("no link to child %s", id)
		}
	}
	// Each child's history opens from the link: for auditors and the owner, not for others.
	path := executionPath(childIDs[2])
	if r := aud.get(path); r.status != 200 || !strings.Contains(r.body, "ExecutionFailed") || !strings.Contains(r.body, "job1:2") {
		t.Errorf("auditor's child execution page: %d", r.status)
	}
	own := h.browser()
	own.signIn("a@example.org")
	if r := own.get(path); r.status != 200 {
		t.Errorf("owner's child execution page: %d", r.status)
	}
	// A child of the map's second run (after a retry) is named "<job>-2:<item>".
	second, _ := h.wf.Start(ctx, kids, "job1-2:0", nil)
	if r := own.get(executionPath(second)); r.status != 200 {
		t.Errorf("owner's child of a second map run: %d", r.status)
	}
	// On AWS Step Functions names a child (a random id) and DescribeExecution
	// names its parent; API Gateway hands the id's "/" over decoded.
	awsChild, _ := h.wf.Start(ctx, kids, "4f1c2e9a-0b7d-3c55-9e61-2a8d5b7c0f13", nil)
	h.wf.setParent(awsChild, j.ExecutionID)
	if r := own.get("/executions/" + awsChild); r.status != 200 || !strings.Contains(r.body, "4f1c2e9a-0b7d-3c55-9e61-2a8d5b7c0f13") {
		t.Errorf("owner's child named by Step Functions, path %s: %d", "/executions/"+awsChild, r.status)
	}
	other := h.browser()
	other.signIn("b@example.org")
	for _, p := range []string{path, executionPath(second), "/executions/" + awsChild} {
		if r := other.get(p); r.status != 404 {
			t.Errorf("another user's child execution page %s: %d", p, r.status)
		}
	}

	var doc struct {
		MapRuns []struct {
			Status   string             `json:"status"`
			Items    int                `json:"items"`
			Children []domain.Execution `json:"children"`
		} `json:"map_runs"`
	}
	h.api("GET", "/api/v1/jobs/job1/history", tok, nil, "").json(t, &doc)
	if len(doc.MapRuns) != 1 || doc.MapRuns[0].Status != "FAILED" || doc.MapRuns[0].Items != 3 || len(doc.MapRuns[0].Children) != 3 ||
		doc.MapRuns[0].Children[0].Name != "job1:0" {
		t.Errorf("API map_runs = %+v", doc.MapRuns)
	}
}
