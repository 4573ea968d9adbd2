package refdata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

func TestOpenPartialHoldsOneChromosome(t *testing.T) {
	full := t.TempDir()
	if _, err := BuildMini(context.Background(), testshared.Dir(t), full); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(full)
	if err != nil {
		t.Fatal(err)
	}
	files, ok := m.ChromosomeFiles("chrM")
	if !ok || len(files) < 2 {
		t.Fatalf("ChromosomeFiles(chrM) = %v, %v", files, ok)
	}
	if _, ok := m.ChromosomeFiles("chr7"); ok {
		t.Fatal("chr7 reported covered")
	}
	part := t.TempDir()
	for _, f := range append(files, ManifestFile) {
		data, err := os.ReadFile(filepath.Join(full, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(part, f)), 0o755)
		if err := os.WriteFile(filepath.Join(part, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(part); !errors.Is(err, ErrNotBundle) {
		t.Fatalf("Open of a partial bundle: %v, want ErrNotBundle", err)
	}
	if _, err := OpenPartial(part, []string{"21"}); err == nil {
		t.Fatal("OpenPartial accepted a missing chromosome")
	}
	b, err := OpenPartial(part, []string{"MT", "chr7"})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := b.Chrom("chrM"); err != nil || c == nil {
		t.Fatalf("Chrom(chrM): %v", err)
	}
	if _, err := b.Chrom("21"); err == nil || errors.Is(err, ErrNotCovered) {
		t.Fatalf("Chrom(21) of a partial bundle: %v, want a load error", err)
	}
}
