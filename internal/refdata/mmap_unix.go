//go:build unix

package refdata

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only: a whole-genome bundle's sequence then costs
// only the pages the annotator touches. Small files are simply read.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() == 0 || st.Size() < mmapThreshold {
		data, err := os.ReadFile(path)
		return data, func() error { return nil }, err
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
