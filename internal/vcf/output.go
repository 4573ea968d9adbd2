package vcf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gasproject/gas/internal/writeback"
)

// Output is a VCF destination that appears at its path only when complete:
// data goes to a temporary file in the same directory, renamed over the path
// by Commit. Abort (or a failed Commit) removes the temporary file, so an
// error never leaves a partial file at the path. A path ending in ".gz" is
// written as BGZF; "-" is standard output (plain, not atomic).
type Output struct {
	path string
	f    *os.File // the temp file, nil for stdout and devices
	dev  *os.File // a device or FIFO written in place, closed by Commit/Abort
	bw   *bufio.Writer
	z    *BGZFWriter
	w    io.Writer
	done bool
}

// Create opens an Output for path. An existing path that is not a regular
// file (/dev/null, a FIFO, /dev/stdout) is written in place: renaming over
// it would replace the device.
func Create(path string) (*Output, error) { return create(path, strings.HasSuffix(path, ".gz")) }

// CreateRaw is Create for a writer that compresses itself: the bytes go to
// path as written, whatever its name (a ".gz" path's BGZF blocks come from
// the caller, e.g. tabix.PartWriter).
func CreateRaw(path string) (*Output, error) { return create(path, false) }

func create(path string, bgzf bool) (*Output, error) {
	if path == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 256<<10)
		return &Output{path: path, bw: bw, w: bw}, nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return nil, fmt.Errorf("create output %s: is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("create output %s: %w", path, err)
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		o := &Output{path: path, dev: f, bw: bw, w: bw}
		if bgzf {
			o.z = NewBGZFWriter(bw)
			o.w = o.z
		}
		return o, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	o := &Output{path: path, f: f, bw: bufio.NewWriterSize(writeback.New(f), 256<<10)}
	o.w = o.bw
	if bgzf {
		o.z = NewBGZFWriter(o.bw)
		o.w = o.z
	}
	return o, nil
}

func (o *Output) Write(p []byte) (int, error) { return o.w.Write(p) }

// Commit flushes everything, syncs and renames the file into place.
func (o *Output) Commit() error {
	if o.done {
		return errors.New("output already committed or aborted")
	}
	o.done = true
	err := o.finish()
	if o.dev != nil {
		if cerr := o.dev.Close(); err == nil {
			err = cerr
		}
	}
	if o.f == nil {
		return err
	}
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(o.f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(o.f.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.f.Name())
		return fmt.Errorf("write output %s: %w", o.path, err)
	}
	return nil
}

// Abort discards the output. It is a no-op after Commit, so it can be deferred.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	if o.z != nil {
		o.z.Close() // stops its goroutines; the data is discarded below
	}
	if o.f == nil {
		o.bw.Flush()
		if o.dev != nil {
			o.dev.Close()
		}
		return
	}
	o.f.Close()
	os.Remove(o.f.Name())
}

func (o *Output) finish() error {
	if o.z != nil {
		if err := o.z.Close(); err != nil {
			return err
		}
	}
	return o.bw.Flush()
}
