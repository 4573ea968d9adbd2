package variants

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
)

// Display fields, in Row order, and how a display group encodes them.
const (
	dID = iota
	dRef
	dAlt
	dAllele
	dFeature
	dBiotype
	dHGVSc
	dHGVSp
	dClinSig
)

// repeatable are the fields a row may mark "same as the previous row of the
// group" (bit k of the row's mask for repeatable[k]): a record's entries
// share id, ref and mostly alt, allele and clin_sig.
var repeatable = [...]int{dID, dRef, dAlt, dAllele, dClinSig}

// blockBuf is the block being filled: the filter columns, and the display
// rows encoded as they come (see doc.go, "Display section").
type blockBuf struct {
	chrom int
	pos   []uint32
	gene  []uint32
	csq   []uint32
	af    []float32
	flags []uint8

	disp     []byte   // the display groups, back to back
	groupEnd []uint32 // end of each finished group in disp
	prev     [len(repeatable)][]byte
	dict     map[string]uint32 // the block's strings (features, biotypes, HGVS prefixes)
	dictText []byte            // uvarint-length strings, in id order
	// Recent lookups: the entries of neighbouring records mostly repeat
	// the same transcripts in the same order, so the cache for a feature
	// or an HGVSp reference is chosen by the entry's place in its record.
	feature, biotype, protein [cacheSlots]dictCache
	other                     dictCache
	enc                       []byte
}

// cacheSlots is how many entries of a record have their own lookup cache.
const cacheSlots = 32

// dictCache remembers one string's id in a dictionary.
type dictCache struct {
	key []byte
	id  uint32
	ok  bool
}

func newBlockBuf() blockBuf { return blockBuf{dict: map[string]uint32{}} }

func (b *blockBuf) rows() int { return len(b.pos) }

// addRow adds a row; entry is its place among its record's CSQ entries.
func (b *blockBuf) addRow(entry int, pos, gene, csq uint32, af float32, flags uint8, d *[displayFields][]byte) {
	n := len(b.pos)
	if n%displayGroup == 0 && n > 0 {
		b.groupEnd = append(b.groupEnd, uint32(len(b.disp)))
	}
	first := n%displayGroup == 0
	b.pos = append(b.pos, pos)
	b.gene = append(b.gene, gene)
	b.csq = append(b.csq, csq)
	b.af = append(b.af, af)
	b.flags = append(b.flags, flags)

	var mask byte
	for k, f := range repeatable {
		// The entries after a record's first repeat its id and ref.
		if !first && (entry > 0 && (f == dID || f == dRef) || bytes.Equal(d[f], b.prev[k])) {
			mask |= 1 << k
		}
	}
	disp := append(b.disp, mask)
	for k, f := range repeatable {
		if mask&(1<<k) == 0 {
			disp = appendString(disp, d[f])
			b.prev[k] = append(b.prev[k][:0], d[f]...)
		}
	}
	slot := entry % cacheSlots
	fc := &b.feature[slot]
	disp = binary.AppendUvarint(disp, uint64(b.lookup(fc, d[dFeature])))
	disp = binary.AppendUvarint(disp, uint64(b.lookup(&b.biotype[slot], d[dBiotype])))
	if hc := d[dHGVSc]; len(hc) > len(fc.key) && hc[len(fc.key)] == ':' && bytes.Equal(hc[:len(fc.key)], fc.key) {
		disp = appendString(binary.AppendUvarint(disp, uint64(fc.id)+1), hc[len(fc.key)+1:])
	} else {
		disp = b.appendHGVS(disp, hc, &b.other)
	}
	b.disp = b.appendHGVS(disp, d[dHGVSp], &b.protein[slot])
}

// appendHGVS writes an HGVS notation as its reference sequence (the text
// before ':', a dictionary id + 1; 0 when there is no ':') and the rest.
func (b *blockBuf) appendHGVS(dst, s []byte, c *dictCache) []byte {
	i := bytes.IndexByte(s, ':')
	if i < 0 {
		return appendString(append(dst, 0), s)
	}
	dst = binary.AppendUvarint(dst, uint64(b.lookup(c, s[:i]))+1)
	return appendString(dst, s[i+1:])
}

func appendString(dst, s []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// lookup is s's id in the block's dictionary, added when new.
func (b *blockBuf) lookup(c *dictCache, s []byte) uint32 {
	if c.ok && bytes.Equal(c.key, s) {
		return c.id
	}
	id, ok := b.dict[string(s)]
	if !ok {
		id = uint32(len(b.dict))
		b.dict[string(s)] = id
		b.dictText = appendString(b.dictText, s)
	}
	c.key, c.id, c.ok = append(c.key[:0], s...), id, true
	return id
}

// flush writes the block (filter section, display section) and records its
// summary in the footer.
func (p *parser) flush() error {
	b := &p.blk
	n := len(b.pos)
	if n == 0 {
		return nil
	}
	info := blockInfo{Off: p.off, Rows: n, Chrom: b.chrom, MinPos: math.MaxUint32, MinAF: math.MaxFloat32}
	enc := b.enc[:0]
	for _, v := range b.pos {
		enc = binary.LittleEndian.AppendUint32(enc, v)
		info.MinPos, info.MaxPos = min(info.MinPos, v), max(info.MaxPos, v)
	}
	p.blocks++
	for _, v := range b.gene {
		enc = binary.LittleEndian.AppendUint32(enc, v)
		if int(v) >= len(p.geneMark) {
			p.geneMark = append(p.geneMark, make([]uint32, len(p.foot.Genes)-len(p.geneMark))...)
		}
		if p.geneMark[v] != p.blocks { // first in this block
			p.geneMark[v] = p.blocks
			info.Genes = append(info.Genes, v)
		}
	}
	slices.Sort(info.Genes)
	for _, v := range b.csq {
		enc = binary.LittleEndian.AppendUint32(enc, v)
		for int(v/64) >= len(info.Csqs) {
			info.Csqs = append(info.Csqs, 0)
		}
		info.Csqs[v/64] |= 1 << (v % 64)
	}
	for _, v := range b.af {
		enc = binary.LittleEndian.AppendUint32(enc, math.Float32bits(v))
		info.MinAF, info.MaxAF = min(info.MinAF, v), max(info.MaxAF, v)
	}
	for _, f := range b.flags {
		info.Impacts |= 1 << (f & flagImpact)
		if f&flagCanonical != 0 {
			info.Canonical++
		}
	}
	enc = append(enc, b.flags...)

	// Display section: dictionary length, dictionary, group ends, groups.
	b.groupEnd = append(b.groupEnd, uint32(len(b.disp)))
	enc = binary.LittleEndian.AppendUint32(enc, uint32(len(b.dictText)))
	enc = append(enc, b.dictText...)
	for _, e := range b.groupEnd {
		enc = binary.LittleEndian.AppendUint32(enc, e)
	}
	info.DisplayLen = len(enc) - n*filterWidth + len(b.disp)
	b.enc = enc
	if _, err := p.write(enc); err != nil {
		return err
	}
	if _, err := p.write(b.disp); err != nil {
		return err
	}
	p.foot.Blocks = append(p.foot.Blocks, info)
	b.reset()
	return nil
}

func (b *blockBuf) reset() {
	b.pos, b.gene, b.csq, b.af, b.flags = b.pos[:0], b.gene[:0], b.csq[:0], b.af[:0], b.flags[:0]
	b.disp, b.groupEnd, b.dictText = b.disp[:0], b.groupEnd[:0], b.dictText[:0]
	clear(b.dict)
	for i := range cacheSlots {
		b.feature[i].ok, b.biotype[i].ok, b.protein[i].ok = false, false, false
	}
	b.other.ok = false
}
