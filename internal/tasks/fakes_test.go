package tasks

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// fakeAnnotator upper-cases its input as "annotation", or fails as told.
type fakeAnnotator struct {
	calls int
	err   error
	panic bool
	block bool          // run until the context ends
	lim   domain.Limits // of the last call
}

func (f *fakeAnnotator) Annotate(ctx context.Context, in io.Reader, out io.Writer, lim domain.Limits) (Report, error) {
	f.calls++
	f.lim = lim
	if f.panic {
		panic("engine bug")
	}
	if f.block {
		out.Write([]byte("partial"))
		<-ctx.Done()
		return Report{}, ctx.Err()
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return Report{}, err
	}
	if _, err := out.Write(bytes.ToUpper(b)); err != nil {
		return Report{}, err
	}
	if f.err != nil {
		return Report{}, f.err
	}
	return Report{Summary: json.RawMessage(`{"records":2}`), Log: []byte("2 records\n")}, nil
}

// fixture is a Tasks over fresh fakes with a free user "u1" (u1@example.org), a premium
// user "p1", and a PENDING job "j1" of u1 whose input is stored.
type fixture struct {
	t        *Tasks
	jobs     *memstore.Jobs
	profiles *memstore.Profiles
	blobs    *memstore.Blobs
	mail     *memstore.Mailer
	engine   *fakeAnnotator
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		jobs:     memstore.NewJobs(),
		profiles: memstore.NewProfiles(),
		mail:     &memstore.Mailer{},
		engine:   &fakeAnnotator{},
		now:      time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
	}
	clock := func() time.Time { return f.now }
	f.jobs.PageCap = 1 // one job a page, so the handlers must follow cursors
	f.blobs = memstore.NewBlobs(clock)
	f.t = New(f.jobs, f.profiles, f.blobs, f.mail, f.engine, Config{
		BaseURL: "http://gas.test/",
		Now:     clock,
		Logger:  slog.New(slog.DiscardHandler),
		RestoreEstimate: map[domain.RestoreTier]time.Duration{
			domain.TierExpedited: 5 * time.Second, domain.TierStandard: 30 * time.Second,
		},
	})
	ctx := context.Background()
	f.profiles.Create(ctx, domain.Profile{ID: "u1", Email: "u1@example.org", Role: domain.RoleFree})
	f.profiles.Create(ctx, domain.Profile{ID: "p1", Email: "p1@example.org", Role: domain.RolePremium})
	f.addJob(t, "j1", "u1")
	return f
}

func (f *fixture) addJob(t *testing.T, id, user string) {
	t.Helper()
	ctx := context.Background()
	key := "inputs/" + user + "/" + id + "/sample.vcf"
	if err := f.blobs.Put(ctx, key, strings.NewReader(strings.ToLower(fakeResult))); err != nil {
		t.Fatal(err)
	}
	if err := f.jobs.Create(ctx, domain.Job{ID: id, UserID: user, InputName: "sample.vcf", InputKey: key,
		SubmittedAt: f.now, Status: domain.StatusPending}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) job(t *testing.T, id string) domain.Job {
	t.Helper()
	j, err := f.jobs.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// fakeResult is what the fake engine makes of every fixture input (stored as BGZF).
const fakeResult = "##FILEFORMAT=VCFV4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nCHR1\t1\t.\tA\tG\t.\t.\t.\n"

// result reads a stored result and decompresses it.
func (f *fixture) result(t *testing.T, key string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(f.blob(t, key)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return string(b)
}

func (f *fixture) blob(t *testing.T, key string) string {
	t.Helper()
	data, ok := f.blobs.Data(key)
	if !ok {
		t.Fatalf("blob %s missing; have %v", key, f.blobs.Keys())
	}
	return string(data)
}

// finishRestore completes the restores of an archived result and its other files.
func (f *fixture) finishRestore(resultKey string) {
	for _, k := range domain.ResultFiles(resultKey) {
		f.blobs.FinishRestore(k)
	}
}
