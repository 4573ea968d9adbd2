//go:build linux

package writeback

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDropEmptiesThePageCache: after an fsync, Drop leaves none of the
// file's pages in memory; the bytes read back the same (from the disk).
func TestDropEmptiesThePageCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte('a' + i%23)
	}
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if n, err := CachedPages(f); err != nil || n == 0 {
		t.Skipf("no page of a file just written is in the page cache (%v)", err)
	}
	Drop(f)
	if n, err := CachedPages(f); err != nil || n > 0 {
		t.Fatalf("%d of the file's pages still in the page cache after Drop (%v)", n, err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(want))
	}
}
