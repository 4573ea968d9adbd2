package variants

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"

	"github.com/klauspost/compress/s2"

	"github.com/gasproject/gas/internal/consequence"
)

// castagnoli is CRC-32C, which the filter sections' checksums use (a few
// instructions per 8 bytes where the CPU has it).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// blockBuf is the block being filled: the rows' filter columns.
type blockBuf struct {
	chrom int
	// The rows' filter values, as the filter section's columns hold them
	// (pos, gene, consequence, af: 4 bytes each; flags), and the block's
	// summary of them so far. A block ends at the first record that starts
	// after blockRows rows, so it may hold more.
	pos, gene, csq, af, flags []byte
	sum                       blockInfo
	geneMark                  []uint32 // per gene id: the stamp of the last block listing it

	// stamp numbers the block: a gene id marked with another stamp is
	// not listed in this block's summary yet.
	stamp    uint32
	raw, zip []byte // the filter section before and after compression (flush)
}

func newBlockBuf() *blockBuf {
	b := &blockBuf{}
	b.reset()
	return b
}

func (b *blockBuf) rows() int { return len(b.flags) }

// entryCache is what the entry at one place of its record had the last
// time: neighbouring records mostly repeat the same transcripts in the
// same order, so most rows find their gene's and consequence list's ids
// here.
type entryCache struct {
	symbol, gene, feature, biotype []byte
	geneID                         uint32
	ok                             bool // the transcript fields are set
	csq, impact                    []byte
	csqID                          uint32
	impactCode                     uint8
	csqOK                          bool
	// mid is the engine's text from Consequence to BIOTYPE of the entry
	// the fields above are of (set by addEngineEntry; midOK false
	// otherwise): the same text has the same ids.
	mid   []byte
	midOK bool
	key   consequence.TextKey // of mid, the zero key when unknown
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

// flush writes the block's filter section (s2-compressed) and records
// its summary in the footer.
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
	b.raw = raw
	b.zip = s2.Encode(b.zip[:cap(b.zip)], raw)
	info.FilterLen, info.FilterCRC = len(b.zip), crc32.Checksum(b.zip, castagnoli)
	if _, err := p.write(b.zip); err != nil {
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
	b.stamp++
}
