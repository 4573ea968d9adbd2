package refdata

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

var (
	miniOnce sync.Once
	miniDir  string
	miniErr  error
)

// miniBundle builds the mini reference bundle once per test binary.
func miniBundle(t testing.TB) *Bundle {
	t.Helper()
	shared := testshared.Dir(t)
	miniOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gas-refdata-test-")
		if err != nil {
			miniErr = err
			return
		}
		miniDir = filepath.Join(dir, "mini")
		_, miniErr = BuildMini(context.Background(), shared, miniDir)
	})
	if miniErr != nil {
		t.Fatalf("BuildMini: %v", miniErr)
	}
	b, err := Open(miniDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if miniDir != "" {
		os.RemoveAll(filepath.Dir(miniDir))
	}
	os.Exit(code)
}

func TestMiniManifest(t *testing.T) {
	m := miniBundle(t).Manifest()
	c := m.Counts
	if m.Format != FormatVersion || m.Assembly != "GRCh38" {
		t.Errorf("format/assembly = %d/%s", m.Format, m.Assembly)
	}
	if c.Chromosomes != 2 || c.Genes != 26+37 || c.Transcripts != 53+37 || c.Bands != 15 {
		t.Errorf("counts = %+v", c)
	}
	// 115,435 dbSNP records; multi-allelic ones are split per ALT.
	if c.KnownVariants < 115435 || c.SkippedKnown != 0 {
		t.Errorf("known variants = %d (skipped %d)", c.KnownVariants, c.SkippedKnown)
	}
	if len(m.Sources) != 6 {
		t.Errorf("sources = %d, want 6", len(m.Sources))
	}
	for _, s := range m.Sources {
		if len(s.SHA256) != 64 || s.Size == 0 {
			t.Errorf("source %+v lacks checksum or size", s)
		}
	}
	// The chr21 FASTA is N up to 24,985,580: that run is not stored.
	if got := m.Chroms[0]; got.Name != "21" || got.Length != 26000306 || got.StoredBases != 26000306-24985580 {
		t.Errorf("chr21 entry = %+v", got)
	}
}

func TestChromAliases(t *testing.T) {
	b := miniBundle(t)
	tests := []struct{ name, want string }{
		{"21", "21"}, {"chr21", "21"}, {"CHR21", "21"},
		{"MT", "MT"}, {"M", "MT"}, {"chrM", "MT"}, {"chrMT", "MT"}, {"mt", "MT"},
	}
	for _, tc := range tests {
		c, err := b.Chrom(tc.name)
		if err != nil || c.Name != tc.want {
			t.Errorf("Chrom(%q) = %v, %v; want %s", tc.name, c, err, tc.want)
		}
	}
	for _, name := range []string{"chrY", "Y", "22", "chr21_KI270872v1_alt", ""} {
		if _, err := b.Chrom(name); !errors.Is(err, ErrNotCovered) {
			t.Errorf("Chrom(%q) error = %v, want ErrNotCovered", name, err)
		}
	}
	for in, want := range map[string]string{
		"chrX": "X", "x": "X", "chrY": "Y", "1": "1", "chr1_KI270706v1_random": "1_KI270706v1_random",
		"MN908947.3": "MN908947.3", "NC_000021.9": "21", "NC_000023.11": "X", "NC_000024.10": "Y",
		"NC_012920.1": "MT", "NC_000025.1": "NC_000025.1", "NC_045512.2": "NC_045512.2", "I": "I",
	} {
		if got := CanonicalChrom(in); got != want {
			t.Errorf("CanonicalChrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSeq(t *testing.T) {
	b := miniBundle(t)
	c21, _ := b.Chrom("21")
	mt, _ := b.Chrom("MT")
	fa := readFASTAFile(t, miniPath(t, "chr21.fa.gz"))["21"]
	tests := []struct {
		c          *Chrom
		start, end int
		want       string
		err        bool
	}{
		{c21, 24985581, 24985600, string(fa[24985580:24985600]), false},
		{c21, 24985571, 24985590, string(fa[24985570:24985590]), false}, // crosses into the stored segment
		{c21, 1, 5, "NNNNN", false},
		{c21, 26000300, 26000306, string(fa[26000299:26000306]), false},
		{c21, 26000306, 26000307, "", true},
		{c21, 0, 3, "", true},
		{c21, 25000000, 25000001 - 1, "", false}, // empty range: an insertion's REF
		{mt, 1, 10, "GATCACAGGT", false},         // rCRS starts GATCACAGGTCTATCACCC
		{mt, 16560, 16569, "", false},
	}
	for _, tc := range tests {
		got, err := tc.c.Seq(tc.start, tc.end)
		if (err != nil) != tc.err {
			t.Errorf("%s:%d-%d error = %v", tc.c.Name, tc.start, tc.end, err)
			continue
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("%s:%d-%d = %q, want %q", tc.c.Name, tc.start, tc.end, got, tc.want)
		}
		if !tc.err && len(got) != max(0, tc.end-tc.start+1) {
			t.Errorf("%s:%d-%d length %d", tc.c.Name, tc.start, tc.end, len(got))
		}
	}
	// A SeqReader gives Seq's bases whichever window it holds: across a
	// window's end (a page, then growing as reads go on past it), on another
	// chromosome, back before its window, and for a range longer than a
	// window.
	var r SeqReader
	for _, w := range []struct {
		c          *Chrom
		start, end int
	}{
		{c21, 25000000, 25000100}, {c21, 25000000 + 4*seqPage - 3, 25000000 + 4*seqPage + 5},
		{c21, 25000000 + 12*seqPage - 1, 25000000 + 12*seqPage + 1}, {c21, 25000000 + 4*seqWindow - 3, 25000000 + 4*seqWindow + 5}, {mt, 16560, 16569},
		{c21, 24985570, 24985590}, {c21, 25000050, 25000060}, {c21, 25100000, 25100000 + 5*seqWindow}, {c21, 26000300, 26000306},
		// beside and over MT's one N (3107), after reads between runs
		{mt, 3000, 3106}, {mt, 3100, 3110}, {mt, 3107, 3107}, {mt, 3108, 3200}, {mt, 3050, 3060}, {mt, 3106, 3107},
	} {
		want, _ := w.c.Seq(w.start, w.end)
		if got, err := w.c.AppendSeqVia(&r, nil, w.start, w.end); err != nil || string(got) != want {
			t.Errorf("AppendSeqVia %s:%d-%d = %.20q, %v; want %.20q", w.c.Name, w.start, w.end, got, err, want)
		}
	}
	// Covered, from the runs of N alone, agrees with the FASTA around the
	// stored segment's start and inside it.
	for _, w := range [][2]int{{1, 5}, {24985570, 24985580}, {24985570, 24985581}, {24985581, 24985581},
		{24985580, 24985580}, {25000000, 25000010}, {25000000, 25000000 - 1}, {1, 24985580}} {
		want := bytes.ContainsFunc(fa[w[0]-1:w[1]], func(r rune) bool { return r != 'N' && r != 'n' })
		if got := c21.Covered(w[0], w[1]); got != want {
			t.Errorf("Covered(%d, %d) = %v, want %v", w[0], w[1], got, want)
		}
		// CoveredVia answers alike with the reader of the reads above
		// and of the windows before
		if got := c21.CoveredVia(&r, w[0], w[1]); got != want {
			t.Errorf("CoveredVia(%d, %d) = %v, want %v", w[0], w[1], got, want)
		}
	}
}

func TestTranscriptsQuery(t *testing.T) {
	b := miniBundle(t)
	c, _ := b.Chrom("chr21")
	all := c.AllTranscripts()
	if len(all) != 53 {
		t.Fatalf("%d transcripts on 21", len(all))
	}
	// Compare the interval query with a linear scan over assorted windows.
	for _, w := range [][2]int{{1, 1}, {25031005, 25031005}, {25031529, 25031530}, {25600000, 25610000},
		{25095000, 25101200}, {24000000, 27000000}, {25714672, 25714672}, {25333826, 25333826}} {
		var want []string
		for _, tx := range all {
			if tx.Start <= w[1] && tx.End >= w[0] {
				want = append(want, tx.ID)
			}
		}
		var got []string
		prev := 0
		for _, tx := range c.Transcripts(w[0], w[1]) {
			got = append(got, tx.ID)
			if tx.Start < prev {
				t.Errorf("window %v: not sorted by Start", w)
			}
			prev = tx.Start
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("window %v: got %v, want %v", w, got, want)
		}
	}
	mt, _ := b.Chrom("MT")
	for _, tx := range mt.Transcripts(1, 16569) {
		if tx.CodonTable != 2 {
			t.Errorf("%s: codon table %d", tx.ID, tx.CodonTable)
		}
	}
	// Canonical and incomplete-CDS flags survive the round trip.
	byID := map[string]*Transcript{}
	for _, tx := range all {
		byID[tx.ID] = tx
	}
	if tx := byID["ENST00000419219"]; tx == nil || !tx.CDSEndNF {
		t.Errorf("ENST00000419219 should be cds_end_NF: %+v", tx)
	}
	if tx := byID["ENST00000423389"]; tx == nil || !tx.Canonical || tx.Version != "1" || tx.GeneName != "AP001342.1" {
		t.Errorf("ENST00000423389 = %+v", tx)
	}
}

func TestKnownQuery(t *testing.T) {
	b := miniBundle(t)
	c, _ := b.Chrom("21")
	tests := []struct {
		start, end int
		want       []KnownVariant
	}{
		{25000001, 25000001, []KnownVariant{{Pos: 25000001, Ref: "C", Alt: "T", ID: "rs574523538", Freq: 0.0002}}},
		// Multi-allelic: split per ALT, no GMAF.
		{25000025, 25000025, []KnownVariant{
			{Pos: 25000025, Ref: "A", Alt: "G", ID: "rs189842435", Freq: -1},
			{Pos: 25000025, Ref: "A", Alt: "T", ID: "rs189842435", Freq: -1}}},
		// A/AT insertion at 25000416: Pos is the base after the insertion point.
		{25000417, 25000417, []KnownVariant{{Pos: 25000417, Ref: "", Alt: "T", ID: "rs564125802", Freq: -1}}},
		// CAT/C deletion at 25000424: deleted bases start at 25000425.
		{25000425, 25000425, []KnownVariant{{Pos: 25000425, Ref: "AT", Alt: "", ID: "rs983383573", Freq: -1}}},
		{25880545, 25880545, []KnownVariant{{Pos: 25880545, Ref: "A", Alt: "C", ID: "rs45599935", Freq: 0.0078, ClinSig: "likely_benign"}}},
		{1, 100, nil},
	}
	for _, tc := range tests {
		got := c.Known(tc.start, tc.end)
		var filtered []KnownVariant
		for _, v := range got {
			if v.ID == "" || tc.want == nil || v.ID == tc.want[0].ID {
				filtered = append(filtered, v)
			}
		}
		if len(filtered) != len(tc.want) {
			t.Errorf("Known(%d,%d) = %+v, want %+v", tc.start, tc.end, got, tc.want)
			continue
		}
		for i := range tc.want {
			if filtered[i] != tc.want[i] {
				t.Errorf("Known(%d,%d)[%d] = %+v, want %+v", tc.start, tc.end, i, filtered[i], tc.want[i])
			}
		}
	}
	// A wide window spans many blocks and stays sorted; the whole slice holds every record.
	all := c.Known(1, c.Length)
	if len(all) != b.Manifest().Chroms[0].KnownVariants {
		t.Errorf("Known(whole) = %d, manifest %d", len(all), b.Manifest().Chroms[0].KnownVariants)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Pos < all[i-1].Pos {
			t.Fatalf("Known not sorted at %d", i)
		}
	}
	// Results are the caller's: changing them, or reusing them as a buffer,
	// must not write into the loader's cache.
	buf := c.Known(25000001, 25000001)
	buf[0].ID = "clobbered"
	for range 3 {
		buf, _ = c.KnownErr(nil, buf[:0], 25000001, 25000001)
		buf[0].ID = "clobbered"
	}
	if v := c.Known(25000001, 25000001); len(v) != 1 || v[0].ID != "rs574523538" {
		t.Errorf("cache modified through a returned slice: %+v", v)
	}
	mt, _ := b.Chrom("MT")
	if v := mt.Known(1, 16569); len(v) != 0 {
		t.Errorf("MT has %d known variants, want 0", len(v))
	}
}

func TestCytoband(t *testing.T) {
	b := miniBundle(t)
	c, _ := b.Chrom("21")
	mt, _ := b.Chrom("MT")
	// UCSC hg38 chr21: q21.2 is 22600000-25500000, q21.3 25500000-30200000 (0-based half-open).
	tests := []struct {
		c    *Chrom
		pos  int
		want string
	}{
		{c, 25500000, "q21.2"}, {c, 25500001, "q21.3"}, {c, 26000000, "q21.3"},
		{c, 1, "p13"}, {c, 3100000, "p13"}, {c, 3100001, "p12"}, {c, 46709983, "q22.3"}, {c, 46709984, ""},
		{mt, 100, ""},
	}
	for _, tc := range tests {
		if got := tc.c.Cytoband(tc.pos); got != tc.want {
			t.Errorf("Cytoband(%s:%d) = %q, want %q", tc.c.Name, tc.pos, got, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); !errors.Is(err, ErrNotBundle) || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("empty dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format":1,"assembly":"GRCh38","sources":[
		{"kind":"fasta","path":"/ref/chr 21.fa"},{"kind":"genes","path":"g.gtf"},{"kind":"known","path":"k.vcf.gz"}]}`), 0o644)
	want := "bundle format 1, this gas reads format 2: rebuild it from the same sources with\n  gas refdata build -o " +
		dir + " --assembly GRCh38 --fasta '/ref/chr 21.fa' --genes g.gtf --known k.vcf.gz"
	if _, err := Open(dir); !errors.Is(err, ErrNotBundle) || !strings.Contains(err.Error(), want) {
		t.Errorf("old format: %v\nwant it to contain %s", err, want)
	}
}

func BenchmarkOpenMini(b *testing.B) {
	bundle := miniBundle(b)
	dir := bundle.Dir()
	for b.Loop() {
		bb, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"21", "MT"} {
			c, err := bb.Chrom(name)
			if err != nil {
				b.Fatal(err)
			}
			c.Known(25000000, 25000000)
		}
		bb.Close()
	}
}

// BenchmarkLookups measures each lookup the annotator makes per record, over
// positions walking the chr21 slice the way a sorted VCF would.
func BenchmarkLookups(b *testing.B) {
	bundle := miniBundle(b)
	c, _ := bundle.Chrom("21")
	const first, last = 24985581, 26000306
	next := func(pos int) int {
		if pos += 37; pos > last {
			pos = first
		}
		return pos
	}
	b.Run("Transcripts±5kb", func(b *testing.B) {
		var buf []*Transcript
		pos := first
		for b.Loop() {
			pos = next(pos)
			buf = c.AppendTranscripts(buf[:0], pos-5000, pos+5000)
		}
	})
	b.Run("Known", func(b *testing.B) {
		var buf []KnownVariant
		var r KnownReader
		pos := first
		for b.Loop() {
			pos = next(pos)
			buf, _ = c.KnownErr(&r, buf[:0], pos, pos)
		}
	})
	b.Run("Seq3", func(b *testing.B) {
		var buf []byte
		pos := first
		for b.Loop() {
			pos = next(pos)
			buf, _ = c.AppendSeq(buf[:0], pos, pos+2)
		}
	})
	b.Run("Cytoband", func(b *testing.B) {
		pos := first
		for b.Loop() {
			pos = next(pos)
			_ = c.Cytoband(pos)
		}
	})
}

func BenchmarkBuildMini(b *testing.B) {
	shared := testshared.Dir(b)
	for b.Loop() {
		if _, err := BuildMini(context.Background(), shared, filepath.Join(b.TempDir(), "mini")); err != nil {
			b.Fatal(err)
		}
	}
}

// AppendTranscripts must agree with a linear scan, also among nested
// megabase-long transcripts.
func TestTranscriptsOverlapRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := &Chrom{Name: "1", Length: 10_000_000}
	for i := range 2000 {
		start := 1 + r.IntN(9_000_000)
		l := 1 + r.IntN(50_000)
		if r.IntN(50) == 0 {
			l = 1 + r.IntN(2_000_000)
		}
		c.tx = append(c.tx, &Transcript{ID: strconv.Itoa(i), Start: start, End: start + l - 1})
	}
	slices.SortStableFunc(c.tx, func(a, b *Transcript) int { return cmp.Compare(a.Start, b.Start) })
	c.indexTranscripts()
	for range 2000 {
		qs := r.IntN(10_000_000)
		qe := qs + r.IntN(20_000)
		var want []*Transcript
		for _, tx := range c.tx {
			if tx.Start <= qe && tx.End >= qs {
				want = append(want, tx)
			}
		}
		if got := c.Transcripts(qs, qe); !slices.Equal(got, want) {
			t.Fatalf("query %d-%d: %d transcripts, want %d", qs, qe, len(got), len(want))
		}
	}
}

// BenchmarkKnownDecode reads every known-variant record of the mini chr21
// (what a whole-chromosome query pays) through one reused block, as a
// KnownReader does; it reports ns per record.
func BenchmarkKnownDecode(b *testing.B) {
	bundle := miniBundle(b)
	c, err := bundle.Chrom("21")
	if err != nil {
		b.Fatal(err)
	}
	ks := c.known
	n := 0
	for _, ix := range ks.index {
		n += int(ix.count)
	}
	var blk knownBlock
	for b.Loop() {
		for i := range ks.index {
			if err := ks.read(i, &blk); err != nil {
				b.Fatal(err)
			}
			for j := range blk.pos {
				if _, ok := blk.record(j); !ok {
					b.Fatalf("block %d record %d: corrupt", i, j)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/record")
}

// TestBandSpan: every position of the span BandSpan gives has the band
// name Cytoband gives at the position asked; overlapping bands (no real
// cytoBand file has them) give a span of that position alone.
func TestBandSpan(t *testing.T) {
	disjointBands := []Band{{Start: 1, End: 100, Name: "p13"}, {Start: 101, End: 200, Name: "p12"}, {Start: 301, End: 400, Name: "q11"}}
	overlapping := []Band{{Start: 1, End: 1000, Name: "p1"}, {Start: 50, End: 60, Name: "p2"}, {Start: 300, End: 400, Name: "q1"}}
	tests := []struct {
		bands          []Band
		pos            int
		name           string
		wantLo, wantHi int
	}{
		{disjointBands, 1, "p13", 1, 100},
		{disjointBands, 100, "p13", 1, 100},
		{disjointBands, 150, "p12", 101, 200},
		{disjointBands, 250, "", 201, 300},
		{disjointBands, 400, "q11", 301, 400},
		{disjointBands, 401, "", 401, math.MaxInt},
		{disjointBands, 0, "", math.MinInt, 0},
		{nil, 5, "", math.MinInt, math.MaxInt},
		{overlapping, 55, "p1", 55, 55},
		{overlapping, 350, "q1", 350, 350}, // as Cytoband answers, though p1 holds 350 too
	}
	for _, tc := range tests {
		c := &Chrom{Name: "t", bands: tc.bands, bandsDisjoint: disjoint(tc.bands)}
		name, lo, hi := c.BandSpan(tc.pos)
		if name != tc.name || lo != tc.wantLo || hi != tc.wantHi {
			t.Errorf("%v: BandSpan(%d) = %q %d..%d, want %q %d..%d", tc.bands, tc.pos, name, lo, hi, tc.name, tc.wantLo, tc.wantHi)
		}
		for _, p := range []int{max(lo, -5), min(hi, 2000), tc.pos} {
			if got := c.Cytoband(p); got != name {
				t.Errorf("%v: Cytoband(%d) = %q inside BandSpan(%d)'s span, which says %q", tc.bands, p, got, tc.pos, name)
			}
		}
	}
}
