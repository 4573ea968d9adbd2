//go:build linux

package writeback

import (
	"os"

	"golang.org/x/sys/unix"
)

// start asks the kernel to start writing bytes [off, off+n) of f to
// disk now, without waiting for it. Best effort: errors are ignored, because
// the caller's fsync is what makes the data durable; this only means that
// fsync finds little left to write.
func start(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	})
}
