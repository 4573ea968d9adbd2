package annotate

import (
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/consequence"
)

// TestIndexEntryFields: IndexRecord.Entry gives each kept field as
// AppendCSQ wrote it, whether the fields are found from their lengths or,
// after an escape that lengthened one, by splitting the text.
func TestIndexEntryFields(t *testing.T) {
	base := consequence.Entry{Allele: "T", Consequences: []string{"missense_variant", "splice_region_variant"}, Impact: "MODERATE",
		Symbol: "MRPL39", Gene: "ENSG00000154719", FeatureType: "Transcript", Feature: "ENST00000307301.11", Biotype: "protein_coding",
		Exon: "9/10", HGVSc: "ENST00000307301.11:c.1058A>G", HGVSp: "ENSP00000305682:p.Glu353Gly", CDNAPosition: "1091",
		Codons: "gAg/gGg", Strand: "-1", VariantClass: "SNV", Canonical: "YES"}
	for _, tc := range []struct {
		name     string
		edit     func(e *consequence.Entry)
		existing string
		scan     bool
	}{
		{"plain", func(*consequence.Entry) {}, "rs187353664", false},
		{"not canonical, no existing", func(e *consequence.Entry) { e.Canonical = "" }, "", false},
		{"synonymous HGVSp", func(e *consequence.Entry) { e.HGVSp = "ENSP00000305682:p.Glu353=" }, "", true},
		{"symbol with ;", func(e *consequence.Entry) { e.Symbol = "A;B" }, "", true},
		{"symbol with a space, biotype with |", func(e *consequence.Entry) { e.Symbol, e.Biotype = "A B", "x|y" }, "", false},
		{"= after the kept fields", func(e *consequence.Entry) { e.Codons = "a=b" }, "rs1&rs2", false},
		{"= in CANONICAL", func(e *consequence.Entry) { e.Canonical = "Y=S" }, "", true},
		{"empty fields", func(e *consequence.Entry) {
			*e = consequence.Entry{Allele: "-", Consequences: []string{"intergenic_variant"}, Impact: "MODIFIER"}
		}, "", false},
	} {
		e := base
		tc.edit(&e)
		out := []byte("prefix|,")
		start := len(out)
		out = e.AppendCSQ(out, tc.existing)
		var x indexBatch
		x.reset()
		x.record([]byte("21"), 100, []byte("."), []byte("A"), []byte("G,T"), nil, nil)
		x.alt = 1
		x.entry(&e, out, start)
		if got := x.ents[0].scan; got != tc.scan {
			t.Errorf("%s: scan %v, want %v", tc.name, got, tc.scan)
		}
		r := IndexRecord{out: out, ents: x.ents}
		var f [EntryFields][]byte
		if alt := r.Entry(0, &f); alt != 1 {
			t.Errorf("%s: alt %d", tc.name, alt)
		}
		split := strings.Split(string(out[start:]), "|")
		for k, i := range keptAt {
			if string(f[k]) != split[i] {
				t.Errorf("%s: field %d is %q, the text has %q", tc.name, i, f[k], split[i])
			}
		}
	}
}
