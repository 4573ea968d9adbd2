package tabix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/gasproject/gas/internal/vcf"
)

// PartWriter compresses VCF text to BGZF and notes each data line's span and
// virtual offsets as it passes, for files made by concatenating parts (the
// sharded workflow's Merge): the output has no EOF block, so parts join into
// one valid BGZF file when the last is followed by EOF(); AppendPart then
// feeds each part's lines to one Indexer with the part's offset in the whole,
// so the joined file is indexed without being read again.
type PartWriter struct {
	z       *vcf.BGZFWriter
	blocks  *blockLog
	names   []string
	entries []entry
	off     uint64 // uncompressed bytes so far
	carry   []byte // a line split across Writes
	lines   int
	err     error
}

type entry struct {
	ref        uint32
	beg, end   int64
	vbeg, vend uint64 // uncompressed offsets until Close, then virtual offsets
}

// NewPartWriter writes BGZF blocks to w.
func NewPartWriter(w io.Writer) *PartWriter {
	bl := &blockLog{w: w}
	return &PartWriter{z: vcf.NewBGZFWriter(bl), blocks: bl}
}

// EOF is the BGZF end-of-file block that must follow the last part.
func EOF() []byte {
	var b bytes.Buffer
	_ = vcf.NewBGZFWriter(&b).Close() // an empty writer writes only the EOF block
	return b.Bytes()
}

func (p *PartWriter) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	for rest, at := b, p.off; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			p.carry = append(p.carry, rest...)
			break
		}
		line := rest[:i]
		lineEnd := at + uint64(i+1)
		if len(p.carry) > 0 {
			p.carry = append(p.carry, line...)
			line = p.carry
		}
		if err := p.note(line, lineEnd-uint64(len(line))-1, lineEnd); err != nil {
			p.err = err
			return 0, err
		}
		p.carry = p.carry[:0]
		rest, at = rest[i+1:], lineEnd
	}
	p.off += uint64(len(b))
	return p.z.Write(b)
}

func (p *PartWriter) note(line []byte, ubeg, uend uint64) error {
	p.lines++
	chrom, beg, end, ok, err := parseLine(line)
	if err != nil {
		return fmt.Errorf("tabix: part line %d: %w", p.lines, err)
	}
	if !ok {
		return nil
	}
	ref := len(p.names) - 1
	if ref < 0 || p.names[ref] != string(chrom) {
		p.names, ref = append(p.names, string(chrom)), len(p.names)
	}
	p.entries = append(p.entries, entry{uint32(ref), beg, end, ubeg, uend})
	return nil
}

// Part is a written part: its compressed size and its data lines' spans and
// virtual offsets relative to the part's first byte, encoded compactly.
type Part struct {
	Size    int64    `json:"size"`
	Names   []string `json:"names"`   // chromosome runs in order (a name may repeat)
	Entries []byte   `json:"entries"` // per line: uvarint run, beg, end-beg, vbeg, vend-vbeg
}

// Close flushes the last block and returns the part's description.
func (p *PartWriter) Close() (*Part, error) {
	if err := p.z.Close(); err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	if p.blocks.err != nil {
		return nil, p.blocks.err
	}
	if len(p.carry) > 0 {
		return nil, errors.New("tabix: the part's last line has no newline")
	}
	var buf []byte
	for _, e := range p.entries {
		vbeg, vend := p.blocks.virtual(e.vbeg), p.blocks.virtual(e.vend)
		buf = binary.AppendUvarint(buf, uint64(e.ref))
		buf = binary.AppendUvarint(buf, uint64(e.beg))
		buf = binary.AppendUvarint(buf, uint64(e.end-e.beg))
		buf = binary.AppendUvarint(buf, vbeg)
		buf = binary.AppendUvarint(buf, vend-vbeg)
	}
	return &Part{Size: p.blocks.size, Names: p.names, Entries: buf}, nil
}

// AppendPart adds a part's lines to x, the part starting at byte offset of
// the joined file. Parts must be appended in file order.
func AppendPart(x *Indexer, part *Part, offset int64) error {
	shift := uint64(offset) << 16
	b := part.Entries
	next := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			b = nil
			return 0
		}
		b = b[n:]
		return v
	}
	for len(b) > 0 {
		ref, beg, span, vbeg, vspan := next(), next(), next(), next(), next()
		if b == nil || ref >= uint64(len(part.Names)) {
			return errors.New("tabix: corrupt part entries")
		}
		if err := x.Add(part.Names[ref], int64(beg), int64(beg+span), vbeg+shift, vbeg+vspan+shift); err != nil {
			return err
		}
	}
	return nil
}

// blockLog passes BGZF blocks through to w (vcf.BGZFWriter writes each block
// with one Write, in order), remembers where each starts in both streams,
// and drops the EOF block.
type blockLog struct {
	w      io.Writer
	cStart []int64  // compressed offset of each block
	uStart []uint64 // uncompressed offset of each block
	size   int64
	usize  uint64
	err    error
}

func (b *blockLog) Write(p []byte) (int, error) {
	if len(p) < 28 {
		b.err = fmt.Errorf("tabix: short BGZF block of %d bytes", len(p))
		return 0, b.err
	}
	isize := binary.LittleEndian.Uint32(p[len(p)-4:])
	if isize == 0 { // the EOF block
		return len(p), nil
	}
	b.cStart = append(b.cStart, b.size)
	b.uStart = append(b.uStart, b.usize)
	if _, err := b.w.Write(p); err != nil {
		b.err = err
		return 0, err
	}
	b.size += int64(len(p))
	b.usize += uint64(isize)
	return len(p), nil
}

// virtual maps an uncompressed offset to a virtual offset; the end of the
// data maps to the start of the block that would follow.
func (b *blockLog) virtual(u uint64) uint64 {
	if u >= b.usize {
		return uint64(b.size) << 16
	}
	k := sort.Search(len(b.uStart), func(i int) bool { return b.uStart[i] > u }) - 1
	return uint64(b.cStart[k])<<16 | (u - b.uStart[k])
}
