// Command genvcf writes the deterministic benchmark VCF of `make bench`:
// records over the regions the mini reference covers (the chr21 slice and
// MT), REF alleles from the bundle's sequence. --chroms places them on
// whole chromosomes of the bundle instead (but their runs of N), in the
// order given (issue 12's
// 1.5 M-record job over three chromosomes of make bench-genome's bundle):
//
//	go run ./internal/annotate/cmd/genvcf --ref BUNDLE_DIR -n 2000000 -o bench.vcf
//	go run ./internal/annotate/cmd/genvcf --ref /tmp/bg/bundle --chroms 1,2,3 -n 1500000 -o three.vcf
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/annotate/synth"
	"github.com/gasproject/gas/internal/refdata"
)

func main() {
	refDir := flag.String("ref", "", "reference bundle directory")
	n := flag.Int("n", 2_000_000, "number of records")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same file)")
	out := flag.String("o", "-", "output file (- for standard output)")
	chroms := flag.String("chroms", "", "comma-separated chromosomes of the bundle to place the records on, whole (default: the mini reference's regions)")
	flag.Parse()
	if err := run(*refDir, *n, *seed, *out, *chroms); err != nil {
		fmt.Fprintln(os.Stderr, "genvcf:", err)
		os.Exit(1)
	}
}

func run(refDir string, n int, seed uint64, out, chroms string) error {
	if refDir == "" {
		return fmt.Errorf("--ref is required")
	}
	b, err := refdata.Open(refDir)
	if err != nil {
		return err
	}
	defer b.Close()
	regions := synth.MiniRegions
	if chroms != "" {
		if regions, err = wholeChroms(b, chroms); err != nil {
			return err
		}
	}
	if out == "-" {
		return synth.Write(os.Stdout, synth.BundleSeq{B: b}, regions, n, seed)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := synth.Write(f, synth.BundleSeq{B: b}, regions, n, seed); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

// wholeChroms are the named chromosomes of the bundle, in the order named,
// without their stretches of N (telomeres, centromere, gaps: the generator
// places records by length, and a run of N takes none), at 64 kb steps.
func wholeChroms(b *refdata.Bundle, names string) ([]synth.Region, error) {
	const step = 1 << 16
	var regions []synth.Region
	for _, name := range strings.Split(names, ",") {
		m := b.Manifest()
		i := slices.IndexFunc(m.Chroms, func(c refdata.ChromEntry) bool { return c.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--chroms: the bundle has no chromosome %q", name)
		}
		c, err := b.Chrom(name)
		if err != nil {
			return nil, err
		}
		length, open := m.Chroms[i].Length, false
		for start := 1; start <= length; start += step {
			end := min(start+step-1, length)
			switch covered := c.Covered(start, end); {
			case covered && open:
				regions[len(regions)-1].End = end
			case covered:
				regions = append(regions, synth.Region{Chrom: name, Start: start, End: end})
			}
			open = c.Covered(start, end)
		}
	}
	return regions, nil
}
