package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf/vcftest"
)

// s3Fixture is the AWS side of the download tests: the inputs and results
// buckets on the S3 emulator, in-memory jobs, and their premium owner u1.
type s3Fixture struct {
	blobs s3blob.Split
	jobs  *memstore.Jobs
	owner domain.Profile
}

func newS3Fixture(t *testing.T) *s3Fixture {
	_, client := s3fake.Serve(t, "gas-inputs", "gas-results")
	return &s3Fixture{
		blobs: s3blob.Split{Inputs: s3blob.New(client, "gas-inputs"), Results: s3blob.New(client, "gas-results")},
		jobs:  memstore.NewJobs(),
		owner: domain.Profile{ID: "u1", Role: domain.RolePremium},
	}
}

// completed stores u1's completed job id with plain, BGZF-compressed as
// the Annotate step leaves it, as its available result, and returns the
// result's key.
func (f *s3Fixture) completed(t *testing.T, id, plain string) string {
	t.Helper()
	ctx := context.Background()
	key := "results/u1/" + id + "/annotated.vcf.gz"
	if err := f.blobs.Put(ctx, key, bytes.NewReader(vcftest.BGZF(t, plain))); err != nil {
		t.Fatal(err)
	}
	if err := f.jobs.Create(ctx, domain.Job{ID: id, UserID: "u1", InputName: "calls.vcf", InputKey: "inputs/u1/" + id + "/calls.vcf",
		Status: domain.StatusCompleted, ResultKey: key, ResultState: domain.ResultAvailable}); err != nil {
		t.Fatal(err)
	}
	return key
}

// On AWS every download is a signed S3 link (the API Lambda cannot carry a
// large file): plain VCF and TSV are copies made from the BGZF result on the
// first request. Over the S3 emulator: the links serve exactly what the
// portal streams locally, the copies are made once, and deleting the job
// deletes them.
func TestDownloadLinksServePlainVCFAndTSV(t *testing.T) {
	ctx := context.Background()
	f := newS3Fixture(t)
	blobs, owner := f.blobs, f.owner
	s := New(Ports{Jobs: f.jobs, Profiles: memstore.NewProfiles(owner), Blobs: blobs, Direct: blobs},
		Config{FreeCap: 100, UploadLimit: 200})
	key := f.completed(t, "j1", vcftest.Annotated)
	var tsv bytes.Buffer
	if err := variants.SplitTSV(&tsv, strings.NewReader(vcftest.Annotated)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ format, name, want string }{
		{"", "calls.annotated.vcf", vcftest.Annotated},
		{FormatVCF, "calls.annotated.vcf", vcftest.Annotated},
		{FormatTSV, "calls.annotated.tsv", tsv.String()},
	} {
		d, err := s.ResultLink(ctx, owner, "j1", tc.format)
		if err != nil || d.Preparing {
			t.Fatalf("%q: %+v %v", tc.format, d, err)
		}
		resp, err := http.Get(d.Link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != tc.want || !strings.Contains(resp.Header.Get("Content-Disposition"), tc.name) {
			t.Errorf("%q: %d %q\n%s", tc.format, resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
	}
	copies := []string{domain.DownloadKey(key, FormatVCF), domain.DownloadKey(key, FormatTSV)}
	for _, k := range copies {
		if _, err := blobs.Head(ctx, k); err != nil {
			t.Errorf("copy %s: %v", k, err)
		}
	}
	// The stored form is linked as it is.
	if d, err := s.ResultLink(ctx, owner, "j1", FormatVCFGz); err != nil || !strings.Contains(d.Link, "/annotated.vcf.gz?") {
		t.Errorf("vcf.gz link %q %v", d.Link, err)
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

// fakeCopier stands for the download Lambda: a waited request runs
// MakeDownload at once; a background one is kept until the test runs it
// (run), as Lambda would a little later.
type fakeCopier struct {
	s       *Service
	calls   []string // "<job> <format> wait|background"
	pending []domain.DownloadRequest
	fail    error // the next background start fails
}

func (c *fakeCopier) MakeDownload(ctx context.Context, req domain.DownloadRequest, wait bool) error {
	mode := "background"
	if wait {
		mode = "wait"
	}
	c.calls = append(c.calls, req.JobID+" "+req.Format+" "+mode)
	if wait {
		return c.s.MakeDownload(ctx, req)
	}
	if err := c.fail; err != nil {
		c.fail = nil
		return err
	}
	c.pending = append(c.pending, req)
	return nil
}

// run runs the background requests kept so far, as the Lambda does.
func (c *fakeCopier) run(ctx context.Context) []error {
	var errs []error
	for _, req := range c.pending {
		errs = append(errs, c.s.MakeDownload(ctx, req))
	}
	c.pending = nil
	return errs
}

// On AWS a result larger than the request can wait for is copied in the
// background: the first request starts the copy and answers Preparing,
// later ones start nothing more until it is stored and then link it; a
// failed or lost copy is started again and says why. A small one is copied
// while the request waits. Over the S3 emulator.
func TestLargeDownloadIsCopiedInTheBackground(t *testing.T) {
	ctx := context.Background()
	f := newS3Fixture(t)
	blobs, owner := f.blobs, f.owner
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	copier := &fakeCopier{}
	big := vcftest.Annotated
	for i := range 200 {
		big += fmt.Sprintf("21\t%d\t.\tC\tT\t.\t.\tCSQ=T|stop_gained|HIGH|G%d|ENSG%d|ENST%d.1|protein_coding|YES\n", 300+i*i*7, i*31, i*17, i*i)
	}
	plain := map[string]string{"small": vcftest.Annotated, "big": big}
	small := int64(len(vcftest.BGZF(t, plain["small"])))
	if int64(len(vcftest.BGZF(t, big))) <= small {
		t.Fatal("the big result compresses below the small one")
	}
	s := New(Ports{Jobs: f.jobs, Profiles: memstore.NewProfiles(owner), Blobs: blobs, Direct: blobs, Copier: copier},
		Config{FreeCap: 100, UploadLimit: 200, WaitCopyBytes: small, Now: func() time.Time { return now }})
	copier.s = s
	for _, id := range []string{"big", "small"} {
		f.completed(t, id, plain[id])
	}
	get := func(link string) string {
		t.Helper()
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	steps := []struct {
		name      string
		before    func()
		job       string
		preparing bool
		message   string   // in the answer while preparing
		calls     []string // copier calls so far
	}{
		{"first request: the copy starts in the background", nil, "big", true, "being made from the compressed result", []string{"big vcf background"}},
		{"again while it runs: nothing more starts", func() { now = now.Add(time.Minute) }, "big", true, "since 09:00:00 UTC", []string{"big vcf background"}},
		{"the copy fails: the next request starts another and says why", func() {
			if err := blobs.Delete(ctx, "results/u1/big/annotated.vcf.gz"); err != nil {
				t.Fatal(err)
			}
			if errs := copier.run(ctx); len(errs) != 1 || errs[0] == nil {
				t.Fatalf("a copy of a missing result: %v", errs)
			}
			blobs.Put(ctx, "results/u1/big/annotated.vcf.gz", bytes.NewReader(vcftest.BGZF(t, plain["big"])))
		}, "big", true, "The previous attempt failed: ", []string{"big vcf background", "big vcf background"}},
		{"lost past the copy timeout: started again", func() { now = now.Add(CopyTimeout + time.Second) }, "big", true, "since 09:16:01 UTC",
			[]string{"big vcf background", "big vcf background", "big vcf background"}},
		{"once made: the link, and nothing more starts", func() {
			for _, err := range copier.run(ctx) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}, "big", false, "", []string{"big vcf background", "big vcf background", "big vcf background"}},
		{"a small result: copied while the request waits", nil, "small", false, "",
			[]string{"big vcf background", "big vcf background", "big vcf background", "small vcf wait"}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		d, err := s.ResultLink(ctx, owner, st.job, FormatVCF)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if d.Preparing != st.preparing || !slices.Equal(copier.calls, st.calls) {
			t.Fatalf("%s: preparing %v, calls %q; want %v, %q", st.name, d.Preparing, copier.calls, st.preparing, st.calls)
		}
		if st.preparing {
			if d.Link != "" || d.RetryAfter < 10*time.Second || !strings.Contains(d.Message, st.message) || !strings.Contains(d.Message, "calls.annotated.vcf") {
				t.Errorf("%s: %+v, want a message with %q", st.name, d, st.message)
			}
			continue
		}
		if body := get(d.Link); body != plain[st.job] {
			t.Errorf("%s: the link serves %q", st.name, body)
		}
	}
	// A copier that cannot start the copy is an error now, and the next request tries again.
	copier.fail = errors.New("lambda: TooManyRequestsException")
	if _, err := s.ResultLink(ctx, owner, "big", FormatTSV); err == nil || !strings.Contains(err.Error(), "TooManyRequests") {
		t.Errorf("failed start: %v", err)
	}
	if d, err := s.ResultLink(ctx, owner, "big", FormatTSV); err != nil || !d.Preparing || len(copier.pending) != 1 {
		t.Errorf("after a failed start: %+v %v, %d pending", d, err, len(copier.pending))
	}
}
