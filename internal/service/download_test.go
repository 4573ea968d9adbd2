package service

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
)

// On AWS every download is a signed S3 link (the API Lambda cannot carry a
// large file): plain VCF and TSV are copies made from the BGZF result on the
// first request. Over the S3 emulator: the links serve exactly what the
// portal streams locally, the copies are made once, and deleting the job
// deletes them.
func TestDownloadLinksServePlainVCFAndTSV(t *testing.T) {
	ctx := context.Background()
	_, client := s3fake.Serve(t, "gas-inputs", "gas-results")
	blobs := s3blob.Split{Inputs: s3blob.New(client, "gas-inputs"), Results: s3blob.New(client, "gas-results")}
	jobs := memstore.NewJobs()
	owner := domain.Profile{ID: "u1", Role: domain.RolePremium}
	s := New(Ports{Jobs: jobs, Profiles: memstore.NewProfiles(owner), Blobs: blobs, Direct: blobs},
		Config{FreeCap: 100, UploadLimit: 200})
	key := "results/u1/j1/annotated.vcf.gz"
	var gz bytes.Buffer
	zw := vcf.NewBGZFWriter(&gz)
	zw.Write([]byte(vcfWithCSQ))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := blobs.Put(ctx, key, &gz); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Create(ctx, domain.Job{ID: "j1", UserID: "u1", InputName: "calls.vcf", InputKey: "inputs/u1/j1/calls.vcf",
		Status: domain.StatusCompleted, ResultKey: key, ResultState: domain.ResultAvailable}); err != nil {
		t.Fatal(err)
	}
	var tsv bytes.Buffer
	if err := variants.SplitTSV(&tsv, strings.NewReader(vcfWithCSQ)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ format, name, want string }{
		{"", "calls.annotated.vcf", vcfWithCSQ},
		{FormatVCF, "calls.annotated.vcf", vcfWithCSQ},
		{FormatTSV, "calls.annotated.tsv", tsv.String()},
	} {
		link, err := s.ResultLink(ctx, owner, "j1", tc.format)
		if err != nil {
			t.Fatalf("%q: %v", tc.format, err)
		}
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != tc.want || !strings.Contains(resp.Header.Get("Content-Disposition"), tc.name) {
			t.Errorf("%q: %d %q\n%s", tc.format, resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
	}
	copies := domain.DownloadFiles(key)
	for _, k := range copies {
		if _, err := blobs.Head(ctx, k); err != nil {
			t.Errorf("copy %s: %v", k, err)
		}
	}
	// The stored form is linked as it is.
	if link, err := s.ResultLink(ctx, owner, "j1", FormatVCFGz); err != nil || !strings.Contains(link, "/annotated.vcf.gz?") {
		t.Errorf("vcf.gz link %q %v", link, err)
	}
	if _, err := s.DeleteJob(ctx, owner, "j1"); err != nil {
		t.Fatal(err)
	}
	for _, k := range copies {
		if _, err := blobs.Head(ctx, k); err == nil {
			t.Errorf("copy %s outlived the job", k)
		}
	}
}
