package consequence

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteSaturationSets writes saturation VCFs over the mini reference for
// the cross-checks (a development aid: SATURATION_OUT=dir go test -run
// WriteSaturation .):
//
//   - chr21.vcf: at every base of the chr21 coding exons ±10 bp, the three
//     SNVs, a 2 bp MNV, a 2>3 bp delins, 1-3 bp deletions, 1-3 bp
//     insertions and 1-3 bp duplications of the preceding bases;
//   - chrM.vcf: at every chrM CDS base, 1 and 3 bp deletions and insertions.
//
// Inserted bases come from a fixed generator, so the sets are the same on
// every run. Feed them to gas, bcftools csq and snpEff, then to
// TestCrossCheckBCSQ and TestCrossCheckSnpEff.
func TestWriteSaturationSets(t *testing.T) {
	dir := os.Getenv("SATURATION_OUT")
	if dir == "" {
		t.Skip("set SATURATION_OUT to a directory to write the saturation VCFs")
	}
	m := loadMini(t)
	writeSet(t, filepath.Join(dir, "chr21.vcf"), "21", m.seqs["21"], codingPositions(m, "21", 10), chr21Alleles)
	writeSet(t, filepath.Join(dir, "chrM.vcf"), "MT", m.seqs["MT"], codingPositions(m, "MT", 0), chrMAlleles)
}

// codingPositions lists, sorted, every base of the chromosome's coding
// exons extended by flank on either side.
func codingPositions(m *mini, chrom string, flank int) []int {
	seen := map[int]bool{}
	for _, tx := range m.txs {
		if tx.Chrom != chrom || !tx.Coding() {
			continue
		}
		for _, e := range tx.Exons {
			s, en := max(e.Start, tx.CodingStart), min(e.End, tx.CodingEnd)
			for p := s - flank; p <= en+flank; p++ {
				seen[p] = true
			}
		}
	}
	out := make([]int, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// satRNG is a fixed linear congruential generator for inserted bases.
type satRNG uint32

func (r *satRNG) bases(n int) string {
	b := make([]byte, n)
	for i := range b {
		*r = *r*1664525 + 1013904223
		b[i] = "ACGT"[*r>>30]
	}
	return string(b)
}

// satAllele is one REF/ALT pair at a position (VCF style, anchored indels).
type satAllele struct {
	pos      int
	ref, alt string
}

func chr21Alleles(seq []byte, p int, r *satRNG) []satAllele {
	at := func(s, e int) string { return string(seq[s-1 : e]) }
	var out []satAllele
	b := at(p, p)
	for _, x := range []string{"A", "C", "G", "T"} {
		if x != b {
			out = append(out, satAllele{p, b, x})
		}
	}
	next := map[byte]byte{'A': 'C', 'C': 'G', 'G': 'T', 'T': 'A'}
	two := at(p, p+1)
	out = append(out, satAllele{p, two, string([]byte{next[two[0]], next[two[1]]})})
	out = append(out, satAllele{p, two, r.bases(3)})
	for n := 1; n <= 3; n++ {
		out = append(out, satAllele{p, at(p, p+n), b})
	}
	for n := 1; n <= 3; n++ {
		out = append(out, satAllele{p, b, b + r.bases(n)})
	}
	for n := 1; n <= 3; n++ {
		if p-n+1 >= 1 {
			out = append(out, satAllele{p, b, b + at(p-n+1, p)})
		}
	}
	return out
}

func chrMAlleles(seq []byte, p int, r *satRNG) []satAllele {
	at := func(s, e int) string { return string(seq[s-1 : e]) }
	b := at(p, p)
	return []satAllele{
		{p, at(p, p+1), b}, {p, at(p, p+3), b},
		{p, b, b + r.bases(1)}, {p, b, b + r.bases(3)},
	}
}

func writeSet(t *testing.T, path, chrom string, seq []byte, positions []int, alleles func([]byte, int, *satRNG) []satAllele) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "##fileformat=VCFv4.2\n##contig=<ID=%s,length=%d>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n", chrom, len(seq))
	r, n := satRNG(13), 0
	for _, p := range positions {
		if p < 2 || p+4 > len(seq) {
			continue
		}
		for _, a := range alleles(seq, p, &r) {
			if a.ref == a.alt {
				continue
			}
			fmt.Fprintf(w, "%s\t%d\t.\t%s\t%s\t.\t.\t.\n", chrom, a.pos, a.ref, a.alt)
			n++
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d records over %d positions", path, n, len(positions))
}
