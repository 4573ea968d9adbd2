package refdata

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

func miniPath(t testing.TB, name string) string {
	return testshared.Path(t, "refdata", "grch38-mini", name)
}

func parseFile(t testing.TB, path string) []*Transcript {
	t.Helper()
	txs, err := ParseGenesFile(path)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return txs
}

func readFASTAFile(t testing.TB, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	err = ReadFASTA(f, path, func(name, desc string, seq []byte) error {
		out[CanonicalChrom(name)] = bytes.Clone(seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMiniGeneCounts(t *testing.T) {
	tests := []struct {
		file               string
		genes, transcripts int
		coding             int
	}{
		{"chr21.genes.gtf.gz", 26, 53, 16},
		{"chr21.genes.gff3.gz", 26, 53, 16},
		{"chrM.genes.gtf", 37, 37, 13},
		{"chrM.genes.gff3", 37, 37, 13},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			txs := parseFile(t, miniPath(t, tc.file))
			genes := map[string]bool{}
			coding := 0
			for _, tx := range txs {
				genes[tx.GeneID] = true
				if tx.Coding() {
					coding++
				}
			}
			if len(genes) != tc.genes || len(txs) != tc.transcripts || coding != tc.coding {
				t.Errorf("genes/transcripts/coding = %d/%d/%d, want %d/%d/%d",
					len(genes), len(txs), coding, tc.genes, tc.transcripts, tc.coding)
			}
		})
	}
}

// The GTF and GFF3 of the mini reference describe the same models; the parsers
// must turn both into the same transcripts (tags and names are only in the GTF).
func TestGTFAndGFF3Agree(t *testing.T) {
	for _, pair := range [][2]string{
		{"chr21.genes.gtf.gz", "chr21.genes.gff3.gz"},
		{"chrM.genes.gtf", "chrM.genes.gff3"},
	} {
		gtf := parseFile(t, miniPath(t, pair[0]))
		gff := parseFile(t, miniPath(t, pair[1]))
		if len(gtf) != len(gff) {
			t.Fatalf("%s: %d transcripts, %s: %d", pair[0], len(gtf), pair[1], len(gff))
		}
		for i := range gtf {
			a, b := *gtf[i], *gff[i]
			a.Tags, b.Tags, a.Name, b.Name = nil, nil, "", ""
			a.Canonical, b.Canonical = false, false
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s differs:\n gtf  %+v\n gff3 %+v", a.ID, a, b)
			}
		}
	}
}

func TestCDSTranslates(t *testing.T) {
	seqs := readFASTAFile(t, miniPath(t, "chr21.fa.gz"))
	for k, v := range readFASTAFile(t, miniPath(t, "chrM.fa")) {
		seqs[k] = v
	}
	var txs []*Transcript
	txs = append(txs, parseFile(t, miniPath(t, "chr21.genes.gtf.gz"))...)
	txs = append(txs, parseFile(t, miniPath(t, "chrM.genes.gtf"))...)
	n := 0
	for _, tx := range txs {
		if !tx.Coding() {
			continue
		}
		n++
		FlagIncompleteCDS(tx, seqs[tx.Chrom])
		cds := cdsSeq(tx, seqs[tx.Chrom])
		if tx.CodonTable == 2 {
			// Incomplete mitochondrial stops are completed by the poly-A tail.
			for len(cds)%3 != 0 {
				cds = append(cds, 'A')
			}
		}
		prot := translate(cds[tx.StartPhase:], tx.CodonTable)
		if !tx.CDSStartNF && prot[0] != 'M' && tx.CodonTable == 1 {
			t.Errorf("%s: protein starts with %c", tx.ID, prot[0])
		}
		if !tx.CDSEndNF && !strings.HasSuffix(prot, "*") {
			t.Errorf("%s: protein does not end with a stop: ...%s", tx.ID, prot[max(0, len(prot)-10):])
		}
		if i := strings.IndexByte(prot, '*'); i >= 0 && i < len(prot)-1 {
			t.Errorf("%s: internal stop at codon %d", tx.ID, i+1)
		}
		if start := string(cds[:3]); tx.CodonTable == 2 && !strings.Contains("ATG ATA ATT GTG", start) {
			t.Errorf("%s: mitochondrial start codon %s", tx.ID, start)
		}
		if tx.Chrom == "MT" && tx.CodonTable != 2 {
			t.Errorf("%s: MT transcript with table %d", tx.ID, tx.CodonTable)
		}
	}
	if n != 29 {
		t.Errorf("translated %d coding transcripts, want 29", n)
	}
	// SOURCES.md: one cds_start_NF and one cds_end_NF model on chr21.
	flags := map[string]string{}
	for _, tx := range txs {
		if tx.CDSStartNF {
			flags[tx.ID] += "start_NF"
		}
		if tx.CDSEndNF {
			flags[tx.ID] += "end_NF"
		}
	}
	want := map[string]string{"ENST00000460679": "start_NF", "ENST00000419219": "end_NF"}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("incomplete CDS flags = %v, want %v", flags, want)
	}
}

// cdsSeq is the coding sequence in transcript orientation.
func cdsSeq(tx *Transcript, chrom []byte) []byte {
	var out []byte
	for _, c := range tx.CDS {
		out = append(out, chrom[c.Start-1:c.End]...)
	}
	if tx.Strand < 0 {
		// Segments are in transcript order; reverse-complement each, keeping order.
		out = out[:0]
		for _, c := range tx.CDS {
			out = append(out, revComp(chrom[c.Start-1:c.End])...)
		}
	}
	return out
}

func revComp(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		out[len(s)-1-i] = map[byte]byte{'A': 'T', 'C': 'G', 'G': 'C', 'T': 'A'}[c]
	}
	return out
}

func translate(cds []byte, table int) string {
	const bases = "TCAG"
	const std = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
	const mt = "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSS**VVVVAAAADDEEGGGG"
	aa := std
	if table == 2 {
		aa = mt
	}
	var b strings.Builder
	for i := 0; i+3 <= len(cds); i += 3 {
		idx := 0
		for _, c := range cds[i : i+3] {
			idx = idx*4 + strings.IndexByte(bases, c)
		}
		b.WriteByte(aa[idx])
	}
	return b.String()
}

func TestParseCSQCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testshared.Dir(t), "csq-cases", "*", "*.gff"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no csq-cases GFF files: %v", err)
	}
	for _, f := range files {
		txs := parseFile(t, f)
		if len(txs) == 0 {
			t.Errorf("%s: no transcripts", f)
		}
	}
	fastas, _ := filepath.Glob(filepath.Join(testshared.Dir(t), "csq-cases", "*", "*.fa"))
	for _, f := range fastas {
		if len(readFASTAFile(t, f)) == 0 {
			t.Errorf("%s: no sequences", f)
		}
	}
}

func TestSoleTranscriptCanonicalWithoutTags(t *testing.T) {
	tests := []struct {
		name string
		in   []*Transcript
		want []bool
	}{
		{"untagged source: sole transcript marked, multi-transcript gene not",
			[]*Transcript{{ID: "a", GeneID: "g1"}, {ID: "b", GeneID: "g2"}, {ID: "c", GeneID: "g2"}},
			[]bool{true, false, false}},
		{"tagged source left as tagged",
			[]*Transcript{{ID: "a", GeneID: "g1"}, {ID: "b", GeneID: "g2", Canonical: true}},
			[]bool{false, true}},
		{"no gene id: never marked",
			[]*Transcript{{ID: "a"}},
			[]bool{false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			markSoleTranscriptsCanonical(tc.in)
			for i, tr := range tc.in {
				if tr.Canonical != tc.want[i] {
					t.Errorf("%s: Canonical = %v, want %v", tr.ID, tr.Canonical, tc.want[i])
				}
			}
		})
	}
}
