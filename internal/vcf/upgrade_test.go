package vcf

import (
	"strings"
	"testing"
)

func TestUpgradeV3(t *testing.T) {
	in := "##fileformat=VCFv3.3\n" +
		"##INFO=DP,1,Integer,\"Total Depth\"\n" +
		"##INFO=HM2,0,Flag,\"HapMap2 membership\"\n" +
		"##INFO=AA,1,String,\"Ancestral Allele, ftp://example.org/README\"\n" +
		"##INFO=XX,-1,Float,\"A \\\"quoted\\\" word\"\n" +
		"##FILTER=q10,\"Quality below 10\"\n" +
		"##FORMAT=GT,1,String,\"Genotype\"\n" +
		"##reference=human_b36_both.fasta\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t10\t.\tA\tG\t-1\t0\tDP=3\n"
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if !h.UpgradeV3() {
		t.Fatal("a VCFv3.3 header was not upgraded")
	}
	h.AddContigs([]string{"1", "2"})
	var b strings.Builder
	h.WriteTo(&b)
	want := "##fileformat=VCFv4.2\n" +
		"##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Total Depth\">\n" +
		"##INFO=<ID=HM2,Number=0,Type=Flag,Description=\"HapMap2 membership\">\n" +
		"##INFO=<ID=AA,Number=1,Type=String,Description=\"Ancestral Allele, ftp://example.org/README\">\n" +
		"##INFO=<ID=XX,Number=.,Type=Float,Description=\"A \\\\\\\"quoted\\\\\\\" word\">\n" +
		"##FILTER=<ID=q10,Description=\"Quality below 10\">\n" +
		"##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n" +
		"##reference=human_b36_both.fasta\n" +
		"##FILTER=<ID=0,Description=\"Passed all filters (VCF 3.3 notation for PASS)\">\n" +
		"##contig=<ID=1>\n##contig=<ID=2>\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if h.FileFormat != UpgradedFormat || h.UpgradeV3() {
		t.Errorf("FileFormat %q after the upgrade, or upgraded twice", h.FileFormat)
	}
}

func TestUpgradeV3LeavesV4Alone(t *testing.T) {
	h := &Header{FileFormat: "VCFv4.1", Meta: [][]byte{[]byte("##fileformat=VCFv4.1"), []byte(`##INFO=<ID=DP,Number=1,Type=Integer,Description="x">`)}}
	if h.UpgradeV3() || string(h.Meta[0]) != "##fileformat=VCFv4.1" || len(h.Meta) != 2 {
		t.Errorf("a 4.1 header changed: %q", h.Meta)
	}
}
