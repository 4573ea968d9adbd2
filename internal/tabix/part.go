package tabix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/gasproject/gas/internal/vcf"
)

// PartWriter compresses VCF text to BGZF and indexes each data line as it
// passes, for files made by concatenating parts (the sharded workflow's
// Merge): the output has no EOF block, so parts join into one valid BGZF file
// when the last is followed by EOF(); AppendPart then adds each part's index
// to one Indexer with the part's offset in the whole, so the joined file is
// indexed without being read again, as a scan of it would index it.
type PartWriter struct {
	z      *vcf.BGZFWriter
	blocks *blockLog
	// x indexes the part's lines by uncompressed offset plus one until
	// Close maps them to virtual offsets (plus one: none is 0, which the
	// linear index reads as "no record", though a part's first line starts
	// at 0).
	x        *Indexer
	name     string // chromosome of the last data line
	unsorted error  // why the lines cannot be indexed: x stops at the first
	off      uint64 // uncompressed bytes so far
	carry    []byte // a line split across Writes
	lines    int
	err      error
	noLines  bool // NewBlockLogWriter: the lines are not indexed
}

// NewPartWriter writes BGZF blocks to w.
func NewPartWriter(w io.Writer) *PartWriter {
	bl := &blockLog{w: w}
	return &PartWriter{z: vcf.NewBGZFWriter(bl), blocks: bl, x: NewIndexer()}
}

// NewBlockLogWriter compresses to BGZF as a PartWriter does, and says where
// each byte went (Virtual), without indexing the lines (which costs a parse
// of each): for a variant index's anchors into a file that gets no tabix
// index. Its Close's Part has no index.
func NewBlockLogWriter(w io.Writer) *PartWriter {
	bl := &blockLog{w: w}
	return &PartWriter{z: vcf.NewBGZFWriter(bl), blocks: bl, noLines: true}
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
	if p.noLines {
		p.off += uint64(len(b))
		return p.z.Write(b)
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
	if !ok || p.unsorted != nil {
		return nil
	}
	if p.name != string(chrom) {
		p.name = string(chrom)
	}
	// Lines a part cannot index are no write error: Merge writes no index
	// for such input and says why.
	p.unsorted = p.x.Add(p.name, beg, end, ubeg+1, uend+1)
	return nil
}

// Part is a written part: its compressed size and its tabix index, offsets
// relative to the part's first byte.
type Part struct {
	Size int64 `json:"size"`
	// Index is the part's index as AppendPart reads it (a few bytes per
	// 16 kb window of the chromosomes it covers, not per line).
	Index []byte `json:"index"`
	// Unsorted says why the part's lines cannot be indexed (not grouped by
	// chromosome, or not sorted by position); Index is then empty.
	Unsorted string `json:"unsorted,omitempty"`
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
	part := &Part{Size: p.blocks.size}
	if p.noLines {
		part.Unsorted = "the lines were not indexed (NewBlockLogWriter)"
		return part, nil
	}
	if p.unsorted != nil {
		part.Unsorted = p.unsorted.Error()
		return part, nil
	}
	part.Index = p.x.encodePart(func(u uint64) uint64 { return p.blocks.virtual(u - 1) })
	return part, nil
}

// Virtual maps an offset in the text written to the virtual offset of that
// byte in the part (compressed offset of its block << 16 | offset in the
// block), after Close: what a variant index's anchors hold
// (variants.Locate). The end of the text maps to the end of the part.
func (p *PartWriter) Virtual(off int64) uint64 { return p.blocks.virtual(uint64(off)) }

// AppendPart adds a part's index to x, the part starting at byte offset of
// the joined file; x then holds what indexing each of the part's lines in
// turn (Add) would have given it. Parts must be appended in file order.
func AppendPart(x *Indexer, part *Part, offset int64) error {
	if part.Unsorted != "" {
		return errors.New(part.Unsorted)
	}
	return x.appendPart(part.Index, uint64(offset)<<16)
}

// encodePart encodes x for appendPart, each offset mapped through virt:
// per reference its name, first and last begin, largest end, record count,
// first and last offset, bins (id, chunks) in ascending order and linear
// index (offset+1, 0 for an empty window), all as uvarints.
func (x *Indexer) encodePart(virt func(uint64) uint64) []byte {
	u := binary.AppendUvarint
	b := u(nil, uint64(len(x.refs)))
	for _, r := range x.refs {
		b = append(u(b, uint64(len(r.name))), r.name...)
		b = u(u(u(u(b, uint64(r.firstBeg)), uint64(r.lastBeg)), uint64(r.maxEnd)), r.n)
		b = u(u(b, virt(r.first)), virt(r.last))
		ids := make([]uint32, 0, len(r.bins))
		for id := range r.bins {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		b = u(b, uint64(len(ids)))
		for _, id := range ids {
			cs := r.bins[id]
			b = u(u(b, uint64(id)), uint64(len(cs)))
			for _, c := range cs {
				beg := virt(c.beg)
				b = u(u(b, beg), virt(c.end)-beg)
			}
		}
		b = u(b, uint64(len(r.linear)))
		for _, v := range r.linear {
			if v != 0 {
				v = virt(v) + 1
			}
			b = u(b, v)
		}
	}
	return b
}

// ErrCorruptPart is a part index that Close did not write (or one of an older version).
var ErrCorruptPart = errors.New("tabix: corrupt part index")

// appendPart adds an encoded part index to x, its offsets shifted by shift.
// A chromosome that goes on from the previous part continues its reference:
// its first chunk of a bin joins the bin's last one when they touch, as Add
// joins a record's chunk to the one before.
func (x *Indexer) appendPart(b []byte, shift uint64) error {
	bad := false
	next := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad, b = true, nil
			return 0
		}
		b = b[n:]
		return v
	}
	for nrefs := next(); nrefs > 0 && !bad; nrefs-- {
		k := next()
		if k > uint64(len(b)) {
			return ErrCorruptPart
		}
		name := string(b[:k])
		b = b[k:]
		firstBeg, lastBeg, maxEnd, n := int64(next()), int64(next()), int64(next()), next()
		first, last := next()+shift, next()+shift
		if bad {
			return ErrCorruptPart
		}
		r, err := x.ref(name, firstBeg, first)
		if err != nil {
			return err
		}
		nbins := next()
		if len(r.bins) == 0 && nbins <= uint64(len(b)) { // a reference this part starts: no map growing bin by bin
			r.bins = make(map[uint32][]chunk, nbins)
		}
		for ; nbins > 0 && !bad; nbins-- {
			bin := uint32(next())
			for nc := next(); nc > 0 && !bad; nc-- {
				beg := next() + shift
				r.addChunk(bin, chunk{beg, beg + next()})
			}
		}
		nlin := next()
		if nlin > uint64(len(b)) { // a window takes a byte at least
			return ErrCorruptPart
		}
		r.linear = slices.Grow(r.linear, max(int(nlin)-len(r.linear), 0))
		for w := range int64(nlin) {
			if v := next(); v != 0 {
				r.setLinear(w, v-1+shift)
			}
		}
		if bad {
			return ErrCorruptPart
		}
		r.last, r.n, r.lastBeg = last, r.n+n, lastBeg
		r.maxEnd = max(r.maxEnd, maxEnd)
	}
	if bad || len(b) > 0 {
		return ErrCorruptPart
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
