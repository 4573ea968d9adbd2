package webui_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// GIVEN a job whose history was exported WHEN the workflow engine forgets
// the execution THEN the history page and the API show the archived copy
// and say so, with the record's sha256.
func TestHistoryFromTheArchiveOnceForgotten(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	owner, _ := h.user("a@example.org", domain.RoleFree, false)
	_, audTok := h.user("aud@example.org", domain.RoleFree, true)
	j := h.completedJobAt(owner, "job1", time.Now().Add(-time.Hour))
	ex := &audit.Exporter{Executions: h.wf, Jobs: h.db.Jobs(), Objects: h.blobs, Archive: h.audit}
	if _, ok, err := ex.Export(ctx, j.ExecutionID); err != nil || !ok {
		t.Fatalf("export: %v %v", ok, err)
	}
	s := sha256.Sum256(domaintest.Read(t, h.audit, audit.Key(j.ID)))
	sum := hex.EncodeToString(s[:])

	b := h.signedIn("aud@example.org")
	if r := b.get("/jobs/job1/history"); r.status != 200 || strings.Contains(r.body, "archived-copy") {
		t.Fatalf("live history: %d, archived banner shown: %v", r.status, strings.Contains(r.body, "archived-copy"))
	}
	h.wf.forget(j.ExecutionID)
	r := b.get("/jobs/job1/history")
	for _, want := range []string{`id="archived-copy"`, "archived copy", `href="/jobs/job1/audit?format=csv"`, audit.Key(j.ID), sum, "ExecutionSucceeded", "TaskStateEntered"} {
		if r.status != 200 || !strings.Contains(r.body, want) {
			t.Errorf("history page once forgotten: %d, lacks %q", r.status, want)
		}
	}
	if r := b.get("/executions/" + j.ExecutionID); r.status != 200 || !strings.Contains(r.body, sum) {
		t.Errorf("execution page once forgotten: %d", r.status)
	}
	var hist struct {
		Execution *domain.Execution     `json:"execution"`
		Events    []domain.HistoryEvent `json:"events"`
	}
	api := h.api("GET", "/api/v1/jobs/job1/history", audTok, nil, "")
	if err := json.Unmarshal([]byte(api.body), &hist); err != nil || hist.Execution == nil || hist.Execution.Archived == nil ||
		hist.Execution.Archived.SHA256 != sum || len(hist.Events) == 0 {
		t.Errorf("API history once forgotten: %d %s", api.status, api.body)
	}
	// The trail downloads as CSV from the page and as JSON from the API, from the archived record.
	in := sha256.Sum256([]byte("##fileformat=VCFv4.2\ninput\n"))
	csv := b.get("/jobs/job1/audit?format=csv")
	for _, want := range []string{"section,id,time,type,state,key,size,sha256,error,detail\n", "record,1,", ",archived,,executions/job1.json,," + sum + ",",
		"\njob,job1,", "\nexecution," + j.ExecutionID + ",", "\nobject,input,,STANDARD,," + j.InputKey + ",27," + hex.EncodeToString(in[:]) + ",", "\nevent,1,"} {
		if csv.status != 200 || !strings.Contains(csv.body, want) {
			t.Errorf("CSV trail: %d, lacks %q:\n%s", csv.status, want, csv.body)
		}
	}
	var trail audit.Record
	api = h.api("GET", "/api/v1/jobs/job1/audit", audTok, nil, "")
	if err := json.Unmarshal([]byte(api.body), &trail); err != nil || trail.Execution.Archived == nil || trail.Execution.Archived.SHA256 != sum ||
		trail.Job == nil || len(trail.Objects) != 5 || len(trail.Events) == 0 {
		t.Errorf("API trail: %d %s", api.status, api.body)
	}
	if r := h.api("GET", "/api/v1/jobs/job1/audit?format=xml", audTok, nil, ""); r.status != 400 {
		t.Errorf("format=xml: %d, want 400", r.status)
	}
	stranger := h.browser()
	h.user("b@example.org", domain.RoleFree, false)
	stranger.signIn("b@example.org")
	if r := stranger.get("/jobs/job1/audit"); r.status != 404 {
		t.Errorf("another user's trail: %d, want 404", r.status)
	}

	// Another job's history, never exported, is still "not found".
	other := h.completedJobAt(owner, "job2", time.Now().Add(-time.Hour))
	h.wf.forget(other.ExecutionID)
	if r := b.get("/jobs/job2/history"); r.status != 404 {
		t.Errorf("forgotten, never exported: %d, want 404", r.status)
	}
	// A running job's trail is the live history, its files hashed now.
	live := h.completedJobAt(owner, "job3", time.Now().Add(-time.Hour))
	if r := b.get("/jobs/job3/audit?format=csv"); r.status != 200 || !strings.Contains(r.body, ",live,") ||
		!strings.Contains(r.body, "\nexecution,"+live.ExecutionID+",") || !strings.Contains(r.body, hex.EncodeToString(in[:])) {
		t.Errorf("live trail: %d\n%s", r.status, r.body)
	}
}
