package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

// awsHistoryLimit is the most events Step Functions keeps in one execution's history.
const awsHistoryLimit = 25_000

// TestRestore500ArchivedJobs: a user with 500 archived results upgrades. The
// restore brings every one back, each job in a child execution of its own
// that the blob store's restore-completed event resumes, and no execution's
// history comes near AWS's 25,000 events (the old single execution needed
// about 25 events per job).
//
//	go test ./internal/app -run TestRestore500ArchivedJobs -v   # prints the largest history
func TestRestore500ArchivedJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("500 jobs: skipped with -short")
	}
	const n = 500
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "ivy", domain.RoleFree)
	ctx := context.Background()
	for i := range n {
		archivedJob(t, a, "ivy", fmt.Sprintf("ivy-%03d", i))
	}
	start := time.Now()
	_, id, err := a.Service.Upgrade(ctx, "ivy", "")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if e, err := a.Runner.Wait(wctx, id); err != nil || e.Status != domain.ExecSucceeded {
		t.Fatalf("restore: %+v %v", e, err)
	}
	took := time.Since(start)
	for i := range n {
		if j := job(t, a, fmt.Sprintf("ivy-%03d", i)); j.ResultState != domain.ResultAvailable || j.RestoreToken != "" {
			t.Fatalf("job %s: %s, token %q", j.ID, j.ResultState, j.RestoreToken)
		}
	}

	parent := len(history(t, a, id))
	largest, children, byEvent := parent, 0, 0
	page := domain.Page{Limit: 100}
	for {
		execs, next, err := a.Workflow.List(ctx, domain.ExecutionFilter{StateMachine: domain.MachineRestore + "/RestoreJob"}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range execs {
			ev := history(t, a, e.ID)
			children++
			largest = max(largest, len(ev))
			if count(ev, "TaskSucceeded", "WaitForRestore") == 1 {
				byEvent++
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	t.Logf("restored %d archived jobs in %v: %d child executions, %d resumed by the restore event (the rest by the timeout's check); "+
		"largest history %d events (the parent's: %d), AWS's limit %d", n, took.Round(time.Millisecond), children, byEvent, largest, parent, awsHistoryLimit)
	if children != n {
		t.Errorf("%d child executions, want one per job (%d)", children, n)
	}
	if largest > awsHistoryLimit/25 {
		t.Errorf("largest history %d events: not far below AWS's %d", largest, awsHistoryLimit)
	}
	if byEvent == 0 {
		t.Error("no job was resumed by its restore-completed event")
	}
	if ms := mails(t, a); len(ms) != 1 || !strings.Contains(ms[0], fmt.Sprintf("%d archived results are available again", n)) {
		t.Errorf("%d mails; want one saying %d restored", len(ms), n)
	}
}

// archivedJob stores a COMPLETED job of user whose result is in GLACIER,
// as ArchiveIfFree leaves it (without running the annotation).
func archivedJob(t *testing.T, a *App, user, id string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	j := domain.Job{ID: id, UserID: user, InputName: id + ".vcf", InputKey: "inputs/" + user + "/" + id + ".vcf",
		SubmittedAt: now, StartedAt: now, CompletedAt: now, Status: domain.StatusCompleted,
		ResultState: domain.ResultArchived, ArchivedAt: now}
	j.ResultKey = tasks.ArchiveKey(j)
	if err := a.Blobs.Put(ctx, j.ResultKey, strings.NewReader("##fileformat=VCFv4.2\n")); err != nil {
		t.Fatal(err)
	}
	if err := a.Blobs.Copy(ctx, j.ResultKey, j.ResultKey, domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	if err := a.Jobs.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
}
