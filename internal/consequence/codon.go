package consequence

import (
	"slices"

	"github.com/gasproject/gas/internal/refdata"
)

// Translation with NCBI tables 1 (standard) and 2 (vertebrate mitochondrial).

// baseIndex maps a nucleotide to 0..3 (TCAG order, as NCBI prints its tables), -1 otherwise.
func baseIndex(b byte) int { return int(baseIndexes[b]) }

var baseIndexes = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range "TCAG" {
		t[c], t[c+'a'-'A'] = int8(i), int8(i)
	}
	return t
}()

// NCBI amino-acid strings in TCAG order (codon index = 16*b1 + 4*b2 + b3).
const (
	table1AAs = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
	table2AAs = "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSS**VVVVAAAADDEEGGGG"
)

// translateCodon returns the one-letter amino acid of a 3-base codon ('X' when
// it contains anything but ACGT).
func translateCodon(c string, table int) byte {
	if len(c) != 3 {
		return 'X'
	}
	return translateBases(c[0], c[1], c[2], table)
}

// translateBases is translateCodon of the codon b0 b1 b2.
func translateBases(b0, b1, b2 byte, table int) byte {
	i, j, k := baseIndexes[b0], baseIndexes[b1], baseIndexes[b2]
	if i|j|k < 0 {
		return 'X'
	}
	if table == 2 {
		return table2AAs[int(i)<<4|int(j)<<2|int(k)]
	}
	return table1AAs[int(i)<<4|int(j)<<2|int(k)]
}

// translate appends the peptide of whole codons of seq to dst, and 'X' for a
// trailing partial codon, as VEP does for allele peptides.
func translate(dst []byte, seq string, table int) []byte {
	aas := table1AAs
	if table == 2 {
		aas = table2AAs
	}
	n := len(seq) / 3
	l := len(dst)
	dst = slices.Grow(dst, n+1)[:l+n] // each amino acid written in place
	out := dst[l:]
	for j := range out {
		i := 3 * j
		c := seq[i : i+3]
		b0, b1, b2 := baseIndexes[c[0]], baseIndexes[c[1]], baseIndexes[c[2]]
		if b0|b1|b2 < 0 {
			out[j] = 'X'
		} else {
			out[j] = aas[int(b0)<<4|int(b1)<<2|int(b2)]
		}
	}
	if 3*n < len(seq) {
		dst = append(dst, 'X')
	}
	return dst
}

// isStartCodon reports whether c initiates translation in the table: ATG in
// table 1; ATT, ATC, ATA, ATG and GTG in table 2 (the mitochondrial genes
// ND2, ND3 and ND5 start with ATT or ATA).
func isStartCodon(c string, table int) bool {
	if table == 2 {
		switch c {
		case "ATT", "ATC", "ATA", "ATG", "GTG":
			return true
		}
		return false
	}
	return c == "ATG"
}

var threeLetter = [256]string{
	'A': "Ala", 'R': "Arg", 'N': "Asn", 'D': "Asp", 'C': "Cys", 'Q': "Gln", 'E': "Glu",
	'G': "Gly", 'H': "His", 'I': "Ile", 'L': "Leu", 'K': "Lys", 'M': "Met", 'F': "Phe",
	'P': "Pro", 'S': "Ser", 'T': "Thr", 'W': "Trp", 'Y': "Tyr", 'V': "Val", '*': "Ter",
	'X': "Xaa", 'U': "Sec",
}

// appendThree appends the three-letter codes of a one-letter peptide.
func appendThree(dst []byte, pep string) []byte {
	for i := 0; i < len(pep); i++ {
		s := threeLetter[pep[i]]
		if s == "" {
			s = "Xaa"
		}
		dst = append(dst, s...)
	}
	return dst
}

// revComp returns the reverse complement of s.
func revComp(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = refdata.Complement(s[i])
	}
	return string(b)
}
