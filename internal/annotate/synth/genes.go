package synth

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
)

// Gene models of the synthetic genome. Every coding exon's coding part is
// whole codons starting in frame, so any exon subset that keeps the first
// and last exon is a complete CDS (ATG ... stop, no premature stop); introns
// are GT...AG in transcript orientation.

type exon struct{ start, end int } // 1-based inclusive, genomic

type transcript struct {
	id, name, biotype string
	prot              string // protein id of coding transcripts
	version           int
	exons             []exon // transcript order
	cdsStart, cdsEnd  int    // genomic, including the stop codon; 0 when non-coding
	tags              []string
}

type gene struct {
	id, name, biotype string
	version           int
	strand            byte // '+' or '-'
	start, end        int
	tx                []transcript
}

// geneKind is one class of gene: biotype, exon count range and how many
// transcripts of which biotypes it gets.
type geneKind struct {
	biotype            string
	minExons, maxExons int
	coding, noncoding  int // transcripts per gene
}

var (
	codingGene = geneKind{"protein_coding", 4, 14, 4, 4}
	lncGene    = geneKind{"lncRNA", 2, 5, 0, 3}
	smallGene  = geneKind{"snRNA", 1, 1, 0, 1}
)

// idGen numbers genes, transcripts, proteins and exons across the genome.
type idGen struct{ gene, tx, prot, exon int }

var stops = map[string]bool{"TAA": true, "TAG": true, "TGA": true}

func randBases(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); {
		x := rng.Uint64()
		for k := 0; k < 32 && i < len(b); k++ {
			b[i] = "ACGT"[x&3]
			x >>= 2
			i++
		}
	}
}

func codon(rng *rand.Rand, dst []byte) {
	for {
		randBases(rng, dst[:3])
		if !stops[string(dst[:3])] {
			return
		}
	}
}

// span is the genomic length a gene of kind k will take, decided before
// placing it; makeGene then fills exactly that many bases.
type geneShape struct {
	kind    geneKind
	exonLen []int // transcript order
	intron  []int
	utr5    int // coding genes: 5' UTR length in exon 1
	utr3    int // 3' UTR length in the last exon
}

func (s geneShape) span() int {
	n := 0
	for _, l := range s.exonLen {
		n += l
	}
	for _, l := range s.intron {
		n += l
	}
	return n
}

func newShape(rng *rand.Rand, k geneKind) geneShape {
	s := geneShape{kind: k}
	n := k.minExons + rng.IntN(k.maxExons-k.minExons+1)
	for i := 0; i < n; i++ {
		switch {
		case k.biotype == smallGene.biotype:
			s.exonLen = append(s.exonLen, 60+rng.IntN(100))
		case k.coding == 0:
			s.exonLen = append(s.exonLen, 80+rng.IntN(600))
		default:
			s.exonLen = append(s.exonLen, 3*(20+rng.IntN(60))) // coding part, whole codons
		}
		if i > 0 {
			s.intron = append(s.intron, 300+rng.IntN(6000))
		}
	}
	if k.coding > 0 {
		s.utr5, s.utr3 = 30+rng.IntN(200), 100+rng.IntN(600)
		s.exonLen[0] += s.utr5
		s.exonLen[n-1] += 3 + s.utr3 // the stop codon, then the 3' UTR
	}
	return s
}

// makeGene writes the gene's bases into chr (chr[0] is position 1) from
// genomic position start and returns its model.
func makeGene(rng *rand.Rand, ids *idGen, chr []byte, start int, strand byte, s geneShape) gene {
	span := s.span()
	g := make([]byte, span) // transcript orientation
	randBases(rng, g)
	var local []exon // 0-based half-open in g
	at := 0
	for i, l := range s.exonLen {
		local = append(local, exon{at, at + l})
		at += l
		if i < len(s.intron) {
			copy(g[at:], "GT")
			at += s.intron[i]
			copy(g[at-2:], "AG")
		}
	}
	if s.kind.coding > 0 {
		last := local[len(local)-1]
		for i, e := range local {
			from, to := e.start, e.end
			if i == 0 {
				from += s.utr5
				copy(g[from:], "ATG")
				from += 3
			}
			if i == len(local)-1 {
				to -= 3 + s.utr3
			}
			for p := from; p+3 <= to; p += 3 {
				codon(rng, g[p:p+3])
			}
		}
		copy(g[last.end-s.utr3-3:], []string{"TAA", "TAG", "TGA"}[rng.IntN(3)])
	}
	// Genomic placement.
	toGenome := func(p int) int { // local 0-based -> genomic 1-based
		if strand == '+' {
			return start + p
		}
		return start + span - 1 - p
	}
	if strand == '+' {
		copy(chr[start-1:], g)
	} else {
		for i, c := range g {
			chr[start-1+span-1-i] = refdata.Complement(c)
		}
	}
	ids.gene++
	gn := gene{id: fmt.Sprintf("ENSG%011d", ids.gene), name: fmt.Sprintf("SYN%d", ids.gene), biotype: s.kind.biotype,
		version: 1 + rng.IntN(15), strand: strand, start: start, end: start + span - 1}
	gx := func(e exon) exon { // local half-open -> genomic inclusive
		a, b := toGenome(e.start), toGenome(e.end-1)
		return exon{min(a, b), max(a, b)}
	}
	cdsFrom, cdsTo := 0, 0
	if s.kind.coding > 0 {
		cdsFrom, cdsTo = local[0].start+s.utr5, local[len(local)-1].end-s.utr3 // local half-open
	}
	addTx := func(biotype string, lex []exon, coding bool) {
		ids.tx++
		t := transcript{id: fmt.Sprintf("ENST%011d", ids.tx), biotype: biotype, version: 1 + rng.IntN(9)}
		t.name = fmt.Sprintf("%s-%d", gn.name, 200+len(gn.tx)+1)
		for _, e := range lex {
			t.exons = append(t.exons, gx(e))
		}
		if coding {
			a, b := toGenome(cdsFrom), toGenome(cdsTo-1)
			t.cdsStart, t.cdsEnd = min(a, b), max(a, b)
			ids.prot++
			t.prot = fmt.Sprintf("ENSP%011d", ids.prot)
		}
		if len(gn.tx) == 0 {
			t.tags = append(t.tags, "basic", "Ensembl_canonical")
			if coding {
				t.tags = append(t.tags, "MANE_Select")
			}
		}
		gn.tx = append(gn.tx, t)
	}
	addIsoforms(rng, s, local, addTx)
	return gn
}

// addIsoforms makes the gene's transcripts from its exons (local
// coordinates): coding ones keep the first and last exon and skip internal
// ones at random (the first keeps all), non-coding ones retain an intron or
// take a few consecutive exons.
func addIsoforms(rng *rand.Rand, s geneShape, local []exon, addTx func(biotype string, lex []exon, coding bool)) {
	for i := 0; i < s.kind.coding; i++ {
		lex := []exon{local[0]}
		for _, e := range local[1 : len(local)-1] {
			if i == 0 || rng.IntN(5) > 0 { // isoforms skip internal exons
				lex = append(lex, e)
			}
		}
		addTx("protein_coding", append(lex, local[len(local)-1]), true)
	}
	for i := 0; i < s.kind.noncoding; i++ {
		switch {
		case s.kind.coding == 0 && i == 0:
			addTx(s.kind.biotype, local, false)
		case len(local) >= 2 && i%2 == 0: // an intron retained
			k := rng.IntN(len(local) - 1)
			lex := append(append([]exon{}, local[:k]...), exon{local[k].start, local[k+1].end})
			addTx("retained_intron", append(lex, local[k+2:]...), false)
		default: // a few consecutive exons, trimmed
			k := rng.IntN(len(local))
			lex := append([]exon{}, local[k:min(k+3, len(local))]...)
			lex[0].start += min(20, (lex[0].end-lex[0].start)/2)
			biotype := "processed_transcript"
			if s.kind.coding == 0 {
				biotype = s.kind.biotype
			}
			addTx(biotype, lex, false)
		}
	}
}

// cdsSegments are the transcript's CDS pieces per exon (genomic, inclusive,
// stop codon included), in transcript order, with the exon number.
func (t transcript) cdsSegments() (segs []exon, nums []int) {
	for i, e := range t.exons {
		a, b := max(e.start, t.cdsStart), min(e.end, t.cdsEnd)
		if a <= b {
			segs, nums = append(segs, exon{a, b}), append(nums, i+1)
		}
	}
	return segs, nums
}

// stopCodon is the stop codon's genomic span (it lies in the last exon).
func (t transcript) stopCodon(strand byte) exon {
	if strand == '+' {
		return exon{t.cdsEnd - 2, t.cdsEnd}
	}
	return exon{t.cdsStart, t.cdsStart + 2}
}

func (t transcript) startCodon(strand byte) exon {
	if strand == '+' {
		return exon{t.cdsStart, t.cdsStart + 2}
	}
	return exon{t.cdsEnd - 2, t.cdsEnd}
}

// utrs are the exon parts outside the CDS: 5' first, in transcript order.
func (t transcript) utrs(strand byte) (five, three []exon) {
	for _, e := range t.exons {
		if e.start < t.cdsStart {
			u := exon{e.start, min(e.end, t.cdsStart-1)}
			if strand == '+' {
				five = append(five, u)
			} else {
				three = append(three, u)
			}
		}
		if e.end > t.cdsEnd {
			u := exon{max(e.start, t.cdsEnd+1), e.end}
			if strand == '+' {
				three = append(three, u)
			} else {
				five = append(five, u)
			}
		}
	}
	return five, three
}

// writeGTF writes the gene in Ensembl GTF (CDS without the stop codon).
func writeGTF(w io.Writer, chrom string, g gene, ids *idGen) {
	gattr := fmt.Sprintf(`gene_id "%s"; gene_version "%d"; gene_name "%s"; gene_source "ensembl"; gene_biotype "%s";`, g.id, g.version, g.name, g.biotype)
	row := func(feature string, e exon, phase string, attrs string) {
		fmt.Fprintf(w, "%s\tensembl\t%s\t%d\t%d\t.\t%c\t%s\t%s\n", chrom, feature, e.start, e.end, g.strand, phase, attrs)
	}
	row("gene", exon{g.start, g.end}, ".", gattr)
	for _, t := range g.tx {
		tattr := fmt.Sprintf(`gene_id "%s"; gene_version "%d"; transcript_id "%s"; transcript_version "%d"; gene_name "%s"; gene_source "ensembl"; gene_biotype "%s"; transcript_name "%s"; transcript_source "ensembl"; transcript_biotype "%s";`,
			g.id, g.version, t.id, t.version, g.name, g.biotype, t.name, t.biotype)
		for _, tag := range t.tags {
			tattr += fmt.Sprintf(` tag "%s";`, tag)
		}
		row("transcript", t.span(), ".", tattr)
		for i, e := range t.exons {
			ids.exon++
			row("exon", e, ".", fmt.Sprintf(`%s exon_number "%d"; exon_id "ENSE%011d"; exon_version "1";`, tattr, i+1, ids.exon))
		}
		if t.cdsStart == 0 {
			continue
		}
		segs, nums := t.cdsSegments()
		stop := t.stopCodon(g.strand)
		for i, s := range segs {
			if g.strand == '+' && s.end == t.cdsEnd {
				s.end -= 3
			} else if g.strand == '-' && s.start == t.cdsStart {
				s.start += 3
			}
			if s.start <= s.end {
				row("CDS", s, "0", fmt.Sprintf(`%s exon_number "%d"; protein_id "%s"; protein_version "1";`, tattr, nums[i], t.prot))
			}
		}
		row("start_codon", t.startCodon(g.strand), "0", fmt.Sprintf(`%s exon_number "1";`, tattr))
		row("stop_codon", stop, "0", fmt.Sprintf(`%s exon_number "%d";`, tattr, len(t.exons)))
		five, three := t.utrs(g.strand)
		for _, u := range five {
			row("five_prime_utr", u, ".", tattr)
		}
		for _, u := range three {
			row("three_prime_utr", u, ".", tattr)
		}
	}
}

// span is the transcript's genomic extent.
func (t transcript) span() exon {
	s := t.exons[0]
	for _, e := range t.exons {
		s = exon{min(s.start, e.start), max(s.end, e.end)}
	}
	return s
}

// writeGFF3 writes the gene in Ensembl GFF3 (CDS with the stop codon), as
// bcftools csq reads it.
func writeGFF3(w io.Writer, chrom string, g gene) {
	row := func(feature string, e exon, phase string, attrs string) {
		fmt.Fprintf(w, "%s\tensembl\t%s\t%d\t%d\t.\t%c\t%s\t%s\n", chrom, feature, e.start, e.end, g.strand, phase, attrs)
	}
	row("gene", exon{g.start, g.end}, ".", fmt.Sprintf("ID=gene:%s;Name=%s;biotype=%s;gene_id=%s;version=%d", g.id, g.name, g.biotype, g.id, g.version))
	for _, t := range g.tx {
		attrs := fmt.Sprintf("ID=transcript:%s;Parent=gene:%s;Name=%s;biotype=%s;transcript_id=%s;version=%d", t.id, g.id, t.name, t.biotype, t.id, t.version)
		if len(t.tags) > 0 {
			attrs += ";tag=" + strings.Join(t.tags, ",")
		}
		row("mRNA", t.span(), ".", attrs)
		for i, e := range t.exons {
			row("exon", e, ".", fmt.Sprintf("Parent=transcript:%s;rank=%d", t.id, i+1))
		}
		if t.cdsStart == 0 {
			continue
		}
		segs, _ := t.cdsSegments()
		for _, s := range segs {
			row("CDS", s, "0", fmt.Sprintf("ID=CDS:%s;Parent=transcript:%s;protein_id=%s", t.prot, t.id, t.prot))
		}
		five, three := t.utrs(g.strand)
		for _, u := range five {
			row("five_prime_UTR", u, ".", "Parent=transcript:"+t.id)
		}
		for _, u := range three {
			row("three_prime_UTR", u, ".", "Parent=transcript:"+t.id)
		}
	}
	io.WriteString(w, "###\n")
}
