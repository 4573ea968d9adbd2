package variants

import (
	"fmt"
	"io"
	"math"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/consequence"
)

// EntryBuilder builds the index from the engine's own entries while it
// annotates: pass it as annotate.Options.Index and Close it after the run.
// It gets each record's fields from the engine as written (no text is
// parsed), so its index is the one a Builder makes of the same output, for
// a fraction of the CPU.
type EntryBuilder struct {
	p      *parser
	err    error
	closed bool
}

var _ annotate.IndexSink = (*EntryBuilder)(nil)

// gasLayout is the engine's CSQ layout: the kept fields but CANONICAL at
// gasAt and CANONICAL last (checked at start-up).
var gasLayout = func() csqLayout {
	c := newCSQLayout(annotate.CSQFields)
	for s := range nSlots {
		if at := c.at[s]; s < sCanonical && at != gasAt[s] || s == sCanonical && at != c.n-1 || s > sCanonical && at >= 0 {
			panic(fmt.Sprintf("variants: CSQ field %s is field %d of annotate.CSQFields", slotNames[s], at))
		}
	}
	return c
}()

// gasAt is where addEngineEntry finds each kept field in the engine's entries.
var gasAt = [sCanonical]int{sAllele: 0, sCsq: 1, sImpact: 2, sSymbol: 3, sGene: 4, sFeature: 6, sBiotype: 7, sHGVSc: 10, sHGVSp: 11}

// NewEntryBuilder returns an EntryBuilder writing the index to w.
func NewEntryBuilder(w io.Writer) *EntryBuilder {
	p := newParser(w)
	p.csq, p.foot.Fields = gasLayout, gasLayout.fields
	p.header = true
	return &EntryBuilder{p: p}
}

// AddRecords adds a batch's records' entries as rows (annotate.IndexSink).
// After an error it returns that error.
func (b *EntryBuilder) AddRecords(rs *annotate.IndexRecords) error {
	if b.err == nil {
		b.err = b.p.addRecords(rs)
	}
	return b.err
}

// Close writes the anchors and the footer and returns the first error:
// locate maps an offset in the run's output (annotate.IndexRecords.Off) to
// where the result stores it. Without Close (the run failed) the index is
// incomplete: discard it.
func (b *EntryBuilder) Close(locate Locate) error {
	if !b.closed && b.err == nil {
		b.err = b.p.finish(locate)
	}
	b.closed = true
	return b.err
}

// Part returns the directory of the index written, after a Close without
// error (nil otherwise), for Join.
func (b *EntryBuilder) Part() *Part {
	if !b.closed || b.err != nil {
		return nil
	}
	return &Part{Footer: b.p.foot, Size: b.p.size}
}

func (p *parser) addRecords(rs *annotate.IndexRecords) error {
	ents, out := rs.Entries, rs.Out
	for i := range rs.Records {
		r := &rs.Records[i]
		if int(r.Line) >= len(out) {
			return fmt.Errorf("variant index: record %d of the batch: its line is not in the batch's output", i)
		}
		chrom, id, ref, alt, ok := recordColumns(out[r.Line:], r.Head)
		if !ok {
			return fmt.Errorf("variant index: record %d of the batch: its line has no CHROM, POS, ID, REF and ALT where told", i)
		}
		if r.Pos < 0 || r.Pos > math.MaxUint32 {
			return fmt.Errorf("variant index: %s:%d: POS is not a position", chrom, r.Pos)
		}
		if r.Entries < 0 || int(r.Entries) > len(ents) {
			return fmt.Errorf("variant index: %s:%d: %d entries, the batch has %d more", chrom, r.Pos, r.Entries, len(ents))
		}
		af, okAF := spanOf(out, r.KnownAF)
		cl, okCl := spanOf(out, r.KnownClnsig)
		if !okAF || !okCl {
			return fmt.Errorf("variant index: %s:%d: KNOWN_AF or KNOWN_CLNSIG is not in the batch's output", chrom, r.Pos)
		}
		if err := p.startRow(chrom); err != nil {
			return err
		}
		p.recAt = rs.Off + int64(r.Line)
		p.rec.set(uint32(r.Pos), id, ref, alt, af, cl)
		for k, e := range ents[:r.Entries] {
			if e.Start > e.End || int(e.End) > len(out) {
				return fmt.Errorf("variant index: %s:%d: entry %d is not in the batch's output", chrom, r.Pos, k)
			}
			if err := p.addEngineEntry(k, out[e.Start:e.End], e.AlleleLen, e.Key, int(e.Alt)); err != nil {
				return fmt.Errorf("variant index: %s:%d: %w", chrom, r.Pos, err)
			}
		}
		ents = ents[r.Entries:]
	}
	return nil
}

// recordColumns returns the CHROM, ID, REF and ALT columns of a record's
// line l where h says they are (annotate.IndexRecord.Head); false: they
// are not there.
func recordColumns(l []byte, h [5]uint32) (chrom, id, ref, alt []byte, ok bool) {
	if uint64(h[4]) >= uint64(len(l)) || h[0] >= h[1] || h[1] > h[2] || h[2] >= h[3] || h[3] >= h[4] ||
		l[h[0]] != '\t' || l[h[2]] != '\t' || l[h[3]] != '\t' || l[h[4]] != '\t' {
		return nil, nil, nil, nil, false
	}
	return l[:h[0]], l[h[1]:h[2]], l[h[2]+1 : h[3]], l[h[3]+1 : h[4]], true
}

// spanOf is out[s.Start:s.End] (false: s is not a range of out).
func spanOf(out []byte, s annotate.Span) ([]byte, bool) {
	if s.Start > s.End || int(s.End) > len(out) {
		return nil, false
	}
	return out[s.Start:s.End], true
}

// addEngineEntry adds entry k of a record, the engine's text of it with
// its Allele field's length before escaping and the key of its text from
// Consequence to BIOTYPE, for the record's ALT alt: Consequence begins
// after that length when a '|' is there (annotate.IndexEntry.AlleleLen).
// The row needs those seven fields (for its gene's and consequence list's
// ids) and CANONICAL, the last field; its text is the result's.
func (p *parser) addEngineEntry(k int, text []byte, alleleLen uint16, key consequence.TextKey, alt int) error {
	c := &p.slots[uint(k)%cacheSlots]
	if a := int(alleleLen); a < len(text) && text[a] == '|' {
		// Consequence to BIOTYPE as the last entry at this place had them?
		// Then c holds them already: its key is the entry's, or c.mid, seven
		// whole fields, is the text's next (the text goes on with c.mid and
		// a '|').
		at := a + 1
		if end := at + len(c.mid); c.midOK && end < len(text) && text[end] == '|' &&
			(key == c.key && key != (consequence.TextKey{}) || string(text[at:end]) == string(c.mid)) || p.setMid(c, text, at, key) {
			row := &p.row                                                          // not a new one: each would be cleared
			row.canonical = len(text) >= 4 && string(text[len(text)-4:]) == "|YES" // CANONICAL is the last field
			return p.addRow(k, c, alt, row)
		}
	}
	return p.addSplitEntry(k, c, text, alt)
}

// addSplitEntry adds an entry with an escaped field as the text's Builder
// reads it.
func (p *parser) addSplitEntry(k int, c *entryCache, text []byte, alt int) error {
	var v [nSlots][]byte // on the stack: no write barriers
	gasLayout.split(text, &v, true)
	p.setTerms(c, v[sCsq], v[sImpact])
	p.setTranscript(c, v[sSymbol], v[sGene], v[sFeature], v[sBiotype])
	c.midOK, c.key = false, consequence.TextKey{}
	row := &p.row
	row.allele, row.hgvsc, row.hgvsp, row.canonical = v[sAllele], v[sHGVSc], v[sHGVSp], string(v[sCanonical]) == "YES"
	return p.addRow(k, c, alt, row)
}

// setMid sets c to an engine entry's seven fields Consequence to BIOTYPE,
// which begin at text[at:], and their key; false when the text has fewer
// fields.
func (p *parser) setMid(c *entryCache, text []byte, at int, key consequence.TextKey) bool {
	var e [7]int
	c.key = key
	if c.midOK = bars(text, at, e[:]) == 7; !c.midOK {
		c.key = consequence.TextKey{}
		return false
	}
	p.setTerms(c, text[at:e[0]], text[e[0]+1:e[1]])
	p.setTranscript(c, text[e[1]+1:e[2]], text[e[2]+1:e[3]], text[e[4]+1:e[5]], text[e[5]+1:e[6]])
	c.mid = append(c.mid[:0], text[at:e[6]]...)
	return true
}
