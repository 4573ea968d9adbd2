package variants

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/consequence"
)

// The fields of a CSQ entry the index keeps, by slot (the last two only
// other layouts than the engine's have).
const (
	sAllele = iota
	sCsq
	sImpact
	sSymbol
	sGene
	sFeature
	sBiotype
	sHGVSc
	sHGVSp
	sCanonical
	sAF
	sClinSig
	nSlots
)

var slotNames = [nSlots]string{sAllele: "Allele", sCsq: "Consequence", sImpact: "IMPACT", sSymbol: "SYMBOL", sGene: "Gene",
	sFeature: "Feature", sBiotype: "BIOTYPE", sHGVSc: "HGVSc", sHGVSp: "HGVSp", sCanonical: "CANONICAL", sAF: "AF", sClinSig: "CLIN_SIG"}

// csqLayout is where each kept field sits in a CSQ entry.
type csqLayout struct {
	fields []string
	n      int // fields per entry; -1: no CSQ declared
	at     [nSlots]int
	slotOf []int8 // per field index: its slot, or -1
	// A whole entry (split) is scanned up to field scanTo, the last kept
	// one but the layout's last field, which is found from the entry's
	// end (slot lastSlot, -1 when not kept).
	scanTo   int
	lastSlot int8
}

// parseCSQHeader reads the field list after "Format: " in the CSQ declaration.
func parseCSQHeader(l string) csqLayout {
	_, list, ok := strings.Cut(l, "Format: ")
	if !ok {
		return csqLayout{n: -1}
	}
	if i := strings.IndexByte(list, '"'); i >= 0 {
		list = list[:i]
	}
	return newCSQLayout(list)
}

// newCSQLayout is the layout of a "|"-separated field list.
func newCSQLayout(list string) csqLayout {
	fields := strings.Split(strings.TrimSpace(list), "|")
	c := csqLayout{fields: fields, n: len(fields), slotOf: make([]int8, len(fields))}
	for i := range c.slotOf {
		c.slotOf[i] = -1
	}
	c.lastSlot = -1
	for s, name := range slotNames {
		c.at[s] = slices.Index(fields, name)
		switch {
		case c.at[s] == len(fields)-1:
			c.lastSlot = int8(s)
		case c.at[s] >= 0:
			c.scanTo = max(c.scanTo, c.at[s])
		}
		if c.at[s] >= 0 {
			c.slotOf[c.at[s]] = int8(s)
		}
	}
	return c
}

// split fills vals with entry e's kept fields, by position (nil: absent).
// whole says e has every field of the layout (the engine writes its entries
// so): the scan then stops after the last kept field but the layout's last,
// which is the text after e's last '|'.
func (c *csqLayout) split(e []byte, vals *[nSlots][]byte, whole bool) {
	*vals = [nSlots][]byte{}
	last := len(c.slotOf) - 1
	if whole {
		last = c.scanTo
		if c.lastSlot >= 0 {
			vals[c.lastSlot] = e[bytes.LastIndexByte(e, '|')+1:]
		}
	}
	field, start := 0, 0
	take := func(end int) bool { // reports whether a later field is wanted
		if s := c.slotOf[field]; s >= 0 {
			vals[s] = e[start:end]
		}
		field, start = field+1, end+1
		return field <= last
	}
	// Eight bytes at a time: m has the high bit of each byte that is '|'
	// (exact: no carry crosses bytes).
	const low7, bars = 0x7f7f7f7f7f7f7f7f, 0x7c7c7c7c7c7c7c7c
	i := 0
	for ; i+8 <= len(e); i += 8 {
		x := binary.LittleEndian.Uint64(e[i:]) ^ bars
		for m := ^(((x & low7) + low7) | x | low7); m != 0; m &= m - 1 {
			if !take(i + bits.TrailingZeros64(m)>>3) {
				return
			}
		}
	}
	for ; i < len(e); i++ {
		if e[i] == '|' && !take(i) {
			return
		}
	}
	take(len(e))
}

// bars notes where the next len(ends) '|'s of e are, from e[i:] on, and
// returns how many it found, eight bytes at a time as split.
func bars(e []byte, i int, ends []int) int {
	n := 0
	const low7, pipes = 0x7f7f7f7f7f7f7f7f, 0x7c7c7c7c7c7c7c7c
	for ; i+8 <= len(e); i += 8 {
		x := binary.LittleEndian.Uint64(e[i:]) ^ pipes
		for m := ^(((x & low7) + low7) | x | low7); m != 0; m &= m - 1 {
			if ends[n] = i + bits.TrailingZeros64(m)>>3; n+1 == len(ends) {
				return n + 1
			}
			n++
		}
	}
	for ; i < len(e) && n < len(ends); i++ {
		if e[i] == '|' {
			ends[n] = i
			n++
		}
	}
	return n
}

// recordVals are one record's values its rows share: its position, ID and
// REF, and its per-ALT values.
type recordVals struct {
	pos     uint32
	id, ref []byte
	alts    [][]byte
	vep     []string // VEP allele of each ALT (multi-ALT records only)
	afs     [][]byte // INFO/KNOWN_AF per ALT
	clnsigs [][]byte // INFO/KNOWN_CLNSIG per ALT
	af      []float32
	afState []uint8 // per ALT: 0 not parsed yet, 1 unknown, 2 known (af holds it)
}

// record indexes every CSQ entry of one data line.
func (p *parser) record(l []byte) error {
	var col [8][]byte
	rest := l
	for i := range 7 {
		j := bytes.IndexByte(rest, '\t')
		if j < 0 {
			return p.lineErr("%d columns, a VCF record has at least 8", i+1)
		}
		col[i], rest = rest[:j], rest[j+1:]
	}
	if j := bytes.IndexByte(rest, '\t'); j >= 0 {
		rest = rest[:j]
	}
	col[7] = rest
	csq, knownAF, knownCln := infoValues(col[7])
	if csq == nil || p.csq.n < 0 {
		return nil
	}
	pos, err := strconv.ParseUint(string(col[1]), 10, 32)
	if err != nil {
		return p.lineErr("POS %q is not a position", col[1])
	}
	if p.shownRows == nil {
		if err := p.startRow(col[0]); err != nil {
			return err
		}
		p.recAt = p.lineAt
	}
	r := &p.rec
	r.set(uint32(pos), col[2], col[3], col[4], knownAF, knownCln)
	if len(r.alts) > 1 {
		alts := make([]string, len(r.alts))
		for i, a := range r.alts {
			alts[i] = string(a)
		}
		for i := range alts {
			r.vep = append(r.vep, consequence.VEPAllele(string(col[3]), alts, i))
		}
	}
	for k := 0; len(csq) > 0; k++ {
		var e []byte
		if j := bytes.IndexByte(csq, ','); j >= 0 {
			e, csq = csq[:j], csq[j+1:]
		} else {
			e, csq = csq, nil
		}
		if err := p.entry(k, e); err != nil {
			return err
		}
	}
	return nil
}

// set notes a record's POS, ID and REF and reads its ALT column and
// INFO/KNOWN_AF and KNOWN_CLNSIG values.
func (r *recordVals) set(pos uint32, id, ref, alt, knownAF, knownCln []byte) {
	r.pos, r.id, r.ref = pos, id, ref
	if bytes.IndexByte(alt, ',') < 0 { // one ALT, mostly
		r.alts = append(r.alts[:0], alt)
	} else {
		r.alts = splitAppend(r.alts[:0], alt, ',')
	}
	r.vep = r.vep[:0]
	if len(r.afs) > 0 || len(r.clnsigs) > 0 || len(knownAF) > 0 || len(knownCln) > 0 {
		r.setKnown(knownAF, knownCln) // most records have none, nor the one before
	}
}

func (r *recordVals) setKnown(knownAF, knownCln []byte) {
	r.afs, r.clnsigs, r.afState, r.af = r.afs[:0], r.clnsigs[:0], r.afState[:0], r.af[:0]
	if len(knownAF) > 0 {
		r.afs = splitAppend(r.afs, knownAF, ',')
		r.afState = append(r.afState, make([]uint8, len(r.afs))...)
		r.af = slices.Grow(r.af, len(r.afs))[:len(r.afs)]
	}
	if len(knownCln) > 0 {
		r.clnsigs = splitAppend(r.clnsigs, knownCln, ',')
	}
}

// infoValues finds the CSQ, KNOWN_AF and KNOWN_CLNSIG values of an INFO column.
func infoValues(info []byte) (csq, af, cln []byte) {
	for len(info) > 0 {
		var kv []byte
		if j := bytes.IndexByte(info, ';'); j >= 0 {
			kv, info = info[:j], info[j+1:]
		} else {
			kv, info = info, nil
		}
		switch {
		case bytes.HasPrefix(kv, []byte("CSQ=")):
			csq = kv[4:]
		case bytes.HasPrefix(kv, []byte("KNOWN_AF=")):
			af = kv[9:]
		case bytes.HasPrefix(kv, []byte("KNOWN_CLNSIG=")):
			cln = kv[13:]
		}
	}
	return csq, af, cln
}

func splitAppend(dst [][]byte, b []byte, sep byte) [][]byte {
	if len(b) == 0 {
		return dst
	}
	for {
		j := bytes.IndexByte(b, sep)
		if j < 0 {
			return append(dst, b)
		}
		dst = append(dst, b[:j])
		b = b[j+1:]
	}
}

// parseAF reads a frequency: ok is false for "", "." or a malformed value,
// and for NaN and infinities (which no block summary could bound).
func parseAF(b []byte) (float32, bool) {
	if len(b) == 0 || (len(b) == 1 && b[0] == '.') {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil || !(v >= -math.MaxFloat32 && v <= math.MaxFloat32) {
		return 0, false
	}
	return float32(v), true
}

// knownAF is INFO/KNOWN_AF of ALT alt, parsed once per record.
func (r *recordVals) knownAF(alt int) (float32, bool) {
	if alt >= len(r.afs) { // most records have none: no call below
		return 0, false
	}
	return r.parseKnownAF(alt)
}

func (r *recordVals) parseKnownAF(alt int) (float32, bool) {
	if r.afState[alt] == 0 {
		v, ok := parseAF(r.afs[alt])
		r.af[alt], r.afState[alt] = v, 1
		if ok {
			r.afState[alt] = 2
		}
	}
	return r.af[alt], r.afState[alt] == 2
}

var errTooManyRows = errors.New("more than 4 billion CSQ entries")

// entry adds one CSQ entry of the record's text as a row of the current block.
func (p *parser) entry(k int, e []byte) error {
	var vals [nSlots][]byte // on the stack: no write barriers
	v := &vals
	p.csq.split(e, v, false)
	alt := 0
	if r := &p.rec; len(r.vep) > 1 {
		for i, a := range r.vep {
			if a == string(v[sAllele]) {
				alt = i
				break
			}
		}
	}
	c := &p.slots[k%cacheSlots]
	p.setTerms(c, v[sCsq], v[sImpact])
	p.setTranscript(c, v[sSymbol], v[sGene], v[sFeature], v[sBiotype])
	row := &p.row
	row.allele, row.hgvsc, row.hgvsp, row.canonical = v[sAllele], v[sHGVSc], v[sHGVSp], string(v[sCanonical]) == "YES"
	row.afField = v[sAF]
	if p.csq.at[sClinSig] >= 0 { // else the ALT's KNOWN_CLNSIG, which a row of the same ALT keeps
		row.clinSig = v[sClinSig]
	}
	return p.addRow(k, c, alt, row)
}

// cacheSlots is how many entries of a record have their own entryCache.
const cacheSlots = 32

// entryRow is a row's own values, besides its record's (recordVals) and
// the ids of its entryCache: its entry's fields, its ALT's values, and its
// filter values. The parser reuses one (parser.row): addRow sets every
// field but those of the entry.
type entryRow struct {
	allele, hgvsc, hgvsp []byte
	canonical            bool
	afField, clinSig     []byte // the entry's AF and CLIN_SIG fields (nil when the layout has none)
	alt                  []byte // the ALT's text
	af                   float32
	flags                uint8
}

// setTerms sets c's consequence list and impact (and their ids) to csq and
// impact.
func (p *parser) setTerms(c *entryCache, csq, impact []byte) {
	if !c.csqOK || !bytes.Equal(c.csq, csq) || !bytes.Equal(c.impact, impact) {
		c.csqID, c.impactCode = p.csqID(csq), impactCode(string(impact))
		c.csq, c.impact, c.csqOK = append(c.csq[:0], csq...), append(c.impact[:0], impact...), true
	}
}

// setTranscript sets c's transcript fields (and the gene's id) to these;
// feature and biotype only for a parser reading a result (shownRows): the
// index does not keep them.
func (p *parser) setTranscript(c *entryCache, symbol, gene, feature, biotype []byte) {
	if p.shownRows == nil {
		feature, biotype = nil, nil
	}
	if !c.ok || !bytes.Equal(c.feature, feature) || !bytes.Equal(c.biotype, biotype) ||
		!bytes.Equal(c.symbol, symbol) || !bytes.Equal(c.gene, gene) {
		c.geneID = p.geneID(symbol, gene)
		c.symbol, c.gene = append(c.symbol[:0], symbol...), append(c.gene[:0], gene...)
		c.feature, c.biotype = append(c.feature[:0], feature...), append(c.biotype[:0], biotype...)
		c.ok = true
	}
}

// addRow adds a row: entry k of its record, for the record's ALT alt, c
// holding its consequence and transcript. af and clin_sig are the entry's
// fields when the layout has them, else the record's INFO values of the
// ALT. A parser reading a result's rows (shown set) collects their
// display text instead.
func (p *parser) addRow(k int, c *entryCache, alt int, row *entryRow) error {
	r := &p.rec
	flags := c.impactCode
	if row.canonical {
		flags |= flagCanonical
	}
	sameAlt := k > 0 && alt == p.lastAlt
	p.lastAlt = alt
	if sameAlt && p.csq.at[sAF] < 0 && p.csq.at[sClinSig] < 0 {
		// The last row's ALT of the same record: its af, clin_sig and alt,
		// which row (the parser's own) still holds, are this one's.
		row.flags = flags | row.flags&flagAF
	} else {
		row.flags = flags
		p.altValues(alt, row)
	}
	if p.shownRows != nil {
		*p.shownRows = append(*p.shownRows, shownRow{pos: r.pos, gene: c.geneID, csq: c.csqID, flags: row.flags, af: row.af, text: [displayFields]string{string(r.id), string(r.ref), string(row.alt),
			string(row.allele), string(c.feature), string(c.biotype), string(row.hgvsc), string(row.hgvsp), string(row.clinSig)}})
		return nil
	}
	if p.foot.Rows >= math.MaxUint32 {
		return errTooManyRows
	}
	b := p.blk
	if b.rows()%displayGroup == 0 {
		p.anchors = append(p.anchors, anchor{at: p.recAt, skip: uint32(k)})
	}
	b.addFilter(r.pos, c.geneID, c.csqID, row.af, row.flags)
	p.foot.Rows++
	return nil
}

// altValues sets a row's af (and flagAF) and, for a parser reading a
// result (shownRows), its clin_sig and alt: the ALT's.
func (p *parser) altValues(alt int, row *entryRow) {
	r := &p.rec
	var known bool
	if p.csq.at[sAF] >= 0 {
		row.af, known = parseAF(row.afField)
	} else {
		row.af, known = r.knownAF(alt)
	}
	if known {
		row.flags |= flagAF
	}
	if p.shownRows == nil {
		return
	}
	if p.csq.at[sClinSig] < 0 {
		row.clinSig = nil
		if alt < len(r.clnsigs) && string(r.clnsigs[alt]) != "." {
			row.clinSig = r.clnsigs[alt]
		}
	}
	row.alt = nil
	if alt < len(r.alts) {
		row.alt = r.alts[alt]
	}
}

// geneID is the id of gene symbol|id (no field holds a '|').
func (p *parser) geneID(symbol, id []byte) uint32 {
	p.key = append(append(append(p.key[:0], symbol...), '|'), id...)
	g, ok := p.genes[string(p.key)]
	if !ok {
		g = uint32(len(p.foot.Genes))
		p.genes[string(p.key)] = g
		p.foot.Genes = append(p.foot.Genes, Gene{Symbol: string(symbol), ID: string(id)})
	}
	return g
}

func (p *parser) csqID(list []byte) uint32 {
	id, ok := p.csqs[string(list)]
	if !ok {
		id = uint32(len(p.foot.Csqs))
		p.csqs[string(list)] = id
		p.foot.Csqs = append(p.foot.Csqs, string(list))
	}
	return id
}

// startRow makes room for a row on chrom: a full block, or one of another
// chromosome, is written first.
func (p *parser) startRow(chrom []byte) error {
	c := p.blk.chrom
	if len(p.foot.Chroms) == 0 || p.foot.Chroms[c] != string(chrom) {
		var ok bool
		if c, ok = p.chroms[string(chrom)]; !ok {
			c = len(p.foot.Chroms)
			p.chroms[string(chrom)] = c
			p.foot.Chroms = append(p.foot.Chroms, string(chrom))
		}
	}
	if p.blk.rows() > 0 && (p.blk.chrom != c || p.blk.rows() >= blockRows) {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.blk.chrom = c
	return nil
}
