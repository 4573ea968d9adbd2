//go:build linux

package writeback

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestRawKeepsEveryByte: raw writes of uneven sizes, some over maxRaw (split
// into several calls), arrive complete and in order after what the file held.
func TestRawKeepsEveryByte(t *testing.T) {
	for _, size := range []int{0, 1, maxRaw - 1, maxRaw, 3*maxRaw + 12345} {
		path := filepath.Join(t.TempDir(), "f")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		want := []byte("head\n")
		if _, err := f.Write(want); err != nil {
			t.Fatal(err)
		}
		w := Raw(f)
		if w == f {
			t.Fatal("Raw returned the file itself for a regular file")
		}
		for rest, n := make([]byte, size), 1; len(rest) > 0; n = n*13%(2*maxRaw) + 1 {
			n = min(n, len(rest))
			for i := range rest[:n] {
				rest[i] = byte('a' + (len(want)+i)%23)
			}
			if k, err := w.Write(rest[:n]); k != n || err != nil {
				t.Fatalf("size %d: Write(%d bytes) = %d, %v", size, n, k, err)
			}
			want = append(want, rest[:n]...)
			rest = rest[n:]
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: read back %d bytes (%v), differing from the %d written", size, len(got), err, len(want))
		}
	}
}

// TestRawFailsLikeFileWrite: a write the kernel refuses is an
// *fs.PathError naming the file, as (*os.File).Write's.
func TestRawFailsLikeFileWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path) // read-only: write(2) fails with EBADF
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := Raw(f).Write([]byte("x"))
	var pe *fs.PathError
	if n != 0 || !errors.As(err, &pe) || pe.Path != path || pe.Op != "write" {
		t.Fatalf("Write to a read-only file = %d, %v; want 0 and a write error naming %s", n, err, path)
	}
	if _, err := f.Write([]byte("x")); err == nil || err.Error() != pe.Error() {
		t.Fatalf("(*os.File).Write says %v, Raw's Write %v", err, pe)
	}
}

// TestRawLeavesPipesAlone: anything but a regular file (a pipe's reader may
// take its time) is written with ordinary writes, by the file itself.
func TestRawLeavesPipesAlone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := Raw(w); got != w {
		t.Fatalf("Raw(pipe) = %T, want the *os.File", got)
	}
}
