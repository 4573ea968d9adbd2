package fsblob

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// endless is a reader that never ends: a Put from it is always in progress.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestCrashHelper is the process that crashes for TestTempCleanupAfterKill.
func TestCrashHelper(t *testing.T) {
	root := os.Getenv("GAS_FSBLOB_CRASH_ROOT")
	if root == "" {
		t.Skip("run by TestTempCleanupAfterKill")
	}
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(context.Background(), "results/u/j/annotated.vcf", endless{}) // until killed
}

func tempBytes(t *testing.T, root string) (n int64) {
	t.Helper()
	filepath.Walk(filepath.Join(root, "tmp"), func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasSuffix(info.Name(), ".lock") {
			n += info.Size()
		}
		return nil
	})
	return n
}

// TestTempCleanupAfterKill (B9): a writer killed with SIGKILL mid-Put
// leaves a temp file; the next Open removes it at once, young as it is,
// while a live Store's temp files stay.
func TestTempCleanupAfterKill(t *testing.T) {
	root := t.TempDir()
	live, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(live.tmp, "w-inflight"), []byte("being written"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), "GAS_FSBLOB_CRASH_ROOT="+root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for tempBytes(t, root) < 1<<20+13 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	before := tempBytes(t, root)
	if before < 1<<20 {
		t.Fatalf("the writer left only %d temp bytes before the kill", before)
	}
	if _, err := Open(root, Options{}); err != nil {
		t.Fatal(err)
	}
	if after := tempBytes(t, root); after != int64(len("being written")) {
		t.Errorf("temp bytes: %d before reopening, %d after; want only the live Store's %d", before, after, len("being written"))
	}
	if _, err := os.Stat(filepath.Join(live.tmp, "w-inflight")); err != nil {
		t.Errorf("the live Store's temp file went: %v", err)
	}
	// The live Store still writes.
	if err := live.Put(context.Background(), "k", io.LimitReader(endless{}, 10)); err != nil {
		t.Errorf("live Put: %v", err)
	}
}
