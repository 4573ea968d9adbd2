package s3blob

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
)

const testBucket = "gas-test"

func TestBlobsContract(t *testing.T) {
	domaintest.TestBlobs(t, func(t *testing.T) (domain.Blobs, domaintest.BlobControl) {
		fake, client := s3fake.Serve(t, testBucket)
		return New(client, testBucket), fake
	})
}

func TestRangesContract(t *testing.T) {
	domaintest.TestRanges(t, func(t *testing.T) (domain.RangeBlobs, domaintest.BlobControl) {
		fake, client := s3fake.Serve(t, testBucket)
		return New(client, testBucket), fake
	})
}

func TestSplitRoutesInputsToTheirBucket(t *testing.T) {
	_, client := s3fake.Serve(t, "inputs", "results")
	inputs, results := New(client, "inputs"), New(client, "results")
	split := Split{Inputs: inputs, Results: results}
	ctx := t.Context()
	for _, key := range []string{"inputs/u/j/a.vcf", "results/u/j/annotated.vcf"} {
		if err := split.Put(ctx, key, strings.NewReader(key)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := inputs.Head(ctx, "inputs/u/j/a.vcf"); err != nil {
		t.Errorf("upload not in the inputs bucket: %v", err)
	}
	if _, err := results.Head(ctx, "results/u/j/annotated.vcf"); err != nil {
		t.Errorf("result not in the results bucket: %v", err)
	}
	if _, err := inputs.Head(ctx, "results/u/j/annotated.vcf"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("result leaked into the inputs bucket: %v", err)
	}
	for prefix, want := range map[string]string{"inputs/u/": "inputs/u/j/a.vcf", "results/": "results/u/j/annotated.vcf"} {
		if got, err := split.List(ctx, prefix); err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("List(%q) = %q, %v; want [%s] from its bucket", prefix, got, err, want)
		}
	}
	if _, err := split.List(ctx, "in"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("List of a prefix spanning both buckets: err = %v, want ErrInvalid", err)
	}
	if err := split.Copy(ctx, "results/u/j/annotated.vcf", "archive/u/j/annotated.vcf", domain.ClassGlacier); err != nil {
		t.Errorf("archive copy within results: %v", err)
	}
	if err := split.Copy(ctx, "inputs/u/j/a.vcf", "results/u/j/a.vcf", domain.ClassStandard); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("copy across buckets: err = %v, want ErrInvalid", err)
	}
	if _, err := split.PresignPost(ctx, UploadPolicy{KeyPrefix: "results/u/", MaxBytes: 10}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("upload form outside inputs/: err = %v, want ErrInvalid", err)
	}
	form, err := split.PresignPost(ctx, UploadPolicy{KeyPrefix: "inputs/u/j2/", MaxBytes: 10})
	if err != nil || !strings.HasSuffix(form.URL, "/inputs") {
		t.Errorf("upload form = %+v, %v; want one posting to the inputs bucket", form, err)
	}
}

func TestUploadDirThenDownloadDirRoundTrips(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	ctx := t.Context()
	src := t.TempDir()
	for rel, body := range map[string]string{"manifest.json": `{"v":1}`, "chr21/seq.bin": "ACGT"} {
		os.MkdirAll(filepath.Dir(filepath.Join(src, rel)), 0o755)
		if err := os.WriteFile(filepath.Join(src, rel), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := store.UploadDir(ctx, src, "bundle/"); err != nil || n != 2 {
		t.Fatalf("UploadDir = %d, %v", n, err)
	}
	if err := store.Put(ctx, "other/x", strings.NewReader("no")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "refdata")
	n, err := store.DownloadDir(ctx, "bundle/", dir)
	if err != nil || n != 2 {
		t.Fatalf("DownloadDir = %d, %v; want 2 files", n, err)
	}
	for rel, want := range map[string]string{"manifest.json": `{"v":1}`, "chr21/seq.bin": "ACGT"} {
		if got, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("an object outside the prefix was downloaded")
	}
	// A warm start finds the directory and downloads nothing.
	if n, err := store.DownloadDir(ctx, "bundle/", dir); err != nil || n != 0 {
		t.Errorf("second DownloadDir = %d, %v; want 0, nil", n, err)
	}
	if _, err := store.DownloadDir(ctx, "missing/", filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("DownloadDir of an empty prefix succeeded")
	}
}
