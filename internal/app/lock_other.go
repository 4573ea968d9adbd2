//go:build !unix

package app

// lockDir is a no-op where flock is not available: run one gas serve per data directory.
func lockDir(string) (func(), error) { return func() {}, nil }
