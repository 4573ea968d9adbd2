package tasks

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// archived returns a fixture whose free user u1 has two archived jobs, j1 and
// j3; j3 was submitted a minute earlier, so newest-first listings give j1, j3.
func archived(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.addJob(t, "j3", "u1")
	if _, err := f.jobs.Update(context.Background(), "j3", func(j *domain.Job) error {
		j.SubmittedAt = j.SubmittedAt.Add(-time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"j1", "j3"} {
		if err := f.runJob(id); err != nil {
			t.Fatal(err)
		}
		if out, err := f.t.ArchiveIfFree(context.Background(), JobInput{JobID: id}); err != nil || !out.Archived {
			t.Fatal(out, err)
		}
	}
	return f
}

// requestRestore runs RequestRestore for each job.
func (f *fixture) requestRestore(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := f.t.RequestRestore(context.Background(), JobInput{JobID: id}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRestoreHappyPathAndIdempotency(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	j1 := JobInput{JobID: "j1"}

	list, err := f.t.ListArchived(ctx, ListArchivedInput{UserID: "u1", Execution: "restore-u1-x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"j1", "j3"}; list.Count != 2 || list.Key != "restores/u1/restore-u1-x.json" || !reflect.DeepEqual(f.listed(t, list), want) {
		t.Fatalf("list = %+v, %v", list, f.listed(t, list))
	}
	if _, err := f.t.ListArchived(ctx, ListArchivedInput{UserID: "u1"}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("no execution name: %v", err)
	}

	st, err := f.t.RequestRestore(ctx, j1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Tier != domain.TierExpedited || st.Restored || st.WaitSeconds != 6 || !st.ReadyBy.Equal(f.now.Add(5*time.Second)) {
		t.Errorf("request: %+v", st)
	}
	j := f.job(t, "j1")
	if j.ResultState != domain.ResultRestoring || j.RestoreTier != domain.TierExpedited || !j.RestoreReadyBy.Equal(st.ReadyBy) {
		t.Errorf("job after request: %s %s %v", j.ResultState, j.RestoreTier, j.RestoreReadyBy)
	}
	// Asking again while in flight requests nothing new; a restarted restore lists it again.
	if _, err := f.t.RequestRestore(ctx, j1); err != nil {
		t.Fatal(err)
	}
	if len(f.blobs.Restores()) != len(domain.ResultFiles("")) { // the result, its tabix and variant indexes
		t.Errorf("restore requested %d times", len(f.blobs.Restores()))
	}
	if list, _ := f.t.ListArchived(ctx, ListArchivedInput{UserID: "u1", Execution: "r2"}); list.Count != 2 {
		t.Errorf("RESTORING job not listed: %+v", list)
	}

	if st, err := f.t.CheckRestore(ctx, j1); err != nil || st.Restored || st.WaitSeconds != 6 { // the estimate (5 s) and a tenth of it, at least 1 s
		t.Fatalf("check before ready: %+v %v", st, err)
	}
	f.now = f.now.Add(10 * time.Second) // past the estimate, still not restored: check again after the margin
	if st, _ := f.t.CheckRestore(ctx, j1); st.Restored || st.WaitSeconds != 1 {
		t.Errorf("check after the estimate: %+v", st)
	}
	if _, err := f.t.CopyBack(ctx, j1); !errors.Is(err, domain.ErrArchived) {
		t.Fatalf("copy back before ready: %v", err)
	}
	if _, err := f.t.MarkAvailable(ctx, j1); err == nil {
		t.Fatal("mark available without a hot copy succeeded")
	}

	f.finishRestore("archive/u1/j1/annotated.vcf.gz")
	if st, err := f.t.CheckRestore(ctx, j1); err != nil || !st.Restored {
		t.Fatalf("check after ready: %+v %v", st, err)
	}
	cb, err := f.t.CopyBack(ctx, j1)
	if err != nil || cb.ResultKey != "results/u1/j1/annotated.vcf.gz" {
		t.Fatalf("copy back: %+v %v", cb, err)
	}
	if j := f.job(t, "j1"); j.ResultState != domain.ResultRestoring {
		t.Errorf("copy back changed the job to %s; MarkAvailable does", j.ResultState)
	}
	if _, err := f.t.CopyBack(ctx, j1); err != nil { // a retry finds the copy and does nothing
		t.Fatal(err)
	}
	if _, err := f.t.MarkAvailable(ctx, j1); err != nil {
		t.Fatal(err)
	}
	j = f.job(t, "j1")
	if j.ResultState != domain.ResultAvailable || j.ResultKey != cb.ResultKey || j.RestoredAt.IsZero() {
		t.Errorf("job after restore: %s %s %v", j.ResultState, j.ResultKey, j.RestoredAt)
	}
	if info, _ := f.blobs.Head(ctx, j.ResultKey); info.StorageClass != domain.ClassStandard || f.result(t, j.ResultKey) != fakeResult {
		t.Errorf("restored object %+v", info)
	}
	if slices.Contains(f.blobs.Keys(), "archive/u1/j1/annotated.vcf.gz") {
		t.Error("archive copy kept after a verified restore")
	}

	keys := f.blobs.Keys()
	for _, step := range []func(context.Context, JobInput) (RestoreStatus, error){f.t.RequestRestore, f.t.CheckRestore} {
		if st, err := step(ctx, j1); err != nil || !st.Restored {
			t.Errorf("repeat on an available job: %+v %v", st, err)
		}
	}
	for _, step := range []func(context.Context, JobInput) (CopyBackOutput, error){f.t.CopyBack, f.t.MarkAvailable} {
		if out, err := step(ctx, j1); err != nil || out.ResultKey != j.ResultKey {
			t.Errorf("repeat on an available job: %+v %v", out, err)
		}
	}
	if !reflect.DeepEqual(f.job(t, "j1"), j) || !reflect.DeepEqual(f.blobs.Keys(), keys) {
		t.Error("repeating restore steps changed something")
	}
}

// GIVEN an archived job its owner deleted WHEN the owner's restore lists
// what to bring back THEN the deleted job is not among them (its files are gone).
func TestListArchivedLeavesDeletedJobsOut(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	if _, err := f.jobs.Update(ctx, "j3", func(j *domain.Job) error {
		j.DeletedAt, j.DeletedBy = f.now, "u1"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	list, err := f.t.ListArchived(ctx, ListArchivedInput{UserID: "u1", Execution: "restore-u1-x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.listed(t, list); list.Count != 1 || !reflect.DeepEqual(got, []string{"j1"}) {
		t.Fatalf("listed %v (count %d), want only j1", got, list.Count)
	}
}

func TestRequestRestoreFallsBackToStandard(t *testing.T) {
	f := archived(t)
	f.blobs.SetExpeditedUnavailable(true)
	st, err := f.t.RequestRestore(context.Background(), JobInput{JobID: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Tier != domain.TierStandard || st.WaitSeconds != 33 {
		t.Errorf("status %+v, want Standard with a 30 s estimate", st)
	}
	if j := f.job(t, "j1"); j.RestoreTier != domain.TierStandard || j.ResultState != domain.ResultRestoring {
		t.Errorf("job %s %s", j.RestoreTier, j.ResultState)
	}
	if !reflect.DeepEqual(f.blobs.Restores(), []domain.RestoreTier{domain.TierStandard, domain.TierStandard, domain.TierStandard}) {
		t.Errorf("restores %v", f.blobs.Restores())
	}
}

func TestRestoreFailedKeepsArchiveAndOthersCarryOn(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	f.requestRestore(t, "j1", "j3")
	out, err := f.t.RestoreFailed(ctx, RestoreFailedInput{JobID: "j1", Error: "States.TaskFailed", Cause: "copy failed", Round: 3, Rounds: 3})
	if err != nil || !strings.Contains(out.Reason, "copy failed") || out.Retrying {
		t.Fatalf("%+v %v", out, err)
	}
	j := f.job(t, "j1")
	if j.ResultState != domain.ResultArchived || j.RestoreError != out.Reason || j.ResultKey != "archive/u1/j1/annotated.vcf.gz" ||
		j.RestoreRound != 3 || j.RestoreRounds != 3 || j.RestoreRetrying() {
		t.Errorf("failed job: %s %q %s round %d of %d", j.ResultState, j.RestoreError, j.ResultKey, j.RestoreRound, j.RestoreRounds)
	}
	f.finishRestore("archive/u1/j3/annotated.vcf.gz")
	for _, step := range []func(context.Context, JobInput) (CopyBackOutput, error){f.t.CopyBack, f.t.MarkAvailable} {
		if _, err := step(ctx, JobInput{JobID: "j3"}); err != nil {
			t.Fatal(err)
		}
	}

	n, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Since: f.now.Add(-time.Minute), Rounds: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n.Restored != 1 || !reflect.DeepEqual(n.Failed, []string{"j1"}) || n.To != "u1@example.org" {
		t.Errorf("notify %+v", n)
	}
	m := f.mail.Sent()[len(f.mail.Sent())-1]
	for _, w := range []string{"1 archived result is available again", "j1 (sample.vcf)", "copy failed", "http://gas.test/jobs/j1"} {
		if !strings.Contains(m.Text, w) {
			t.Errorf("mail lacks %q:\n%s", w, m.Text)
		}
	}
	// The failed one is picked up by the next restore.
	if list, _ := f.t.ListArchived(ctx, ListArchivedInput{UserID: "u1", Execution: "next"}); !reflect.DeepEqual(f.listed(t, list), []string{"j1"}) {
		t.Errorf("next restore lists %+v", f.listed(t, list))
	}
}

// listed reads the job ids ListArchived wrote.
func (f *fixture) listed(t *testing.T, out ListArchivedOutput) []string {
	t.Helper()
	var ids []string
	if err := f.t.getJSON(context.Background(), out.Key, &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}
