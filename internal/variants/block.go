package variants

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"

	"github.com/klauspost/compress/s2"

	"github.com/gasproject/gas/internal/consequence"
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

// The other bits of a row's mask (version 4; a version-3 row has none set):
// HGVSc is empty, or names the row's feature (only the text after ':' is
// written), and HGVSp is empty. Either empty field is not written.
const (
	mRepeated     = 1<<len(repeatable) - 1
	mHGVScEmpty   = 1 << 5
	mHGVScFeature = 1 << 6
	mHGVSpEmpty   = 1 << 7
)

// blockBuf is the block being filled: the filter columns, and the display
// rows encoded as they come (see doc.go, "Display section").
type blockBuf struct {
	chrom int
	// The rows' filter values, as the filter section's columns hold them
	// (pos, gene, consequence, af: 4 bytes each; flags), and the block's
	// summary of them so far. A block ends at the first record that starts
	// after blockRows rows, so it may hold more.
	pos, gene, csq, af, flags []byte
	sum                       blockInfo
	geneMark                  []uint32 // per gene id: the stamp of the last block listing it

	// stamp numbers the block: dictionary ids remembered with another
	// stamp are of an earlier block's dictionary.
	stamp    uint32
	disp     []byte                // the display groups, back to back
	groupEnd []uint32              // end of each finished group in disp
	prev     [len(repeatable)]span // the group's last literal of each repeatable field, in disp
	dict     map[string]uint32     // the block's strings (features, biotypes, HGVS prefixes)
	dictText []byte                // uvarint-length strings, in id order
	other    dictCache             // the last HGVSc reference that was not the row's feature
	raw, zip []byte                // the filter section before and after compression (flush)
}

// span is a byte range of a buffer.
type span struct{ start, end uint32 }

// dictCache remembers one string's id in a dictionary.
type dictCache struct {
	key   []byte
	id    uint32
	stamp uint32 // the block whose dictionary id is from; 0: unset
}

func newBlockBuf() *blockBuf {
	b := &blockBuf{dict: map[string]uint32{}}
	b.reset()
	return b
}

func (b *blockBuf) rows() int { return len(b.flags) }

// entryCache is what the entry at one place of its record had the last
// time: neighbouring records mostly repeat the same transcripts in the
// same order, so most rows find their transcript's ids here.
type entryCache struct {
	symbol, gene, feature, biotype []byte
	geneID                         uint32
	ok                             bool   // the transcript fields are set
	txStamp                        uint32 // the block featureID and biotypeID are of
	featureID, biotypeID           uint32
	csq, impact                    []byte
	csqID                          uint32
	impactCode                     uint8
	csqOK                          bool
	protein                        dictCache // the HGVSp reference sequence
	// mid is the engine's text from Consequence to BIOTYPE of the entry
	// the fields above are of (set by addEngineEntry; midOK false
	// otherwise): the same text has the same ids.
	mid   []byte
	midOK bool
	key   consequence.TextKey // of mid, the zero key when unknown
}

// addRow adds a row with its filter values and display text: entry is its
// place in record rec, c the cache of that place, its block ids set.
func (b *blockBuf) addRow(entry int, c *entryCache, rec *recordVals, r *entryRow) {
	n := uint(b.rows())
	b.addFilter(rec.pos, c.geneID, c.csqID, r.af, r.flags)
	// The mask (bit k for repeatable[k]), then the literals.
	var mask byte
	if n%displayGroup == 0 {
		if n > 0 {
			b.groupEnd = append(b.groupEnd, uint32(len(b.disp)))
		}
	} else {
		// The entries after a record's first repeat its id and ref.
		if entry > 0 {
			mask = 1 | 2
		} else {
			if b.prev[0].equal(b.disp, rec.id) {
				mask = 1
			}
			if b.prev[1].equal(b.disp, rec.ref) {
				mask |= 2
			}
		}
		if r.sameAlt || b.prev[2].equal(b.disp, r.alt) {
			mask |= 4
		}
		if b.prev[3].equal(b.disp, r.allele) {
			mask |= 8
		}
		if r.sameClinSig || b.prev[4].equal(b.disp, r.clinSig) {
			mask |= 16
		}
	}
	// How the HGVS fields are written (see doc.go): hc is HGVSc's text
	// after the feature's name and ':' (mHGVScFeature), if it has them.
	hc := r.hgvsc
	switch f := c.feature; {
	case len(hc) == 0:
		mask |= mHGVScEmpty
	case len(hc) > len(f) && hc[len(f)] == ':' && string(hc[:len(f)]) == string(f):
		mask |= mHGVScFeature
		hc = hc[len(f)+1:]
	}
	if len(r.hgvsp) == 0 {
		mask |= mHGVSpEmpty
	}
	disp := append(b.disp, mask)
	if mask&mRepeated != mRepeated {
		if mask&1 == 0 {
			disp = b.appendLiteral(disp, 0, rec.id)
		}
		if mask&2 == 0 {
			disp = b.appendLiteral(disp, 1, rec.ref)
		}
		if mask&4 == 0 {
			disp = b.appendLiteral(disp, 2, r.alt)
		}
		if mask&8 == 0 {
			disp = b.appendLiteral(disp, 3, r.allele)
		}
		if mask&16 == 0 {
			disp = b.appendLiteral(disp, 4, r.clinSig)
		}
	}
	disp = appendUvarint(appendUvarint(disp, c.featureID), c.biotypeID)
	if mask&mHGVScFeature != 0 {
		disp = appendString(disp, hc)
	} else if mask&mHGVScEmpty == 0 {
		disp = b.appendRefHGVS(disp, hc, &b.other)
	}
	if mask&mHGVSpEmpty == 0 {
		disp = b.appendRefHGVS(disp, r.hgvsp, &c.protein)
	}
	b.disp = disp
}

// appendUvarint is binary.AppendUvarint, the one-byte case inline.
func appendUvarint(dst []byte, v uint32) []byte {
	if v < 0x80 {
		return append(dst, byte(v))
	}
	return binary.AppendUvarint(dst, uint64(v))
}

// equal reports whether s is the text of span x of b (a literal there).
func (x span) equal(b []byte, s []byte) bool {
	if int(x.end-x.start) != len(s) {
		return false
	}
	if len(s) == 1 { // a base, mostly: no call
		return b[x.start] == s[0]
	}
	return string(b[x.start:x.end]) == string(s)
}

// appendLiteral writes s, repeatable[k]'s value, and notes where it is.
func (b *blockBuf) appendLiteral(disp []byte, k int, s []byte) []byte {
	disp = binary.AppendUvarint(disp, uint64(len(s)))
	b.prev[k] = span{uint32(len(disp)), uint32(len(disp) + len(s))}
	return append(disp, s...)
}

// appendRefHGVS writes an HGVS notation as its reference sequence (the
// text before ':', a dictionary id + 1; 0 when there is no ':') and the
// rest; c remembers the last reference sequence.
func (b *blockBuf) appendRefHGVS(dst, s []byte, c *dictCache) []byte {
	if k := c.key; c.stamp == b.stamp && len(s) > len(k) && s[len(k)] == ':' && bytes.Equal(s[:len(k)], k) {
		return appendString(binary.AppendUvarint(dst, uint64(c.id)+1), s[len(k)+1:])
	}
	i := bytes.IndexByte(s, ':')
	if i < 0 {
		return appendString(append(dst, 0), s)
	}
	c.key, c.id, c.stamp = append(c.key[:0], s[:i]...), b.lookup(s[:i]), b.stamp
	return appendString(binary.AppendUvarint(dst, uint64(c.id)+1), s[i+1:])
}

func appendString(dst, s []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func (s span) of(b []byte) []byte { return b[s.start:s.end] }

// lookup is s's id in the block's dictionary, added when new.
func (b *blockBuf) lookup(s []byte) uint32 {
	id, ok := b.dict[string(s)]
	if !ok {
		id = uint32(len(b.dict))
		b.dict[string(s)] = id
		b.dictText = appendString(b.dictText, s)
	}
	return id
}

// addFilter adds a row's filter values to the columns and the summary.
func (b *blockBuf) addFilter(pos, gene, csq uint32, af float32, flags uint8) {
	s := &b.sum
	b.pos = binary.LittleEndian.AppendUint32(b.pos, pos)
	s.MinPos, s.MaxPos = min(s.MinPos, pos), max(s.MaxPos, pos)
	b.gene = binary.LittleEndian.AppendUint32(b.gene, gene)
	for int(gene) >= len(b.geneMark) {
		b.geneMark = append(b.geneMark, 0)
	}
	if b.geneMark[gene] != b.stamp { // first in this block
		b.geneMark[gene] = b.stamp
		s.Genes = append(s.Genes, gene)
	}
	b.csq = binary.LittleEndian.AppendUint32(b.csq, csq)
	for int(csq/64) >= len(s.Csqs) {
		s.Csqs = append(s.Csqs, 0)
	}
	s.Csqs[csq/64] |= 1 << (csq % 64)
	b.af = binary.LittleEndian.AppendUint32(b.af, math.Float32bits(af))
	if af < s.MinAF { // not min(): its NaN and -0 rules cost more (parseAF has no NaN)
		s.MinAF = af
	}
	if af > s.MaxAF {
		s.MaxAF = af
	}
	b.flags = append(b.flags, flags)
	s.Impacts |= 1 << (flags & flagImpact)
	if flags&flagCanonical != 0 {
		s.Canonical++
	}
}

// flush writes the block (filter section, s2-compressed; display
// section) and records its summary in the footer.
func (p *parser) flush() error {
	b := p.blk
	n := b.rows()
	if n == 0 {
		return nil
	}
	info := b.sum
	info.Off, info.Rows, info.Chrom = p.off, n, b.chrom
	slices.Sort(info.Genes)
	raw := append(append(append(append(append(b.raw[:0], b.pos...), b.gene...), b.csq...), b.af...), b.flags...)
	b.zip = s2.Encode(b.zip[:cap(b.zip)], raw)
	info.FilterLen = len(b.zip)
	if _, err := p.write(b.zip); err != nil {
		return err
	}
	// Display section: dictionary length, dictionary, group ends, groups.
	b.groupEnd = append(b.groupEnd, uint32(len(b.disp)))
	raw = binary.LittleEndian.AppendUint32(raw[:0], uint32(len(b.dictText)))
	raw = append(raw, b.dictText...)
	for _, e := range b.groupEnd {
		raw = binary.LittleEndian.AppendUint32(raw, e)
	}
	info.DisplayLen = len(raw) + len(b.disp)
	b.raw = raw
	if _, err := p.write(raw); err != nil {
		return err
	}
	if _, err := p.write(b.disp); err != nil {
		return err
	}
	p.foot.Blocks = append(p.foot.Blocks, info)
	b.reset()
	return nil
}

// reset starts the next block (its summary's lists anew: the footer keeps
// the last one's).
func (b *blockBuf) reset() {
	b.pos, b.gene, b.csq, b.af, b.flags = b.pos[:0], b.gene[:0], b.csq[:0], b.af[:0], b.flags[:0]
	b.sum = blockInfo{MinPos: math.MaxUint32, MinAF: math.MaxFloat32}
	b.disp, b.groupEnd, b.dictText = b.disp[:0], b.groupEnd[:0], b.dictText[:0]
	clear(b.dict)
	b.stamp++
}
