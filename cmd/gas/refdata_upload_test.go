package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/testshared"
)

// fakeAWS points the default AWS configuration at an in-process S3 holding
// bucket, with no shared config files and no instance metadata.
func fakeAWS(t *testing.T, bucket string) (endpoint string, client *s3.Client) {
	t.Helper()
	fake, err := s3fake.New(bucket)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": s3fake.AccessKeyID, "AWS_SECRET_ACCESS_KEY": s3fake.SecretAccessKey, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": s3fake.Region, "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
	} {
		t.Setenv(k, v)
	}
	return srv.URL, s3fake.Client(srv.URL)
}

func buildMiniBundle(t *testing.T) string {
	t.Helper()
	s := testshared.Path(t, "refdata", "grch38-mini")
	out := filepath.Join(t.TempDir(), "bundle")
	var stderr bytes.Buffer
	err := refdataBuild(context.Background(), []string{"-o", out, "-q",
		"--fasta", filepath.Join(s, "chrM.fa"), "--genes", filepath.Join(s, "chrM.genes.gff3"),
	}, &stderr, &stderr)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	return out
}

func TestRefdataUploadIsWhatTheAnnotateLambdaDownloads(t *testing.T) {
	// GIVEN a built bundle and an S3 bucket reached through the default AWS configuration
	bundle := buildMiniBundle(t)
	endpoint, client := fakeAWS(t, "gas-refdata")

	// WHEN it is uploaded with the default prefix
	var stdout, stderr bytes.Buffer
	if err := refdataUpload(context.Background(), []string{"--bucket", "gas-refdata", "--endpoint", endpoint, bundle}, &stdout, &stderr); err != nil {
		t.Fatalf("upload: %v\n%s", err, stderr.String())
	}

	// THEN every file is under the prefix the annotate Lambda reads, and its
	// download (s3blob.DownloadDir, as in functions/annotate) opens as the same bundle
	var want int
	filepath.WalkDir(bundle, func(_ string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			want++
		}
		return nil
	})
	if !strings.Contains(stdout.String(), "s3://gas-refdata/bundle/") || strings.Contains(stdout.String(), "note:") {
		t.Errorf("output: %s", stdout.String())
	}
	dir := filepath.Join(t.TempDir(), "refdata")
	n, err := s3blob.New(client, "gas-refdata").DownloadDir(context.Background(), "bundle/", dir)
	if err != nil || n != want || n == 0 {
		t.Fatalf("downloaded %d files (%v), want %d", n, err, want)
	}
	got, err := refdata.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := refdata.Open(bundle)
	if got.Manifest().Counts != orig.Manifest().Counts || !got.Manifest().Built.Equal(orig.Manifest().Built) {
		t.Errorf("downloaded manifest %+v, uploaded %+v", got.Manifest().Counts, orig.Manifest().Counts)
	}
}

func TestRefdataUploadOtherPrefixWarns(t *testing.T) {
	bundle := buildMiniBundle(t)
	endpoint, client := fakeAWS(t, "gas-refdata")
	var stdout, stderr bytes.Buffer
	if err := refdataUpload(context.Background(), []string{"--bucket", "gas-refdata", "--endpoint", endpoint, "--prefix", "v2", bundle}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := s3blob.New(client, "gas-refdata").Head(context.Background(), "v2/manifest.json"); err != nil {
		t.Errorf("manifest not under v2/: %v", err)
	}
	if !strings.Contains(stdout.String(), "note: the annotate Lambda reads s3://gas-refdata/bundle/") {
		t.Errorf("no note about the prefix: %s", stdout.String())
	}
}

func TestRefdataUploadErrors(t *testing.T) {
	endpoint, _ := fakeAWS(t, "gas-refdata")
	notBundle := t.TempDir()
	os.WriteFile(filepath.Join(notBundle, "x.txt"), []byte("x"), 0o644)
	bundle := buildMiniBundle(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no bucket", []string{notBundle}, "need --bucket"},
		{"no directory", []string{"--bucket", "gas-refdata"}, "exactly one bundle directory"},
		{"not a bundle", []string{"--bucket", "gas-refdata", "--endpoint", endpoint, notBundle}, notBundle},
		{"no such bucket", []string{"--bucket", "missing-bucket", "--endpoint", endpoint, bundle}, "missing-bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := refdataUpload(context.Background(), tc.args, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
