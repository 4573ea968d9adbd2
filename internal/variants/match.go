package variants

import (
	"iter"
	"math/bits"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
)

// matcher is a Query compiled against one index's dictionaries.
type matcher struct {
	none      bool   // some filter can match nothing: the answer is empty
	chromOK   []bool // per chromosome id; nil = any
	start     uint32 // pos bounds, inclusive; end 0 = none
	end       uint32
	geneOK    []bool // per gene id; nil = any
	csqOK     []bool // per consequence-list id; nil = any
	impacts   uint8  // bit per impact code; 0 = any
	canonical bool
	maxAF     float32
	hasMaxAF  bool
}

// rowCheck says which filters a block's rows must be checked against: the
// others hold for every row of the block (its summary proves it).
type rowCheck struct{ pos, gene, csq, impact, canonical, af bool }

func (r rowCheck) any() bool { return r.pos || r.gene || r.csq || r.impact || r.canonical || r.af }

func (ix *Index) compile(q Query) *matcher {
	f := ix.f
	m := &matcher{start: uint32(q.Start), end: uint32(q.End), canonical: q.Canonical}
	if len(q.Chroms) > 0 {
		m.chromOK = make([]bool, len(f.Chroms))
		for _, want := range q.Chroms {
			w := refdata.CanonicalChrom(want)
			for i, c := range f.Chroms {
				if refdata.CanonicalChrom(c) == w {
					m.chromOK[i] = true
				}
			}
		}
		m.none = m.none || !slices.Contains(m.chromOK, true)
	}
	if len(q.Genes) > 0 {
		m.geneOK = make([]bool, len(f.Genes))
		for _, g := range q.Genes {
			for _, id := range ix.geneByName[strings.ToLower(g)] {
				m.geneOK[id] = true
			}
		}
		m.none = m.none || !slices.Contains(m.geneOK, true)
	}
	if len(q.Consequences) > 0 {
		m.csqOK = make([]bool, len(f.Csqs))
		for _, t := range q.Consequences {
			for _, id := range ix.csqByTerm[t] {
				m.csqOK[id] = true
			}
		}
		m.none = m.none || !slices.Contains(m.csqOK, true)
	}
	for _, s := range q.Impacts {
		m.impacts |= 1 << impactCode(s)
	}
	if q.MaxAF != nil {
		m.maxAF, m.hasMaxAF = float32(*q.MaxAF), true
	}
	return m
}

// block decides from a block's summary: skip it, or which filters its rows
// need checking against (none: every row matches).
func (m *matcher) block(b *blockInfo) (skip bool, rc rowCheck) {
	if m.chromOK != nil && !m.chromOK[b.Chrom] {
		return true, rc
	}
	if m.start > 0 || m.end > 0 {
		lo, hi := m.start, m.end
		if hi == 0 {
			hi = ^uint32(0)
		}
		if b.MaxPos < lo || b.MinPos > hi {
			return true, rc
		}
		rc.pos = b.MinPos < lo || b.MaxPos > hi
	}
	if m.geneOK != nil {
		some, all := false, true
		for _, g := range b.Genes {
			ok := m.geneOK[g]
			some, all = some || ok, all && ok
		}
		if !some {
			return true, rc
		}
		rc.gene = !all
	}
	if m.csqOK != nil {
		some, all := false, true
		for w, word := range b.Csqs {
			for word != 0 {
				bit := bits.TrailingZeros64(word)
				word &^= 1 << bit
				ok := m.csqOK[w*64+bit]
				some, all = some || ok, all && ok
			}
		}
		if !some {
			return true, rc
		}
		rc.csq = !all
	}
	if m.impacts != 0 {
		if b.Impacts&m.impacts == 0 {
			return true, rc
		}
		rc.impact = b.Impacts&^m.impacts != 0
	}
	if m.canonical {
		if b.Canonical == 0 {
			return true, rc
		}
		rc.canonical = b.Canonical < b.Rows
	}
	if m.hasMaxAF {
		if b.MinAF > m.maxAF {
			return true, rc
		}
		rc.af = b.MaxAF > m.maxAF
	}
	return false, rc
}

// matching yields the rows of a block of n rows that pass the filters rc
// names (every row when it names none).
func (m *matcher) matching(rc rowCheck, c filterCols, n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if (!rc.any() || m.row(rc, c, i)) && !yield(i) {
				return
			}
		}
	}
}

// row checks row i of a block against the filters rc names.
func (m *matcher) row(rc rowCheck, c filterCols, i int) bool {
	if rc.pos {
		p := c.pos(i)
		if p < m.start || (m.end > 0 && p > m.end) {
			return false
		}
	}
	if rc.gene && !m.geneOK[c.gene(i)] {
		return false
	}
	if rc.csq && !m.csqOK[c.csq(i)] {
		return false
	}
	if rc.impact || rc.canonical {
		f := c.flags(i)
		if rc.impact && m.impacts&(1<<(f&flagImpact)) == 0 {
			return false
		}
		if rc.canonical && f&flagCanonical == 0 {
			return false
		}
	}
	if rc.af && c.af(i) > m.maxAF {
		return false
	}
	return true
}
