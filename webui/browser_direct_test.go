package webui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sqlite"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/webui"
)

// bucketCORS answers as S3 does with the CORS rule infra/ puts on the inputs
// bucket: the portal's origin may POST, with any header; ETag and Location
// are exposed.
type bucketCORS struct {
	next   http.Handler
	origin string
}

func (c *bucketCORS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != c.origin {
		c.next.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", c.origin)
	h.Set("Vary", "Origin")
	if r.Method == http.MethodOptions {
		if r.Header.Get("Access-Control-Request-Method") != http.MethodPost {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		h.Set("Access-Control-Allow-Methods", "POST")
		if hdrs := r.Header.Get("Access-Control-Request-Headers"); hdrs != "" {
			h.Set("Access-Control-Allow-Headers", hdrs)
		}
		h.Set("Access-Control-Max-Age", "3000")
		return
	}
	h.Set("Access-Control-Expose-Headers", "ETag, Location")
	c.next.ServeHTTP(w, r)
}

// TestBrowserDirectUpload drives chromium through the AWS upload flow: the
// annotate page's script posts the file straight to the S3 emulator (another
// origin, so CSP and CORS are exercised), then opens the success URL with
// the page's run options, which starts the job with them.
func TestBrowserDirectUpload(t *testing.T) {
	requireChromium(t)
	ctx := context.Background()
	// GIVEN the portal over S3 (the emulator, behind the bucket's CORS rule)
	fake, err := s3fake.New("gas-inputs", "gas-results")
	if err != nil {
		t.Fatal(err)
	}
	cors := &bucketCORS{next: fake}
	s3srv := httptest.NewServer(cors)
	t.Cleanup(s3srv.Close)
	client := s3fake.Client(s3srv.URL)
	blobs := s3blob.Split{Inputs: s3blob.New(client, "gas-inputs"), Results: s3blob.New(client, "gas-results")}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "gas.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	wf := newFakeWorkflow()
	mail := &memstore.Mailer{}
	authSvc, err := auth.New(db.Profiles(), db.Auth(), auth.Config{Key: []byte(strings.Repeat("k", 32)), Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Mailer: mail, BaseURL: mailBase})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Ports{Jobs: db.Jobs(), Profiles: db.Profiles(), Blobs: blobs, Workflow: wf, Direct: blobs},
		service.Config{FreeCap: freeCap, UploadLimit: 1 << 20, Logger: quiet})
	portal, err := webui.New(webui.Config{
		Service: svc, Auth: authSvc, RequestLimit: 64 << 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(portal)
	t.Cleanup(srv.Close)
	cors.origin = srv.URL

	tctx := startChromium(t, srv.URL)
	step := stepper(t, tctx)
	signUpInBrowser(step, srv.URL, mail, "Ada", "ada@example.org", "", "analytical engine")

	// WHEN the user picks a VCF on the annotate page and submits it
	vcf := filepath.Join(testshared.Dir(t), "vcf", "test.vcf")
	want, err := os.ReadFile(vcf)
	if err != nil {
		t.Fatal(err)
	}
	step("upload to S3",
		chromedp.Navigate(srv.URL+"/annotate"),
		chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{vcf}),
		// with run options (not posted to S3: its policy would refuse them)
		chromedp.SetValue(chromedp.ID("transcripts"), "pick"),
		chromedp.SetValue(chromedp.ID("distance"), "1200"),
		chromedp.WaitEnabled(chromedp.ID("submit")),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("view-job")),
	)

	// THEN the file went to the inputs bucket, and the job was started on it
	started := wf.started(domain.MachineAnnotation)
	if len(started) != 1 {
		t.Fatalf("%d executions started", len(started))
	}
	j, err := db.Jobs().Get(ctx, started[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := blobs.Inputs.Head(ctx, j.InputKey)
	if err != nil || info.Size != int64(len(want)) || j.InputName != "test.vcf" || j.InputSize != int64(len(want)) {
		t.Errorf("job %+v; object %+v, %v; want %d bytes", j, info, err, len(want))
	}
	// AND with the options chosen on the page
	if j.Options.String() != "transcripts=pick distance=1200" {
		t.Errorf("job options %+v, want pick and 1200", j.Options)
	}
	onSubmitted, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`location.pathname.endsWith("/submitted")`))
	if err != nil || !onSubmitted {
		t.Errorf("browser is not on the submitted page (%v)", err)
	}
}
