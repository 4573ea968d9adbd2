//go:build !linux

package writeback

import (
	"io"
	"os"
)

// Raw is f itself where the raw write is not implemented.
func Raw(f *os.File) io.Writer { return f }
