//go:build linux

package writeback

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// Raw returns a writer to the regular file f that calls write(2) as a raw
// system call: the goroutine keeps its P (the Go scheduler's right to run
// Go code) through the call, so the runtime neither hands the P to another
// thread nor wakes one. A write into the page cache does not wait for an
// event, but one of a few hundred KiB takes longer than the 20 µs after
// which the runtime's monitor takes the P of a goroutine in an ordinary
// system call: on a machine whose cores all run workers it then woke an
// idle thread that found nothing to do, and the writer waited for a P when
// its write returned. gas annotate's 663 MB of make-bench output made 1,900
// such writes: 5,000-8,000 context switches and a tenth of the run's CPU
// (see README, "Performance history").
//
// Each call writes at most maxRaw bytes, so the P is held for a bounded
// time even when the kernel throttles a writer of many dirty pages. f
// itself (ordinary writes) is returned for anything but a regular file:
// a pipe or a device may block for as long as its reader likes.
func Raw(f *os.File) io.Writer {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return f
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return f
	}
	return &rawFile{f: f, rc: rc}
}

// maxRaw bounds one raw write(2): a MiB into the page cache takes 0.1-1 ms.
const maxRaw = 1 << 20

type rawFile struct {
	f  *os.File
	rc syscall.RawConn
}

func (w *rawFile) Write(p []byte) (int, error) {
	n := 0
	var werr error
	err := w.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			k := min(len(p)-n, maxRaw)
			r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(k))
			switch {
			case e == syscall.EINTR:
				continue
			case e != 0:
				werr = e
				return true
			case r == 0:
				werr = io.ErrShortWrite
				return true
			}
			n += int(r)
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return n, &os.PathError{Op: "write", Path: w.f.Name(), Err: err}
	}
	return n, nil
}
