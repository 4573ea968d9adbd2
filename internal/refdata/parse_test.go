package refdata

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// bgzf imitates BGZF: several gzip members back to back.
func bgzf(s string) []byte {
	mid := len(s) / 2
	return append(gz(s[:mid]), gz(s[mid:])...)
}

func TestReadFASTAInputs(t *testing.T) {
	const fa = ">chr1 first one\r\nacgtN\r\nNNAC\n\n>2\tdesc with tab\nGG\n>3\n"
	for name, data := range map[string][]byte{"plain": []byte(fa), "gzip": gz(fa), "bgzf": bgzf(fa)} {
		t.Run(name, func(t *testing.T) {
			var got []string
			err := ReadFASTA(bytes.NewReader(data), "x.fa", func(n, d string, seq []byte) error {
				got = append(got, n+"|"+d+"|"+string(seq))
				return nil
			})
			want := "chr1|first one|ACGTNNNAC 2|desc with tab|GG 3||"
			if err != nil || strings.Join(got, " ") != want {
				t.Errorf("got %q, %v; want %q", got, err, want)
			}
		})
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	gtfRow := "1\tx\texon\t10\t20\t.\t+\t.\tgene_id \"G\"; transcript_id \"T\";\n"
	tests := []struct {
		name  string
		parse func(string) error
		input string
		line  int
		msg   string
	}{
		{"fasta before header", fastaErr, "ACGT\n", 1, "before the first"},
		{"fasta bad char", fastaErr, ">1\nACGT\nAC1T\n", 3, "invalid sequence character"},
		{"fasta empty", fastaErr, "", 0, "no FASTA records"},
		{"gtf columns", gtfErr, gtfRow + "1\tx\texon\t10\n", 2, "9 tab-separated columns"},
		{"gtf coords", gtfErr, gtfRow + strings.Replace(gtfRow, "\t20\t", "\tabc\t", 1), 2, "not integers"},
		{"gtf reversed", gtfErr, strings.Replace(gtfRow, "\t10\t20\t", "\t30\t20\t", 1), 1, "bad interval"},
		{"gtf no transcript_id", gtfErr, "1\tx\texon\t10\t20\t.\t+\t.\tgene_id \"G\";\n", 1, "without transcript_id"},
		{"gtf attr quote", gtfErr, "1\tx\texon\t10\t20\t.\t+\t.\ttranscript_id \"T;\n", 1, "malformed attribute"},
		{"gtf phase", gtfErr, strings.Replace(strings.Replace(gtfRow, "exon", "CDS", 1), "+\t.", "+\t4", 1), 1, "bad CDS phase"},
		{"gtf strand", gtfErr, strings.Replace(gtfRow, "\t+\t", "\t.\t", 1), 1, "no strand"},
		{"gtf strand mix", gtfErr, gtfRow + strings.Replace(gtfRow, "\t+\t", "\t-\t", 1), 2, "both strands"},
		{"gff3 no parent", gff3Err, "##gff-version 3\n1\tx\texon\t10\t20\t.\t+\t.\tID=e1\n", 2, "without Parent"},
		{"gff3 coords", gff3Err, "1\tx\tmRNA\t10\t2x\t.\t+\t.\tID=transcript:T\n", 1, "not integers"},
		{"vcf pos", knownErr, "#CHROM\tPOS\tID\tREF\tALT\n1\t10\trs1\tA\tG\n1\tten\trs2\tA\tG\n", 3, "POS"},
		{"vcf ref", knownErr, "1\t10\trs1\tAXG\tG\n", 1, "REF"},
		{"vcf columns", knownErr, "1\t10\trs1\n", 1, "at least 5"},
		{"cytoband interval", cytoErr, "chr1\t0\t100\tp1\tgneg\nchr1\t200\t100\tp2\tgneg\n", 2, "bad band interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.input)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *ParseError", err)
			}
			if pe.Source != "in" || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error = %q (line %d), want line %d and %q", err, pe.Line, tc.line, tc.msg)
			}
		})
	}
}

func fastaErr(s string) error {
	return ReadFASTA(strings.NewReader(s), "in", func(string, string, []byte) error { return nil })
}
func gtfErr(s string) error  { _, err := ParseGTF(strings.NewReader(s), "in"); return err }
func gff3Err(s string) error { _, err := ParseGFF3(strings.NewReader(s), "in"); return err }
func knownErr(s string) error {
	return ReadKnownVCF(strings.NewReader(s), "in", func(KnownRecord) error { return nil })
}
func cytoErr(s string) error { _, err := ReadCytoBand(strings.NewReader(s), "in"); return err }

func TestTruncatedGzip(t *testing.T) {
	data := gz(strings.Repeat(">1\nACGTACGTAC\n", 2000))
	err := fastaErr(string(data[:len(data)/2]))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "truncated") {
		t.Errorf("truncated gzip: %v", err)
	}
}

func TestTrimAlleles(t *testing.T) {
	tests := []struct {
		pos          int
		ref, alt     string
		wantPos      int
		wantR, wantA string
	}{
		{100, "A", "G", 100, "A", "G"},       // SNV untouched
		{100, "A", "AT", 101, "", "T"},       // insertion: Pos after the insertion point
		{100, "CAT", "C", 101, "AT", ""},     // deletion
		{100, "ACGT", "AGGT", 101, "C", "G"}, // padded SNV
		{100, "AGG", "AG", 101, "G", ""},     // suffix first, then prefix
		{100, "CTT", "CTTT", 101, "", "T"},   // repeat insertion: suffix trimming leaves C/CT
		{100, "GCACA", "GCA", 101, "CA", ""}, // suffix-first keeps the leftmost deleted copy
		{100, "AC", "TG", 100, "AC", "TG"},   // MNV
		{100, "A", "A", 100, "", ""},         // no change
	}
	for _, tc := range tests {
		p, r, a := TrimAlleles(tc.pos, tc.ref, tc.alt)
		if p != tc.wantPos || r != tc.wantR || a != tc.wantA {
			t.Errorf("TrimAlleles(%d,%s,%s) = %d,%q,%q; want %d,%q,%q", tc.pos, tc.ref, tc.alt, p, r, a, tc.wantPos, tc.wantR, tc.wantA)
		}
	}
}

func TestReadKnownVCF(t *testing.T) {
	const vcf = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"chr1\t10\trs1\tA\tG,T\t.\t.\tGMAF=T:0.25;CLIN_SIG=pathogenic,benign\n" +
		"1\t20\t.\tAT\tA,<DEL>,*\t.\t.\tRS=22;AF=0.5,0.1,0.2\n" +
		"chrM\t30\trs3\tC\tCA\t.\t.\tGMAF=-:0.5\n" + // "-" is a deletion allele: no match for an insertion
		"MT\t40\trs4\tC\tCA\t.\t.\tGMAF=A:0.5\n" +
		"MT\t50\trs5\tG\tA,T\t.\t.\tCAF=0.9,.,0.1\n"
	var got []KnownRecord
	err := ReadKnownVCF(bytes.NewReader(bgzf(vcf)), "in", func(r KnownRecord) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []KnownRecord{
		{"1", 3, 10, KnownVariant{Pos: 10, Ref: "A", Alt: "G", ID: "rs1", Freq: -1, ClinSig: "pathogenic,benign"}},
		{"1", 3, 10, KnownVariant{Pos: 10, Ref: "A", Alt: "T", ID: "rs1", Freq: 0.25, ClinSig: "pathogenic,benign"}},
		{"1", 4, 20, KnownVariant{Pos: 21, Ref: "T", Alt: "", ID: "rs22", Freq: 0.5}},
		{"MT", 5, 30, KnownVariant{Pos: 31, Ref: "", Alt: "A", ID: "rs3", Freq: -1}},
		{"MT", 6, 40, KnownVariant{Pos: 41, Ref: "", Alt: "A", ID: "rs4", Freq: 0.5}},
		{"MT", 7, 50, KnownVariant{Pos: 50, Ref: "G", Alt: "A", ID: "rs5", Freq: -1}},
		{"MT", 7, 50, KnownVariant{Pos: 50, Ref: "G", Alt: "T", ID: "rs5", Freq: 0.1}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestGFF3Dialects(t *testing.T) {
	// Children before parents, a multi-parent exon, CDS-only transcript with
	// "." phases, percent-encoding, tags, and rows we must ignore.
	const gff = "##gff-version 3\n" +
		"chr2\tx\texon\t100\t200\t.\t-\t.\tParent=transcript:T1,transcript:T2\n" +
		"chr2\tx\texon\t300\t400\t.\t-\t.\tParent=transcript:T1\n" +
		"chr2\tx\tCDS\t150\t200\t.\t-\t2\tID=CDS:P1;Parent=transcript:T1;protein_id=ENSP1.3\n" +
		"chr2\tx\tCDS\t300\t350\t.\t-\t0\tID=CDS:P1;Parent=transcript:T1;protein_id=ENSP1.3\n" +
		"chr2\tx\tmRNA\t100\t400\t.\t-\t.\tID=transcript:T1;Parent=gene:G1;Name=T1-201;biotype=protein_coding;tag=basic,Ensembl_canonical,cds_end_NF;version=4\n" +
		"chr2\tx\tNMD_transcript_variant\t100\t200\t.\t-\t.\tID=transcript:T2;Parent=gene:G1;biotype=nonsense_mediated_decay;is_canonical=0\n" +
		"chr2\tx\tgene\t100\t400\t.\t-\t.\tID=gene:G1;Name=ABC%3B1;biotype=protein_coding;version=2\n" +
		"chr2\tx\tchromosome\t-5\t1000\t.\t.\t.\tID=chromosome:2\n" +
		"chr2\tx\tbiological_region\t1\t2\t.\t+\t.\tlogic_name=cpg\n" +
		"chr2\tx\ttranscript\t500\t530\t.\t+\t.\tID=t3;Parent=g3;gene_biotype=protein_coding\n" +
		"chr2\tx\tCDS\t500\t509\t.\t+\t.\tParent=t3\n" +
		"chr2\tx\tCDS\t520\t530\t.\t+\t.\tParent=t3\n"
	txs, err := ParseGFF3(strings.NewReader(gff), "in")
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 3 {
		t.Fatalf("%d transcripts", len(txs))
	}
	t1, t2, t3 := txs[1], txs[0], txs[2] // sorted by start, then end
	if t1.ID != "T1" || t2.ID != "T2" || t3.ID != "t3" {
		t.Fatalf("order: %s %s %s", t1.ID, t2.ID, t3.ID)
	}
	if t1.Chrom != "2" || t1.Strand != -1 || t1.Version != "4" || t1.GeneID != "G1" || t1.GeneName != "ABC;1" ||
		!t1.Canonical || !t1.CDSEndNF || t1.ProteinID != "ENSP1" || t1.Name != "T1-201" {
		t.Errorf("T1 = %+v", t1)
	}
	wantExons := []Exon{{300, 400, 1}, {100, 200, 2}}
	if len(t1.Exons) != 2 || t1.Exons[0] != wantExons[0] || t1.Exons[1] != wantExons[1] {
		t.Errorf("T1 exons = %v", t1.Exons)
	}
	if t1.CodingStart != 150 || t1.CodingEnd != 350 || t1.CDS[0] != (CDSPart{300, 350, 0}) || t1.CDS[1] != (CDSPart{150, 200, 2}) {
		t.Errorf("T1 coding = %d-%d %v", t1.CodingStart, t1.CodingEnd, t1.CDS)
	}
	if t2.Biotype != "nonsense_mediated_decay" || t2.Canonical || len(t2.Exons) != 1 || t2.Coding() {
		t.Errorf("T2 = %+v", t2)
	}
	// CDS-only: the CDS rows are the exons; phases follow from segment lengths.
	if len(t3.Exons) != 2 || t3.Biotype != "protein_coding" || t3.CDS[1].Phase != 2 || t3.GeneID != "g3" {
		t.Errorf("t3 = %+v", t3)
	}
}

func TestGTFStopCodonAndVersions(t *testing.T) {
	row := func(typ string, s, e int, phase string) string {
		return "chr5\tx\t" + typ + "\t" + itoa(s) + "\t" + itoa(e) + "\t.\t+\t" + phase +
			"\tgene_id \"ENSG1.7\"; transcript_id \"ENST9.3\"; gene_type \"protein_coding\"; transcript_type \"protein_coding\"; tag \"basic\"; tag \"Ensembl_canonical\";\n"
	}
	gtf := row("exon", 100, 110, ".") + row("exon", 200, 220, ".") +
		row("CDS", 105, 110, "0") + row("CDS", 200, 208, "0") + // the stop codon 209-211 is excluded
		row("start_codon", 105, 107, "0") + row("stop_codon", 209, 211, "0")
	txs, err := ParseGTF(strings.NewReader(gtf), "in")
	if err != nil || len(txs) != 1 {
		t.Fatalf("%v %v", txs, err)
	}
	tx := txs[0]
	if tx.ID != "ENST9" || tx.Version != "3" || tx.GeneID != "ENSG1" || !tx.Canonical || tx.Biotype != "protein_coding" {
		t.Errorf("ids/tags: %+v", tx)
	}
	if tx.CodingStart != 105 || tx.CodingEnd != 211 || len(tx.CDS) != 2 || tx.CDS[1] != (CDSPart{200, 211, 0}) {
		t.Errorf("coding %d-%d %v", tx.CodingStart, tx.CodingEnd, tx.CDS)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestGFF3WithStopCodonRows(t *testing.T) {
	// GENCODE-style GFF3: CDS rows exclude the stop codon, which has its own
	// row, here split by an intron on the minus strand.
	const gff = "1\tx\tmRNA\t100\t300\t.\t-\t.\tID=T;Parent=G\n" +
		"1\tx\texon\t100\t150\t.\t-\t.\tParent=T\n" +
		"1\tx\texon\t200\t300\t.\t-\t.\tParent=T\n" +
		"1\tx\tCDS\t201\t251\t.\t-\t0\tParent=T\n" + // 17 codons
		"1\tx\tstop_codon\t200\t200\t.\t-\t0\tParent=T\n" +
		"1\tx\tstop_codon\t149\t150\t.\t-\t0\tParent=T\n"
	txs, err := ParseGFF3(strings.NewReader(gff), "in")
	if err != nil || len(txs) != 1 {
		t.Fatal(txs, err)
	}
	tx := txs[0]
	want := []CDSPart{{200, 251, 0}, {149, 150, 2}}
	if tx.CodingStart != 149 || tx.CodingEnd != 251 || len(tx.CDS) != 2 || tx.CDS[0] != want[0] || tx.CDS[1] != want[1] {
		t.Errorf("coding %d-%d %v, want 149-251 %v", tx.CodingStart, tx.CodingEnd, tx.CDS, want)
	}
}
