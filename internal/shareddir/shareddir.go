// Package shareddir locates ../shared (reference data, sample VCFs,
// csq-cases) for `gas serve` without --ref or --shared, and for tests through
// internal/testshared. GAS_SHARED overrides the search.
package shareddir

import (
	"errors"
	"os"
	"path/filepath"
)

// Find returns the shared directory: $GAS_SHARED, or the first "shared"
// directory found beside the working directory or any of its parents.
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
