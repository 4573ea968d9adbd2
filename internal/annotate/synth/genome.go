package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/gasproject/gas/internal/vcf"
)

// GRCh38 primary chromosomes and their lengths: the shape of the synthetic genome.
var grch38 = []struct {
	name   string
	length int
}{
	{"1", 248956422}, {"2", 242193529}, {"3", 198295559}, {"4", 190214555}, {"5", 181538259},
	{"6", 170805979}, {"7", 159345973}, {"8", 145138636}, {"9", 138394717}, {"10", 133797422},
	{"11", 135086622}, {"12", 133275309}, {"13", 114364328}, {"14", 107043718}, {"15", 101991189},
	{"16", 90338345}, {"17", 83257441}, {"18", 80373285}, {"19", 58617616}, {"20", 64444167},
	{"21", 46709983}, {"22", 50818468}, {"X", 156040895}, {"Y", 57227415},
}

// Full-scale counts (Scale 1).
const (
	fullCodingGenes = 20_000 // 4 coding + 4 non-coding transcripts each
	fullLncGenes    = 25_000 // 3 transcripts each
	fullSmallGenes  = 17_000 // 1 transcript each
	fullKnown       = 100_000_000
	fullWGS         = 5_000_000
	fullExome       = 500_000
)

// GenomeOptions configure WriteGenome.
type GenomeOptions struct {
	Dir   string  // output directory (created)
	Scale float64 // 1 = GRCh38 size; 0.01 for a quick run (lengths and counts scale)
	Seed  uint64
	Log   io.Writer
}

// GenomeFiles are the files WriteGenome writes, inside Dir.
var GenomeFiles = struct{ FASTA, FAI, GTF, GFF3, Known, WGS, Exome string }{
	"ref.fa", "ref.fa.fai", "genes.gtf.gz", "genes.gff3.gz", "known.vcf.gz", "wgs.vcf", "exome.vcf",
}

// GenomeStats counts what WriteGenome wrote.
type GenomeStats struct {
	Bases, NBases                       int
	Genes, Transcripts, Coding          int
	Known, WGS, Exome, WGSKnown, Exome0 int
}

type genomeOut struct {
	fa, fai      *bufio.Writer
	gtf, gff, kn io.Writer
	wgs, exome   *bufio.Writer
	closers      []func() error
	faOff        int64
}

// WriteGenome writes a deterministic synthetic reference of GRCh38's shape
// and benchmark queries: the FASTA (plain, 60 bases a line, with its .fai;
// ~5% N in telomeres, a centromere and gaps), Ensembl-style GTF and the same
// models as Ensembl GFF3 (BGZF), dbSNP-like known variants (BGZF VCF: RS,
// GMAF on about a quarter, CLIN_SIG on a few), a whole-genome query (~85%
// SNV, multi-allelic ~5%, about half of the records known variants) and an
// exome query (CDS ±10 bp). The same options give the same files.
func WriteGenome(o GenomeOptions) (GenomeStats, error) {
	var st GenomeStats
	if o.Scale <= 0 || o.Scale > 1 {
		return st, fmt.Errorf("synth: scale %v outside (0, 1]", o.Scale)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return st, err
	}
	out, err := openGenomeOut(o.Dir)
	if err != nil {
		return st, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5851f42d4c957f2d))
	total := 0
	for _, c := range grch38 {
		total += c.length
	}
	ids := &idGen{}
	fmt.Fprintln(out.gff, "##gff-version 3")
	writeVCFHeader(out.wgs, o.Scale)
	writeVCFHeader(out.exome, o.Scale)
	fmt.Fprintln(out.kn, "##fileformat=VCFv4.1\n##source=gas synth (dbSNP-like)")
	fmt.Fprintln(out.kn, `##INFO=<ID=RS,Number=1,Type=Integer,Description="dbSNP ID">`)
	fmt.Fprintln(out.kn, `##INFO=<ID=GMAF,Number=1,Type=String,Description="Global minor allele and frequency">`)
	fmt.Fprintln(out.kn, `##INFO=<ID=CLIN_SIG,Number=.,Type=String,Description="Clinical significance">`)
	fmt.Fprintln(out.kn, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
	for _, c := range grch38 {
		n := int(float64(c.length) * o.Scale)
		share := func(full int) int {
			return int(math.Round(float64(full) * o.Scale * float64(c.length) / float64(total)))
		}
		chr := make([]byte, n)
		randBases(rng, chr)
		gaps := addNBlocks(rng, chr)
		genes := placeGenes(rng, ids, chr, gaps, share(fullCodingGenes), share(fullLncGenes), share(fullSmallGenes))
		for _, g := range genes {
			writeGTF(out.gtf, c.name, g, ids)
			writeGFF3(out.gff, c.name, g)
			st.Genes++
			for _, t := range g.tx {
				st.Transcripts++
				if t.cdsStart > 0 {
					st.Coding++
				}
			}
		}
		if err := out.writeFASTA(c.name, chr); err != nil {
			return st, err
		}
		st.Bases += n
		for _, b := range chr {
			if b == 'N' {
				st.NBases++
			}
		}
		q := sweep{rng: rng, chrom: c.name, seq: chr, exome: exomeIntervals(genes)}
		q.run(out, share(fullKnown), share(fullWGS), share(fullExome), &st)
		if o.Log != nil {
			fmt.Fprintf(o.Log, "chromosome %s: %d bp, %d genes\n", c.name, n, len(genes))
		}
	}
	return st, out.close()
}

func writeVCFHeader(w io.Writer, scale float64) {
	fmt.Fprintln(w, "##fileformat=VCFv4.2\n##source=gas synth (deterministic benchmark input)")
	for _, c := range grch38 {
		fmt.Fprintf(w, "##contig=<ID=%s,length=%d>\n", c.name, int(float64(c.length)*scale))
	}
	fmt.Fprintln(w, `##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">`)
	fmt.Fprintln(w, `##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`)
	fmt.Fprintln(w, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE1")
}

func openGenomeOut(dir string) (*genomeOut, error) {
	o := &genomeOut{}
	plain := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		o.closers = append(o.closers, bw.Flush, f.Close)
		return bw, nil
	}
	bgzf := func(name string) (io.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		zw := vcf.NewBGZFWriter(f)
		bw := bufio.NewWriterSize(zw, 1<<20)
		o.closers = append(o.closers, bw.Flush, zw.Close, f.Close)
		return bw, nil
	}
	var err error
	f := GenomeFiles
	if o.fa, err = plain(f.FASTA); err == nil {
		if o.fai, err = plain(f.FAI); err == nil {
			if o.wgs, err = plain(f.WGS); err == nil {
				if o.exome, err = plain(f.Exome); err == nil {
					if o.gtf, err = bgzf(f.GTF); err == nil {
						if o.gff, err = bgzf(f.GFF3); err == nil {
							o.kn, err = bgzf(f.Known)
						}
					}
				}
			}
		}
	}
	return o, err
}

func (o *genomeOut) close() error {
	var first error
	for _, c := range o.closers {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// writeFASTA writes one record at 60 bases a line and its .fai line.
func (o *genomeOut) writeFASTA(name string, seq []byte) error {
	hdr := ">" + name + "\n"
	o.fa.WriteString(hdr)
	o.faOff += int64(len(hdr))
	fmt.Fprintf(o.fai, "%s\t%d\t%d\t60\t61\n", name, len(seq), o.faOff)
	for i := 0; i < len(seq); i += 60 {
		o.fa.Write(seq[i:min(i+60, len(seq))])
		o.fa.WriteByte('\n')
	}
	o.faOff += int64(len(seq) + (len(seq)+59)/60)
	_, err := o.fa.Write(nil)
	return err
}

// addNBlocks puts N in telomeres (10 kb each end), a centromere (3%) and five
// gaps (0.4% each): about 5% of the chromosome. It returns the blocks sorted.
func addNBlocks(rng *rand.Rand, chr []byte) []exon {
	n := len(chr)
	tel := min(10_000, n/200)
	blocks := []exon{{1, tel}, {n - tel + 1, n}}
	cen := n * 3 / 100
	c0 := n*2/5 + rng.IntN(n/10+1)
	blocks = append(blocks, exon{c0, c0 + cen - 1})
	for i := 0; i < 5; i++ {
		l := n * 4 / 1000
		s := tel + rng.IntN(max(1, n-2*tel-l))
		blocks = append(blocks, exon{s, s + l - 1})
	}
	for _, b := range blocks {
		for p := max(b.start, 1); p <= min(b.end, n); p++ {
			chr[p-1] = 'N'
		}
	}
	slices.SortFunc(blocks, func(a, b exon) int { return a.start - b.start })
	return blocks
}

// placeGenes lays genes out left to right without overlaps and away from N
// blocks, in a shuffled order of kinds, with random gaps between them.
func placeGenes(rng *rand.Rand, ids *idGen, chr []byte, gaps []exon, coding, lnc, small int) []gene {
	var kinds []geneKind
	for i := 0; i < coding; i++ {
		kinds = append(kinds, codingGene)
	}
	for i := 0; i < lnc; i++ {
		kinds = append(kinds, lncGene)
	}
	for i := 0; i < small; i++ {
		kinds = append(kinds, smallGene)
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	shapes := make([]geneShape, len(kinds))
	used := 0
	for i, k := range kinds {
		shapes[i] = newShape(rng, k)
		used += shapes[i].span()
	}
	free := len(chr) * 92 / 100
	meanGap := max(100, (free-used)/max(1, len(kinds)))
	var genes []gene
	pos := 1
	for _, s := range shapes {
		pos += 50 + rng.IntN(2*meanGap)
		end := pos + s.span() - 1
		for _, g := range gaps { // step over N blocks, with a margin
			if pos <= g.end+1000 && end >= g.start-1000 {
				pos = g.end + 1000 + rng.IntN(1000)
				end = pos + s.span() - 1
			}
		}
		if end > len(chr)-1000 {
			break
		}
		strand := byte('+')
		if rng.IntN(2) == 0 {
			strand = '-'
		}
		genes = append(genes, makeGene(rng, ids, chr, pos, strand, s))
		pos = end + 1
	}
	return genes
}

// exomeIntervals are the coding exons ±10 bp, merged and sorted.
func exomeIntervals(genes []gene) []exon {
	var iv []exon
	for _, g := range genes {
		for _, t := range g.tx {
			if t.cdsStart == 0 {
				continue
			}
			segs, _ := t.cdsSegments()
			for _, s := range segs {
				iv = append(iv, exon{s.start - 10, s.end + 10})
			}
		}
	}
	slices.SortFunc(iv, func(a, b exon) int { return a.start - b.start })
	var out []exon
	for _, e := range iv {
		if n := len(out); n > 0 && e.start <= out[n-1].end+1 {
			out[n-1].end = max(out[n-1].end, e.end)
			continue
		}
		out = append(out, e)
	}
	return out
}
