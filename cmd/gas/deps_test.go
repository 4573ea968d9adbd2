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

// The portal reaches the domain only through internal/service: it links no
// storage, workflow or mail adapter (and so no AWS SDK).
func TestPortalLinksNoAdapter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/gasproject/gas/"
	adapters := []string{"internal/sqlite", "internal/fsblob", "internal/outbox", "internal/memstore",
		"internal/dynamo", "internal/s3blob", "internal/sfnflow", "internal/sesmail", "internal/asl", "internal/app"}
	for _, p := range goListDeps(t, "./webui") {
		for _, a := range adapters {
			if p == module+a || strings.HasPrefix(p, module+a+"/") {
				t.Errorf("webui links the adapter %s", p)
			}
		}
		if strings.HasPrefix(p, "github.com/aws/") {
			t.Errorf("webui links the AWS SDK (%s)", p)
		}
	}
}

// The Lambdas' X-Ray tracing stays out of the local binary: `gas` makes no
// trace (functions/internal/xray is wired only by functions/internal/wire).
func TestLocalBinaryLinksNoTracing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, p := range goListDeps(t, "./cmd/gas") {
		if strings.HasSuffix(p, "/functions/internal/xray") || strings.HasSuffix(p, "/functions/internal/wire") {
			t.Errorf("gas links %s", p)
		}
	}
	found := false
	for _, p := range goListDeps(t, "./functions/api") {
		found = found || strings.HasSuffix(p, "/functions/internal/xray")
	}
	if !found {
		t.Error("the api Lambda does not link functions/internal/xray")
	}
}
