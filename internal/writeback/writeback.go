// Package writeback writes large files whose bytes are synced at the end
// (vcf.Output's Commit, fsblob's Put) so that the final fsync finds little
// left to write: it asks the kernel to start writing each chunk to disk as
// soon as it is written, without waiting for it. Raw writes a regular file
// without the Go runtime's hand-over of a goroutine's processor during
// write(2) (vcf.Output's temporary file).
package writeback

import (
	"io"
	"os"
)

// Chunk is how much written data may stay dirty in the page cache before
// writeback of it is started.
const Chunk = 8 << 20

// Writer writes to f and starts the kernel's writeback of every Chunk as
// soon as it is written. Without it, all of a large file (0.7 GB of
// annotated VCF for 2M records) is still dirty at the fsync, which then took
// 0.3-0.4 s with nothing else to do; with it the disk writes overlap the
// work that produces them and the fsync only waits for the tail.
type Writer struct {
	f                *os.File
	w                io.Writer // f, or a writer to it (Raw)
	written, started int64
}

// New returns a Writer to f, which is positioned at its start.
func New(f *os.File) *Writer { return &Writer{f: f, w: f} }

// Over is New writing the bytes through w, a writer to f such as Raw(f).
func Over(f *os.File, w io.Writer) *Writer { return &Writer{f: f, w: w} }

func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.written += int64(n)
	if w.written-w.started >= Chunk {
		start(w.f, w.started, w.written-w.started)
		w.started = w.written
	}
	return n, err
}
