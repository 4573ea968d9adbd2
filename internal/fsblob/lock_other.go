//go:build !unix

package fsblob

import (
	"errors"
	"os"
)

var errNoLocks = errors.New("file locks not supported")

func lockFile(string) (*os.File, error) { return nil, errNoLocks }
