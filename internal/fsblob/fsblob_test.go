package fsblob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// fakeClock is a settable clock shared by a store and its test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// control implements domaintest.BlobControl for a Store on a fake clock.
type control struct {
	*fakeClock
	s *Store
}

func (c control) SetExpeditedUnavailable(v bool) { c.s.SetExpeditedUnavailable(v) }

// CompleteRestores lets the longest tier delay pass.
func (c control) CompleteRestores() {
	var longest time.Duration
	for _, d := range c.s.delays {
		longest = max(longest, d)
	}
	c.Advance(longest)
}

func newTestStore(t *testing.T, root string) (*Store, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	s, err := Open(root, Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, clock
}

func TestBlobsContract(t *testing.T) {
	domaintest.TestBlobs(t, func(t *testing.T) (domain.Blobs, domaintest.BlobControl) {
		s, clock := newTestStore(t, t.TempDir())
		return s, control{clock, s}
	})
}

func TestRangesContract(t *testing.T) {
	domaintest.TestRanges(t, func(t *testing.T) (domain.RangeBlobs, domaintest.BlobControl) {
		s, clock := newTestStore(t, t.TempDir())
		return s, control{clock, s}
	})
}

// TestRestoreRealClock: with the real clock a restore finishes by itself after its tier's delay.
func TestRestoreRealClock(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{RestoreDelays: map[domain.RestoreTier]time.Duration{
		domain.TierExpedited: 30 * time.Millisecond,
		domain.TierStandard:  time.Hour,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"fast", "slow"} {
		write(t, s, k, k)
		if err := s.Copy(ctx, k, k, domain.ClassGlacier); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Restore(ctx, "fast", domain.TierExpedited, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, "slow", domain.TierStandard, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := s.Head(ctx, "fast")
		if err != nil {
			t.Fatal(err)
		}
		if info.Readable(time.Now()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Expedited restore with a 30ms delay not done after 5s: %+v", info)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if info, _ := s.Head(ctx, "slow"); !info.RestoreInProgress {
		t.Errorf("Standard restore with a 1h delay: %+v, want in progress", info)
	}
}

// TestReopen: objects and restore state survive a new Store on the same directory.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, clock := newTestStore(t, root)
	write(t, s, "results/u/j/out.vcf", "hot")
	write(t, s, "results/u/j2/out.vcf", "cold")
	if err := s.Copy(ctx, "results/u/j2/out.vcf", "results/u/j2/out.vcf", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, "results/u/j2/out.vcf", domain.TierExpedited, 1); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(root, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, s2, "results/u/j/out.vcf"); got != "hot" {
		t.Errorf("after reopen = %q", got)
	}
	info, err := s2.Head(ctx, "results/u/j2/out.vcf")
	if err != nil || !info.RestoreInProgress || info.StorageClass != domain.ClassGlacier {
		t.Fatalf("after reopen Head = %+v, %v; want GLACIER restore in progress", info, err)
	}
	clock.Advance(DefaultRestoreDelays[domain.TierExpedited])
	if got := read(t, s2, "results/u/j2/out.vcf"); got != "cold" {
		t.Errorf("restored after reopen = %q", got)
	}
}

func write(t *testing.T, s *Store, key, body string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(body)); err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
}

func read(t *testing.T, s *Store, key string) string {
	t.Helper()
	return string(domaintest.Read(t, s, key))
}

func TestCorruptSidecar(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := newTestStore(t, root)
	write(t, s, "a/b.vcf", "x")
	path := filepath.Join(root, "keys", "a", "b.vcf.json")
	cases := map[string]string{
		"truncated":     `{"format":1,"key":"a/b.vcf","blo`,
		"wrong key":     `{"format":1,"key":"other","blob":"0123456789abcdef0123456789abcdef","size":1,"storage_class":"STANDARD"}`,
		"escaping blob": `{"format":1,"key":"a/b.vcf","blob":"../../../etc/passwd","size":1,"storage_class":"STANDARD"}`,
		"bad class":     `{"format":1,"key":"a/b.vcf","blob":"0123456789abcdef0123456789abcdef","size":1,"storage_class":"DEEP"}`,
		"future format": `{"format":9,"key":"a/b.vcf","blob":"0123456789abcdef0123456789abcdef","size":1,"storage_class":"STANDARD"}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := s.Head(ctx, "a/b.vcf")
			if err == nil || errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), path) ||
				!strings.Contains(err.Error(), "damaged") {
				t.Errorf("Head: err = %v, want a damaged-metadata error naming %s", err, path)
			}
			if _, err := s.Get(ctx, "a/b.vcf"); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("Get: err = %v, want it to name %s", err, path)
			}
		})
	}
	// A Put repairs the object by replacing it.
	if err := s.Put(ctx, "a/b.vcf", strings.NewReader("fresh")); err != nil {
		t.Fatalf("Put over a damaged sidecar: %v", err)
	}
	if got := read(t, s, "a/b.vcf"); got != "fresh" {
		t.Errorf("after repair = %q", got)
	}
}

// TestNothingEscapesRoot: rejected keys write nothing, anywhere.
func TestNothingEscapesRoot(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	root := filepath.Join(parent, "store")
	s, _ := newTestStore(t, root)
	bad := []string{"../x", "a/../../x", "/etc/x", "a/./b", "a//b", "a/", "x\x00y", "bad\xffutf8", strings.Repeat("k", 251), strings.Repeat("a/", 600)}
	for _, k := range bad {
		if err := s.Put(ctx, k, strings.NewReader("evil")); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Put %q: err = %v, want ErrInvalid", k, err)
		}
		if _, err := s.Head(ctx, k); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Head %q: err = %v, want ErrInvalid", k, err)
		}
		if err := s.Copy(ctx, "src", k, domain.ClassStandard); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Copy to %q: err = %v, want ErrInvalid", k, err)
		}
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "store" {
		t.Errorf("files appeared beside the store: %v", entries)
	}
	if n := countFiles(t, root); n != 0 {
		t.Errorf("%d files in the store after only rejected writes", n)
	}
}

func countFiles(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(path, ".lock") { // a live Store's temp lock is bookkeeping
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNoLeftovers: failed writes, overwrites and deletes leave no stray data files.
func TestNoLeftovers(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := newTestStore(t, root)
	write(t, s, "k", "v1")
	write(t, s, "k", "v2")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cancelled, "k", strings.NewReader("v3")); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	if err := s.Copy(ctx, "k", "deep/copy", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, root); n != 4 { // two sidecars, two data names (a hard link counts twice)
		t.Errorf("%d files, want 4", n)
	}
	for _, k := range []string{"k", "deep/copy"} {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if n := countFiles(t, root); n != 0 {
		t.Errorf("%d files left after deleting everything", n)
	}
	if _, err := os.Stat(filepath.Join(root, "keys", "deep")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty key directory left behind: %v", err)
	}
	// Interrupted writes from a crash are cleared on Open; a fresh one may be
	// another process's write in progress and stays.
	stale, fresh := filepath.Join(root, "tmp", "w-123"), filepath.Join(root, "tmp", "w-456")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file survived Open: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed by Open: %v", err)
	}
}

// TestKeyPrefixCollision: "a" and "a.json/b" would share a path; the second is refused, the first intact.
func TestKeyPrefixCollision(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t, t.TempDir())
	write(t, s, "a", "first")
	err := s.Put(ctx, "a.json/b", strings.NewReader("second"))
	if !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Put a.json/b: err = %v, want ErrConflict", err)
	}
	if got := read(t, s, "a"); got != "first" {
		t.Errorf("a = %q", got)
	}
	// Both "a" and "a/b" are fine: directories and sidecars never share a name.
	if err := s.Put(ctx, "a/b", strings.NewReader("child")); err != nil {
		t.Errorf("Put a/b: %v", err)
	}
}

func TestOpenOptions(t *testing.T) {
	_, err := Open(t.TempDir(), Options{RestoreDelays: map[domain.RestoreTier]time.Duration{"Instant": 0}})
	if err == nil {
		t.Error("Open accepted an unknown tier")
	}
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "k", bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	if err := s.Copy(context.Background(), "k", "k", "DEEP_ARCHIVE"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Copy to an unknown class: err = %v", err)
	}
	if err := s.Copy(context.Background(), "k", "k", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tier domain.RestoreTier
		days int
	}{{"Instant", 1}, {domain.TierStandard, 0}, {domain.TierStandard, 1_000_000}} {
		if err := s.Restore(context.Background(), "k", c.tier, c.days); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Restore(%s, %d): err = %v, want ErrInvalid", c.tier, c.days, err)
		}
	}
}

// TestConcurrentPutGet: readers racing writers on one key always see one
// whole version, never a mix, a missing object or an error.
func TestConcurrentPutGet(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t, t.TempDir())
	versions := []string{strings.Repeat("a", 70_000), strings.Repeat("b", 3), strings.Repeat("c", 200_000)}
	write(t, s, "k", versions[0])
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 3 {
		wg.Go(func() {
			for i := 0; i < 15; i++ {
				if err := s.Put(ctx, "k", strings.NewReader(versions[(w+i)%len(versions)])); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				rc, err := s.Get(ctx, "k")
				if err != nil {
					t.Errorf("Get during writes: %v", err)
					return
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Errorf("read during writes: %v", err)
					return
				}
				got := string(b)
				if got != versions[0] && got != versions[1] && got != versions[2] {
					t.Errorf("read a mixed or partial object of %d bytes", len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
}

// cancelAtEOF cancels its context when it has given all its bytes: the
// write ends after the data is read and before the commit.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// TestCancelledPutStoresNothing: a write whose context ends before its
// commit stores nothing, so a List after the cancellation is final (the
// workflow drops a failed job's files after its shards' contexts ended).
func TestCancelledPutStoresNothing(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Put(ctx, "work/u/j/part-00001.json", cancelAtEOF{strings.NewReader(`{"done":true}`), cancel}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if keys, err := s.List(context.Background(), "work/"); err != nil || len(keys) != 0 {
		t.Errorf("List = %q, %v; want nothing stored", keys, err)
	}
	if _, err := s.Head(context.Background(), "work/u/j/part-00001.json"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Head = %v, want ErrNotFound", err)
	}
}

// TestPutSmallReads: a Put from a reader that hands over a few bytes at a
// time (an upload's multipart part gives at most 4 KiB a read) stores every
// byte, at sizes around the write buffer's MiB, and a reader's error after
// some data stores nothing.
func TestPutSmallReads(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, size := range []int{0, 1, 4096, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 12345} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte('a' + i*7%23)
		}
		key := fmt.Sprintf("inputs/u/%d.vcf", size)
		if err := s.Put(ctx, key, iotest.HalfReader(bytes.NewReader(want))); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		rc, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: read back %d bytes (%v), differing from those put", size, len(got), err)
		}
	}
	broken := io.MultiReader(bytes.NewReader(make([]byte, 3<<20)), iotest.ErrReader(io.ErrUnexpectedEOF))
	if err := s.Put(ctx, "inputs/u/broken.vcf", broken); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Put of a failing reader = %v, want its error", err)
	}
	if _, err := s.Head(ctx, "inputs/u/broken.vcf"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Head after a failed Put = %v, want ErrNotFound", err)
	}
}

// TestMkdirSynced: it makes every missing directory of a path, accepts one
// that exists, and fails where a file stands in the way.
func TestMkdirSynced(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir string
		ok  bool
	}{
		{"a/b/c", true},
		{"a/b/c", true}, // exists
		{"a/d", true},
		{"file/x", false},
	} {
		err := mkdirSynced(filepath.Join(root, c.dir))
		if st, serr := os.Stat(filepath.Join(root, c.dir)); c.ok && (err != nil || serr != nil || !st.IsDir()) {
			t.Errorf("%s: %v, %v", c.dir, err, serr)
		}
		if !c.ok && err == nil {
			t.Errorf("%s: made through a file", c.dir)
		}
	}
}
