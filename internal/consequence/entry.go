package consequence

import (
	"strconv"
)

// Entry is one CSQ entry: an allele's consequences on one transcript (or the
// single intergenic entry).
type Entry struct {
	Allele          string
	Consequences    []string // SO terms in VEP's severity order
	Impact          string
	Symbol          string
	Gene            string
	FeatureType     string
	Feature         string
	Biotype         string
	Exon            string
	Intron          string
	HGVSc           string
	HGVSp           string
	CDNAPosition    string
	CDSPosition     string
	ProteinPosition string
	AminoAcids      string
	Codons          string
	Distance        string
	Strand          string
	Flags           string
	VariantClass    string
	Canonical       string

	// Set by Predict so AppendCSQ can copy precomputed text; AppendCSQ
	// uses it only while the fields still hold the values it was made from.
	tx   *txInfo
	cons *termList
	// plainHGVSc is the HGVSc Predict made when it holds nothing to
	// escape: AppendCSQ copies HGVSc unchecked while it is still equal.
	plainHGVSc string
	// hgvsc is the HGVSc text in the Predictor's buffer, which needs no
	// escape (non-nil only with Predictor.HGVScInBuffer; HGVSc is empty).
	hgvsc []byte
	// keyed: the last AppendCSQ (or appendPredicted) wrote Consequence to
	// BIOTYPE as tx's and cons' precomputed text (TextKey).
	keyed bool
	// computed: Predict made the entry, so the fields it computes itself
	// (Allele, EXON and INTRON, the positions, Amino_acids, Codons,
	// DISTANCE, STRAND, FLAGS, VARIANT_CLASS, CANONICAL: bases, numbers
	// and fixed words) hold no byte AppendCSQ escapes.
	computed bool
}

// setTerms sets the consequences and the impact from a term set.
func (e *Entry) setTerms(s termSet) {
	var l *termList
	if x := e.tx; x != nil {
		// Variants near one another mostly get the same terms on a
		// transcript: remember its last list.
		if l = x.lastTerms.Load(); l == nil || l.set != s {
			l = s.list()
			x.lastTerms.Store(l)
		}
	} else {
		l = s.list()
	}
	e.Consequences, e.Impact, e.cons = l.terms, l.impact, l
}

// TextKey names the text of the fields Consequence to BIOTYPE an entry's
// last AppendCSQ wrote, as the engine's precomputed text of its transcript
// and term list: two entries with the same key other than the zero one
// wrote the same text there (and so its length too). The zero key names
// nothing; such an entry's text must be read. A key packs the serial
// numbers of the transcript's txInfo (0 for the intergenic entry) and of
// the term list, which a process never reuses: it holds no pointer, so a
// slice of keys costs the garbage collector nothing.
type TextKey struct{ k uint64 }

// Bits of a TextKey: the term list's serial below, the txInfo's above. An
// entry whose serials do not fit (2^24 term lists or 2^40 txInfos made in
// one process: not in practice) gets the zero key, never a reused one.
const (
	keyTermBits = 24
	keyTxBits   = 64 - keyTermBits
)

// TextKey is the key of the entry's last written Consequence to BIOTYPE
// text, the zero key when that text was not the precomputed one.
func (e *Entry) TextKey() TextKey {
	if !e.keyed || e.cons.serial >= 1<<keyTermBits {
		return TextKey{}
	}
	var tx uint64 // the intergenic entry's
	if e.tx != nil {
		if tx = e.tx.serial; tx >= 1<<keyTxBits {
			return TextKey{}
		}
	}
	return TextKey{tx<<keyTermBits | e.cons.serial}
}

// sameSlice reports whether a and b are the same slice (not just equal).
func sameSlice(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// CSQFormat is the Format of the CSQ INFO key, in the order AppendCSQ writes.
const CSQFormat = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|VARIANT_CLASS|CANONICAL"

// Fields returns the entry's values in CSQFormat order, unescaped, with
// existingVariation in its slot and the consequences joined with '&'.
func (e Entry) Fields(existingVariation string) []string {
	cons := ""
	for i, c := range e.Consequences {
		if i > 0 {
			cons += "&"
		}
		cons += c
	}
	hgvsc := e.HGVSc
	if e.hgvsc != nil {
		hgvsc = string(e.hgvsc)
	}
	return []string{
		e.Allele, cons, e.Impact, e.Symbol, e.Gene, e.FeatureType, e.Feature, e.Biotype,
		e.Exon, e.Intron, hgvsc, e.HGVSp, e.CDNAPosition, e.CDSPosition, e.ProteinPosition,
		e.AminoAcids, e.Codons, existingVariation, e.Distance, e.Strand, e.Flags,
		e.VariantClass, e.Canonical,
	}
}

// AppendCSQ appends the entry as one '|'-separated CSQ value (no leading
// comma). Characters that may not appear in an INFO value are escaped as VEP
// does: ',' and '|' inside a field become '&', ';' is %3B, '=' is %3D and
// whitespace becomes '_'. The fields an entry from Predict computed itself
// are copied as they are: they hold none of those (checking them a byte at
// a time was a fifth of the cost of writing the CSQ text).
func (e *Entry) AppendCSQ(dst []byte, existingVariation string) []byte {
	computed := e.computed
	if computed {
		dst = append(dst, e.Allele...)
	} else {
		dst = appendEscaped(dst, e.Allele)
	}
	dst = append(dst, '|')
	e.keyed = false
	if l := e.cons; l != nil && sameSlice(e.Consequences, l.terms) && e.Impact == l.impact {
		dst = append(dst, l.csqImpact...)
		e.keyed = true
	} else {
		for i, c := range e.Consequences {
			if i > 0 {
				dst = append(dst, '&')
			}
			dst = appendEscaped(dst, c)
		}
		dst = append(dst, '|')
		dst = appendEscaped(dst, e.Impact)
	}
	if x := e.tx; x != nil && e.Symbol == x.t.GeneName && e.Gene == x.t.GeneID &&
		e.FeatureType == "Transcript" && e.Feature == x.fullID && e.Biotype == x.t.Biotype {
		dst = append(dst, x.csqFeature...)
	} else if e.Symbol == "" && e.Gene == "" && e.FeatureType == "" && e.Feature == "" && e.Biotype == "" {
		dst = append(dst, "|||||"...) // the intergenic entry
		e.keyed = e.keyed && e.tx == nil
	} else {
		e.keyed = false
		for _, f := range [...]string{e.Symbol, e.Gene, e.FeatureType, e.Feature, e.Biotype} {
			dst = appendField(dst, f, false)
		}
	}
	dst = e.appendExonToCodons(dst, computed)
	dst = appendField(dst, existingVariation, false)
	dst = appendField(dst, e.Distance, computed)
	dst = appendField(dst, e.Strand, computed)
	dst = appendField(dst, e.Flags, computed)
	dst = appendField(dst, e.VariantClass, computed)
	return appendField(dst, e.Canonical, computed)
}

// appendExonToCodons appends the fields EXON to Codons, each after its
// '|'. computed: EXON, INTRON and the positions, amino acids and codons
// were made by Predict and are copied without escape checks; HGVSc is
// checked unless it is the plain text Predict made, HGVSp always (it may
// hold a '=').
func (e *Entry) appendExonToCodons(dst []byte, computed bool) []byte {
	dst = appendField(dst, e.Exon, computed)
	dst = appendField(dst, e.Intron, computed)
	if e.hgvsc != nil {
		dst = append(append(dst, '|'), e.hgvsc...)
	} else {
		dst = appendField(dst, e.HGVSc, e.HGVSc == e.plainHGVSc)
	}
	dst = appendField(dst, e.HGVSp, false)
	if e.CDNAPosition == "" && e.CDSPosition == "" && e.ProteinPosition == "" && e.AminoAcids == "" && e.Codons == "" {
		return append(dst, "|||||"...) // outside the exons: most entries
	}
	dst = appendField(dst, e.CDNAPosition, computed)
	dst = appendField(dst, e.CDSPosition, computed)
	dst = appendField(dst, e.ProteinPosition, computed)
	dst = appendField(dst, e.AminoAcids, computed)
	return appendField(dst, e.Codons, computed)
}

// appendPredicted is AppendCSQ for an entry Predictor.AppendCSQ has just
// made on x (nil: the intergenic entry), from text made once per allele
// (head: Allele and '|'; exist: '|' and Existing_variation, escaped; class:
// the allele's index in variantClasses, -1 for another class) and once per
// transcript (txInfo's csq* fields). The computed fields are copied
// unchecked as AppendCSQ copies them (HGVSc too unless it is not plain, and
// HGVSp, which may hold a '=', is escaped).
func (e *Entry) appendPredicted(dst []byte, x *txInfo, head, exist []byte, class int) []byte {
	e.keyed = e.tx == x // it is: Predict set both
	dst = append(dst, head...)
	dst = append(dst, e.cons.csqImpact...)
	if x == nil {
		// SYMBOL to Codons empty, Existing_variation, DISTANCE to FLAGS empty
		dst = append(dst, "||||||||||||||"...)
		dst = append(dst, exist...)
		return append(append(append(dst, "||||"...), e.VariantClass...), '|')
	}
	bare := len(exist) == 1 // no Existing_variation: the transcript's text has its '|'
	if e.Distance != "" {
		// up- or downstream: nothing from EXON to Codons
		if bare {
			dst = append(dst, x.csqFeatureFlankBare...)
		} else {
			dst = append(dst, x.csqFeatureFlank...)
			dst = append(append(dst, exist...), '|')
		}
		dst = append(dst, e.Distance...)
	} else {
		dst = append(dst, x.csqFeature...)
		dst = e.appendExonToCodons(dst, true)
		if bare && class >= 0 {
			return append(dst, x.csqTailsBare[class]...)
		}
		dst = append(dst, exist...)
		dst = append(dst, '|')
	}
	if class >= 0 {
		return append(dst, x.csqTails[class]...)
	}
	dst = append(dst, x.csqStrandFlags...)
	dst = append(dst, e.VariantClass...)
	return append(dst, x.csqCanonical...)
}

// variantClasses are the VARIANT_CLASS values Predict gives.
var variantClasses = [...]string{"SNV", "insertion", "deletion", "substitution", "indel", "sequence_alteration"}

// classIndex is c's index in variantClasses, -1 when not there.
func classIndex(c string) int {
	for i, s := range variantClasses {
		if s == c {
			return i
		}
	}
	return -1
}

// appendField appends '|' and the field, escaped unless plain; most fields
// of most entries are empty.
func appendField(dst []byte, s string, plain bool) []byte {
	dst = append(dst, '|')
	switch {
	case s == "":
		return dst
	case plain:
		return append(dst, s...)
	}
	return appendEscaped(dst, s)
}

// needsEscape marks the bytes appendEscaped rewrites.
var needsEscape = [256]bool{',': true, '|': true, ';': true, '=': true, ' ': true, '\t': true, '\n': true, '\r': true}

func appendEscaped(dst []byte, s string) []byte {
	if len(s) <= 8 {
		// Most fields are a few bytes (a base, "1/3", "SNV", "YES"):
		// checked and copied a byte at a time, without a call to copy.
		for i := 0; i < len(s); i++ {
			c := s[i]
			if needsEscape[c] {
				return appendEscapedFrom(dst, s[i:])
			}
			dst = append(dst, c)
		}
		return dst
	}
	// Fast path: almost every field is plain and is copied whole. Eight
	// bytes at a time first: a word with none of the bytes to escape
	// (hasEscape8 may also stop at other control bytes) is skipped whole.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if hasEscape8(w) {
			break
		}
	}
	for ; i < len(s); i++ {
		if needsEscape[s[i]] {
			return appendEscapedFrom(append(dst, s[:i]...), s[i:])
		}
	}
	return append(dst, s...)
}

// hasEscape8 reports whether a word of 8 bytes may hold a byte of
// needsEscape: one below 0x21 (tab, newline, return, space and the other
// control bytes) or one of ",;=|". Exact for those four; the checks are the
// usual "has a zero byte" / "has a byte less than n" word tricks.
func hasEscape8(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	a, b, c, d := w^(lo*','), w^(lo*';'), w^(lo*'='), w^(lo*'|')
	return ((w-lo*0x21)&^w|(a-lo)&^a|(b-lo)&^b|(c-lo)&^c|(d-lo)&^d)&hi != 0
}

func appendEscapedFrom(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',', '|':
			dst = append(dst, '&')
		case ';':
			dst = append(dst, "%3B"...)
		case '=':
			dst = append(dst, "%3D"...)
		case ' ', '\t', '\n', '\r':
			dst = append(dst, '_')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Text of the numeric CSQ fields.

// distanceDigits holds the DISTANCE text of 0..maxDistance back to back,
// made at start-up; distanceText slices it. Up- and downstream entries would
// otherwise allocate it each time, and one string of 19 kB stays in cache
// where a table of 5,001 separate strings did not (the lookup was a cache
// miss per entry). A plain variable: a sync.OnceValue cost a call per entry.
var distanceDigits = func() string {
	b := make([]byte, 0, 10+90*2+900*3+(maxDistance-999)*4)
	for i := 0; i <= maxDistance; i++ {
		b = strconv.AppendInt(b, int64(i), 10)
	}
	return string(b)
}()

func distanceText(d int) string {
	var off, n int
	switch {
	case d < 0 || d > maxDistance:
		return strconv.Itoa(d)
	case d < 10:
		off, n = d, 1
	case d < 100:
		off, n = 10+2*(d-10), 2
	case d < 1000:
		off, n = 190+3*(d-100), 3
	default:
		off, n = 2890+4*(d-1000), 4
	}
	return distanceDigits[off : off+n]
}

func rangeOf(first, last, total int) string {
	if first == 0 {
		return ""
	}
	var buf [32]byte
	b := appendInt(buf[:0], first)
	if first != last {
		b = appendInt(append(b, '-'), last)
	}
	return string(appendInt(append(b, '/'), total))
}

// formatCoords writes a start-end pair as VEP does: "5", "5-7", "?-7", "5-?".
// Zero means undefined; an insertion (start == end+1) prints end-start.
func formatCoords(start, end int) string {
	var buf [32]byte
	switch {
	case start > 0 && end > 0:
		if start > end {
			start, end = end, start
		}
		if start == end {
			return strconv.Itoa(start)
		}
		return string(appendInt(append(appendInt(buf[:0], start), '-'), end))
	case start > 0:
		return string(append(appendInt(buf[:0], start), "-?"...))
	case end > 0:
		return string(appendInt(append(buf[:0], "?-"...), end))
	}
	return ""
}
