// Package vcftest holds test helpers over package vcf. It links testing:
// only tests import it, never a shipped binary.
package vcftest

import (
	"bytes"
	"testing"

	"github.com/gasproject/gas/internal/vcf"
)

// Annotated is a small result in GAS's layout: two records on 21, three
// CSQ entries (Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|BIOTYPE|CANONICAL:
// a MODERATE and a MODIFIER one of GENE1, a HIGH one of GENE2), and a
// KNOWN_AF of 0.5 on the first record.
const Annotated = "##fileformat=VCFv4.2\n" +
	`##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|BIOTYPE|CANONICAL">` + "\n" +
	"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
	"21\t100\trs1\tA\tG\t.\t.\tKNOWN_AF=0.5;CSQ=G|missense_variant|MODERATE|GENE1|ENSG1|ENST1.1|protein_coding|YES,G|intron_variant|MODIFIER|GENE1|ENSG1|ENST2.1||\n" +
	"21\t200\t.\tC\tT\t.\t.\tCSQ=T|stop_gained|HIGH|GENE2|ENSG2|ENST3.1|protein_coding|YES\n"

// BGZF returns text compressed the way GAS stores results and parts: BGZF
// blocks ending in the EOF marker (vcf.NewBGZFWriter).
func BGZF(t testing.TB, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := vcf.NewBGZFWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
