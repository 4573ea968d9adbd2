package domaintest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// BlobControl drives what a real object store does on its own time, so the
// Blobs suite can run against a directory tree and an S3 emulator alike.
type BlobControl interface {
	// SetExpeditedUnavailable makes Expedited restores fail with
	// domain.ErrExpeditedUnavailable (S3's GlacierExpeditedRetrievalNotAvailable).
	SetExpeditedUnavailable(unavailable bool)
	// CompleteRestores finishes every restore in flight, as if its tier's delay had passed.
	CompleteRestores()
	// Advance moves the store's clock forward; restored copies expire when their days pass.
	Advance(d time.Duration)
	// Now is the store's current time.
	Now() time.Time
}

// TestBlobs runs the domain.Blobs contract. newBlobs must return an empty
// store and its control; Expedited starts available.
func TestBlobs(t *testing.T, newBlobs func(t *testing.T) (domain.Blobs, BlobControl)) {
	run := func(name string, f func(*testing.T, domain.Blobs, BlobControl)) {
		t.Run(name, func(t *testing.T) {
			b, c := newBlobs(t)
			f(t, b, c)
		})
	}
	run("PutGetHead", blobsPutGetHead)
	run("Overwrite", blobsOverwrite)
	run("FailedPutKeepsOld", blobsFailedPut)
	run("Absent", blobsAbsent)
	run("Delete", blobsDelete)
	run("List", blobsList)
	run("CopyStandard", blobsCopyStandard)
	run("ArchiveAndRestore", blobsArchiveRestore)
	run("RestoreAgainWhileInProgress", blobsRestoreTwice)
	run("RestoredCopyExpires", blobsRestoreExpires)
	run("ExpeditedUnavailable", blobsExpeditedUnavailable)
	run("RestoreStandardObject", blobsRestoreStandardObject)
	run("CopyArchivedToNewKey", blobsCopyArchived)
	run("LargeObject", blobsLarge)
	run("OddKeys", blobsOddKeys)
	run("PathTraversal", blobsTraversal)
}

func put(t *testing.T, b domain.Blobs, key, body string) {
	t.Helper()
	if err := b.Put(context.Background(), key, bytes.NewReader([]byte(body))); err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
}

// putArchived stores body at key and moves it to GLACIER in place.
func putArchived(t *testing.T, b domain.Blobs, key, body string) {
	t.Helper()
	put(t, b, key, body)
	if err := b.Copy(context.Background(), key, key, domain.ClassGlacier); err != nil {
		t.Fatalf("Copy %q to GLACIER: %v", key, err)
	}
}

// Getter is the read side that Read needs; domain.Blobs and audit.Archive
// have it.
type Getter interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Stored returns what get finds under id (a job, a profile) or fails the
// test.
func Stored[T any](t testing.TB, get func(context.Context, string) (T, error), id string) T {
	t.Helper()
	v, err := get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return v
}

// Read returns the whole object at key, failing the test when it cannot be
// opened or read.
func Read(t testing.TB, g Getter, key string) []byte {
	t.Helper()
	rc, err := g.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data
}

func get(t *testing.T, b domain.Blobs, key string) string {
	t.Helper()
	return string(Read(t, b, key))
}

func head(t *testing.T, b domain.Blobs, key string) domain.ObjectInfo {
	t.Helper()
	info, err := b.Head(context.Background(), key)
	if err != nil {
		t.Fatalf("Head %q: %v", key, err)
	}
	return info
}

func wantGetErr(t *testing.T, b domain.Blobs, key string, want error) {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, want) {
		t.Errorf("Get %q: err = %v, want %v", key, err, want)
	}
}

func blobsPutGetHead(t *testing.T, b domain.Blobs, c BlobControl) {
	put(t, b, "inputs/u1/j1/test.vcf", "##fileformat=VCFv4.2\n")
	if got := get(t, b, "inputs/u1/j1/test.vcf"); got != "##fileformat=VCFv4.2\n" {
		t.Errorf("Get = %q", got)
	}
	info := head(t, b, "inputs/u1/j1/test.vcf")
	if info.Key != "inputs/u1/j1/test.vcf" || info.Size != 21 || info.StorageClass != domain.ClassStandard {
		t.Errorf("Head = %+v, want key, size 21, STANDARD", info)
	}
	if d := info.LastModified.Sub(c.Now()); d > time.Minute || d < -time.Minute {
		t.Errorf("LastModified %v is far from now %v", info.LastModified, c.Now())
	}
	if info.RestoreInProgress || !info.Readable(c.Now()) {
		t.Errorf("fresh object: %+v, want readable with no restore", info)
	}
	put(t, b, "empty", "")
	if got := get(t, b, "empty"); got != "" {
		t.Errorf("empty object = %q", got)
	}
	if info := head(t, b, "empty"); info.Size != 0 {
		t.Errorf("empty object size %d", info.Size)
	}
}

func blobsOverwrite(t *testing.T, b domain.Blobs, c BlobControl) {
	put(t, b, "k", "first version")
	put(t, b, "k", "v2")
	if got := get(t, b, "k"); got != "v2" {
		t.Errorf("Get after overwrite = %q", got)
	}
	if info := head(t, b, "k"); info.Size != 2 {
		t.Errorf("size after overwrite = %d", info.Size)
	}
	// A Put replaces an archived object with a fresh STANDARD one.
	if err := b.Copy(context.Background(), "k", "k", domain.ClassGlacier); err != nil {
		t.Fatalf("Copy to GLACIER: %v", err)
	}
	put(t, b, "k", "v3")
	if info := head(t, b, "k"); info.StorageClass != domain.ClassStandard {
		t.Errorf("class after Put over GLACIER = %s", info.StorageClass)
	}
	if got := get(t, b, "k"); got != "v3" {
		t.Errorf("Get = %q", got)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

func blobsFailedPut(t *testing.T, b domain.Blobs, c BlobControl) {
	put(t, b, "k", "old")
	if err := b.Put(context.Background(), "k", &failingReader{n: 100_000}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if got := get(t, b, "k"); got != "old" {
		t.Errorf("after a failed Put, Get = %d bytes, want the old object", len(got))
	}
	if err := b.Put(context.Background(), "new", &failingReader{n: 10}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	wantGetErr(t, b, "new", domain.ErrNotFound)
}

func blobsAbsent(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	wantGetErr(t, b, "missing", domain.ErrNotFound)
	if _, err := b.Head(ctx, "missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Head: err = %v, want ErrNotFound", err)
	}
	if err := b.Copy(ctx, "missing", "dst", domain.ClassGlacier); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Copy: err = %v, want ErrNotFound", err)
	}
	if err := b.Restore(ctx, "missing", domain.TierStandard, 1); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Restore: err = %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "missing"); err != nil {
		t.Errorf("Delete absent: %v", err)
	}
}

func blobsDelete(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	put(t, b, "a/b/c", "x")
	put(t, b, "a/b/d", "y")
	if err := b.Delete(ctx, "a/b/c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantGetErr(t, b, "a/b/c", domain.ErrNotFound)
	if got := get(t, b, "a/b/d"); got != "y" {
		t.Errorf("sibling = %q", got)
	}
	if err := b.Delete(ctx, "a/b/c"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	// Archived objects can be deleted too.
	if err := b.Copy(ctx, "a/b/d", "a/b/d", domain.ClassGlacier); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if err := b.Delete(ctx, "a/b/d"); err != nil {
		t.Fatalf("Delete archived: %v", err)
	}
	if _, err := b.Head(ctx, "a/b/d"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Head after Delete: err = %v", err)
	}
}

func blobsList(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	for _, k := range []string{"work/u1/j1/shard-00001.vcf", "work/u1/j1/manifest.json", "work/u1/j1/part-00000.vcf.gz",
		"work/u1/j10/manifest.json", "work/u1/j1x", "work/u2/j1/manifest.json", "results/u1/j1/annotated.vcf.gz"} {
		put(t, b, k, "x")
	}
	if err := b.Copy(ctx, "work/u1/j1/part-00000.vcf.gz", "work/u1/j1/part-00000.vcf.gz", domain.ClassGlacier); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	cases := map[string][]string{
		"work/u1/j1/":  {"work/u1/j1/manifest.json", "work/u1/j1/part-00000.vcf.gz", "work/u1/j1/shard-00001.vcf"},
		"work/u1/j1":   {"work/u1/j1/manifest.json", "work/u1/j1/part-00000.vcf.gz", "work/u1/j1/shard-00001.vcf", "work/u1/j10/manifest.json", "work/u1/j1x"},
		"work/u1/j1/s": {"work/u1/j1/shard-00001.vcf"},
		"work/u3/":     nil,
		"nothing":      nil,
	}
	for prefix, want := range cases {
		got, err := b.List(ctx, prefix)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, %v; want %q", prefix, got, err, want)
		}
	}
	if err := b.Delete(ctx, "work/u1/j1/manifest.json"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.List(ctx, "work/u1/j1/m"); err != nil || len(got) != 0 {
		t.Errorf("List after Delete = %q, %v; want none", got, err)
	}
}

func blobsCopyStandard(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	put(t, b, "src", "payload")
	if err := b.Copy(ctx, "src", "dir/dst", domain.ClassStandard); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	put(t, b, "src", "changed")
	if got := get(t, b, "dir/dst"); got != "payload" {
		t.Errorf("copy = %q; it must not follow its source", got)
	}
	if err := b.Delete(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, b, "dir/dst"); got != "payload" {
		t.Errorf("copy after source deleted = %q", got)
	}
	// Copy onto itself in the same class is harmless.
	if err := b.Copy(ctx, "dir/dst", "dir/dst", domain.ClassStandard); err != nil {
		t.Errorf("Copy onto itself: %v", err)
	}
	if got := get(t, b, "dir/dst"); got != "payload" {
		t.Errorf("after self-copy = %q", got)
	}
}

// blobsArchiveRestore walks the archive and restore workflow's path.
func blobsArchiveRestore(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	const key, body = "results/u1/j1/out.vcf", "annotated\n"
	putArchived(t, b, key, body)
	info := head(t, b, key)
	if info.StorageClass != domain.ClassGlacier || info.Size != int64(len(body)) || info.Readable(c.Now()) {
		t.Fatalf("archived Head = %+v, want GLACIER, size %d, not readable", info, len(body))
	}
	wantGetErr(t, b, key, domain.ErrArchived)

	if err := b.Restore(ctx, key, domain.TierExpedited, 1); err != nil {
		t.Fatalf("Restore Expedited: %v", err)
	}
	info = head(t, b, key)
	if !info.RestoreInProgress || info.Readable(c.Now()) {
		t.Errorf("during restore Head = %+v, want in progress, not readable", info)
	}
	wantGetErr(t, b, key, domain.ErrArchived)

	c.CompleteRestores()
	info = head(t, b, key)
	if info.RestoreInProgress || !info.RestoredUntil.After(c.Now()) || !info.Readable(c.Now()) {
		t.Errorf("after restore Head = %+v (now %v), want readable until later", info, c.Now())
	}
	if info.StorageClass != domain.ClassGlacier {
		t.Errorf("a restored copy keeps class GLACIER, got %s", info.StorageClass)
	}
	if got := get(t, b, key); got != body {
		t.Errorf("restored Get = %q", got)
	}

	// Copy back to STANDARD: hot for good, whatever the clock does.
	if err := b.Copy(ctx, key, key, domain.ClassStandard); err != nil {
		t.Fatalf("Copy to STANDARD: %v", err)
	}
	c.Advance(72 * time.Hour)
	info = head(t, b, key)
	if info.StorageClass != domain.ClassStandard || info.RestoreInProgress || !info.Readable(c.Now()) {
		t.Errorf("after copy back Head = %+v, want STANDARD and readable", info)
	}
	if got := get(t, b, key); got != body {
		t.Errorf("Get after copy back = %q", got)
	}
}

func blobsRestoreTwice(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	putArchived(t, b, "k", "v")
	if err := b.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if err := b.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
		t.Errorf("second Restore while in progress: %v, want nil", err)
	}
	c.CompleteRestores()
	if err := b.Restore(ctx, "k", domain.TierStandard, 2); err != nil {
		t.Errorf("Restore of a restored object: %v, want nil (extends the expiry)", err)
	}
	if got := get(t, b, "k"); got != "v" {
		t.Errorf("Get = %q", got)
	}
}

func blobsRestoreExpires(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	putArchived(t, b, "k", "v")
	if err := b.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
		t.Fatal(err)
	}
	c.CompleteRestores()
	if got := get(t, b, "k"); got != "v" {
		t.Fatalf("Get = %q", got)
	}
	// S3 rounds the expiry up to the next midnight UTC, so allow a day's slack.
	c.Advance(49 * time.Hour)
	wantGetErr(t, b, "k", domain.ErrArchived)
	if info := head(t, b, "k"); info.Readable(c.Now()) || info.StorageClass != domain.ClassGlacier {
		t.Errorf("expired restore Head = %+v", info)
	}
	// It can be restored again.
	if err := b.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
		t.Fatalf("Restore after expiry: %v", err)
	}
	c.CompleteRestores()
	if got := get(t, b, "k"); got != "v" {
		t.Errorf("Get after second restore = %q", got)
	}
}

func blobsExpeditedUnavailable(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	putArchived(t, b, "k", "v")
	c.SetExpeditedUnavailable(true)
	if err := b.Restore(ctx, "k", domain.TierExpedited, 1); !errors.Is(err, domain.ErrExpeditedUnavailable) {
		t.Fatalf("Restore Expedited: err = %v, want ErrExpeditedUnavailable", err)
	}
	if info := head(t, b, "k"); info.RestoreInProgress {
		t.Error("a refused restore is in progress")
	}
	if err := b.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
		t.Fatalf("Restore Standard: %v", err)
	}
	c.CompleteRestores()
	if got := get(t, b, "k"); got != "v" {
		t.Errorf("Get = %q", got)
	}
	c.SetExpeditedUnavailable(false)
	putArchived(t, b, "k2", "w")
	if err := b.Restore(ctx, "k2", domain.TierExpedited, 1); err != nil {
		t.Errorf("Restore Expedited after it is available again: %v", err)
	}
}

func blobsRestoreStandardObject(t *testing.T, b domain.Blobs, c BlobControl) {
	put(t, b, "hot", "v")
	if err := b.Restore(context.Background(), "hot", domain.TierStandard, 1); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Restore of a STANDARD object: err = %v, want ErrInvalid", err)
	}
}

func blobsCopyArchived(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	put(t, b, "hot", "payload")
	// Archive to a new key (verify, then drop the hot copy), as ArchiveIfFree may.
	if err := b.Copy(ctx, "hot", "cold", domain.ClassGlacier); err != nil {
		t.Fatalf("Copy to GLACIER: %v", err)
	}
	if info := head(t, b, "hot"); info.StorageClass != domain.ClassStandard {
		t.Errorf("source class changed to %s", info.StorageClass)
	}
	if info := head(t, b, "cold"); info.StorageClass != domain.ClassGlacier || info.Size != 7 {
		t.Errorf("copy Head = %+v", info)
	}
	// An unrestored GLACIER object cannot be the source of a copy.
	if err := b.Copy(ctx, "cold", "again", domain.ClassStandard); !errors.Is(err, domain.ErrArchived) {
		t.Errorf("Copy from archived: err = %v, want ErrArchived", err)
	}
	wantGetErr(t, b, "again", domain.ErrNotFound)
	if err := b.Restore(ctx, "cold", domain.TierExpedited, 1); err != nil {
		t.Fatal(err)
	}
	c.CompleteRestores()
	if err := b.Copy(ctx, "cold", "again", domain.ClassStandard); err != nil {
		t.Fatalf("Copy from restored: %v", err)
	}
	if got := get(t, b, "again"); got != "payload" {
		t.Errorf("Get = %q", got)
	}
}

// patternReader yields n pseudo-random bytes without holding them in memory.
type patternReader struct {
	rng *rand.ChaCha8
	n   int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	r.rng.Read(p)
	r.n -= int64(len(p))
	return len(p), nil
}

func blobsLarge(t *testing.T, b domain.Blobs, c BlobControl) {
	const size = 24 << 20
	seed := [32]byte{1, 2, 3}
	want := sha256.New()
	if _, err := io.Copy(want, &patternReader{rng: rand.NewChaCha8(seed), n: size}); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(context.Background(), "big/object.bin", &patternReader{rng: rand.NewChaCha8(seed), n: size}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info := head(t, b, "big/object.bin"); info.Size != size {
		t.Errorf("size = %d, want %d", info.Size, size)
	}
	rc, err := b.Get(context.Background(), "big/object.bin")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	got := sha256.New()
	n, err := io.Copy(got, rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Errorf("read %d bytes with a different digest than the %d written", n, size)
	}
}

func blobsOddKeys(t *testing.T, b domain.Blobs, c BlobControl) {
	keys := []string{
		"users/ü/名前 with spaces.vcf",
		"a+b=c&d?e#f%20g.vcf",
		"dir/sub/emoji-🧬.txt",
		`quote'"and;semi:colon*star<>|`,
		"trailing.dot.",
		"-leading-dash",
		"..hidden/x..y/...",
		`back\slash`,
	}
	for i, k := range keys {
		put(t, b, k, k)
		if i == 0 {
			put(t, b, "users/ü/other", "sibling")
		}
	}
	for _, k := range keys {
		if got := get(t, b, k); got != k {
			t.Errorf("Get %q = %q", k, got)
		}
		if info := head(t, b, k); info.Key != k || info.Size != int64(len(k)) {
			t.Errorf("Head %q = %+v", k, info)
		}
	}
}

// blobsTraversal: a key that would escape a directory tree is either
// rejected with ErrInvalid or stored as an ordinary key that aliases nothing.
func blobsTraversal(t *testing.T, b domain.Blobs, c BlobControl) {
	ctx := context.Background()
	put(t, b, "x", "original x")
	put(t, b, "a/x", "original a/x")
	for _, k := range []string{"../x", "a/../x", "a/../../x", "/x", "./x", "a/./x", "a//x", "x\x00y"} {
		err := b.Put(ctx, k, bytes.NewReader([]byte("evil")))
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Put %q: err = %v, want ErrInvalid", k, err)
			}
			continue
		}
		if got := get(t, b, k); got != "evil" {
			t.Errorf("Put %q was accepted but Get returns %q", k, got)
		}
	}
	if got := get(t, b, "x"); got != "original x" {
		t.Errorf("x was overwritten through an alias: %q", got)
	}
	if got := get(t, b, "a/x"); got != "original a/x" {
		t.Errorf("a/x was overwritten through an alias: %q", got)
	}
	if err := b.Put(ctx, "", bytes.NewReader(nil)); err == nil {
		t.Error("Put with an empty key succeeded")
	}
}

// TestRanges runs the domain.RangeBlobs contract (on top of TestBlobs).
func TestRanges(t *testing.T, newBlobs func(t *testing.T) (domain.RangeBlobs, BlobControl)) {
	const body = "0123456789abcdefghij"
	read := func(t *testing.T, b domain.RangeBlobs, key string, off, n int64) (string, error) {
		t.Helper()
		rc, err := b.GetRange(context.Background(), key, off, n)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		return string(data), err
	}
	t.Run("Ranges", func(t *testing.T) {
		b, _ := newBlobs(t)
		put(t, b, "r/obj.txt", body)
		for _, tc := range []struct {
			off, n int64
			want   string
		}{{0, 4, "0123"}, {10, 5, "abcde"}, {15, 5, "fghij"}, {0, 20, body}, {18, 10, "ij"}, {7, 0, ""}} {
			if got, err := read(t, b, "r/obj.txt", tc.off, tc.n); err != nil || got != tc.want {
				t.Errorf("GetRange(%d, %d) = %q, %v; want %q", tc.off, tc.n, got, err, tc.want)
			}
		}
	})
	t.Run("AbsentAndArchived", func(t *testing.T) {
		b, _ := newBlobs(t)
		if _, err := read(t, b, "r/none.txt", 0, 4); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("absent: %v, want ErrNotFound", err)
		}
		putArchived(t, b, "r/cold.txt", body)
		if _, err := read(t, b, "r/cold.txt", 0, 4); !errors.Is(err, domain.ErrArchived) {
			t.Errorf("archived: %v, want ErrArchived", err)
		}
	})
}
