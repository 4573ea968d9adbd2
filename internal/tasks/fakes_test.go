package tasks

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/memstore"
)

// fakeAnnotator "annotates" by adding ANN=<chrom list> to INFO, counts the
// records, or fails as told.
type fakeAnnotator struct {
	run    domain.RunOptions // of the last call
	mu     sync.Mutex
	calls  int
	chroms [][]string
	err    error
	panic  bool
	block  bool          // run until the context ends
	lim    domain.Limits // of the last call
	none   bool          // count every record as not covered: nothing annotated
	during func()        // called while annotating (after the records are written)
}

func (f *fakeAnnotator) Annotate(ctx context.Context, chroms []string, in io.Reader, out io.Writer, index annotate.IndexSink, lim domain.Limits, run domain.RunOptions) (annotate.Summary, error) {
	f.run = run
	f.mu.Lock()
	f.calls++
	f.chroms = append(f.chroms, chroms)
	f.lim = lim
	f.mu.Unlock()
	if f.panic {
		panic("engine bug")
	}
	if f.block {
		out.Write([]byte("partial"))
		<-ctx.Done()
		return annotate.Summary{}, ctx.Err()
	}
	b, err := io.ReadAll(in)
	if err != nil {
		return annotate.Summary{}, err
	}
	var sum annotate.Summary
	// Like the engine: a BOM, CRs and empty lines go.
	text := strings.ReplaceAll(strings.TrimPrefix(string(b), "\ufeff"), "\r\n", "\n")
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "\n" {
			continue
		}
		if l != "" && l[0] != '#' {
			l = strings.TrimSuffix(l, "\n") + ";ANN=" + strings.Join(chroms, ",") + "\n"
			sum.Records++
			if f.none {
				sum.NotCovered++
			} else {
				sum.AnnotatedAlleles++
			}
		}
		if _, err := io.WriteString(out, l); err != nil {
			return annotate.Summary{}, err
		}
	}
	if f.during != nil {
		f.during()
	}
	if f.err != nil {
		return annotate.Summary{}, f.err
	}
	return sum, nil
}

// testVCF is a small valid VCF: a header and records on chr1, chr1, chr2.
const testVCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
	"chr1\t100\t.\tA\tG\t.\tPASS\tDP=1\nchr1\t200\t.\tC\tT\t.\tPASS\tDP=2\nchr2\t50\t.\tG\tA\t.\tPASS\tDP=3\n"

// wantResult is testVCF as the fake annotator leaves it (one shard, chr1 and chr2).
var wantResult = strings.NewReplacer("DP=1\n", "DP=1;ANN=chr1,chr2\n", "DP=2\n", "DP=2;ANN=chr1,chr2\n",
	"DP=3\n", "DP=3;ANN=chr1,chr2\n").Replace(testVCF)

// runJob runs the annotation steps as the state machine does: Plan, every
// manifest item through AnnotateShard, Merge.
func (f *fixture) runJob(id string) error {
	if _, err := f.planAndAnnotate(id); err != nil {
		return err
	}
	_, err := f.t.Merge(context.Background(), MergeInput{JobID: id})
	return err
}

// plan runs Plan and returns the manifest it wrote.
func (f *fixture) plan(id string) ([]Shard, error) {
	p, err := f.t.Plan(context.Background(), JobInput{JobID: id})
	if err != nil {
		return nil, err
	}
	var shards []Shard
	data, ok := f.blobs.Data(p.ManifestKey)
	if !ok {
		return nil, fmt.Errorf("no manifest at %s", p.ManifestKey)
	}
	if err := json.Unmarshal(data, &shards); err != nil {
		return nil, err
	}
	return shards, nil
}

// planAndAnnotate runs Plan and every shard, and returns the manifest.
func (f *fixture) planAndAnnotate(id string) ([]Shard, error) {
	shards, err := f.plan(id)
	if err != nil {
		return nil, err
	}
	for _, s := range shards {
		if _, err := f.t.AnnotateShard(context.Background(), ShardInput{JobID: id, Shard: s}); err != nil {
			return nil, err
		}
	}
	return shards, nil
}

// annotatedShards is a fixture whose job j1 is planned at one record a
// shard (testVCF's three records, three shards) and whose shards are all
// annotated, and the manifest.
func annotatedShards(t *testing.T) (*fixture, []Shard) {
	t.Helper()
	f := newFixture(t)
	f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
	shards, err := f.planAndAnnotate("j1")
	if err != nil {
		t.Fatal(err)
	}
	return f, shards
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

// limit runs the fixture's jobs with their tier's limits as edit changes them.
func (f *fixture) limit(edit func(*domain.Limits)) {
	f.t.cfg.Limits = func(r domain.Role) domain.Limits {
		l := domain.LimitsFor(r)
		edit(&l)
		return l
	}
}

func (f *fixture) addJob(t *testing.T, id, user string) {
	t.Helper()
	ctx := context.Background()
	key := "inputs/" + user + "/" + id + "/sample.vcf"
	if err := f.blobs.Put(ctx, key, strings.NewReader(testVCF)); err != nil {
		t.Fatal(err)
	}
	if err := f.jobs.Create(ctx, domain.Job{ID: id, UserID: user, InputName: "sample.vcf", InputKey: key,
		SubmittedAt: f.now, Status: domain.StatusPending}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) job(t *testing.T, id string) domain.Job {
	t.Helper()
	return domaintest.Stored(t, f.jobs.Get, id)
}

// fakeResult is what the fake engine makes of every fixture input (stored as BGZF).
var fakeResult = wantResult

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

// rangeBlobs is the memory store with ranged reads (domain.RangeBlobs), as
// the directory store and S3 have: Plan then leaves a plain upload in place.
type rangeBlobs struct {
	*memstore.Blobs
	ranges int // GetRange calls
}

func (r *rangeBlobs) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	r.ranges++
	if _, err := r.Get(ctx, key); err != nil {
		return nil, err
	}
	data, _ := r.Data(key)
	end := min(off+n, int64(len(data)))
	return io.NopCloser(bytes.NewReader(data[min(off, end):end])), nil
}
