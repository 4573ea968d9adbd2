package variants

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// blockBuf is the block being filled, column by column.
type blockBuf struct {
	chrom   int
	pos     []uint32
	gene    []uint32
	csq     []uint32
	af      []float32
	flags   []uint8
	display []byte // uvarint-length strings, displayFields per row
	rowEnd  []int  // end of each row in display
	enc     []byte
}

// flush writes the block (filter section, compressed display section) and
// records its summary in the footer.
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
	for _, v := range b.gene {
		enc = binary.LittleEndian.AppendUint32(enc, v)
	}
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
	b.enc = enc
	genes := slices.Clone(b.gene)
	slices.Sort(genes)
	info.Genes = slices.Compact(genes)

	disp, err := p.compressDisplay(n)
	if err != nil {
		return err
	}
	info.DisplayLen = len(disp)
	if _, err := p.write(enc); err != nil {
		return err
	}
	if _, err := p.write(disp); err != nil {
		return err
	}
	p.foot.Blocks = append(p.foot.Blocks, info)
	b.pos, b.gene, b.csq, b.af, b.flags, b.display = b.pos[:0], b.gene[:0], b.csq[:0], b.af[:0], b.flags[:0], b.display[:0]
	b.rowEnd = b.rowEnd[:0]
	return nil
}

// compressDisplay compresses the block's display strings in groups of
// displayGroup rows, so reading one row inflates at most that many. The
// section starts with each group's compressed and raw length (uint32 pairs).
func (p *parser) compressDisplay(n int) ([]byte, error) {
	b := &p.blk
	groups := (n + displayGroup - 1) / displayGroup
	out := make([]byte, 8*groups, 8*groups+len(b.display)/3)
	start := 0
	for g := range groups {
		end := b.rowEnd[min(n, (g+1)*displayGroup)-1]
		p.zbuf.Reset()
		p.zw.Reset(&p.zbuf)
		if _, err := p.zw.Write(b.display[start:end]); err != nil {
			return nil, fmt.Errorf("variant index: compress block: %w", err)
		}
		if err := p.zw.Close(); err != nil {
			return nil, fmt.Errorf("variant index: compress block: %w", err)
		}
		binary.LittleEndian.PutUint32(out[8*g:], uint32(p.zbuf.Len()))
		binary.LittleEndian.PutUint32(out[8*g+4:], uint32(end-start))
		out = append(out, p.zbuf.Bytes()...)
		start = end
	}
	return out, nil
}
