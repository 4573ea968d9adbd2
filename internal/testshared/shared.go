// Package testshared locates ../shared (reference data, sample VCFs, csq-cases)
// for tests, benchmarks and `make run`. GAS_SHARED overrides the search.
package testshared

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Find returns the shared directory: $GAS_SHARED, or the first "shared"
// directory found beside the module root or any of its parents.
func Find() (string, error) {
	if d := os.Getenv("GAS_SHARED"); d != "" {
		return filepath.Abs(d)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		cand := filepath.Join(dir, "..", "shared")
		if st, err := os.Stat(filepath.Join(cand, "refdata")); err == nil && st.IsDir() {
			return filepath.Abs(cand)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("../shared not found; set GAS_SHARED")
		}
		dir = parent
	}
}

// Dir returns the shared directory or fails the test.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := Find()
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
