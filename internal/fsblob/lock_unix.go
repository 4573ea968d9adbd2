//go:build unix

package fsblob

import (
	"errors"
	"os"
	"syscall"
)

var errNoLocks = errors.New("file locks not supported")

// lockFile opens (creating) path and takes an exclusive flock on it without
// waiting. The lock lasts until the file is closed or the process ends; the
// caller keeps f open to hold it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
