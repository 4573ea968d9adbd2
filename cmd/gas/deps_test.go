package main

import (
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the packages pkgs link, as `go list -deps` prints them.
func goListDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	return strings.Fields(string(out))
}

// Test helpers (internal/testshared and the like) must stay out of what we ship.
func TestShippedBinariesDoNotLinkTesting(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, p := range goListDeps(t, "./cmd/gas", "./functions/...") {
		if p == "testing" {
			t.Fatal("a shipped binary (cmd/gas or functions/...) links the testing package; see go list -deps")
		}
	}
}
