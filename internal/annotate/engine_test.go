package annotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/vcf"
)

// Hand-written fakes: a reference with one chromosome "21" and a predictor
// that writes one recognisable CSQ entry per allele.
type fakeRef map[string]*fakeChrom

func (f fakeRef) chrom(name string) (chromosome, error) {
	if c, ok := f[refdata.CanonicalChrom(name)]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%s: %w", name, refdata.ErrNotCovered)
}

func (f fakeRef) release(name string) {}

func (f fakeRef) length(name string) (int, bool) {
	c, ok := f[refdata.CanonicalChrom(name)]
	if !ok {
		return 0, false
	}
	return c.length, true
}

type fakeChrom struct {
	length int
	known  []refdata.KnownVariant
}

func (c *fakeChrom) AppendKnownMatches(_ *refdata.KnownReader, dst []refdata.KnownMatch, pos int, ref, alt string) ([]refdata.KnownMatch, error) {
	for _, k := range c.known {
		if k.Pos == pos && k.Ref == ref && k.Alt == alt {
			dst = append(dst, refdata.KnownMatch{ID: []byte(k.ID), Freq: k.Freq, ClinSig: k.ClinSig})
		}
	}
	return dst, nil
}
func (c *fakeChrom) BandSpan(pos int) (string, int, int) {
	if pos > c.length {
		return "", c.length + 1, math.MaxInt
	}
	return "q21.3", math.MinInt, c.length
}
func (c *fakeChrom) AppendTranscriptsNext(dst []*refdata.Transcript, start, end int) ([]*refdata.Transcript, int) {
	return dst, math.MaxInt
}
func (c *fakeChrom) Seq(start, end int) (string, error) { return strings.Repeat("N", end-start+1), nil }
func (c *fakeChrom) AppendSeq(dst []byte, start, end int) ([]byte, error) {
	return append(dst, strings.Repeat("N", end-start+1)...), nil
}
func (c *fakeChrom) AppendSeqVia(_ *refdata.SeqReader, dst []byte, start, end int) ([]byte, error) {
	return c.AppendSeq(dst, start, end)
}
func (c *fakeChrom) Len() int { return c.length }

// Covered: the fake holds bases everywhere (all N, which match any REF).
func (c *fakeChrom) CoveredVia(_ *refdata.SeqReader, start, end int) bool { return true }

type fakePredictor struct{}

func (fakePredictor) appendCSQ(dst []byte, c chromosome, v consequence.Variant, existing []byte, t *tally, _ *indexBatch) ([]byte, string, string, error) {
	t.consequences["missense_variant"]++
	return fmt.Appendf(dst, "%s|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||%s|||||SNV|YES", v.Alt, existing), "missense_variant", "SNV", nil
}

func fakeEngine() *Engine {
	return &Engine{
		ref: fakeRef{"21": {length: 1000000, known: []refdata.KnownVariant{
			{Pos: 100, Ref: "A", Alt: "G", ID: "rs100", Freq: 0.25, ClinSig: "likely benign,other"},
			{Pos: 100, Ref: "A", Alt: "C", ID: "rs101", Freq: -1},
			{Pos: 201, Ref: "C", Alt: "", ID: "rs201", Freq: 0.5},
			{Pos: 301, Ref: "", Alt: "T", ID: "rs301", Freq: -1, ClinSig: "pathogenic"},
		}}},
		newPred: func(Options) predictor { return fakePredictor{} },
		refDesc: "fake",
	}
}

const hdr = "##fileformat=VCFv4.2\n" +
	"##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n" +
	"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"

func run(t *testing.T, e *Engine, input string) (string, *Summary) {
	t.Helper()
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(input), &out, Options{Workers: 2})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out.String(), sum
}

// records returns the data lines of a VCF.
func records(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestAnnotateRecords(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"SNV known, second ALT unknown",
			"chr21\t100\t.\tA\tG,T\t.\tPASS\tDP=3\tGT\t0/1",
			"chr21\t100\trs100\tA\tG,T\t.\tPASS\tDP=3;KNOWN_AF=0.25,.;KNOWN_CLNSIG=likely_benign&other,.;CYTOBAND=21q21.3;CSQ=G|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||rs100|||||SNV|YES,T|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding|||||||||||||||SNV|YES\tGT\t0/1"},
		{"allele-aware: same position, other ALT matches the other id; existing id kept",
			"21\t100\trs9;rs101\ta\tc\t.\t.\t.\tGT\t1/1",
			"21\t100\trs9;rs101\ta\tc\t.\t.\tCYTOBAND=21q21.3;CSQ=C|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||rs101|||||SNV|YES\tGT\t1/1"},
		{"deletion matched after trimming",
			"21\t200\t.\tTCG\tTG\t.\t.\t.\tGT\t0/1",
			"21\t200\trs201\tTCG\tTG\t.\t.\tKNOWN_AF=0.5;CYTOBAND=21q21.3;CSQ=TG|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||rs201|||||SNV|YES\tGT\t0/1"},
		{"insertion matched after trimming",
			"21\t300\t.\tA\tAT\t.\t.\t.\tGT\t0/1",
			"21\t300\trs301\tA\tAT\t.\t.\tKNOWN_CLNSIG=pathogenic;CYTOBAND=21q21.3;CSQ=AT|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||rs301|||||SNV|YES\tGT\t0/1"},
		{"same position, different allele: no match",
			"21\t100\t.\tA\tT\t.\t.\t.\tGT\t0/1",
			"21\t100\t.\tA\tT\t.\t.\tCYTOBAND=21q21.3;CSQ=T|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding|||||||||||||||SNV|YES\tGT\t0/1"},
		{"star and symbolic alleles pass through",
			"21\t100\t.\tA\t*,<DEL>,G\t.\t.\t.\tGT\t0/1",
			"21\t100\trs100\tA\t*,<DEL>,G\t.\t.\tKNOWN_AF=.,.,0.25;KNOWN_CLNSIG=.,.,likely_benign&other;CYTOBAND=21q21.3;CSQ=G|missense_variant|MODERATE|G|ENSG1|Transcript|ENST1|protein_coding||||||||||rs100|||||SNV|YES\tGT\t0/1"},
		{"not covered: unchanged",
			"chrY\t100\t.\tA\tG\t.\t.\tDP=1\tGT\t0/1",
			"chrY\t100\t.\tA\tG\t.\t.\tDP=1\tGT\t0/1"},
		{"no ALT",
			"21\t100\t.\tA\t.\t.\t.\tDP=1\tGT\t0/0",
			"21\t100\t.\tA\t.\t.\t.\tDP=1;CYTOBAND=21q21.3\tGT\t0/0"},
		{"beyond the chromosome end",
			"21\t2000000\t.\tA\tG\t.\t.\t.\tGT\t0/1",
			"21\t2000000\t.\tA\tG\t.\t.\t.\tGT\t0/1"},
	}
	e := fakeEngine()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := run(t, e, hdr+tc.in+"\n")
			got := records(out)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestHeaderDeclaresEveryKey(t *testing.T) {
	in := "##fileformat=VCFv4.2\n" +
		"##INFO=<ID=CSQ,Number=.,Type=String,Description=\"old VEP run\">\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"21\t100\t.\tA\tG\t.\t.\tCSQ=old|stuff;DP=4\n"
	out, _ := run(t, fakeEngine(), in)
	wantCSQ := `##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|VARIANT_CLASS|CANONICAL">`
	if strings.Count(out, "##INFO=<ID=CSQ,") != 1 || !strings.Contains(out, wantCSQ+"\n") {
		t.Errorf("CSQ header missing, duplicated or different:\n%s", out)
	}
	for _, k := range []string{InfoKnownAF, InfoKnownClnsig, InfoCytoband} {
		if !strings.Contains(out, "##INFO=<ID="+k+",") {
			t.Errorf("INFO/%s not declared", k)
		}
	}
	rec := records(out)[0]
	if strings.Contains(rec, "old|stuff") || strings.Count(rec, "CSQ=") != 1 || !strings.Contains(rec, "\tDP=4;") {
		t.Errorf("old CSQ not replaced: %q", rec)
	}
}

func TestSummary(t *testing.T) {
	in := hdr +
		"21\t100\t.\tA\tG,T\t.\t.\t.\tGT\t0/1\n" + // ts + tv, one known
		"21\t150\t.\tC\tT\t.\t.\t.\tGT\t0/1\n" + // ts
		"21\t160\t.\tC\t<DEL>,*\t.\t.\t.\tGT\t0/1\n" +
		"Y\t1\t.\tG\tA\t.\t.\t.\tGT\t0/1\n" + // ts, not covered
		"Y\t2\t.\tG\tC\t.\t.\t.\tGT\t0/1\n" // tv, not covered
	_, s := run(t, fakeEngine(), in)
	if s.Records != 5 || s.Alleles != 7 || s.NotCovered != 2 || s.AnnotatedAlleles != 3 || s.KnownHits != 1 {
		t.Errorf("counts: %+v", s)
	}
	if s.Transitions != 3 || s.Transversions != 2 || s.TsTv != 1.5 {
		t.Errorf("ts %d tv %d ratio %v", s.Transitions, s.Transversions, s.TsTv)
	}
	if s.Passthrough["symbolic"] != 1 || s.Passthrough["*"] != 1 || len(s.Notes) != 2 || !strings.HasPrefix(s.Notes[0], "line 6: ALT <DEL>") {
		t.Errorf("passthrough %v notes %q", s.Passthrough, s.Notes)
	}
	if s.MostSevere["missense_variant"] != 3 || s.Consequences["missense_variant"] != 3 || s.VariantClass["SNV"] != 3 {
		t.Errorf("consequences %v %v %v", s.MostSevere, s.Consequences, s.VariantClass)
	}
	want := []ChromCount{{"21", 3, true}, {"Y", 2, false}}
	if fmt.Sprint(s.Chromosomes) != fmt.Sprint(want) {
		t.Errorf("chromosomes %v, want %v", s.Chromosomes, want)
	}
	if fmt.Sprintf("%.1f", s.KnownPercent) != "33.3" {
		t.Errorf("known percent %v", s.KnownPercent)
	}
	var log strings.Builder
	s.WriteText(&log)
	for _, want := range []string{"records:            5", "Ts/Tv:              1.500", "not covered)", "missense_variant"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

// TestOrderAcrossBatches: many batches through several workers come out in
// input order, and the summary counts them all.
func TestOrderAcrossBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	const n = 3*batchLines + 17
	for i := 1; i <= n; i++ {
		chrom := "21"
		if i%7 == 0 {
			chrom = "X"
		}
		fmt.Fprintf(&b, "%s\t%d\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", chrom, i)
	}
	e := fakeEngine()
	var out bytes.Buffer
	s, err := e.Run(context.Background(), strings.NewReader(b.String()), &out, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	recs := records(out.String())
	if len(recs) != n || s.Records != n {
		t.Fatalf("%d records out, summary %d, want %d", len(recs), s.Records, n)
	}
	for i, r := range recs {
		if f := strings.Split(r, "\t"); f[1] != fmt.Sprint(i+1) {
			t.Fatalf("record %d has POS %s", i+1, f[1])
		}
	}
	if len(s.Chromosomes) != 2 || s.Chromosomes[0].Name != "21" || s.NotCovered != n/7 {
		t.Errorf("chromosomes %v not covered %d", s.Chromosomes, s.NotCovered)
	}
}

// failingWriter accepts ok writes, then fails every one.
type failingWriter struct {
	ok, writes int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.ok {
		return 0, errDiskFull
	}
	return len(p), nil
}

// TestWriteErrorStopsRun: when writing a batch fails, the run returns that
// error and writes nothing more, while workers that ran ahead and wait for
// a batch to reuse still end.
func TestWriteErrorStopsRun(t *testing.T) {
	in := hdr + strings.Repeat("21\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", 40*batchLines)
	for _, workers := range []int{1, 3} {
		w := &failingWriter{ok: 3} // the header and two batches
		_, err := fakeEngine().Run(context.Background(), strings.NewReader(in), w, Options{Workers: workers})
		if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "write output: ") {
			t.Errorf("%d workers: err = %v, want the write error", workers, err)
		}
		if w.writes != 4 {
			t.Errorf("%d workers: %d writes, want 4 (none after the failed one)", workers, w.writes)
		}
	}
}

func TestBadInputIsInputError(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	for i := 0; i < 2500; i++ {
		b.WriteString("21\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n")
	}
	b.WriteString("21\tfive\t.\tA\tG\t.\t.\t.\tGT\t0/1\n")
	b.WriteString("21\t5\t.\tA\tG\t.\t.\t.\tGT\n")
	_, err := fakeEngine().Run(context.Background(), strings.NewReader(b.String()), &bytes.Buffer{}, Options{Workers: 2})
	var pe *vcf.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, domain.ErrInvalid) || !errors.Is(err, vcf.ErrPos) {
		t.Fatalf("err = %v, want an input error of kind ErrPos", err)
	}
	if pe.Line != 2504 || err.Error() != `line 2504: POS "five" is not a non-negative integer` {
		t.Errorf("err = %q (line %d)", err, pe.Line)
	}
	_, err = fakeEngine().Run(context.Background(), strings.NewReader("not a vcf\n"), &bytes.Buffer{}, Options{})
	if !errors.Is(err, vcf.ErrNotVCF) || !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("err = %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fakeEngine().Run(ctx, strings.NewReader(hdr+"21\t1\t.\tA\tG\t.\t.\t.\tGT\t0/1\n"), &bytes.Buffer{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestProgress(t *testing.T) {
	in := hdr + strings.Repeat("21\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", 3000)
	var bar bytes.Buffer
	_, err := fakeEngine().Run(context.Background(), strings.NewReader(in), &bytes.Buffer{},
		Options{Progress: &bar, InputSize: int64(len(in))})
	if err != nil {
		t.Fatal(err)
	}
	if got := bar.String(); !strings.HasPrefix(got, "\r[") || !strings.Contains(got, "100% 3000 records") || !strings.HasSuffix(got, "\n") {
		t.Errorf("progress output %q", got)
	}
}

// TestHeaderDeclaresContigs: a header without ##contig lines gets the human
// names declared (as an upgraded VCF 3.3 header does); one that declares
// any is left with its own.
func TestHeaderDeclaresContigs(t *testing.T) {
	for _, tc := range []struct {
		name, meta string
		want       int // ##contig lines after addHeader
	}{
		{"none", "", len(humanContigs)},
		{"one declared", "##contig=<ID=MT,length=16569>\n", 1},
		{"VCF 3.3", "", len(humanContigs)},
	} {
		format := "##fileformat=VCFv4.2\n"
		if tc.name == "VCF 3.3" {
			format = "##fileformat=VCFv3.3\n"
		}
		in := format + tc.meta + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t60\t.\tT\tA\t.\t.\t.\n"
		r, err := vcf.NewReader(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		h := r.Header()
		addHeader(h, "test")
		var b strings.Builder
		h.WriteTo(&b)
		if got := strings.Count(b.String(), "\n##contig=<ID="); got != tc.want {
			t.Errorf("%s: %d ##contig lines, want %d:\n%s", tc.name, got, tc.want, b.String())
		}
		if !strings.Contains(b.String(), "\n##contig=<ID=MT") {
			t.Errorf("%s: MT is not declared:\n%s", tc.name, b.String())
		}
	}
}
