package consequence

import (
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
)

// Variant is one ALT allele of a VCF record, as written in the record (REF and
// ALT may share a leading base).
type Variant struct {
	Chrom    string
	Pos      int
	Ref, Alt string
	// AllAlts optionally lists every ALT of the record. VEP strips the shared
	// first base of an indel record only when all alleles share it, so a
	// multi-allelic record needs them all; nil means Alt is the only ALT.
	AllAlts []string
}

// Sequence returns reference bases, 1-based inclusive, forward strand of the
// variant's chromosome.
type Sequence interface {
	Seq(start, end int) (string, error)
}

// maxDistance is VEP's default upstream/downstream window.
const maxDistance = 5000

// allele is the variant after VEP's input processing.
type allele struct {
	start, end int    // genomic; end == start-1 for an insertion
	ref, alt   string // forward strand, uppercase; "" when empty
	vep        string // the Allele field
	class      string // VARIANT_CLASS
}

func (a *allele) insertion() bool { return a.end == a.start-1 }

// normalize applies VEP's VCF conventions: the first base is stripped from
// indel records when every allele shares it. Symbolic, '*' and malformed
// alleles are not annotated (ok is false).
func normalize(v Variant) (allele, bool) {
	ref, alt := strings.ToUpper(v.Ref), strings.ToUpper(v.Alt)
	if ref == "" || alt == "" || !isBases(ref) || !isBases(alt) || v.Pos < 1 {
		return allele{}, false
	}
	alts := v.AllAlts
	if len(alts) == 0 {
		alts = []string{v.Alt}
	}
	start := v.Pos
	if stripFirst(ref, alts) {
		ref, alt = ref[1:], alt[1:]
		start++
	}
	a := allele{start: start, end: start + len(ref) - 1, ref: ref, alt: alt, vep: alt}
	if alt == "" {
		a.vep = "-"
	}
	a.class = classOf(ref, alt)
	if len(v.AllAlts) > 1 {
		a.class = RecordClass(v.Ref, v.AllAlts)
	}
	return a, true
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
	ref, alt = strings.ToUpper(ref), strings.ToUpper(alt)
	if ref == "" || alt == "" || !isBases(ref) || !isBases(alt) {
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
	ref = strings.ToUpper(ref)
	if ref == "" || !isBases(ref) || len(alts) == 0 {
		return "sequence_alteration"
	}
	snv, sameLen := len(ref) == 1, true
	for _, a := range alts {
		a = strings.ToUpper(a)
		if a == "" || !isBases(a) {
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

// Predict returns one Entry per transcript the variant affects (upstream and
// downstream within 5 kb included), or a single intergenic_variant entry when
// none. transcripts should hold every transcript overlapping pos±5 kb; seq is
// read only for exonic variants of coding transcripts and for HGVS shifting.
// Symbolic and '*' alleles yield no entries. When the sequence cannot be
// read, location-based consequences are still returned and the codon-level
// fields are left empty.
func Predict(v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry {
	out := PredictAppend(make([]Entry, 0, max(len(transcripts), 1)), v, transcripts, seq)
	if len(out) == 0 {
		return nil
	}
	return out
}

// PredictAppend is Predict appending the entries to dst, so a caller that
// reuses dst[:0] per variant does not allocate the slice each time. The
// entries' strings do not alias dst: reusing dst is safe once the entries
// have been written out.
func PredictAppend(dst []Entry, v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry {
	a, ok := normalize(v)
	if !ok {
		return dst
	}
	n := len(dst)
	for _, t := range transcripts {
		if len(t.Exons) == 0 {
			continue
		}
		// predictTranscript overwrites the whole entry: no need to zero it first
		dst = slices.Grow(dst, 1)[:len(dst)+1]
		if !predictTranscript(&dst[len(dst)-1], &a, infoFor(t), seq) {
			dst = dst[:len(dst)-1]
		}
	}
	if len(dst) == n {
		dst = append(dst, Entry{
			Allele:       a.vep,
			Consequences: intergenicTerms.terms,
			Impact:       impactModifier,
			VariantClass: a.class,
			cons:         intergenicTerms,
		})
	}
	return dst
}

// intergenicTerms is shared read-only by every intergenic entry, as the term
// lists of termSet.list are.
var intergenicTerms = newTermList([]string{Intergenic})

func overlaps(s1, e1, s2, e2 int) bool { return e1 >= s2 && s1 <= e2 }

// predictTranscript fills the entry of one transcript (false when the
// variant is farther than 5 kb from it).
func predictTranscript(e *Entry, a *allele, x *txInfo, seq Sequence) bool {
	t := x.t
	*e = Entry{
		Allele:       a.vep,
		Symbol:       t.GeneName,
		Gene:         t.GeneID,
		FeatureType:  "Transcript",
		Feature:      x.fullID,
		Biotype:      t.Biotype,
		Strand:       "1",
		VariantClass: a.class,
		tx:           x,
	}
	if t.Strand < 0 {
		e.Strand = "-1"
	}
	if t.Canonical {
		e.Canonical = "YES"
	}
	switch {
	case t.CDSStartNF && t.CDSEndNF:
		e.Flags = "cds_start_NF&cds_end_NF"
	case t.CDSStartNF:
		e.Flags = "cds_start_NF"
	case t.CDSEndNF:
		e.Flags = "cds_end_NF"
	}

	var terms termSet
	if !overlaps(a.start, a.end, t.Start, t.End) {
		before := a.end >= t.Start-maxDistance && a.end < t.Start
		after := a.start <= t.End+maxDistance && a.start > t.End
		if !before && !after {
			return false
		}
		if before == (t.Strand >= 0) {
			terms.set(bitUpstream)
		} else {
			terms.set(bitDownstream)
		}
		e.Distance = distanceText(distance(a, t))
		e.setTerms(terms)
		return true
	}

	// One exon window for the allele and the 3 bases either side serves
	// EXON/INTRON, splice terms and locate (each tests every exon in it).
	j, k := x.exonWindow(min(a.start, a.end)-3, max(a.start, a.end)+3)
	e.Exon, e.Intron = x.numbers(a, j, k)
	if len(a.alt) < len(a.ref) && a.start <= t.Start && a.end >= t.End {
		// a deletion removing the whole transcript: VEP's feature_ablation
		terms.set(bitTranscriptAblation)
		e.setTerms(terms)
		return true
	}
	x.spliceTerms(a, &terms, j, k)

	loc := x.locate(a, j, k)
	if loc.exonic {
		e.CDNAPosition = formatCoords(loc.cdnaStart, loc.cdnaEnd)
	}
	if x.coding {
		if loc.exonic {
			if loc.utr5 {
				terms.set(bitFivePrimeUTR)
			}
			if loc.utr3 {
				terms.set(bitThreePrimeUTR)
			}
			if loc.cds {
				x.codingTerms(a, &loc, seq, e, &terms)
			}
		}
	} else {
		mirna := t.Biotype == "miRNA" && x.inMatureMiRNA(a)
		switch {
		case mirna:
			terms.set(bitMatureMiRNA)
		case loc.exonic:
			terms.set(bitNonCodingTranscriptExon)
		default:
			terms.set(bitNonCodingTranscript)
		}
	}
	if t.Biotype == "nonsense_mediated_decay" {
		terms.set(bitNMDTranscript)
	}
	if terms == 0 {
		// e.g. within a frameshift intron of the CDS
		if x.coding {
			terms.set(bitCodingSequence)
		} else {
			terms.set(bitNonCodingTranscript)
		}
	}
	e.HGVSc = x.hgvsc(a, seq)
	e.setTerms(terms)
	return true
}

// distance is VEP's distance_to_transcript: the smallest absolute difference
// between a variant end and a transcript end.
func distance(a *allele, t *refdata.Transcript) int {
	d := -1
	for _, v := range [4]int{a.start - t.Start, a.start - t.End, a.end - t.Start, a.end - t.End} {
		if v < 0 {
			v = -v
		}
		if d < 0 || v < d {
			d = v
		}
	}
	return d
}

// numbers returns the EXON and INTRON fields ("2/5", "2-3/5").
// j, k is an exonWindow covering the allele.
func (x *txInfo) numbers(a *allele, j, k int) (exon, intron string) {
	first, last := 0, 0
	for i := j; i < k; i++ {
		if ex := x.t.Exons[i]; overlaps(a.start, a.end, ex.Start, ex.End) {
			if first == 0 {
				first = i + 1
			}
			last = i + 1
		}
	}
	if first > 0 && first == last {
		exon = x.exonLabels[first-1]
	} else {
		exon = rangeOf(first, last, len(x.t.Exons))
	}
	first, last = 0, 0
	for i := max(j-1, 0); i < min(k, x.nIntrons()); i++ {
		s, en := x.intron(i)
		if s <= en && overlaps(a.start, a.end, s, en) {
			if first == 0 {
				first = i + 1
			}
			last = i + 1
		}
	}
	if first > 0 && first == last {
		intron = x.intronLabels[first-1]
	} else {
		intron = rangeOf(first, last, x.nIntrons())
	}
	return exon, intron
}

// location is where the variant falls on the spliced transcript.
type location struct {
	exonic             bool
	whole              bool // entirely inside one exon (an insertion: at least one flank exonic)
	cdnaStart, cdnaEnd int  // transcript-orientation ends, 0 when not exonic; insertion: start == end+1
	lo, hi             int  // exonic cDNA span
	utr5, utr3, cds    bool
}

// j, k is an exonWindow covering the allele.
func (x *txInfo) locate(a *allele, j, k int) location {
	var l location
	plus := x.t.Strand >= 0
	if a.insertion() {
		f5, f3 := a.end, a.start // genomic flanks, 5' and 3' in transcript orientation
		if !plus {
			f5, f3 = a.start, a.end
		}
		c5, c3 := x.cdnaOf(f5), x.cdnaOf(f3)
		switch {
		case c5 > 0:
			l.cdnaEnd, l.cdnaStart = c5, c5+1
		case c3 > 0:
			l.cdnaEnd, l.cdnaStart = c3-1, c3
		default:
			return l
		}
		l.exonic, l.whole = true, true
		l.lo, l.hi = l.cdnaEnd, l.cdnaStart
		if x.coding {
			l.cds = l.cdnaEnd >= x.cdsStart && l.cdnaEnd < x.cdsEnd
			l.utr5, l.utr3 = x.utrs(a)
		}
		return l
	}
	g5, g3 := a.start, a.end
	if !plus {
		g5, g3 = a.end, a.start
	}
	l.cdnaStart, l.cdnaEnd = x.cdnaOf(g5), x.cdnaOf(g3)
	for i := j; i < k; i++ {
		ex := x.t.Exons[i]
		if !overlaps(a.start, a.end, ex.Start, ex.End) {
			continue
		}
		s, e := max(a.start, ex.Start), min(a.end, ex.End)
		c1, c2 := x.cum[i]+s-ex.Start+1, x.cum[i]+e-ex.Start+1
		if !plus {
			c1, c2 = x.cum[i]+ex.End-e+1, x.cum[i]+ex.End-s+1
		}
		if !l.exonic || c1 < l.lo {
			l.lo = c1
		}
		if !l.exonic || c2 > l.hi {
			l.hi = c2
		}
		l.exonic = true
		if a.start >= ex.Start && a.end <= ex.End {
			l.whole = true
		}
	}
	if l.exonic && x.coding {
		l.cds = l.lo <= x.cdsEnd && l.hi >= x.cdsStart
		l.utr5, l.utr3 = x.utrs(a)
	}
	return l
}

// utrs is VEP's _before_coding/_after_coding on genomic coordinates (so a
// deletion from a UTR intron into the first coding exon counts as 5' UTR);
// callers add VEP's within_cdna condition.
func (x *txInfo) utrs(a *allele) (utr5, utr3 bool) {
	t := x.t
	ins := a.insertion()
	before := (ins && a.start == t.CodingStart) || overlaps(a.start, a.end, t.Start, t.CodingStart-1)
	after := (ins && a.end == t.CodingEnd) || overlaps(a.start, a.end, t.CodingEnd+1, t.End)
	if t.Strand < 0 {
		return after, before
	}
	return before, after
}

func (x *txInfo) inMatureMiRNA(a *allele) bool {
	for _, r := range x.t.MatureMiRNA {
		if overlaps(a.start, a.end, r[0], r[1]) {
			return true
		}
	}
	return false
}
