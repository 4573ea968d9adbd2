// Command gengenome writes the synthetic GRCh38-shaped reference and the
// benchmark queries of `make bench-genome` (package synth, WriteGenome).
//
//	go run ./internal/annotate/cmd/gengenome -o DIR [--scale 0.01] [--seed 1]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gasproject/gas/internal/annotate/synth"
)

func main() {
	dir := flag.String("o", "", "output directory")
	scale := flag.Float64("scale", 1, "fraction of GRCh38 size: lengths and all counts scale (0.01 for a quick run)")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same files)")
	quiet := flag.Bool("q", false, "no progress lines")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gengenome: -o DIR is required")
		os.Exit(2)
	}
	o := synth.GenomeOptions{Dir: *dir, Scale: *scale, Seed: *seed}
	if !*quiet {
		o.Log = os.Stderr
	}
	st, err := synth.WriteGenome(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gengenome:", err)
		os.Exit(1)
	}
	fmt.Printf("bases %d (N %.1f%%), genes %d, transcripts %d (coding %d), known %d, wgs %d (known %d), exome %d (known %d)\n",
		st.Bases, 100*float64(st.NBases)/float64(max(1, st.Bases)), st.Genes, st.Transcripts, st.Coding,
		st.Known, st.WGS, st.WGSKnown, st.Exome, st.Exome0)
}
