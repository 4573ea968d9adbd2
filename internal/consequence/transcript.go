package consequence

import (
	"fmt"
	"strings"
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
	cum        []int // cum[i]: cDNA bases before exon i (transcript order)
	cdnaLen    int
	coding     bool
	cdsStart   int // cDNA coordinate of the first coding base (0 when non-coding)
	cdsEnd     int // cDNA coordinate of the last coding base, stop codon included
	pad        int // N bases VEP prepends to a 5'-incomplete CDS to restore the frame
	table      int
	// disjoint: the exons are in strict transcript order without overlaps,
	// so exonWindow can binary-search them.
	disjoint bool
	// exonLabels[i] and intronLabels[i] are EXON "i+1/n" and INTRON
	// "i+1/n-1", the common single-feature values, made once.
	exonLabels, intronLabels []string
	// lastTerms is the term list of the last entry made for the
	// transcript (see Entry.setTerms).
	lastTerms atomic.Pointer[termList]

	once sync.Once
	seq  *txSeq
	err  error
}

// txSeq is the transcript's spliced sequence in transcript orientation.
type txSeq struct {
	cdna string // exons, 5'->3', uppercase
	cds  string // pad Ns + coding bases (+ poly-A completion of a mitochondrial stop)
	utr3 string // cDNA after the CDS
	pep  string // translation of cds up to and including the first stop
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
	x := &txInfo{t: t, fullID: t.FullID(), cum: make([]int, len(t.Exons)), table: t.CodonTable}
	if x.table == 0 {
		x.table = 1
	}
	n := 0
	for i, e := range t.Exons {
		x.cum[i] = n
		n += e.End - e.Start + 1
	}
	x.cdnaLen = n
	for i := range t.Exons {
		x.exonLabels = append(x.exonLabels, rangeOf(i+1, i+1, len(t.Exons)))
		if i+1 < len(t.Exons) {
			x.intronLabels = append(x.intronLabels, rangeOf(i+1, i+1, len(t.Exons)-1))
		}
	}
	x.disjoint = true
	for i, e := range t.Exons {
		if e.Start > e.End || i > 0 && (t.Strand >= 0 && t.Exons[i-1].End >= e.Start || t.Strand < 0 && e.End >= t.Exons[i-1].Start) {
			x.disjoint = false
		}
	}
	for _, f := range [...]string{t.GeneName, t.GeneID, "Transcript", x.fullID, t.Biotype} {
		x.csqFeature = string(appendEscaped(append([]byte(x.csqFeature), '|'), f))
	}
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

// exonWindow returns the exons [j,k) (transcript order) that can overlap
// the genomic range lo..hi; introns that can overlap it are
// [max(j-1,0), min(k,nIntrons)). It binary-searches disjoint exons and
// returns every exon otherwise, so callers still test each one.
func (x *txInfo) exonWindow(lo, hi int) (j, k int) {
	ex := x.t.Exons
	n := len(ex)
	if !x.disjoint {
		return 0, n
	}
	if x.t.Strand >= 0 {
		// ascending: j = first exon ending at or after lo, k = first starting after hi
		j = searchInts(n, func(i int) bool { return ex[i].End >= lo })
		k = searchInts(n, func(i int) bool { return ex[i].Start > hi })
	} else {
		// descending: j = first exon starting at or before hi, k = first ending before lo
		j = searchInts(n, func(i int) bool { return ex[i].Start <= hi })
		k = searchInts(n, func(i int) bool { return ex[i].End < lo })
	}
	return j, max(j, k)
}

// intronWindow is the introns [i0,i1) that can overlap lo..hi.
func (x *txInfo) intronWindow(lo, hi int) (i0, i1 int) {
	j, k := x.exonWindow(lo, hi)
	return max(j-1, 0), min(k, x.nIntrons())
}

// searchInts is sort.Search without the interface: the first i in [0,n)
// for which f is true (f false then true), n when none.
func searchInts(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// exonIndex returns the index (transcript order) of the exon containing g, or -1.
func (x *txInfo) exonIndex(g int) int {
	ex := x.t.Exons
	if x.disjoint {
		// the only candidate: the first exon (transcript order) not wholly 5' of g
		var i int
		if x.t.Strand >= 0 {
			i = searchInts(len(ex), func(i int) bool { return ex[i].End >= g })
		} else {
			i = searchInts(len(ex), func(i int) bool { return ex[i].Start <= g })
		}
		if i < len(ex) && g >= ex[i].Start && g <= ex[i].End {
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
	if c := x.cdnaOf(g); c > 0 {
		return anchor{cdna: c}
	}
	t := x.t
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
	i0, i1 := x.intronWindow(g, g)
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

// load fetches and splices the transcript sequence once.
func (x *txInfo) load(seq Sequence) (*txSeq, error) {
	x.once.Do(func() {
		var b strings.Builder
		b.Grow(x.cdnaLen)
		for _, e := range x.t.Exons {
			s, err := seq.Seq(e.Start, e.End)
			if err != nil {
				x.err = fmt.Errorf("sequence of %s exon %d: %w", x.t.FullID(), e.Number, err)
				return
			}
			if len(s) != e.End-e.Start+1 {
				x.err = fmt.Errorf("sequence of %s exon %d: got %d bases, want %d", x.t.FullID(), e.Number, len(s), e.End-e.Start+1)
				return
			}
			s = strings.ToUpper(s)
			if x.t.Strand < 0 {
				s = revComp(s)
			}
			b.WriteString(s)
		}
		ts := &txSeq{cdna: b.String()}
		if x.coding {
			cds := strings.Repeat("N", x.pad) + ts.cdna[x.cdsStart-1:x.cdsEnd]
			ts.utr3 = ts.cdna[x.cdsEnd:]
			// Mitochondrial mRNAs complete a T or TA stop by polyadenylation.
			if r := len(cds) % 3; r != 0 && x.table == 2 && !x.t.CDSEndNF {
				done := cds + strings.Repeat("A", 3-r)
				if translateCodon(done[len(done)-3:], 2) == '*' {
					cds = done
				}
			}
			ts.cds = cds
			pep := translate(make([]byte, 0, len(cds)/3+1), cds[:len(cds)/3*3], x.table)
			if i := strings.IndexByte(string(pep), '*'); i >= 0 {
				pep = pep[:i+1]
			}
			if x.pad == 0 && len(cds) >= 3 && isStartCodon(cds[:3], x.table) && !x.t.CDSStartNF {
				pep[0] = 'M'
			}
			ts.pep = string(pep)
		}
		x.seq = ts
	})
	return x.seq, x.err
}
