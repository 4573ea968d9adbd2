package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

func TestDeleteJobRemovesEveryFileAndKeepsTheRecordForAuditors(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	j := domain.Job{ID: "j1", UserID: "u1", Status: domain.StatusCompleted, InputKey: "inputs/u1/j1/a.vcf",
		LogKey: "results/u1/j1/annotate.log", ResultKey: "archive/u1/j1/annotated.vcf.gz", ResultState: domain.ResultArchived}
	f.addJob(t, j)
	keys := append([]string{j.InputKey, j.LogKey}, domain.ResultFiles(j.ResultKey)...)
	keys = append(keys, domain.ResultFiles("results/u1/j1/annotated.vcf.gz")...) // a hot copy left by a crash
	for _, k := range keys {
		f.putBlob(t, k, "x")
	}
	f.blob.Copy(ctx, j.ResultKey, j.ResultKey, domain.ClassGlacier)

	if _, err := f.s.DeleteJob(ctx, f.profile(t, "a1"), "j1"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("auditor delete: %v", err)
	}
	if _, err := f.s.DeleteJob(ctx, f.profile(t, "p1"), "j1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another user's delete: %v", err)
	}
	if _, err := f.s.DeleteJob(ctx, f.profile(t, "u1"), "j1"); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok := f.blob.Data(k); ok {
			t.Errorf("%s still stored", k)
		}
	}
	if _, err := f.s.Job(ctx, f.profile(t, "u1"), "j1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("owner after delete: %v", err)
	}
	if jobs, _, _ := f.s.ListJobs(ctx, f.profile(t, "u1"), "", 10); len(jobs) != 0 {
		t.Fatalf("deleted job listed: %+v", jobs)
	}
	rec, err := f.s.Job(ctx, f.profile(t, "a1"), "j1")
	if err != nil || rec.DeletedBy != "u1" || rec.DeletedAt.IsZero() || rec.VisibleResultState() != domain.ResultDeleted {
		t.Fatalf("auditor's record: %+v %v", rec, err)
	}
	// The files as they were just before: the input hashed; the result in
	// GLACIER noted, not read (nothing was restored for it).
	files := map[string]domain.JobFile{}
	for _, o := range rec.DeletedFiles {
		files[o.Role] = o
	}
	if in := files["input"]; in.Key != j.InputKey || in.Size != 1 || in.SHA256 != audit.SHA256Hex([]byte("x")) {
		t.Errorf("deleted input: %+v", in)
	}
	if res := files["result"]; res.Key != j.ResultKey || res.StorageClass != domain.ClassGlacier || res.SHA256 != "" ||
		!strings.Contains(res.Note, "not readable when deleted") {
		t.Errorf("deleted archived result: %+v", res)
	}
	if _, _, err := f.s.OpenJobFile(ctx, f.profile(t, "a1"), "j1", FileInput); !errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "was deleted") {
		t.Errorf("auditor reading a deleted job's input: %v", err)
	}
	if _, err := f.s.DeleteJob(ctx, f.profile(t, "u1"), "j1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}

	f.addJob(t, domain.Job{ID: "run", UserID: "u1", Status: domain.StatusRunning, InputKey: "inputs/u1/run/a.vcf"})
	if _, err := f.s.DeleteJob(ctx, f.profile(t, "u1"), "run"); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("running job: %v", err)
	}
}

func TestRerunCopiesTheInputWithNewOptions(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.addJob(t, domain.Job{ID: "j1", UserID: "u1", Status: domain.StatusCompleted, InputName: "a.vcf", InputKey: "inputs/u1/j1/a.vcf"})
	f.putBlob(t, "inputs/u1/j1/a.vcf", "##fileformat=VCFv4.2\n")
	opts := domain.RunOptions{Transcripts: "per_gene", Distance: new(100)}
	if _, err := f.s.Rerun(ctx, f.profile(t, "u1"), "j1", domain.RunOptions{Transcripts: "best"}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad options: %v", err)
	}
	if _, err := f.s.Rerun(ctx, f.profile(t, "a1"), "j1", opts); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("auditor: %v", err)
	}
	n, err := f.s.Rerun(ctx, f.profile(t, "u1"), "j1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == "j1" || n.Options.String() != opts.String() || n.InputName != "a.vcf" || string(f.blobData(n.InputKey)) != "##fileformat=VCFv4.2\n" || n.ExecutionID == "" {
		t.Fatalf("new job %+v", n)
	}
}
