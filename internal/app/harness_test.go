package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/internal/testshared"
)

// The end-to-end tests run the real state machine definitions through the
// local runner with the embedded adapters and the real annotation engine.

var bundle struct {
	once sync.Once
	dir  string
	err  error
}

// bundleDir builds the mini reference bundle once per test binary.
func bundleDir(t *testing.T) string {
	t.Helper()
	shared := testshared.Dir(t)
	bundle.once.Do(func() {
		var tmp string
		if tmp, bundle.err = os.MkdirTemp("", "gas-app-ref-"); bundle.err != nil {
			return
		}
		bundle.dir = filepath.Join(tmp, "ref")
		_, bundle.err = refdata.BuildMini(context.Background(), shared, bundle.dir)
	})
	if bundle.err != nil {
		t.Fatalf("reference bundle: %v", bundle.err)
	}
	return bundle.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bundle.dir != "" {
		os.RemoveAll(filepath.Dir(bundle.dir))
	}
	os.Exit(code)
}

// testConfig is retention 1 s, quick restores, restore rounds 1 s apart, no
// retry jitter (so retries happen at once), quiet logs.
func testConfig(t *testing.T, dataDir string) Config {
	return Config{
		DataDir:   dataDir,
		RefDir:    bundleDir(t),
		Retention: time.Second,
		BaseURL:   "http://gas.test",
		RestoreDelays: map[domain.RestoreTier]time.Duration{
			domain.TierExpedited: 500 * time.Millisecond, domain.TierStandard: time.Second,
		},
		RestoreRetry: time.Second,
		Logger:       slog.New(slog.DiscardHandler),
		jitter:       func() float64 { return 0 },
	}
}

func openApp(t *testing.T, cfg Config) *App {
	t.Helper()
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func addUser(t *testing.T, a *App, id string, role domain.Role) domain.Profile {
	t.Helper()
	p := domain.Profile{ID: id, Name: id, Email: id + "@example.org", Role: role, CreatedAt: time.Now().UTC()}
	if err := a.Profiles.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func sharedVCF(t *testing.T, name string) []byte {
	t.Helper()
	return testshared.Read(t, "vcf", name)
}

func submit(t *testing.T, a *App, user, name string, body []byte) domain.Job {
	t.Helper()
	j, err := a.Service.SubmitJob(context.Background(), service.SubmitRequest{UserID: user, FileName: name, Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// wait blocks until the execution ends (at most a minute) and returns it.
func wait(t *testing.T, a *App, execID string) domain.Execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := a.Runner.Wait(ctx, execID)
	if err != nil {
		t.Fatalf("wait for %s: %v", execID, err)
	}
	if e.Status == domain.ExecRunning {
		t.Fatalf("execution %s still RUNNING", execID)
	}
	return e
}

func job(t *testing.T, a *App, id string) domain.Job {
	t.Helper()
	return domaintest.Stored(t, a.Jobs.Get, id)
}

func history(t *testing.T, a *App, execID string) []domain.HistoryEvent {
	t.Helper()
	ev, err := a.Workflow.History(context.Background(), execID)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// steps renders events as "Type State" lines, for comparing paths.
func steps(events []domain.HistoryEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, strings.TrimSpace(e.Type+" "+e.StateName))
	}
	return out
}

// count counts events of a type in a state.
func count(events []domain.HistoryEvent, typ, state string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ && e.StateName == state {
			n++
		}
	}
	return n
}

// mails returns the outbox's messages (To, Subject and the decoded body), oldest first.
func mails(t *testing.T, a *App) []string {
	t.Helper()
	entries, err := os.ReadDir(a.OutboxDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		f, err := os.Open(filepath.Join(a.OutboxDir(), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		var body io.Reader = m.Body
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		text, err := io.ReadAll(body)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		out = append(out, "To: "+m.Header.Get("To")+"\nSubject: "+subject+"\n\n"+string(text))
	}
	return out
}

// before wraps h's handler for task so that fn sees the job input of each
// call first; an error from fn fails the call without running the handler.
func before(h map[string]asl.Handler, task string, fn func(in tasks.JobInput) error) {
	next := h[task]
	h[task] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in tasks.JobInput
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		if err := fn(in); err != nil {
			return nil, err
		}
		return next(ctx, p)
	}
}

// gunzip inflates a (BGZF) result.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readBlob(t *testing.T, a *App, key string) []byte {
	t.Helper()
	return domaintest.Read(t, a.Blobs, key)
}

// field digs a value out of a JSON document by a dotted path.
func field(t *testing.T, doc json.RawMessage, dotted string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	for _, k := range strings.Split(dotted, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
