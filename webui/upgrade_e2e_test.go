package webui_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/testshared"
)

// TestUpgradeRestoresArchive runs the test-mode upgrade on the real local
// service through the API: a free user's result is archived after the
// retention, the upgrade restores it, and it downloads again byte for byte.
func TestUpgradeRestoresArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole service")
	}
	vcf := testshared.Read(t, "vcf", "test.vcf")
	ctx := context.Background()
	h, a := newAppHarness(t, app.Config{Retention: time.Second,
		RestoreDelays: map[domain.RestoreTier]time.Duration{domain.TierExpedited: 300 * time.Millisecond}})
	p, tok := h.user("free@example.org", domain.RoleFree, false)

	r := h.upload(tok, "test.vcf", string(vcf))
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var j jobBody
	r.json(t, &j)
	waitFor := func(what string, ok func(jobBody) bool) jobBody {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var cur jobBody
			if err := json.Unmarshal([]byte(h.api("GET", "/api/v1/jobs/"+j.ID, tok, nil, "").body), &cur); err != nil {
				t.Fatal(err)
			}
			if ok(cur) {
				return cur
			}
			if cur.Status == "FAILED" || time.Now().After(deadline) {
				t.Fatalf("waiting for %s: job is %+v", what, cur)
			}
		}
	}
	waitFor("COMPLETED", func(c jobBody) bool { return c.Status == "COMPLETED" })
	first := h.api("GET", "/api/v1/jobs/"+j.ID+"/result", tok, nil, "")
	if first.status != 200 {
		t.Fatalf("result: %d", first.status)
	}
	before := sha256.Sum256([]byte(first.body))

	waitFor("ARCHIVED", func(c jobBody) bool { return c.ResultState == "ARCHIVED" })
	if r := h.api("GET", "/api/v1/jobs/"+j.ID+"/result", tok, nil, ""); r.status != 409 {
		t.Errorf("archived result: %d", r.status)
	}
	if r := h.api("POST", "/api/v1/account/upgrade", tok, nil, ""); r.status != 200 {
		t.Fatalf("upgrade: %d %s", r.status, r.body)
	}
	waitFor("AVAILABLE again", func(c jobBody) bool { return c.ResultState == "AVAILABLE" })
	again := h.api("GET", "/api/v1/jobs/"+j.ID+"/result", tok, nil, "")
	if again.status != 200 || sha256.Sum256([]byte(again.body)) != before {
		t.Errorf("restored result: %d, sha256 differs: %v", again.status, sha256.Sum256([]byte(again.body)) != before)
	}
	execs, _, err := a.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineRestore}, domain.Page{Limit: 10})
	if err != nil || len(execs) != 1 || !strings.HasPrefix(execs[0].Name, service.RestoreExecutionPrefix(p.ID)) {
		t.Errorf("restore executions: %+v, %v", execs, err)
	}
}
