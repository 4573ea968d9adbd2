// Package testshared gives tests and benchmarks the ../shared directory
// (internal/shareddir finds it), failing the test when it is missing. Only
// tests import it: it links the testing package.
package testshared

import (
	"os"
	"os/exec"
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

// Read returns the file at elems under the shared directory (a sample VCF:
// Read(t, "vcf", "test.vcf")) or fails the test.
func Read(t testing.TB, elems ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, elems...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Tool returns the path of the command-line tool name, which the Debian
// package pkg provides. Without it the test is skipped, except in CI
// (CI set), which installs it (.ci/run): there the test fails.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI (.ci/run installs the package %s)", name, pkg)
	}
	t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	return ""
}
