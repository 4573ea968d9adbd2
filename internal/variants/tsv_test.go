package variants

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/testshared"
	vcfpkg "github.com/gasproject/gas/internal/vcf"
)

// TestSplitTSVMatchesBcftools compares SplitTSV with bcftools +split-vep on
// the same annotated file (skipped without bcftools, except in CI).
func TestSplitTSVMatchesBcftools(t *testing.T) {
	bin := testshared.Tool(t, "bcftools", "bcftools")
	for _, file := range []string{"chr21_vep_test.vcf", "test.vcf"} {
		vcf := annotated(t, file)
		// BGZF and tabix-indexed (with GAS's writers): bcftools 1.16 needs an
		// index to read records on contigs the header does not declare.
		path := filepath.Join(t.TempDir(), "a.vcf.gz")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		zw := vcfpkg.NewBGZFWriter(f)
		zw.Write(vcf)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if _, err := tabix.IndexVCF(path); err != nil {
			t.Fatal(err)
		}
		want, err := exec.Command(bin, "+split-vep", "-d", "-A", "tab", "-f", `%CHROM\t%POS\t%ID\t%REF\t%ALT\t%CSQ\n`, path).Output()
		if err != nil {
			t.Fatalf("bcftools: %v", err)
		}
		var got bytes.Buffer
		if err := SplitTSV(&got, bytes.NewReader(vcf)); err != nil {
			t.Fatal(err)
		}
		header, body, _ := strings.Cut(got.String(), "\n")
		if !strings.HasPrefix(header, "CHROM\tPOS\tID\tREF\tALT\tAllele\tConsequence\tIMPACT\tSYMBOL") {
			t.Errorf("header %q", header)
		}
		if len(want) < 1000 || body != string(want) {
			t.Fatalf("%s: SplitTSV differs from bcftools +split-vep (%d vs %d bytes)", file, len(body), len(want))
		}
	}
}

func TestRowTSV(t *testing.T) {
	af := 0.25
	got := string(Row{Chrom: "21", Pos: 5, ID: "rs1", Ref: "A", Alt: "G", Allele: "G", Gene: "G1", Consequence: "intron_variant", AF: &af, Canonical: true}.AppendTSV(nil))
	want := "21\t5\trs1\tA\tG\tG\tG1\t.\t.\t.\tintron_variant\t.\t.\t.\t0.25\t.\tYES\n"
	if got != want || strings.Count(TSVHeader, "\t") != strings.Count(want, "\t") {
		t.Fatalf("%q", got)
	}
}
