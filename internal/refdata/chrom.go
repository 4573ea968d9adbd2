package refdata

import (
	"strconv"
	"strings"
)

// CanonicalChrom maps a chromosome name to the Ensembl-style name used inside
// bundles: the "chr" prefix is dropped ("chr21" -> "21", "chrX" -> "X") and the
// mitochondrion is always "MT" ("chrM", "M", "chrMT" -> "MT"). Other names
// (contigs, "MN908947.3") are returned unchanged, except the RefSeq accessions
// of the human primary chromosomes that NCBI's dbSNP VCFs use
// ("NC_000021.9" -> "21", "NC_000023.11" -> "X", "NC_012920.1" -> "MT"). It is the one alias rule used
// by the builder, the loader and the annotator: chromosome-name mismatch is the
// most common cause of silent non-annotation.
func CanonicalChrom(name string) string {
	if strings.HasPrefix(name, "NC_0") {
		if c, ok := refseqChrom(name); ok {
			return c
		}
	}
	n := name
	if len(n) > 3 && strings.EqualFold(n[:3], "chr") {
		n = n[3:]
	}
	switch {
	case strings.EqualFold(n, "M"), strings.EqualFold(n, "MT"):
		return "MT"
	case n == "x":
		return "X"
	case n == "y":
		return "Y"
	}
	return n
}

// codonTableFor is the NCBI translation table of transcripts on chrom.
func codonTableFor(chrom string) int {
	if chrom == "MT" {
		return 2
	}
	return 1
}

// refseqChrom maps NC_000001..NC_000024 (any version) and NC_012920 to Ensembl names.
func refseqChrom(name string) (string, bool) {
	acc, _, _ := strings.Cut(name, ".")
	if acc == "NC_012920" {
		return "MT", true
	}
	num, ok := strings.CutPrefix(acc, "NC_0000")
	if !ok || len(num) != 2 {
		return "", false
	}
	n, err := strconv.Atoi(num)
	switch {
	case err != nil || n < 1 || n > 24:
		return "", false
	case n == 23:
		return "X", true
	case n == 24:
		return "Y", true
	}
	return strconv.Itoa(n), true
}
