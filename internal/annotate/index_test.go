package annotate

import (
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/vcf"
)

// TestIndexEntryText: the IndexRecords of a batch give each record's line
// and KNOWN_AF value, and each entry's text as AppendCSQ wrote it (escapes
// included) with its ALT, entries following their records.
func TestIndexEntryText(t *testing.T) {
	plain := consequence.Entry{Allele: "T", Consequences: []string{"missense_variant", "splice_region_variant"}, Impact: "MODERATE",
		Symbol: "MRPL39", Gene: "ENSG00000154719", FeatureType: "Transcript", Feature: "ENST00000307301.11", Biotype: "protein_coding",
		HGVSc: "ENST00000307301.11:c.1058A>G", HGVSp: "ENSP00000305682:p.Glu353Gly", Canonical: "YES"}
	synonymous := plain
	synonymous.HGVSp = "ENSP00000305682:p.Glu353="
	var x indexBatch
	x.reset()
	out := []byte("20\t50\t.\tA\tG\t.\t.\t.\n")
	line := len(out)
	var rec vcf.Record
	if err := vcf.ParseRecord([]byte("21\t100\t.\tA\tG,T\t.\t.\t."), 8, &rec); err != nil {
		t.Fatal(err)
	}
	out = rec.AppendHead(out, []byte("rs1;rs2"))
	out = append(out, "KNOWN_AF=0.1,0.2;CSQ="...)
	af := Span{uint32(len(out) - 12), uint32(len(out) - 5)}
	var want []string
	x.record(&rec, line, len("rs1;rs2"), af, Span{})
	for i, e := range []consequence.Entry{plain, synonymous} {
		x.alt = i
		if i > 0 {
			out = append(out, ',')
		}
		start := len(out)
		out = e.AppendCSQ(out, "rs1")
		x.entry(&e, out, start)
		want = append(want, string(out[start:]))
	}
	x.endRecord()
	out = append(out, '\n')
	if err := vcf.ParseRecord([]byte("21\t200\t.\tC\tG\t.\t.\t."), 8, &rec); err != nil {
		t.Fatal(err)
	}
	x.record(&rec, len(out), 1, Span{}, Span{})
	out = append(rec.AppendHead(out, []byte(".")), ".\n"...)
	x.endRecord() // no entries: no record
	var got, lines, afs []string
	var alts []int
	var lens []uint16
	sink := sinkFunc(func(rs *IndexRecords) error {
		ents := rs.Entries
		for _, r := range rs.Records {
			l, h := rs.Out[r.Line:], r.Head
			lines = append(lines, strings.Join([]string{string(l[:h[0]]), string(l[h[1]:h[2]]), string(l[h[2]+1 : h[3]]), string(l[h[3]+1 : h[4]])}, " "))
			afs = append(afs, string(rs.Out[r.KnownAF.Start:r.KnownAF.End]))
			for _, e := range ents[:r.Entries] {
				got, alts, lens = append(got, string(rs.Out[e.Start:e.End])), append(alts, int(e.Alt)), append(lens, e.AlleleLen)
			}
			ents = ents[r.Entries:]
		}
		return nil
	})
	if err := x.send(sink, out); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "21 rs1;rs2 A G,T" || afs[0] != "0.1,0.2" {
		t.Fatalf("records' CHROM, ID, REF and ALT %q, KNOWN_AF %q; want [\"21 rs1;rs2 A G,T\"], [0.1,0.2]", lines, afs)
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || alts[0] != 0 || alts[1] != 1 {
		t.Fatalf("entries %q, ALTs %v; want %q, [0 1]", got, alts, want)
	}
	// The Allele fields' lengths (before escaping).
	if lens[0] != 1 || lens[1] != 1 {
		t.Fatalf("Allele lengths %v, want [1 1]", lens)
	}
	if !strings.Contains(want[1], "|ENSP00000305682:p.Glu353%3D|") {
		t.Fatalf("the synonymous HGVSp was not escaped: %q", want[1])
	}
}

// TestIndexBatchPast32Bits: a batch whose output is longer than the
// offsets can address fails the run rather than hand the sink offsets that
// wrapped.
func TestIndexBatchPast32Bits(t *testing.T) {
	defer func(n int) { maxIndexOut = n }(maxIndexOut)
	maxIndexOut = 16
	var x indexBatch
	x.reset()
	var rec vcf.Record
	if err := vcf.ParseRecord([]byte("21\t100\t.\tA\tG\t.\t.\t."), 8, &rec); err != nil {
		t.Fatal(err)
	}
	out := rec.AppendHead(nil, []byte("."))
	x.record(&rec, 0, 1, Span{}, Span{})
	e := consequence.Entry{Allele: "G", Consequences: []string{"intergenic_variant"}, Impact: "MODIFIER"}
	start := len(out)
	out = e.AppendCSQ(out, "")
	x.entry(&e, out, start)
	x.endRecord()
	called := false
	err := x.send(sinkFunc(func(*IndexRecords) error { called = true; return nil }), out)
	if err == nil || called || !strings.Contains(err.Error(), "more than the index's 32-bit offsets address") {
		t.Fatalf("send: %v (sink called: %v)", err, called)
	}
}

type sinkFunc func(rs *IndexRecords) error

func (f sinkFunc) AddRecords(rs *IndexRecords) error { return f(rs) }
