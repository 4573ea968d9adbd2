//go:build linux

package writeback

import (
	"os"
	"unsafe"

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

// Drop asks the kernel to drop f's pages from the page cache
// (posix_fadvise POSIX_FADV_DONTNEED): call it after an fsync, when nothing
// will read the file soon, so that its pages are free for the next writes
// instead of crowding out what is read (and so that they are reused: on a
// VM a page the kernel has not used lately costs far more to fill than one
// just freed). Pages still dirty are not dropped. Best effort: the data
// is on disk either way.
func Drop(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.Fadvise(int(fd), 0, 0, unix.FADV_DONTNEED)
	})
}

// CachedPages counts f's pages that are in the page cache (mincore(2) on a
// mapping of it): what tests of Drop's callers check.
func CachedPages(f *os.File) (int, error) {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return 0, err
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, err
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	vec := make([]byte, (len(m)+page-1)/page)
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		return 0, e
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n, nil
}
