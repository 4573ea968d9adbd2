package service

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf/vcftest"
)

// completedWithIndex adds a completed job of u1 whose variant index is stored.
func (f *fixture) completedWithIndex(t *testing.T, id string) {
	t.Helper()
	key := "results/u1/" + id + "/annotated.vcf.gz"
	// The result as the workflow stores it (BGZF), and its index.
	var result, idx bytes.Buffer
	pw := tabix.NewPartWriter(&result)
	pw.Write([]byte(vcftest.Annotated))
	if _, err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	result.Write(tabix.EOF())
	b := variants.NewBuilder(&idx)
	b.Write([]byte(vcftest.Annotated))
	if err := b.Close(pw.Virtual); err != nil {
		t.Fatal(err)
	}
	f.putBlob(t, key, result.String())
	f.putBlob(t, domain.VariantsKey(key), idx.String())
	f.addJob(t, domain.Job{ID: id, UserID: "u1", Status: domain.StatusCompleted, ResultKey: key, ResultState: domain.ResultAvailable})
}

func TestVariantsAccessAndQuery(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.completedWithIndex(t, "j1")
	v, _ := url.ParseQuery("impact=HIGH")
	q, _ := variants.ParseQuery(v)
	for _, viewer := range []string{"u1", "a1"} {
		page, _, err := f.s.Variants(ctx, f.profile(t, viewer), "j1", q)
		if err != nil || page.Total != 1 || page.Rows[0].Gene != "GENE2" {
			t.Fatalf("%s: %+v %v", viewer, page, err)
		}
	}
	if _, _, err := f.s.Variants(ctx, f.profile(t, "p1"), "j1", q); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another user: %v", err)
	}
	var tsv bytes.Buffer
	if _, err := f.s.ExportVariants(ctx, f.profile(t, "u1"), "j1", variants.Query{Genes: []string{"gene1"}}, &tsv); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(tsv.String(), "\n"); got != 3 || !strings.HasPrefix(tsv.String(), variants.TSVHeader) {
		t.Fatalf("export:\n%s", tsv.String())
	}
	// An archived result has no table; a job without an index says why.
	f.jobs.Update(ctx, "j1", func(j *domain.Job) error { j.ResultState = domain.ResultArchived; return nil })
	if _, _, err := f.s.Variants(ctx, f.profile(t, "u1"), "j1", q); !errors.Is(err, domain.ErrArchived) {
		t.Fatalf("archived: %v", err)
	}
	f.addJob(t, domain.Job{ID: "old", UserID: "u1", Status: domain.StatusCompleted, ResultKey: "results/u1/old/annotated.vcf", ResultState: domain.ResultAvailable})
	if _, _, err := f.s.Variants(ctx, f.profile(t, "u1"), "old", q); !errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "re-run") {
		t.Fatalf("old job: %v", err)
	}
	// An index in a format this build no longer reads says the same.
	f.addJob(t, domain.Job{ID: "v1", UserID: "u1", Status: domain.StatusCompleted, ResultKey: "results/u1/v1/annotated.vcf.gz", ResultState: domain.ResultAvailable})
	f.putBlob(t, domain.VariantsKey("results/u1/v1/annotated.vcf.gz"), versionOneIndex(t))
	if _, _, err := f.s.Variants(ctx, f.profile(t, "u1"), "v1", q); !errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "older version") {
		t.Fatalf("version 1 index: %v", err)
	}
}

// versionOneIndex is an empty index file whose footer says version 1.
func versionOneIndex(t *testing.T) string {
	const magic = "GASVIX1\n"
	var b bytes.Buffer
	b.WriteString(magic)
	zw, _ := flate.NewWriter(&b, flate.BestSpeed)
	zw.Write([]byte(`{"version":1,"chroms":[],"genes":[],"csqs":[],"blocks":[]}`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(magic))))
	b.WriteString(magic)
	return b.String()
}

func TestIndexCacheKeepsAtMostMaxOpen(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.s.indexes = newIndexCache(2, 100)
	for i := range 5 {
		f.completedWithIndex(t, fmt.Sprint("j", i))
	}
	// Hold one index across evictions: it must stay readable until released.
	held, release, err := f.s.indexes.open(ctx, f.blob, "results/u1/j0/annotated.vcf.gz")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 5; i++ {
		if _, _, err := f.s.Variants(ctx, f.profile(t, "u1"), fmt.Sprint("j", i), variants.Query{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.s.indexes.entries); n != 2 {
		t.Fatalf("%d indexes open, max 2", n)
	}
	if p, err := held.Query(variants.Query{}); err != nil || p.Total != 3 {
		t.Fatalf("held index after eviction: %+v %v", p, err)
	}
	release()
	if _, err := held.Query(variants.Query{}); err == nil {
		t.Fatal("an evicted index is still open after its release")
	}
}

// manyFileBlobs reads every object as one that holds n open files, as
// fsblob's joined objects do.
type manyFileBlobs struct {
	domain.Blobs
	n int
}

type manyFiles struct {
	*bytes.Reader
	n int
}

func (manyFiles) Close() error { return nil }
func (m manyFiles) Files() int { return m.n }

func (b manyFileBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := b.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return manyFiles{Reader: bytes.NewReader(data), n: b.n}, err
}

// TestIndexCacheBoundsOpenFiles: indexes of several files each (and their
// results, read in place, as many) are evicted once their files pass the
// budget, however few they are.
func TestIndexCacheBoundsOpenFiles(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.s.indexes = newIndexCache(10, 13)
	blobs := manyFileBlobs{Blobs: f.blob, n: 3}
	for i := range 4 {
		f.completedWithIndex(t, fmt.Sprint("j", i))
		ix, release, err := f.s.indexes.open(ctx, blobs, fmt.Sprintf("results/u1/j%d/annotated.vcf.gz", i))
		if err != nil {
			t.Fatal(err)
		}
		if p, err := ix.Query(variants.Query{}); err != nil || p.Total != 3 {
			t.Fatalf("index j%d: %+v %v", i, p, err)
		}
		release()
	}
	if n, files := len(f.s.indexes.entries), f.s.indexes.files; n != 2 || files != 12 {
		t.Fatalf("%d indexes of %d files open, want 2 of 12 (at most 13 files)", n, files)
	}
}

// rangeOnlyBlobs serves a store's objects as S3 does: Get as a stream (no
// random access), GetRange for parts, counting the bytes each gives.
type rangeOnlyBlobs struct {
	domain.Blobs
	got, ranged map[string]int64
}

func (b *rangeOnlyBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := b.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return &countedReader{r: bytes.NewReader(data), n: func(k int) { b.got[key] += int64(k) }}, err
}

// countedReader is a stream that counts the bytes read from it.
type countedReader struct {
	r io.Reader
	n func(int)
}

func (c *countedReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n(k)
	return k, err
}

func (c *countedReader) Close() error { return nil }

func (b *rangeOnlyBlobs) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := b.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	part := data[min(off, int64(len(data))):min(off+n, int64(len(data)))]
	b.ranged[key] += int64(len(part))
	return io.NopCloser(bytes.NewReader(part)), nil
}

// TestVariantsReadTheResultByRanges: from a store with ranged reads and no
// random access (S3), a query reads the result by ranges where it is; only
// the index is copied.
func TestVariantsReadTheResultByRanges(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.completedWithIndex(t, "j1")
	key := "results/u1/j1/annotated.vcf.gz"
	blobs := &rangeOnlyBlobs{Blobs: f.blob, got: map[string]int64{}, ranged: map[string]int64{}}
	ix, release, err := f.s.indexes.open(ctx, blobs, key)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	q, _ := variants.ParseQuery(url.Values{"impact": {"HIGH"}})
	page, err := ix.Query(q)
	if err != nil || page.Total != 1 || page.Rows[0].Gene != "GENE2" || page.Rows[0].Feature != "ENST3.1" {
		t.Fatalf("page %+v, %v", page, err)
	}
	if blobs.got[key] != 0 || blobs.ranged[key] == 0 || blobs.got[domain.VariantsKey(key)] == 0 {
		t.Fatalf("read whole %v, by ranges %v: want the result by ranges only", blobs.got, blobs.ranged)
	}
}
