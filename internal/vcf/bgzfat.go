package vcf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// BGZFAt reads the blocks of a BGZF file at their compressed offsets (the
// upper 48 bits of a virtual offset): random access for a reader that
// knows where its lines are, such as a variant index's anchors. It reads
// the file in chunks (one request per chunk from an object store): of
// bgzfAtChunk bytes, twice the last one's up to bgzfAtMaxChunk while the
// reads go on where the last chunk ended (a scan of the whole file takes a
// few dozen requests, not one per block). It keeps the last block
// inflated. Not safe for concurrent use.
type BGZFAt struct {
	r        io.ReaderAt
	chunk    []byte
	chunkOff int64
	size     int // of the next chunk read
	blk      inBlock
	blkOff   int64 // -1: none inflated
	next     int64 // offset of the block after blk
	fr       io.ReadCloser
	br       bytes.Reader
}

// bgzfAtChunk is the bytes BGZFAt reads at a time at first: a block is at
// most 64 KiB, and text compresses to a few blocks' worth in this.
const (
	bgzfAtChunk    = 128 << 10
	bgzfAtMaxChunk = 4 << 20
)

// NewBGZFAt reads the BGZF file r.
func NewBGZFAt(r io.ReaderAt) *BGZFAt { return &BGZFAt{r: r, blkOff: -1, size: bgzfAtChunk} }

// Block returns the text of the block at compressed offset off and the
// offset of the block after it; the text is valid until the next call. At
// the end of the file it returns io.EOF.
func (z *BGZFAt) Block(off int64) (text []byte, next int64, err error) {
	if off < 0 {
		return nil, 0, fmt.Errorf("BGZF block at offset %d: out of range", off)
	}
	if off == z.blkOff {
		return z.blk.out, z.next, nil
	}
	raw, err := z.read(off)
	if err != nil {
		return nil, 0, err
	}
	z.blkOff = -1
	z.blk.raw = raw
	if err := inflateBlock(&z.blk, &z.fr, &z.br); err != nil {
		return nil, 0, fmt.Errorf("BGZF block at offset %d: %w", off, err)
	}
	z.blkOff, z.next = off, off+int64(len(raw))
	return z.blk.out, z.next, nil
}

// read returns the compressed block at off: from the chunk when it holds
// it whole, else from a chunk read at off.
func (z *BGZFAt) read(off int64) ([]byte, error) {
	if raw, ok := z.inChunk(off); ok {
		return raw, nil
	}
	if in := off - z.chunkOff; len(z.chunk) > 0 && in >= 0 && in <= int64(len(z.chunk)) {
		z.size = min(2*z.size, bgzfAtMaxChunk) // reading on: a larger chunk
	} else {
		z.size = bgzfAtChunk
	}
	if cap(z.chunk) < z.size {
		z.chunk = make([]byte, z.size)
	}
	n, err := z.r.ReadAt(z.chunk[:z.size], off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read BGZF block at offset %d: %w", off, err)
	}
	z.chunk, z.chunkOff = z.chunk[:n], off
	if n == 0 {
		return nil, io.EOF
	}
	if raw, ok := z.inChunk(off); ok {
		return raw, nil
	}
	return nil, fmt.Errorf("BGZF block at offset %d: not a BGZF block, or cut short", off)
}

// inChunk is the block at off when the chunk holds it whole.
func (z *BGZFAt) inChunk(off int64) ([]byte, bool) {
	in := off - z.chunkOff
	if in < 0 || in >= int64(len(z.chunk)) {
		return nil, false
	}
	head := z.chunk[in:]
	n, ok := bgzfBlockLen(head)
	if !ok || n > len(head) {
		return nil, false
	}
	return head[:n], true
}
