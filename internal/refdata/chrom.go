package refdata

import "strings"

// CanonicalChrom maps a chromosome name to the Ensembl-style name used inside
// bundles: the "chr" prefix is dropped ("chr21" -> "21", "chrX" -> "X") and the
// mitochondrion is always "MT" ("chrM", "M", "chrMT" -> "MT"). Other names
// (contigs, "MN908947.3") are returned unchanged. It is the one alias rule used
// by the builder, the loader and the annotator: chromosome-name mismatch is the
// most common cause of silent non-annotation.
func CanonicalChrom(name string) string {
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
