package consequence

import (
	"sync"
	"sync/atomic"

	"github.com/gasproject/gas/internal/refdata"
)

// txInfo is what Predict precomputes once per transcript: cumulative exon
// offsets for genomic->cDNA mapping, the coding region in cDNA coordinates
// and, lazily, the spliced sequence.
type txInfo struct {
	t      *refdata.Transcript
	fullID string // t.FullID(), computed once
	// csqFeature is "|SYMBOL|Gene|Transcript|Feature|BIOTYPE" of the CSQ
	// entry, escaped once.
	csqFeature string
	// STRAND, FLAGS and CANONICAL of the transcript's entries; csqStrandFlags
	// is "|STRAND|FLAGS|" and csqCanonical "|CANONICAL", as a CSQ entry
	// has them around VARIANT_CLASS (fixed words: nothing to escape).
	strand, flags, canonical     string
	csqStrandFlags, csqCanonical string
	// csqFeatureFlank is csqFeature and the empty EXON to Codons of an
	// up- or downstream entry; csqTails[i] is the text after DISTANCE for
	// VARIANT_CLASS variantClasses[i]. The bare ones also hold an empty
	// Existing_variation ("||" more: the flank's DISTANCE follows, the
	// tail's DISTANCE is empty), for the many alleles with no known variant.
	csqFeatureFlank, csqFeatureFlankBare string
	csqTails, csqTailsBare               [len(variantClasses)]string
	cum                                  []int // cum[i]: cDNA bases before exon i (transcript order)
	cdnaLen                              int
	coding                               bool
	cdsStart                             int // cDNA coordinate of the first coding base (0 when non-coding)
	cdsEnd                               int // cDNA coordinate of the last coding base, stop codon included
	pad                                  int // N bases VEP prepends to a 5'-incomplete CDS to restore the frame
	table                                int
	// disjoint: the exons are in strict transcript order without overlaps,
	// so exonWindow can binary-search them.
	disjoint bool
	// fullIDPlain: fullID holds no byte a CSQ field escapes.
	fullIDPlain bool
	// exonLabels[i] and intronLabels[i] are EXON "i+1/n" and INTRON
	// "i+1/n-1", the common single-feature values, made once.
	exonLabels, intronLabels []string
	serial                   uint64 // its TextKey number, from txSerials
	// lastTerms is the term list of the last entry made for the
	// transcript (see Entry.setTerms).
	lastTerms atomic.Pointer[termList]

	once sync.Once
	seq  *txSeq
	err  error
}

// cache maps *refdata.Transcript to *txInfo. It is cleared when it grows past
// cacheLimit so memory stays flat over a whole genome (input is sorted, so
// transcripts are revisited only while the input is near them).
var (
	cache      sync.Map
	cacheCount atomic.Int64
)

const cacheLimit = 4096

func infoFor(t *refdata.Transcript) *txInfo {
	if v, ok := cache.Load(t); ok {
		return v.(*txInfo)
	}
	x := newTxInfo(t)
	if v, loaded := cache.LoadOrStore(t, x); loaded {
		return v.(*txInfo)
	}
	if cacheCount.Add(1) > cacheLimit {
		cache.Clear()
		cacheCount.Store(0)
	}
	return x
}

func newTxInfo(t *refdata.Transcript) *txInfo {
	x := &txInfo{t: t, fullID: t.FullID(), cum: make([]int, len(t.Exons)), table: t.CodonTable, serial: txSerials.Add(1)}
	if x.table == 0 {
		x.table = 1
	}
	n := 0
	for i, e := range t.Exons {
		x.cum[i] = n
		n += e.End - e.Start + 1
	}
	x.cdnaLen = n
	x.disjoint = true
	for i, e := range t.Exons {
		if e.Start > e.End || i > 0 && (t.Strand >= 0 && t.Exons[i-1].End >= e.Start || t.Strand < 0 && e.End >= t.Exons[i-1].Start) {
			x.disjoint = false
		}
	}
	x.strand, x.flags, x.canonical = "1", flagsOf(t), ""
	if t.Strand < 0 {
		x.strand = "-1"
	}
	if t.Canonical {
		x.canonical = "YES"
	}
	x.makeText()
	if t.Coding() {
		var s, e int
		if t.Strand >= 0 {
			s, e = x.cdnaOf(t.CodingStart), x.cdnaOf(t.CodingEnd)
		} else {
			s, e = x.cdnaOf(t.CodingEnd), x.cdnaOf(t.CodingStart)
		}
		if s > 0 && e >= s {
			x.coding, x.cdsStart, x.cdsEnd = true, s, e
			if t.StartPhase > 0 {
				x.pad = (3 - t.StartPhase%3) % 3
			}
		}
	}
	return x
}

// makeText makes the transcript's labels and CSQ text (exonLabels,
// intronLabels, csqFeature and the other csq* fields) in one string: a
// transcript is set up for every few variants of an exome, and a string
// apiece was most of that.
func (x *txInfo) makeText() {
	t, n := x.t, len(x.t.Exons)
	b := make([]byte, 0, 8*2*n+2*len(x.fullID)+len(t.GeneName)+len(t.GeneID)+len(t.Biotype)+200)
	var ends []int // where each piece ends in b, in the order made
	for i := 1; i <= n; i++ {
		b = appendInt(append(appendInt(b, i), '/'), n)
		ends = append(ends, len(b))
	}
	for i := 1; i < n; i++ {
		b = appendInt(append(appendInt(b, i), '/'), n-1)
		ends = append(ends, len(b))
	}
	id := len(b)
	b = appendEscaped(b, x.fullID)
	x.fullIDPlain = string(b[id:]) == x.fullID
	b = b[:id]
	for _, f := range [...]string{t.GeneName, t.GeneID, "Transcript", x.fullID, t.Biotype} {
		b = appendEscaped(append(b, '|'), f)
	}
	feature := len(b)
	b = append(b, "|||||||||||"...) // EXON to Codons empty, then an empty Existing_variation
	flank := len(b) - 2
	var tails [len(variantClasses) + 1]int
	for i, c := range variantClasses {
		tails[i] = len(b)
		b = append(b, "||"...) // the empty Existing_variation and DISTANCE of the bare tail
		b = append(append(append(append(append(append(b, '|'), x.strand...), '|'), x.flags...), '|'), c...)
		b = append(append(b, '|'), x.canonical...)
	}
	tails[len(variantClasses)] = len(b)
	s := string(b)
	x.exonLabels, x.intronLabels = make([]string, n), make([]string, max(n-1, 0))
	from := 0
	for i, end := range ends {
		if i < n {
			x.exonLabels[i] = s[from:end]
		} else {
			x.intronLabels[i-n] = s[from:end]
		}
		from = end
	}
	x.csqFeature, x.csqFeatureFlank, x.csqFeatureFlankBare = s[id:feature], s[id:flank], s[id:flank+2]
	for i := range variantClasses {
		x.csqTailsBare[i], x.csqTails[i] = s[tails[i]:tails[i+1]], s[tails[i]+2:tails[i+1]]
	}
	sf := 3 + len(x.strand) + len(x.flags)
	x.csqStrandFlags, x.csqCanonical = s[tails[0]+2:tails[0]+2+sf], s[tails[1]-1-len(x.canonical):tails[1]]
}

// flagsOf is the FLAGS field of a transcript's entries.
func flagsOf(t *refdata.Transcript) string {
	switch {
	case t.CDSStartNF && t.CDSEndNF:
		return "cds_start_NF&cds_end_NF"
	case t.CDSStartNF:
		return "cds_start_NF"
	case t.CDSEndNF:
		return "cds_end_NF"
	}
	return ""
}

// exonWindow returns the exons [j,k) (transcript order) that can overlap
// the genomic range lo..hi; introns that can overlap it are
// [max(j-1,0), min(k,nIntrons)). It binary-searches disjoint exons and
// returns every exon otherwise, so callers still test each one.
func (x *txInfo) exonWindow(lo, hi int) (j, k int) {
	n := len(x.t.Exons)
	if !x.disjoint {
		return 0, n
	}
	// j: the first exon not wholly 5' of lo (plus) or hi (minus); k: the
	// first wholly 3' of the range
	if x.t.Strand >= 0 {
		j, k = x.notBefore(lo), x.after(hi)
	} else {
		j, k = x.notBefore(hi), x.after(lo)
	}
	return j, max(j, k)
}

// The binary searches over disjoint exons (plain loops: sort.Search's
// closure calls cost more than the few steps).

// notBefore is the first exon (transcript order) not wholly 5' of g: on
// the plus strand the first ending at or after g, on the minus strand the
// first starting at or before it; len(exons) when none.
func (x *txInfo) notBefore(g int) int {
	ex := x.t.Exons
	lo, hi := 0, len(ex)
	plus := x.t.Strand >= 0
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if plus && ex[m].End < g || !plus && ex[m].Start > g {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// after is the first exon (transcript order) wholly 3' of g: on the plus
// strand the first starting after g, on the minus strand the first ending
// before it; len(exons) when none.
func (x *txInfo) after(g int) int {
	ex := x.t.Exons
	lo, hi := 0, len(ex)
	plus := x.t.Strand >= 0
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if plus && ex[m].Start <= g || !plus && ex[m].End >= g {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// intronWindow is the introns [i0,i1) that can overlap lo..hi.
func (x *txInfo) intronWindow(lo, hi int) (i0, i1 int) {
	j, k := x.exonWindow(lo, hi)
	return max(j-1, 0), min(k, x.nIntrons())
}

// exonIndex returns the index (transcript order) of the exon containing g, or -1.
func (x *txInfo) exonIndex(g int) int {
	ex := x.t.Exons
	if x.disjoint {
		// the only candidate: the first exon (transcript order) not wholly 5' of g
		if i := x.notBefore(g); i < len(ex) && g >= ex[i].Start && g <= ex[i].End {
			return i
		}
		return -1
	}
	for i, e := range ex {
		if g >= e.Start && g <= e.End {
			return i
		}
	}
	return -1
}

// cdnaOf maps a genomic position to its cDNA coordinate, 0 when not exonic.
func (x *txInfo) cdnaOf(g int) int {
	i := x.exonIndex(g)
	if i < 0 {
		return 0
	}
	return x.cdnaAt(i, g)
}

// cdnaIn is cdnaOf for a position whose exon, if any, is one of [j,k) (an
// exonWindow around it): a scan of the few exons there instead of a search
// over all. The first in transcript order wins, as in exonIndex.
func (x *txInfo) cdnaIn(g, j, k int) int {
	for i := j; i < k; i++ {
		if e := x.t.Exons[i]; g >= e.Start && g <= e.End {
			return x.cdnaAt(i, g)
		}
	}
	return 0
}

// cdnaAt is the cDNA coordinate of g in exon i, which holds it.
func (x *txInfo) cdnaAt(i, g int) int {
	e := x.t.Exons[i]
	if x.t.Strand >= 0 {
		return x.cum[i] + g - e.Start + 1
	}
	return x.cum[i] + e.End - g + 1
}

// intron is the i-th intron (transcript order) between exons i and i+1.
func (x *txInfo) intron(i int) (start, end int) {
	a, b := x.t.Exons[i], x.t.Exons[i+1]
	if x.t.Strand >= 0 {
		return a.End + 1, b.Start - 1
	}
	return b.End + 1, a.Start - 1
}

func (x *txInfo) nIntrons() int { return len(x.t.Exons) - 1 }

// anchor is a transcript coordinate for HGVS: a cDNA position (which may lie
// before 1 or after the cDNA length for positions outside the transcript)
// and an intronic offset.
type anchor struct {
	cdna, offset int
}

// anchorOf places a genomic position on the transcript for HGVS: exonic
// positions map directly, intronic ones to the nearer exon boundary with an
// offset (the middle base of an odd intron counts from the upstream exon).
func (x *txInfo) anchorOf(g int) anchor {
	t := x.t
	i0, i1 := 0, x.nIntrons()
	if x.disjoint {
		// one search: the first exon not wholly 5' of g holds it or
		// follows the intron holding it
		i := x.notBefore(g)
		if i < len(t.Exons) && g >= t.Exons[i].Start && g <= t.Exons[i].End {
			return anchor{cdna: x.cdnaAt(i, g)}
		}
		i0, i1 = max(i-1, 0), min(i, i1)
	} else if c := x.cdnaOf(g); c > 0 {
		return anchor{cdna: c}
	}
	plus := t.Strand >= 0
	if g < t.Start || g > t.End {
		before := (plus && g < t.Start) || (!plus && g > t.End)
		if before {
			d := t.Start - g
			if !plus {
				d = g - t.End
			}
			return anchor{cdna: 1 - d}
		}
		d := g - t.End
		if !plus {
			d = t.Start - g
		}
		return anchor{cdna: x.cdnaLen + d}
	}
	for i := i0; i < i1; i++ {
		s, e := x.intron(i)
		if g < s || g > e {
			continue
		}
		upC := x.cum[i] + x.t.Exons[i].End - x.t.Exons[i].Start + 1
		var up, down int
		if plus {
			up, down = g-s+1, e-g+1
		} else {
			up, down = e-g+1, g-s+1
		}
		if up <= down {
			return anchor{cdna: upC, offset: up}
		}
		return anchor{cdna: upC + 1, offset: -down}
	}
	return anchor{cdna: 0}
}

// numbers returns the EXON and INTRON fields ("2/5", "2-3/5").
// j, k is an exonWindow covering the allele.
func (x *txInfo) numbers(a *allele, j, k int) (exon, intron string) {
	var exons, introns hits
	for i := j; i < k; i++ {
		if ex := x.t.Exons[i]; overlaps(a.start, a.end, ex.Start, ex.End) {
			exons.add(i + 1)
		}
	}
	for i := max(j-1, 0); i < min(k, x.nIntrons()); i++ {
		if s, en := x.intron(i); s <= en && overlaps(a.start, a.end, s, en) {
			introns.add(i + 1)
		}
	}
	return exons.label(x.exonLabels, len(x.t.Exons)), introns.label(x.intronLabels, x.nIntrons())
}

// hits are the first and last (1-based) of the exons, or of the introns,
// an allele overlaps; 0 when it overlaps none.
type hits struct{ first, last int }

func (h *hits) add(n int) {
	if h.first == 0 {
		h.first = n
	}
	h.last = n
}

// label is the EXON or INTRON field: the precomputed label of the one
// feature ("2/5"), else the range of total (rangeOf).
func (h hits) label(labels []string, total int) string {
	if h.first > 0 && h.first == h.last {
		return labels[h.first-1]
	}
	return rangeOf(h.first, h.last, total)
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
		c5, c3 := x.cdnaIn(f5, j, k), x.cdnaIn(f3, j, k)
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
	l.cdnaStart, l.cdnaEnd = x.cdnaIn(g5, j, k), x.cdnaIn(g3, j, k)
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

// insideExon reports whether an insertion has both flanks in one exon
// (VEP's overlap(start, end, exon) with end == start-1).
func (x *txInfo) insideExon(a *allele) bool {
	i := x.exonIndex(a.start)
	return i >= 0 && x.exonIndex(a.end) == i
}

func (x *txInfo) inMatureMiRNA(a *allele) bool {
	for _, r := range x.t.MatureMiRNA {
		if overlaps(a.start, a.end, r[0], r[1]) {
			return true
		}
	}
	return false
}
