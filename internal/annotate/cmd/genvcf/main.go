// Command genvcf writes the deterministic benchmark VCF of `make bench`:
// records over the regions the mini reference covers (the chr21 slice and
// MT), REF alleles from the bundle's sequence.
//
//	go run ./internal/annotate/cmd/genvcf --ref BUNDLE_DIR -n 2000000 -o bench.vcf
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gasproject/gas/internal/annotate/synth"
	"github.com/gasproject/gas/internal/refdata"
)

func main() {
	refDir := flag.String("ref", "", "reference bundle directory")
	n := flag.Int("n", 2_000_000, "number of records")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same file)")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()
	if err := run(*refDir, *n, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genvcf:", err)
		os.Exit(1)
	}
}

func run(refDir string, n int, seed uint64, out string) error {
	if refDir == "" {
		return fmt.Errorf("--ref is required")
	}
	b, err := refdata.Open(refDir)
	if err != nil {
		return err
	}
	defer b.Close()
	if out == "-" {
		return synth.Write(os.Stdout, synth.BundleSeq{B: b}, synth.MiniRegions, n, seed)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := synth.Write(f, synth.BundleSeq{B: b}, synth.MiniRegions, n, seed); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}
