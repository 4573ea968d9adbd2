package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// completed returns a fixture whose job j1 (of user) has been annotated.
func completed(t *testing.T, user string) *fixture {
	t.Helper()
	f := newFixture(t)
	if user != "u1" {
		f.addJob(t, "j2", user)
	}
	id := map[bool]string{true: "j1", false: "j2"}[user == "u1"]
	if err := f.runJob(id); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestArchiveIfFreeArchivesOnceForFreeUsers(t *testing.T) {
	f := completed(t, "u1")
	ctx := context.Background()
	// A plain-VCF copy made for a download link: dropped, not archived.
	download := domain.DownloadKey("results/u1/j1/annotated.vcf.gz", "vcf")
	f.blobs.Put(ctx, download, strings.NewReader("plain"))
	out, err := f.t.ArchiveIfFree(ctx, JobInput{JobID: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Archived || out.ArchiveKey != "archive/u1/j1/annotated.vcf.gz" {
		t.Fatalf("out = %+v", out)
	}
	j := f.job(t, "j1")
	if j.ResultState != domain.ResultArchived || j.ResultKey != out.ArchiveKey || !j.ArchivedAt.Equal(f.now) {
		t.Errorf("job: %s %s %v", j.ResultState, j.ResultKey, j.ArchivedAt)
	}
	info, err := f.blobs.Head(ctx, j.ResultKey)
	if err != nil || info.StorageClass != domain.ClassGlacier {
		t.Fatalf("archive head: %+v %v", info, err)
	}
	if got := f.result(t, j.ResultKey); got != fakeResult {
		t.Errorf("archived bytes %q", got)
	}
	// The files' sha256, taken before the move, for the audit record.
	for i, role := range []string{"result", "tabix", "variants"} {
		sum := sha256.Sum256([]byte(f.blob(t, domain.ResultFiles(j.ResultKey)[i])))
		if j.FileSHA256[role] != hex.EncodeToString(sum[:]) {
			t.Errorf("recorded sha256 of the %s: %q, want %x", role, j.FileSHA256[role], sum)
		}
	}
	if _, ok := f.blobs.Data(download); ok {
		t.Error("the download copy outlived the hot result")
	}
	for i, hot := range domain.ResultFiles("results/u1/j1/annotated.vcf.gz") {
		if _, ok := f.blobs.Data(hot); ok {
			t.Errorf("hot copy %s still present", hot)
		}
		cold := domain.ResultFiles(j.ResultKey)[i]
		if info, err := f.blobs.Head(ctx, cold); err != nil || info.StorageClass != domain.ClassGlacier {
			t.Errorf("archived %s: %+v %v", cold, info, err)
		}
	}
	if _, ok := f.blobs.Data(j.LogKey); !ok {
		t.Error("log was removed; only the result is archived")
	}

	// A second run changes nothing.
	keys := f.blobs.Keys()
	out2, err := f.t.ArchiveIfFree(ctx, JobInput{JobID: "j1"})
	if err != nil || out2 != out {
		t.Fatalf("second run: %+v %v", out2, err)
	}
	if !reflect.DeepEqual(f.job(t, "j1"), j) || !reflect.DeepEqual(f.blobs.Keys(), keys) {
		t.Error("second run changed the job or the store")
	}
}

func TestArchiveIfFreeLeavesOthersHot(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*testing.T) *fixture
		job    string
		reason string
	}{
		{"premium user", func(t *testing.T) *fixture { return completed(t, "p1") }, "j2", "premium_user"},
		{"upgraded during the wait", func(t *testing.T) *fixture {
			f := completed(t, "u1")
			f.profiles.Update(context.Background(), "u1", func(p *domain.Profile) error { p.Role = domain.RolePremium; return nil })
			return f
		}, "j1", "premium_user"},
		{"not completed", newFixture, "j1", "job is PENDING"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.setup(t)
			before := f.job(t, tc.job)
			keys := f.blobs.Keys()
			out, err := f.t.ArchiveIfFree(context.Background(), JobInput{JobID: tc.job})
			if err != nil {
				t.Fatal(err)
			}
			if out.Archived || out.Reason != tc.reason {
				t.Errorf("out = %+v, want not archived because %q", out, tc.reason)
			}
			if !reflect.DeepEqual(f.job(t, tc.job), before) || !reflect.DeepEqual(f.blobs.Keys(), keys) {
				t.Error("something changed")
			}
		})
	}
}

func TestArchiveIfFreeKeepsHotCopyWhenVerifyFails(t *testing.T) {
	f := completed(t, "u1")
	f.blobs.SetCopyClass(domain.ClassStandard) // the store ignored the class
	_, err := f.t.ArchiveIfFree(context.Background(), JobInput{JobID: "j1"})
	if err == nil || !strings.Contains(err.Error(), "want GLACIER") {
		t.Fatalf("err = %v", err)
	}
	j := f.job(t, "j1")
	if j.ResultState != domain.ResultAvailable || j.ResultKey != "results/u1/j1/annotated.vcf.gz" {
		t.Errorf("job moved: %s %s", j.ResultState, j.ResultKey)
	}
	if f.result(t, j.ResultKey) != fakeResult {
		t.Error("hot copy lost")
	}
}

func TestArchiveIfFreeFinishesAfterCrash(t *testing.T) {
	// Crash after recording ARCHIVED but before dropping the hot copy.
	f := completed(t, "u1")
	ctx := context.Background()
	f.blobs.Copy(ctx, "results/u1/j1/annotated.vcf.gz", "archive/u1/j1/annotated.vcf.gz", domain.ClassGlacier)
	f.jobs.Update(ctx, "j1", func(j *domain.Job) error {
		j.ResultKey, j.ResultState, j.ArchivedAt = "archive/u1/j1/annotated.vcf.gz", domain.ResultArchived, f.now
		return nil
	})
	out, err := f.t.ArchiveIfFree(ctx, JobInput{JobID: "j1"})
	if err != nil || !out.Archived {
		t.Fatalf("%+v %v", out, err)
	}
	if _, ok := f.blobs.Data("results/u1/j1/annotated.vcf.gz"); ok {
		t.Error("hot copy not dropped")
	}
}

// racingJobs lets another attempt commit first, just before our next Update.
type racingJobs struct {
	*memstore.Jobs
	race func()
}

func (r *racingJobs) Update(ctx context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	if r.race != nil {
		race := r.race
		r.race = nil
		race()
	}
	return r.Jobs.Update(ctx, id, fn)
}

func TestArchiveIfFreeLosingARaceStillReportsArchived(t *testing.T) {
	f := completed(t, "u1")
	ctx := context.Background()
	rj := &racingJobs{Jobs: f.jobs}
	other := New(f.jobs, f.profiles, f.blobs, f.mail, nil, f.t.cfg)
	rj.race = func() {
		if out, err := other.ArchiveIfFree(ctx, JobInput{JobID: "j1"}); err != nil || !out.Archived {
			t.Fatalf("the other attempt: %+v %v", out, err)
		}
	}
	racer := New(rj, f.profiles, f.blobs, f.mail, nil, f.t.cfg)
	out, err := racer.ArchiveIfFree(ctx, JobInput{JobID: "j1"})
	if err != nil || !out.Archived || out.ArchiveKey != "archive/u1/j1/annotated.vcf.gz" {
		t.Fatalf("%+v %v", out, err)
	}
	if j := f.job(t, "j1"); j.ResultState != domain.ResultArchived {
		t.Errorf("job %s", j.ResultState)
	}
}

// GIVEN the owner deletes the job while ArchiveIfFree copies it (the
// delete's removal of the archive keys ran before the copies landed) THEN
// ArchiveIfFree does not record an archive on the deleted job and drops
// the copies it made, so nothing of the job stays in GLACIER.
func TestArchiveIfFreeDropsItsCopiesOfAJobDeletedMeanwhile(t *testing.T) {
	f := completed(t, "u1")
	ctx := context.Background()
	rj := &racingJobs{Jobs: f.jobs}
	rj.race = func() {
		j, err := f.jobs.Update(ctx, "j1", func(j *domain.Job) error {
			j.DeletedAt, j.DeletedBy = f.now, "u1"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range append([]string{j.InputKey, j.LogKey}, domain.ResultFiles(j.ResultKey)...) {
			f.blobs.Delete(ctx, k)
		}
	}
	racer := New(rj, f.profiles, f.blobs, f.mail, nil, f.t.cfg)
	out, err := racer.ArchiveIfFree(ctx, JobInput{JobID: "j1"})
	if err != nil || out.Archived || out.Reason != "job deleted" {
		t.Fatalf("%+v %v", out, err)
	}
	if j := f.job(t, "j1"); j.ResultState == domain.ResultArchived || j.ResultKey != "results/u1/j1/annotated.vcf.gz" {
		t.Errorf("deleted job recorded as archived: %s %s", j.ResultState, j.ResultKey)
	}
	for _, k := range domain.ResultFiles("archive/u1/j1/annotated.vcf.gz") {
		if _, ok := f.blobs.Data(k); ok {
			t.Errorf("%s left in the archive", k)
		}
	}
}
