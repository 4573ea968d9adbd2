package consequence

import (
	"slices"

	"github.com/gasproject/gas/internal/refdata"
)

// Variant is one ALT allele of a VCF record, as written in the record (REF and
// ALT may share a leading base). Its strings may share the caller's input
// buffer (gas annotate's are the batch's lines): nothing here keeps them
// after a call, but in the entries Predict and Append return.
type Variant struct {
	Chrom    string
	Pos      int
	Ref, Alt string
	// AllAlts optionally lists every ALT of the record. VEP strips the shared
	// first base of an indel record only when all alleles share it, so a
	// multi-allelic record needs them all; nil means Alt is the only ALT.
	AllAlts []string
	// Shape optionally carries ShapeOf(Ref, AllAlts), computed once per
	// record by a caller that predicts each of its ALTs: without it every
	// ALT scans all of them, quadratic in the ALT count.
	Shape *Shape
	// Distance is the up/downstream window in bases (VEP's --distance);
	// nil means VEP's default, 5000. 0 is no window: no upstream or
	// downstream entries, as VEP's --distance 0.
	Distance *int
}

// Sequence returns reference bases, 1-based inclusive, forward strand of the
// variant's chromosome.
type Sequence interface {
	Seq(start, end int) (string, error)
}

// maxDistance is VEP's default upstream/downstream window.
const maxDistance = 5000

// Predict returns one Entry per transcript the variant affects (upstream and
// downstream within v.Distance, 5 kb by default, included), or a single
// intergenic_variant entry when none. transcripts should hold every
// transcript overlapping pos±v.Distance; seq is
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
	var p Predictor
	return p.Append(dst, v, transcripts, seq)
}

// Predictor is PredictAppend for a caller that predicts variant after
// variant in position order: it keeps the last call's transcripts and
// their precomputed data, and the next variant mostly has the same ones,
// found there without a lookup in the cache shared by all goroutines. The
// zero value is ready; a Predictor is not safe for concurrent use.
type Predictor struct {
	// HGVScInBuffer has Append write each entry's HGVSc into a buffer the
	// Predictor reuses instead of a new string (that string was most of an
	// annotation run's garbage): the entry's HGVSc field stays empty and
	// AppendCSQ and Fields read the text, which the next Append overwrites.
	// For a caller that writes the entries out before predicting again.
	HGVScInBuffer bool

	last, next []txRef
	hgvsc      []byte // the HGVSc text of the last Append (HGVScInBuffer) or AppendCSQ
	// AppendCSQ's allele: "Allele|", "|Existing_variation" escaped, and the
	// index of its VARIANT_CLASS (appendPredicted)
	head, exist []byte
	class       int
	bases       []byte // reference bases read for HGVSc's 3' shift, reused
	entry       Entry  // AppendCSQ's entry, reused
}

type txRef struct {
	t *refdata.Transcript
	x *txInfo
}

// Append is PredictAppend.
func (p *Predictor) Append(dst []Entry, v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry {
	a, ok := normalize(v)
	if !ok {
		return dst
	}
	n := len(dst)
	p.next = p.next[:0]
	var text *[]byte
	if p.HGVScInBuffer {
		p.hgvsc = p.hgvsc[:0]
		text = &p.hgvsc
	}
	at := 0 // where in p.last the next transcript is looked for first
	for _, t := range transcripts {
		if len(t.Exons) == 0 {
			continue
		}
		x := p.info(t, &at)
		// predictTranscript overwrites the whole entry: no need to zero it first
		dst = slices.Grow(dst, 1)[:len(dst)+1]
		e := &dst[len(dst)-1]
		*e = Entry{}
		if predictTranscript(e, &a, x, seq, text, &p.bases) {
			x.describe(e)
		} else {
			dst = dst[:len(dst)-1]
		}
	}
	p.last, p.next = p.next, p.last
	if len(dst) == n {
		dst = slices.Grow(dst, 1)[:len(dst)+1]
		dst[len(dst)-1].intergenic(&a)
	}
	return dst
}

// AppendCSQ is Append writing the entries' CSQ text to dst instead, ','
// between them: the bytes Entry.AppendCSQ writes for each entry Append
// makes, with existingVariation in each, without filling an entry's
// transcript fields and then copying them field by field (each entry's
// text was a quarter of an annotation run's instructions). each, if not
// nil, is called with every entry right after its text, out[start:], is
// written; the entry holds what Append computes (Allele, Consequence,
// IMPACT, the numbers and positions, HGVS, DISTANCE, VARIANT_CLASS) but not
// the fields copied from the transcript (SYMBOL to BIOTYPE, STRAND, FLAGS,
// CANONICAL), and is reused for the next one. Nothing is written for a
// variant Append gives no entry.
func (p *Predictor) AppendCSQ(dst []byte, v Variant, transcripts []*refdata.Transcript, seq Sequence, existingVariation string, each func(e *Entry, out []byte, start int)) []byte {
	a, ok := normalize(v)
	if !ok {
		return dst
	}
	p.next = p.next[:0]
	p.hgvsc = p.hgvsc[:0]
	// The allele's fields are the same in every entry: their text is made once.
	p.head = append(append(p.head[:0], a.vep...), '|')
	p.exist = appendEscaped(append(p.exist[:0], '|'), existingVariation)
	p.class = classIndex(a.class)
	e, first, at := &p.entry, true, 0
	for _, t := range transcripts {
		if len(t.Exons) == 0 {
			continue
		}
		x := p.info(t, &at)
		if !predictTranscript(e, &a, x, seq, &p.hgvsc, &p.bases) {
			continue
		}
		dst = p.appendEntry(dst, e, x, first, each)
		first = false
	}
	p.last, p.next = p.next, p.last
	if first {
		e.intergenic(&a)
		dst = p.appendEntry(dst, e, nil, true, each)
	}
	return dst
}

// appendEntry writes an entry AppendCSQ predicted on x (nil: intergenic).
func (p *Predictor) appendEntry(dst []byte, e *Entry, x *txInfo, first bool, each func(*Entry, []byte, int)) []byte {
	if !first {
		dst = append(dst, ',')
	}
	start := len(dst)
	dst = e.appendPredicted(dst, x, p.head, p.exist, p.class)
	if each != nil {
		each(e, dst, start)
	}
	return dst
}

// info finds t's txInfo in the last call's transcripts, from *at on (both
// lists are sorted by start, so a hit is mostly right there), else in the
// shared cache, and notes it for the next call.
func (p *Predictor) info(t *refdata.Transcript, at *int) *txInfo {
	var x *txInfo
	for i := *at; i < len(p.last); i++ {
		if p.last[i].t == t {
			x, *at = p.last[i].x, i+1
			break
		}
	}
	if x == nil {
		x = infoFor(t)
	}
	p.next = append(p.next, txRef{t, x})
	return x
}

// intergenicTerms is shared read-only by every intergenic entry, as the term
// lists of termSet.list are.
var intergenicTerms = newTermList([]string{Intergenic}, impactModifier)

// predictTranscript fills the entry of one transcript (false when the
// variant is farther than 5 kb from it). With text, HGVSc is appended to
// *text instead of made a string (Predictor.HGVScInBuffer).
func predictTranscript(e *Entry, a *allele, x *txInfo, seq Sequence, text, bases *[]byte) bool {
	e.reset(a, x)
	if !overlaps(a.start, a.end, x.t.Start, x.t.End) {
		return x.flanking(e, a)
	}
	var terms termSet
	// One exon window for the allele and the 3 bases either side serves
	// EXON/INTRON, splice terms and locate (each tests every exon in it).
	j, k := x.exonWindow(min(a.start, a.end)-3, max(a.start, a.end)+3)
	e.Exon, e.Intron = x.numbers(a, j, k)
	if len(a.alt) < len(a.ref) && a.start <= x.t.Start && a.end >= x.t.End {
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
	x.exonTerms(a, &loc, seq, e, &terms)
	if x.t.Biotype == "nonsense_mediated_decay" {
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
	e.setHGVSc(x, a, seq, text, bases)
	e.setTerms(terms)
	return true
}

// setHGVSc sets the entry's HGVSc: as text appended to *text when given and
// the transcript id needs no escape (the rest of HGVSc is positions, bases
// and fixed words), else as a string.
func (e *Entry) setHGVSc(x *txInfo, a *allele, seq Sequence, text, bases *[]byte) {
	if text != nil && x.fullIDPlain {
		n := len(*text)
		*text = x.appendHGVSc(*text, a, seq, bases)
		e.hgvsc = (*text)[n:len(*text):len(*text)]
		return
	}
	var buf [96]byte
	e.HGVSc = string(x.appendHGVSc(buf[:0], a, seq, bases))
	if x.fullIDPlain {
		e.plainHGVSc = e.HGVSc
	}
}

// reset readies an entry for a prediction of allele a on x: it sets the
// fields that depend on the allele alone and clears every field a
// prediction may set, leaving those describe sets (Append's entries are
// cleared whole first; AppendCSQ's one entry never has them set).
func (e *Entry) reset(a *allele, x *txInfo) {
	e.Allele, e.VariantClass, e.tx, e.computed = a.vep, a.class, x, true
	e.Consequences, e.Impact, e.cons = nil, "", nil
	e.Exon, e.Intron, e.HGVSc, e.plainHGVSc, e.hgvsc, e.HGVSp = "", "", "", "", nil, ""
	e.CDNAPosition, e.CDSPosition, e.ProteinPosition, e.AminoAcids, e.Codons, e.Distance = "", "", "", "", "", ""
}

// intergenic makes e the single intergenic_variant entry of allele a.
func (e *Entry) intergenic(a *allele) {
	*e = Entry{}
	e.Allele, e.Consequences, e.Impact, e.VariantClass = a.vep, intergenicTerms.terms, impactModifier, a.class
	e.cons, e.computed = intergenicTerms, true
}

// describe sets the fields an entry copies from its transcript: SYMBOL to
// BIOTYPE, STRAND, FLAGS and CANONICAL.
func (x *txInfo) describe(e *Entry) {
	t := x.t
	e.Symbol, e.Gene, e.FeatureType, e.Feature, e.Biotype = t.GeneName, t.GeneID, "Transcript", x.fullID, t.Biotype
	e.Strand, e.Flags, e.Canonical = x.strand, x.flags, x.canonical
}

// flanking gives a variant outside the transcript upstream_gene_variant or
// downstream_gene_variant within the variant's window, as VEP's _upstream
// and _downstream (false when farther; always false with a window of 0).
func (x *txInfo) flanking(e *Entry, a *allele) bool {
	t := x.t
	before := a.end >= t.Start-a.distance && a.end < t.Start
	after := a.start <= t.End+a.distance && a.start > t.End
	if !before && !after {
		return false
	}
	var terms termSet
	if before == (t.Strand >= 0) {
		terms.set(bitUpstream)
	} else {
		terms.set(bitDownstream)
	}
	e.Distance = distanceText(distance(a, t, before))
	e.setTerms(terms)
	return true
}

// exonTerms adds the UTR and coding terms of a coding transcript, or the
// exon/miRNA terms of a non-coding one.
func (x *txInfo) exonTerms(a *allele, loc *location, seq Sequence, e *Entry, terms *termSet) {
	if !x.coding {
		switch {
		case x.t.Biotype == "miRNA" && x.inMatureMiRNA(a):
			terms.set(bitMatureMiRNA)
		case loc.exonic && (!a.insertion() || x.insideExon(a)):
			// VEP's non_coding_exon_variant overlaps the variant's own
			// start/end with each exon: an insertion next to an exon
			// boundary (one flank intronic) is not in the exon.
			terms.set(bitNonCodingTranscriptExon)
		default:
			terms.set(bitNonCodingTranscript)
		}
		return
	}
	if !loc.exonic {
		return
	}
	if loc.utr5 {
		terms.set(bitFivePrimeUTR)
	}
	if loc.utr3 {
		terms.set(bitThreePrimeUTR)
	}
	if loc.cds {
		x.codingTerms(a, loc, seq, e, terms)
	}
}

// distance is VEP's distance_to_transcript, the smallest absolute
// difference between a variant end and a transcript end, for a variant
// before t (genomically) or after it: every variant end is then at or
// before t.Start, or at or after t.End (an insertion's ends are a base
// apart, in either order), so the nearest pair is the variant's nearer end
// and that transcript end.
func distance(a *allele, t *refdata.Transcript, before bool) int {
	if before {
		return t.Start - max(a.start, a.end)
	}
	return min(a.start, a.end) - t.End
}

func overlaps(s1, e1, s2, e2 int) bool { return e1 >= s2 && s1 <= e2 }
