// Package synth writes large, deterministic VCF files for benchmarks: records
// in position order over given regions, REF taken from the reference
// sequence, a realistic mix of SNVs (about 85%), deletions and insertions of
// 1-10 bases, a few MNVs, and about 5% multi-allelic records.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/gasproject/gas/internal/refdata"
)

// Region is a stretch of one chromosome to place variants on.
type Region struct {
	Chrom      string
	Start, End int // 1-based inclusive
}

// Sequence gives reference bases (upper-case, 1-based inclusive).
type Sequence interface {
	Seq(chrom string, start, end int) (string, error)
}

// BundleSeq is the Sequence of a reference bundle.
type BundleSeq struct{ B *refdata.Bundle }

// Seq returns bases start..end of chrom, loading the chromosome if need be.
func (s BundleSeq) Seq(chrom string, start, end int) (string, error) {
	c, err := s.B.Chrom(chrom)
	if err != nil {
		return "", err
	}
	return c.Seq(start, end)
}

// Write writes a VCF with n records over regions (which must be in the
// order their chromosomes should appear) to w. The same seed gives the same
// file. It needs about n/(total region length) records per position.
func Write(w io.Writer, seq Sequence, regions []Region, n int, seed uint64) error {
	total := 0
	for _, r := range regions {
		total += r.End - r.Start + 1
	}
	if total <= 0 || n <= 0 {
		return fmt.Errorf("synth: need regions and n > 0")
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "##fileformat=VCFv4.2")
	fmt.Fprintln(bw, "##source=gas synth (deterministic benchmark input)")
	for i, r := range regions {
		if i == 0 || r.Chrom != regions[i-1].Chrom { // a chromosome's regions are together
			fmt.Fprintf(bw, "##contig=<ID=%s>\n", r.Chrom)
		}
	}
	fmt.Fprintln(bw, `##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">`)
	fmt.Fprintln(bw, `##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`)
	fmt.Fprintln(bw, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE1")

	written := 0
	for i, r := range regions {
		// Each region gets its share of n; slightly more than needed per
		// position so that the share is always reached.
		quota := n * (r.End - r.Start + 1) / total
		if i == len(regions)-1 {
			quota = n - written
		}
		quota += written
		perPos := float64(quota-written)/float64(r.End-r.Start+1)*1.02 + 1e-9
		// The chunk of sequence read at once, with room for the longest REF.
		const chunk, maxLen = 1 << 16, 16
		for cs := r.Start; cs <= r.End && written < quota; cs += chunk {
			ce := min(cs+chunk-1, r.End)
			bases, err := seq.Seq(r.Chrom, cs, min(ce+maxLen, r.End))
			if err != nil {
				return err
			}
			for pos := cs; pos <= ce && written < quota; pos++ {
				k := int(perPos)
				if rng.Float64() < perPos-float64(k) {
					k++
				}
				for ; k > 0 && written < quota; k-- {
					if rec := record(rng, bases[pos-cs:], r.Chrom, pos); rec != "" {
						bw.WriteString(rec)
						written++
					}
				}
			}
		}
	}
	if written < n {
		return fmt.Errorf("synth: regions too short for %d records (wrote %d)", n, written)
	}
	return bw.Flush()
}

var acgt = "ACGT"

var transition = map[byte]byte{'A': 'G', 'G': 'A', 'C': 'T', 'T': 'C'}

// snvBase picks an ALT base: the transition partner with probability 2/3,
// else one of the two transversions.
func snvBase(rng *rand.Rand, ref byte) byte {
	ts := transition[ref]
	if rng.IntN(3) < 2 {
		return ts
	}
	for {
		if b := acgt[rng.IntN(4)]; b != ref && b != ts {
			return b
		}
	}
}

// record returns one VCF line at pos, where ref[0] is the base at pos.
func record(rng *rand.Rand, ref, chrom string, pos int) string {
	if ref[0] == 'N' {
		return ""
	}
	altBase := func(not byte) byte {
		for {
			if b := acgt[rng.IntN(4)]; b != not {
				return b
			}
		}
	}
	var r, alt string
	switch x := rng.IntN(100); {
	case x < 85: // SNV, two transitions per transversion as in human data
		r, alt = ref[:1], string(snvBase(rng, ref[0]))
	case x < 92: // deletion of 1-10 bases, anchored
		l := 1 + rng.IntN(10)
		if l+1 > len(ref) {
			return ""
		}
		r, alt = ref[:l+1], ref[:1]
	case x < 98: // insertion of 1-10 bases
		l := 1 + rng.IntN(10)
		ins := make([]byte, l)
		for i := range ins {
			ins[i] = acgt[rng.IntN(4)]
		}
		r, alt = ref[:1], ref[:1]+string(ins)
	default: // MNV of 2 bases
		if len(ref) < 2 {
			return ""
		}
		r, alt = ref[:2], string([]byte{altBase(ref[0]), altBase(ref[1])})
	}
	for i := 0; i < len(r); i++ {
		if r[i] == 'N' {
			return ""
		}
	}
	gt := "0/1"
	if rng.IntN(20) == 0 { // multi-allelic: a second SNV allele
		if len(r) == 1 {
			second := altBase(r[0])
			if string(second) != alt {
				alt += "," + string(second)
				gt = "1/2"
			}
		}
	}
	return fmt.Sprintf("%s\t%d\t.\t%s\t%s\t%d\tPASS\tDP=%d\tGT\t%s\n", chrom, pos, r, alt, 20+rng.IntN(80), 10+rng.IntN(60), gt)
}

// MiniRegions are the stretches of the shared mini reference (grch38-mini)
// that hold real sequence.
var MiniRegions = []Region{{"21", 24_985_581, 26_000_306}, {"MT", 1, 16_569}}
