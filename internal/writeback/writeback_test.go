package writeback

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWriterKeepsEveryByte: writes of uneven sizes across several chunks
// (each starting writeback) arrive complete and in order.
func TestWriterKeepsEveryByte(t *testing.T) {
	for _, size := range []int{0, 1, Chunk - 1, Chunk, 2*Chunk + 12345} {
		path := filepath.Join(t.TempDir(), "f")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, size)
		for i := range want {
			want[i] = byte('a' + i%23)
		}
		w := New(f)
		for rest, n := want, 1; len(rest) > 0; n = n*7%(1<<20) + 1 {
			n = min(n, len(rest))
			if _, err := w.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("size %d: read back %d bytes (%v), differing from those written", size, len(got), err)
		}
	}
}
