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
	sync Durability
	f    *os.File // the temp file, nil for stdout and devices
	dev  *os.File // a device or FIFO written in place, closed by Commit/Abort
	bw   *bufio.Writer
	z    *BGZFWriter
	w    io.Writer
	// direct is what bw writes to, for a plain (not BGZF) output: Write
	// hands it large writes itself
	direct io.Writer
	done   bool
}

// Durability says whether Commit also makes the output durable.
type Durability bool

const (
	// Renamed: Commit renames the complete file into place; the kernel
	// writes it to disk when it writes back dirty pages, as for the output
	// of cp, gzip or bcftools. A crash of the machine (not of gas) soon
	// after may leave the new file empty or short.
	Renamed Durability = false
	// Synced: Commit also fsyncs the file before the rename and its
	// directory after it, and starts the disk writes as the data is written
	// (internal/writeback), so the output survives a crash of the machine
	// once Commit returns. Commit then waits for the disk.
	Synced Durability = true
)

// Create opens an Output for path. An existing path that is not a regular
// file (/dev/null, a FIFO, /dev/stdout) is written in place: renaming over
// it would replace the device.
func Create(path string, d Durability) (*Output, error) {
	return create(path, strings.HasSuffix(path, ".gz"), d)
}

// CreateRaw is Create for a writer that compresses itself: the bytes go to
// path as written, whatever its name (a ".gz" path's BGZF blocks come from
// the caller, e.g. tabix.PartWriter).
func CreateRaw(path string, d Durability) (*Output, error) { return create(path, false, d) }

// fsync is (*os.File).Sync; tests count its calls.
var fsync = (*os.File).Sync

func create(path string, bgzf bool, d Durability) (*Output, error) {
	if path == "-" {
		return (&Output{path: path}).buffer(os.Stdout, false), nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return nil, fmt.Errorf("create output %s: is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("create output %s: %w", path, err)
		}
		return (&Output{path: path, dev: f}).buffer(f, bgzf), nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	dst := writeback.Raw(f)
	if d == Synced {
		dst = writeback.Over(f, dst)
	}
	return (&Output{path: path, sync: d, f: f}).buffer(dst, bgzf), nil
}

// buffer sets o's writers over dst: a buffer of 256 KiB, with BGZF
// compression before it when bgzf is set.
func (o *Output) buffer(dst io.Writer, bgzf bool) *Output {
	o.bw = bufio.NewWriterSize(dst, 256<<10)
	o.w = o.bw
	if bgzf {
		o.z = NewBGZFWriter(o.bw)
		o.w = o.z
	} else {
		o.direct = dst
	}
	return o
}

// Write writes p. A plain output's writes of at least the buffer's size (the
// annotation engine writes batches of a few hundred KiB) go to the file
// whole, after the bytes the buffer holds: the buffer would copy all but the
// last part of each (bufio writes directly only while it is empty), most of
// the output.
func (o *Output) Write(p []byte) (int, error) {
	if o.direct != nil && len(p) >= o.bw.Size() {
		if err := o.bw.Flush(); err != nil {
			return 0, err
		}
		return o.direct.Write(p)
	}
	return o.w.Write(p)
}

// Commit flushes everything and renames the file into place; a Synced
// Output is fsynced before the rename and its directory after it.
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
	if err == nil && o.sync == Synced {
		err = fsync(o.f)
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
	if o.sync == Synced {
		if err := syncDir(filepath.Dir(o.path)); err != nil {
			return fmt.Errorf("write output %s: %w", o.path, err)
		}
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = fsync(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
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
