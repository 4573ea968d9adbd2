// Package testshared gives tests and benchmarks the ../shared directory
// (internal/shareddir finds it), failing the test when it is missing. Only
// tests import it: it links the testing package.
package testshared

import (
	"path/filepath"
	"testing"

	"github.com/gasproject/gas/internal/shareddir"
)

// Dir returns the shared directory or fails the test.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := shareddir.Find()
	if err != nil {
		t.Fatalf("shared data: %v", err)
	}
	return d
}

// Path joins elems under the shared directory or fails the test.
func Path(t testing.TB, elems ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elems...)...)
}
