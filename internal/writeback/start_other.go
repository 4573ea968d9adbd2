//go:build !linux

package writeback

import (
	"errors"
	"os"
)

// start is a no-op where sync_file_range does not exist: the caller's
// fsync then writes everything at the end.
func start(*os.File, int64, int64) {}

// Drop is a no-op where posix_fadvise is not used: the page cache keeps
// the file's pages until it needs them.
func Drop(*os.File) {}

// CachedPages is not known here.
func CachedPages(*os.File) (int, error) { return 0, errors.ErrUnsupported }
