//go:build unix

package vcf

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOutputToFIFO: an existing non-regular path (here a FIFO, like
// /dev/null or /dev/stdout) is written in place, never renamed over.
func TestOutputToFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipe.vcf")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	o, err := Create(path, Renamed)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, small)
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != small {
		t.Errorf("read %q from the FIFO", b)
	}
	if st, err := os.Lstat(path); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
	if _, err := Create(t.TempDir(), Renamed); err == nil {
		t.Error("a directory accepted as output")
	}
}
