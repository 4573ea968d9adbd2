package consequence

import "strings"

// Input processing: one VCF ALT becomes the allele VEP annotates.

// allele is the variant after VEP's input processing.
type allele struct {
	start, end int    // genomic; end == start-1 for an insertion
	ref, alt   string // forward strand, uppercase; "" when empty
	vep        string // the Allele field
	class      string // VARIANT_CLASS
	distance   int    // up/downstream window
}

func (a *allele) insertion() bool { return a.end == a.start-1 }

// normalize applies VEP's VCF conventions: the first base is stripped from
// indel records when every allele shares it. Symbolic, '*' and malformed
// alleles are not annotated (ok is false).
func normalize(v Variant) (allele, bool) {
	ref, refOK := upperBases(v.Ref)
	alt, altOK := upperBases(v.Alt)
	if ref == "" || alt == "" || !refOK || !altOK || v.Pos < 1 {
		return allele{}, false
	}
	alts := v.AllAlts
	if len(alts) == 0 {
		alts = []string{v.Alt}
	}
	shape := v.Shape
	if shape == nil {
		shape = &Shape{StripFirst: stripFirst(ref, alts)}
		if len(v.AllAlts) > 1 {
			shape.Class = RecordClass(v.Ref, v.AllAlts)
		}
	}
	start := v.Pos
	if shape.StripFirst {
		ref, alt = ref[1:], alt[1:]
		start++
	}
	a := allele{start: start, end: start + len(ref) - 1, ref: ref, alt: alt, vep: alt, distance: maxDistance}
	if v.Distance != nil {
		a.distance = *v.Distance
	}
	if alt == "" {
		a.vep = "-"
	}
	a.class = classOf(ref, alt)
	if len(v.AllAlts) > 1 {
		a.class = shape.Class
	}
	return a, true
}

// Shape is what VEP derives from a record's whole allele string.
type Shape struct {
	StripFirst bool   // the shared first base is removed from every allele
	Class      string // RecordClass
}

// ShapeOf computes the Shape of a record in one pass over its ALTs.
func ShapeOf(ref string, alts []string) Shape {
	return Shape{StripFirst: stripFirst(ref, alts), Class: RecordClass(ref, alts)}
}

// upperBases is strings.ToUpper(s) and whether that is all bases
// (isBases), without ToUpper's pass when s is upper-case bases already (as
// the annotate engine passes them).
func upperBases(s string) (string, bool) {
	if len(s) == 1 && isBase[s[0]] { // an SNV's alleles: without a call
		return s, true
	}
	return upperBasesLong(s)
}

// isBase marks the bytes isBases accepts.
var isBase = [256]bool{'A': true, 'C': true, 'G': true, 'T': true, 'N': true}

func upperBasesLong(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A', 'C', 'G', 'T', 'N':
		default:
			u := strings.ToUpper(s)
			return u, isBases(u)
		}
	}
	return s, true
}

func isBases(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A', 'C', 'G', 'T', 'N':
		default:
			return false
		}
	}
	return true
}

// stripFirst reports whether VEP removes the first base of the record: only
// for records with a length-changing ALT, and only when every allele starts
// with the same base.
func stripFirst(ref string, alts []string) bool {
	indel := false
	for _, a := range alts {
		if len(a) != len(ref) {
			indel = true
		}
	}
	if !indel {
		return false
	}
	for _, a := range alts {
		if a == "" || upper(a[0]) != upper(ref[0]) {
			return false
		}
	}
	return true
}

func upper(b byte) byte {
	if b >= 'a' && b <= 'z' {
		return b - 32
	}
	return b
}

func classOf(ref, alt string) string {
	switch {
	case len(ref) == 1 && len(alt) == 1:
		return "SNV"
	case ref == "" && alt != "":
		return "insertion"
	case alt == "" && ref != "":
		return "deletion"
	case len(ref) == len(alt):
		return "substitution"
	default:
		return "indel"
	}
}

// VariantClass is VEP's VARIANT_CLASS for one REF/ALT pair as written in a
// VCF record: SNV, insertion, deletion, indel, substitution, or
// sequence_alteration for anything that is not plain sequence.
func VariantClass(ref, alt string) string {
	if len(ref) == 1 && len(alt) == 1 && isBase[ref[0]] && isBase[alt[0]] {
		return "SNV" // most records: without the general path's calls
	}
	ref, refOK := upperBases(ref)
	alt, altOK := upperBases(alt)
	if ref == "" || alt == "" || !refOK || !altOK {
		return "sequence_alteration"
	}
	if stripFirst(ref, []string{alt}) {
		ref, alt = ref[1:], alt[1:]
	}
	return classOf(ref, alt)
}

// RecordClass is VEP's VARIANT_CLASS for a whole (possibly multi-allelic)
// record, which VEP derives from the record's allele string: SNV when every
// allele is one base, substitution when all have REF's length, insertion or
// deletion for a single ALT after the shared first base is stripped, indel
// otherwise, and sequence_alteration when any allele is not plain sequence.
func RecordClass(ref string, alts []string) string {
	if len(alts) == 1 {
		return VariantClass(ref, alts[0])
	}
	ref, refOK := upperBases(ref)
	if ref == "" || !refOK || len(alts) == 0 {
		return "sequence_alteration"
	}
	snv, sameLen := len(ref) == 1, true
	for _, a := range alts {
		a, ok := upperBases(a)
		if a == "" || !ok {
			return "sequence_alteration"
		}
		snv = snv && len(a) == 1
		sameLen = sameLen && len(a) == len(ref)
	}
	switch {
	case snv:
		return "SNV"
	case sameLen:
		return "substitution"
	}
	return "indel"
}

// VEPAllele is the Allele field VEP writes for ALT i of a record: the shared
// first base is stripped only when all alleles share it (and the record has
// an indel), and an empty allele becomes "-".
func VEPAllele(ref string, alts []string, i int) string {
	if i < 0 || i >= len(alts) {
		return ""
	}
	alt := alts[i]
	if !isBases(strings.ToUpper(alt)) {
		return alt
	}
	if stripFirst(ref, alts) {
		alt = alt[1:]
	}
	if alt == "" {
		return "-"
	}
	return alt
}
