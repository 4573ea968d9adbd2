package webui_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// The job page and the API say whether a failed restore will be retried by
// the running restore (round k of N) or was given up on, and only then offer
// the premium owner a Retry restore button.
func TestJobPageTellsWhetherARestoreWillBeRetried(t *testing.T) {
	h := newHarness(t)
	free, freeTok := h.user("free@example.org", domain.RoleFree, false)
	prem, premTok := h.user("prem@example.org", domain.RolePremium, false)
	h.user("audit@example.org", domain.RoleFree, true)
	archived := func(owner domain.Profile, id, reason string, round, rounds int) {
		h.completedJob(owner, id)
		h.updateJob(id, func(j *domain.Job) {
			j.ResultState, j.ArchivedAt = domain.ResultArchived, time.Now()
			j.RestoreError, j.RestoreRound, j.RestoreRounds = reason, round, rounds
		})
	}
	archived(free, "free-gaveup", "disk full", 3, 3)
	archived(prem, "retrying", "disk full", 1, 3)
	archived(prem, "gaveup", "disk full", 3, 3)
	archived(prem, "legacy", "disk full", 0, 0)
	archived(prem, "plain", "", 0, 0)
	tests := []struct {
		viewer, job, token string
		want, wantNot      []string
		api                string // restore_retrying round/rounds
	}{
		{"free@example.org", "free-gaveup", freeTok,
			[]string{`data-restore="failed"`, "Restore failed after 3 rounds: disk full.", "upgrade to restore", "Contact support"},
			[]string{`id="retry-restore"`, "tries again"}, "false 3/3"},
		{"prem@example.org", "retrying", premTok,
			[]string{`data-restore="retrying"`, "Restore round 1 of 3 failed: disk full.", "round 2 of 3 is next"},
			[]string{`id="retry-restore"`, "upgrade to restore", "Restore failed"}, "true 1/3"},
		{"prem@example.org", "gaveup", premTok,
			[]string{`data-restore="failed"`, "Restore failed after 3 rounds: disk full.", `id="retry-restore"`, "Retry restore", `action="/jobs/gaveup/restore"`},
			[]string{"upgrade to restore", "tries again"}, "false 3/3"},
		{"prem@example.org", "legacy", premTok,
			[]string{"Restore failed: disk full.", "Retry restore"}, []string{"after 0 rounds"}, "false 0/0"},
		{"prem@example.org", "plain", premTok,
			[]string{`id="retry-restore"`, ">Restore</button>"}, []string{`id="restore-error"`, "upgrade to restore"}, "false 0/0"},
		{"audit@example.org", "gaveup", "",
			[]string{"Restore failed after 3 rounds: disk full."}, []string{`id="retry-restore"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.viewer+" "+tt.job, func(t *testing.T) {
			b := h.signedIn(tt.viewer)
			r := b.get("/jobs/" + tt.job)
			if r.status != http.StatusOK {
				t.Fatalf("status %d", r.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(r.body, w) {
					t.Errorf("page shows %q", w)
				}
			}
			if tt.token == "" {
				return
			}
			var j struct {
				RestoreError    string `json:"restore_error"`
				RestoreRound    int    `json:"restore_round"`
				RestoreRounds   int    `json:"restore_rounds"`
				RestoreRetrying bool   `json:"restore_retrying"`
			}
			h.api("GET", "/api/v1/jobs/"+tt.job, tt.token, nil, "").json(t, &j)
			if got := fmt.Sprintf("%v %d/%d", j.RestoreRetrying, j.RestoreRound, j.RestoreRounds); got != tt.api {
				t.Errorf("API: %+v, want %s", j, tt.api)
			}
		})
	}
}

func TestRetryRestoreStartsOneRestore(t *testing.T) {
	h := newHarness(t)
	prem, premTok := h.user("prem@example.org", domain.RolePremium, false)
	free, freeTok := h.user("free@example.org", domain.RoleFree, false)
	for _, j := range []struct {
		owner domain.Profile
		id    string
	}{{prem, "gaveup"}, {prem, "retrying"}, {prem, "hot"}, {free, "free-gaveup"}} {
		h.completedJob(j.owner, j.id)
		if j.id != "hot" {
			h.updateJob(j.id, func(job *domain.Job) {
				job.ResultState, job.RestoreError, job.RestoreRound, job.RestoreRounds = domain.ResultArchived, "disk full", 3, 3
			})
		}
	}
	h.updateJob("retrying", func(j *domain.Job) { j.RestoreRound = 1 })
	restores := func() int { return len(h.wf.started(domain.MachineRestore)) }

	b := h.signedIn("prem@example.org")
	for _, id := range []string{"retrying", "hot"} {
		if r := b.post("/jobs/"+id+"/restore", nil); r.status != http.StatusSeeOther || restores() != 0 {
			t.Errorf("%s: %d, %d restores started; want a redirect and none", id, r.status, restores())
		}
	}
	r := b.post("/jobs/gaveup/restore", nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/jobs/gaveup?flash=restore-started" {
		t.Fatalf("retry: %d %q", r.status, r.header.Get("Location"))
	}
	started := h.wf.started(domain.MachineRestore)
	if len(started) != 1 || !strings.HasPrefix(started[0].Name, service.RestoreExecutionPrefix(prem.ID)) || !strings.Contains(string(started[0].Input), `"retry_seconds":`) {
		t.Fatalf("restores %+v", started)
	}
	if page := b.get(r.header.Get("Location")); !strings.Contains(page.body, "A new restore of your archived results has started") {
		t.Error("no notice after the retry")
	}
	// A second click while that restore runs starts nothing, and says why.
	if r := b.post("/jobs/gaveup/restore", nil); r.header.Get("Location") != "/jobs/gaveup?flash=restore-running" || restores() != 1 {
		t.Errorf("second click: %q, %d restores", r.header.Get("Location"), restores())
	}
	var out struct {
		Started bool `json:"started"`
	}
	if r := h.api("POST", "/api/v1/jobs/gaveup/restore", premTok, nil, ""); r.status != http.StatusOK {
		t.Errorf("API while running: %d %s", r.status, r.body)
	} else if r.json(t, &out); out.Started {
		t.Errorf("API started a second restore: %s", r.body)
	}

	// Once it has finished, the API starts the next one.
	h.wf.finish(started[0].ID, domain.ExecSucceeded)
	var next struct {
		Started   bool   `json:"started"`
		Execution string `json:"execution"`
		Job       struct {
			ID string `json:"id"`
		} `json:"job"`
	}
	r = h.api("POST", "/api/v1/jobs/gaveup/restore", premTok, nil, "")
	r.json(t, &next)
	if r.status != http.StatusAccepted || !next.Started || !strings.Contains(next.Execution, service.RestoreExecutionPrefix(prem.ID)) || next.Execution == started[0].ID || next.Job.ID != "gaveup" {
		t.Errorf("API retry: %d %s", r.status, r.body)
	}

	// Free users must upgrade; nobody restores another's job; auditors write nothing.
	if r := h.api("POST", "/api/v1/jobs/free-gaveup/restore", freeTok, nil, ""); r.status != http.StatusForbidden || !strings.Contains(r.body, "upgrade") {
		t.Errorf("free user: %d %s", r.status, r.body)
	}
	if r := h.api("POST", "/api/v1/jobs/free-gaveup/restore", premTok, nil, ""); r.status != http.StatusNotFound {
		t.Errorf("another's job: %d %s", r.status, r.body)
	}
	_, audTok := h.user("audit@example.org", domain.RoleFree, true)
	if r := h.api("POST", "/api/v1/jobs/gaveup/restore", audTok, nil, ""); r.status != http.StatusForbidden {
		t.Errorf("auditor: %d %s", r.status, r.body)
	}
	if n := restores(); n != 2 {
		t.Errorf("%d restores started, want 2", n)
	}
}

// An upgrade starts restore-<user>-<random id>; each archived job's page and
// API record link to that run, whose page its owner and auditors may read
// and nobody else.
func TestJobPageLinksItsRestoreRun(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("a@example.org", domain.RoleFree, false)
	h.user("b@example.org", domain.RoleFree, false)
	h.user("aud@example.org", domain.RoleFree, true)
	h.completedJob(owner, "job1")
	h.updateJob("job1", func(j *domain.Job) { j.ResultState, j.ArchivedAt = domain.ResultArchived, time.Now() })
	b := h.signedIn("a@example.org")
	if strings.Contains(b.get("/jobs/job1").body, `id="restore-link"`) {
		t.Fatal("a restore link before any restore")
	}
	if r := b.post("/subscribe", nil); r.status != http.StatusSeeOther {
		t.Fatalf("upgrade: %d", r.status)
	}
	rs := h.wf.started(domain.MachineRestore)
	if len(rs) != 1 || !strings.HasPrefix(rs[0].Name, "restore-"+owner.ID+"-") {
		t.Fatalf("restores %+v", rs)
	}
	path := executionPath(rs[0].ID)
	if r := b.get("/jobs/job1"); !strings.Contains(r.body, `href="`+path+`" id="restore-link"`) {
		t.Fatalf("job page lacks the link to %s:\n%s", path, r.body)
	}
	if r := h.api("GET", "/api/v1/jobs/job1", tok, nil, ""); !strings.Contains(r.body, fmt.Sprintf(`"restore_execution":%q`, rs[0].ID)) {
		t.Errorf("API job: %s", r.body)
	}
	// The run's page over HTTP, by id or by name: the owner and auditors,
	// and nobody else.
	for _, p := range []string{path, "/executions/" + rs[0].Name} {
		for email, want := range map[string]int{"a@example.org": 200, "aud@example.org": 200, "b@example.org": 404} {
			v := h.browser()
			v.signIn(email)
			if r := v.get(p); r.status != want || (want == 200 && !strings.Contains(r.body, rs[0].Name)) {
				t.Errorf("%s reads %s: %d, want %d", email, p, r.status, want)
			}
		}
		if r := h.browser().get(p); r.status == 200 {
			t.Errorf("signed out reads %s: %d", p, r.status)
		}
	}
	if r := b.get("/executions/restore-" + owner.ID + "-nosuchrun"); r.status != 404 {
		t.Errorf("an unknown restore name: %d", r.status)
	}
}
