package webui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/testshared"
)

const chromium = "/usr/bin/chromium"

// TestBrowser drives Debian's chromium through the portal on the real local
// service: sign up, upload test.vcf, wait for COMPLETED, open the result and
// the charts, save a screenshot (under the test's temp dir; also to
// docs/screenshot.png when GAS_UPDATE_SCREENSHOT=1).
func TestBrowser(t *testing.T) {
	requireChromium(t)
	h, _ := newAppHarness(t, app.Config{})
	shared, srv, mail := testshared.Dir(t), h.srv, h.mail
	tctx := startChromium(t, srv.URL, chromedp.WindowSize(1280, 1000))
	step := stepper(t, tctx)
	signUpInBrowser(step, srv.URL, mail, "Rosalind Franklin", "rosalind@example.org", "King's College", "double helix 51")

	vcf := filepath.Join(shared, "vcf", "test.vcf")
	step("choose the file",
		chromedp.Navigate(srv.URL+"/annotate"),
		chromedp.WaitVisible(chromedp.ID("file")),
	)
	disabled, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.getElementById("submit").disabled`))
	if err != nil || !disabled {
		t.Errorf("submit before choosing a file: disabled = %v, %v; want true", disabled, err)
	}
	// Over the free cap: refused in the browser, the button stays disabled.
	step("choose a file over the cap",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{filepath.Join(shared, "vcf", "premium_1.vcf")}),
		chromedp.WaitVisible(chromedp.ID("upload-error")),
	)
	msg, err := chromedp.Run(tctx, chromedp.Text(chromedp.ID("upload-error")))
	disabled, _ = chromedp.Run(tctx, chromedp.Evaluate[bool](`document.getElementById("submit").disabled`))
	if err != nil || !strings.Contains(msg, "over your limit of 150 KB") || !disabled {
		t.Errorf("over-cap file: message %q (%v), submit disabled %v", msg, err, disabled)
	}
	step("upload",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{vcf}),
		chromedp.SetValue(chromedp.ID("distance"), "2500"), // the script sends the run options with the file
		chromedp.WaitEnabled(chromedp.ID("submit")),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("view-job")),
	)
	submitted := time.Now()
	step("open the job", chromedp.Click(chromedp.ID("view-job")))
	// The job page polls the API and reloads itself when the status changes;
	// a reload destroys the page's JavaScript context, so evaluate in a loop.
	for deadline := time.Now().Add(60 * time.Second); ; {
		done, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(document.getElementById("job-status") || {}).textContent === "COMPLETED"`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("job not COMPLETED after 60 s (last error %v); page:\n%s", err, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("upload to COMPLETED seen in the browser: %v", time.Since(submitted).Round(time.Millisecond))

	step("charts", chromedp.WaitVisible(chromedp.CSS("#chart-consequences svg")),
		chromedp.WaitVisible(chromedp.CSS("#chart-impact svg")), chromedp.WaitVisible(chromedp.CSS("#chart-chromosomes svg")))
	if opts, err := chromedp.Run(tctx, chromedp.Text(chromedp.ID("run-options"))); err != nil || opts != "transcripts=all distance=2500" {
		t.Errorf("run options on the job page %q (%v), want distance 2500", opts, err)
	}
	bars, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-consequences rect").length`))
	if err != nil || bars == 0 {
		t.Errorf("consequence chart has %d bars (%v)", bars, err)
	}
	// Open the result as the browser would (same cookies) and check it is annotated.
	result, err := chromedp.Run(tctx, chromedp.Evaluate[string](
		`fetch(document.getElementById("result-link").href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch result: %v", err)
	}
	if !strings.Contains(result, "##INFO=<ID=CSQ") || !strings.Contains(result, "\nMT\t") {
		t.Errorf("result is not an annotated VCF: %.300q", result)
	}

	shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "job.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
	if os.Getenv("GAS_UPDATE_SCREENSHOT") == "1" {
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshot.png"), shot, 0o644); err != nil {
			t.Error(err)
		}
	}

	jobURL, err := chromedp.Run(tctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	// The history page shows the map run; its child links to the shard's own history.
	for _, c := range []struct {
		name, click, wait, text string
		want                    []string
	}{
		{"history with its map run", "#history-link", "#maprun-ShardMap table.children a", "#maprun-ShardMap",
			[]string{"SUCCEEDED", "Items: 1. Child executions: 1 started, 1 succeeded, 0 failed"}},
		{"a shard's own history", "#maprun-ShardMap table.children a", "#timeline li", "#timeline",
			[]string{"AnnotateShard", "ExecutionSucceeded"}},
	} {
		step(c.name, chromedp.Click(chromedp.CSS(c.click)), chromedp.WaitVisible(chromedp.CSS(c.wait)))
		text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(c.text)))
		for _, w := range c.want {
			if err != nil || !strings.Contains(text, w) {
				t.Errorf("%s: %.300q lacks %q (%v)", c.name, text, w, err)
			}
		}
	}
	step("back to the job and its log",
		chromedp.Navigate(jobURL),
		chromedp.Click(chromedp.ID("log-link")),
		chromedp.WaitVisible(chromedp.ID("log")),
	)
	step("job list", chromedp.Navigate(srv.URL+"/jobs"), chromedp.WaitVisible(chromedp.CSS("#jobs tbody tr")))
	badge, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(`#jobs [data-field="status"]`)))
	if err != nil || badge != "COMPLETED" {
		t.Errorf("job list badge = %q, %v", badge, err)
	}

	// The variant table: a plain GET form, filtered by impact in the browser.
	variantsURL := srv.URL + "/jobs/" + jobID(t, tctx) + "/variants"
	step("variant table", chromedp.Navigate(variantsURL), chromedp.WaitVisible(chromedp.CSS("#variants tbody tr")))
	step("filter the variants",
		chromedp.Click(chromedp.CSS(`input[name=impact][value=MODERATE]`)),
		chromedp.Click(chromedp.CSS(`#variant-filters button[type=submit]`)),
		// Only the filtered page has the box checked in its markup.
		chromedp.WaitVisible(chromedp.CSS(`input[name=impact][value=MODERATE][checked]`)),
		chromedp.WaitVisible(chromedp.CSS("#variants tbody tr")),
	)
	impacts, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#variants tbody tr td:nth-child(8)")].map(td => td.textContent.trim())`))
	if err != nil || len(impacts) == 0 {
		t.Fatalf("filtered table: %v %v", impacts, err)
	}
	for _, i := range impacts {
		if i != "MODERATE" {
			t.Fatalf("impact filter let %q through", i)
		}
	}
	count, err := chromedp.Run(tctx, chromedp.Text(chromedp.ID("variant-count")))
	if err != nil || !strings.Contains(count, "matching rows") {
		t.Errorf("variant count %q %v", count, err)
	}
	t.Logf("variant table, impact=MODERATE: %d rows shown; %s", len(impacts), count)

	// GAS_SCREENSHOT_DIR=DIR keeps a picture of every page, for looking at the design.
	if dir := os.Getenv("GAS_SCREENSHOT_DIR"); dir != "" {
		for _, page := range []string{"/", "/jobs", "/annotate", "/profile", "/subscribe", "/jobs/" + jobID(t, tctx) + "/history", "/nope"} {
			step("visit "+page, chromedp.Navigate(srv.URL+page))
			shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			name := strings.NewReplacer("/", "_").Replace(strings.Trim(page, "/"))
			os.WriteFile(filepath.Join(dir, "page_"+name+".png"), shot, 0o644)
		}
	}
}

// requireChromium skips the test in -short mode or where chromium is missing.
func requireChromium(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not installed (.ci/run installs it): %v", chromium, err)
	}
}

// startChromium starts a headless chromium on url and returns a context with
// a two-minute budget for the test's steps.
func startChromium(t *testing.T, url string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser; it must not carry the timeout.
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	t.Cleanup(cancel)
	return tctx
}

// stepFunc runs one named step of browser actions.
type stepFunc func(name string, actions ...chromedp.Action[chromedp.Void])

// stepper returns a stepFunc over ctx: each step gets 30 s, and a failed one
// ends the test with the page's text.
func stepper(t *testing.T, ctx context.Context) stepFunc {
	return func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v; page:\n%s", name, err, text)
		}
	}
}

// signUpInBrowser signs up on the portal at base as name <email> (with an
// institution unless it is empty), then follows the mailed link and chooses
// password, ending signed in.
func signUpInBrowser(step stepFunc, base string, mail *memstore.Mailer, name, email, institution, password string) {
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/signup"),
		chromedp.SendKeys(chromedp.CSS("input[name=name]"), name),
		chromedp.SendKeys(chromedp.CSS("input[name=email]"), email),
	}
	if institution != "" {
		fill = append(fill, chromedp.SendKeys(chromedp.CSS("input[name=institution]"), institution))
	}
	step("sign up", append(fill,
		chromedp.Click(chromedp.ID("signup-submit")),
		chromedp.WaitVisible(chromedp.ID("mail-sent")),
	)...)
	step("confirm the address",
		chromedp.Navigate(base+lastLink(mail, email)),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), password),
		chromedp.Click(chromedp.ID("choose-submit")),
		chromedp.WaitVisible(chromedp.CSS("a[href='/profile']")),
	)
}

// jobID reads the id of the first job on the job list page.
func jobID(t *testing.T, ctx context.Context) string {
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#jobs tbody tr").dataset.job`))
	if err != nil {
		t.Fatal(err)
	}
	return id
}
