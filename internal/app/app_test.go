package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

func TestOpenBuildsTheBundleOnFirstStartOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the reference bundle")
	}
	dir := t.TempDir()
	cfg := Config{DataDir: dir, SharedDir: testshared.Dir(t), Logger: slog.New(slog.DiscardHandler)}
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	manifest := filepath.Join(RefDir(dir), "manifest.json")
	st1, err := os.Stat(manifest)
	if err != nil {
		t.Fatalf("bundle not built: %v", err)
	}
	if _, err := os.Stat(RefDir(dir) + ".building"); !os.IsNotExist(err) {
		t.Errorf("temporary build directory left: %v", err)
	}
	cfg.SharedDir = "" // not needed any more
	b, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if st2, _ := os.Stat(manifest); !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("bundle rebuilt on the second start")
	}

	// A bundle of an older format in the data directory is rebuilt.
	os.WriteFile(manifest, []byte(`{"format":1,"assembly":"GRCh38"}`), 0o644)
	cfg.SharedDir = testshared.Dir(t)
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c.Bundle.Manifest().Format != refdata.FormatVersion {
		t.Errorf("old bundle not rebuilt: format %d", c.Bundle.Manifest().Format)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(context.Background(), Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "no shared directory to build it from") {
		t.Errorf("no bundle, no shared: %v", err)
	}
	_, err = Open(context.Background(), Config{DataDir: dir, RefDir: filepath.Join(dir, "nope"), Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "open reference bundle") {
		t.Errorf("missing --ref: %v", err)
	}

	a := openApp(t, testConfig(t, dir))
	_, err = Open(context.Background(), testConfig(t, dir))
	if err == nil || !strings.Contains(err.Error(), "in use by another gas serve") {
		t.Errorf("second process on the same data directory: %v", err)
	}
	a.Close()
	b, err := Open(context.Background(), testConfig(t, dir)) // the lock is released on Close
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}
