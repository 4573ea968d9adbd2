package refdata

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// Known-variant file (see doc.go): flate-compressed blocks of knownBlockSize
// records sorted by Pos, then the block index, then a fixed footer.

const (
	knownBlockSize   = 1024
	knownFooterMagic = "GASKIDX1"
	knownFooterSize  = 8 + 4 + 8
	knownIndexSize   = 4 + 4 + 8 + 4 + 4 + 4
	knownCacheBlocks = 256 // decoded blocks kept per bundle (~30 MB at most)
)

type knownBlockIndex struct {
	first, last int32 // Pos of the first and last record
	off         int64
	clen, ulen  uint32 // compressed and uncompressed payload sizes
	count       uint32
}

// knownWriter writes one chromosome's known-variant file from records in Pos order.
type knownWriter struct {
	f     *os.File
	bw    *bufio.Writer
	off   int64
	block []KnownVariant
	index []knownBlockIndex
	raw   bytes.Buffer
	comp  bytes.Buffer
	fw    *flate.Writer
	n     int
}

func newKnownWriter(path string) (*knownWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &knownWriter{f: f, bw: bufio.NewWriterSize(f, 1<<16)}
	w.fw, _ = flate.NewWriter(&w.comp, flate.BestSpeed)
	return w, nil
}

func (w *knownWriter) add(v KnownVariant) error {
	if n := len(w.block); n > 0 && v.Pos < w.block[n-1].Pos {
		return fmt.Errorf("known variants out of order at %d", v.Pos)
	}
	if v.Pos > math.MaxInt32 {
		return fmt.Errorf("position %d too large", v.Pos)
	}
	w.block = append(w.block, v)
	w.n++
	if len(w.block) == knownBlockSize {
		return w.flushBlock()
	}
	return nil
}

func (w *knownWriter) flushBlock() error {
	if len(w.block) == 0 {
		return nil
	}
	w.raw.Reset()
	var tmp [binary.MaxVarintLen64]byte
	putU := func(x uint64) { w.raw.Write(tmp[:binary.PutUvarint(tmp[:], x)]) }
	putS := func(s string) { putU(uint64(len(s))); w.raw.WriteString(s) }
	prev := w.block[0].Pos
	for _, v := range w.block {
		putU(uint64(v.Pos - prev))
		prev = v.Pos
		putS(v.Ref)
		putS(v.Alt)
		putS(v.ID)
		putS(v.ClinSig)
		binary.LittleEndian.PutUint64(tmp[:8], math.Float64bits(v.Freq))
		w.raw.Write(tmp[:8])
	}
	w.comp.Reset()
	w.fw.Reset(&w.comp)
	if _, err := w.fw.Write(w.raw.Bytes()); err != nil {
		return err
	}
	if err := w.fw.Close(); err != nil {
		return err
	}
	w.index = append(w.index, knownBlockIndex{
		first: int32(w.block[0].Pos), last: int32(w.block[len(w.block)-1].Pos),
		off: w.off, clen: uint32(w.comp.Len()), ulen: uint32(w.raw.Len()), count: uint32(len(w.block)),
	})
	if _, err := w.bw.Write(w.comp.Bytes()); err != nil {
		return err
	}
	w.off += int64(w.comp.Len())
	w.block = w.block[:0]
	return nil
}

// close writes the last block, the index and the footer.
func (w *knownWriter) close() error {
	err := w.flushBlock()
	if err == nil {
		var e [knownIndexSize]byte
		for _, b := range w.index {
			binary.LittleEndian.PutUint32(e[0:], uint32(b.first))
			binary.LittleEndian.PutUint32(e[4:], uint32(b.last))
			binary.LittleEndian.PutUint64(e[8:], uint64(b.off))
			binary.LittleEndian.PutUint32(e[16:], b.clen)
			binary.LittleEndian.PutUint32(e[20:], b.ulen)
			binary.LittleEndian.PutUint32(e[24:], b.count)
			if _, err = w.bw.Write(e[:]); err != nil {
				break
			}
		}
	}
	if err == nil {
		var foot [knownFooterSize]byte
		binary.LittleEndian.PutUint64(foot[0:], uint64(w.off))
		binary.LittleEndian.PutUint32(foot[8:], uint32(len(w.index)))
		copy(foot[12:], knownFooterMagic)
		_, err = w.bw.Write(foot[:])
	}
	if err == nil {
		err = w.bw.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// knownStore reads one chromosome's known variants block by block.
type knownStore struct {
	f     *os.File
	index []knownBlockIndex

	lru *blockCache
	// cache holds the decoded blocks by number (nil when not decoded). Hits
	// read it without locking; decoding and eviction hold lru.mu.
	cache []atomic.Pointer[knownBlock]
}

// blockCache bounds the decoded known-variant blocks of all chromosomes of a
// bundle together, so memory stays flat however many chromosomes a job
// touches. Eviction is first-in first-out, which suits position-sorted input.
type blockCache struct {
	mu    sync.Mutex
	limit int
	fifo  []cachedBlock // oldest first
}

type cachedBlock struct {
	ks *knownStore
	b  int
}

// knownBlock is a decoded block. pos mirrors recs[i].Pos in a dense array so
// binary searches touch few cache lines.
type knownBlock struct {
	pos  []int32
	recs []KnownVariant
}

func openKnownStore(path string, lru *blockCache) (*knownStore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	ks, err := readKnownIndex(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ks.lru = lru
	return ks, nil
}

func readKnownIndex(f *os.File) (*knownStore, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < knownFooterSize {
		return nil, errors.New("known-variant file too short")
	}
	var foot [knownFooterSize]byte
	if _, err := f.ReadAt(foot[:], st.Size()-knownFooterSize); err != nil {
		return nil, err
	}
	if string(foot[12:]) != knownFooterMagic {
		return nil, errors.New("known-variant file: bad footer")
	}
	idxOff := int64(binary.LittleEndian.Uint64(foot[0:]))
	n := int(binary.LittleEndian.Uint32(foot[8:]))
	if idxOff+int64(n)*knownIndexSize+knownFooterSize != st.Size() {
		return nil, errors.New("known-variant file: index size mismatch")
	}
	raw := make([]byte, n*knownIndexSize)
	if _, err := f.ReadAt(raw, idxOff); err != nil {
		return nil, err
	}
	ks := &knownStore{f: f, index: make([]knownBlockIndex, n), cache: make([]atomic.Pointer[knownBlock], n)}
	for i := range ks.index {
		e := raw[i*knownIndexSize:]
		ks.index[i] = knownBlockIndex{
			first: int32(binary.LittleEndian.Uint32(e[0:])), last: int32(binary.LittleEndian.Uint32(e[4:])),
			off: int64(binary.LittleEndian.Uint64(e[8:])), clen: binary.LittleEndian.Uint32(e[16:]),
			ulen: binary.LittleEndian.Uint32(e[20:]), count: binary.LittleEndian.Uint32(e[24:]),
		}
	}
	return ks, nil
}

// appendRange appends copies of the records with Pos in [start,end] to dst.
// Never returning the cache's own slice keeps callers that reuse buffers
// (dst[:0]) from writing into it; the strings inside are shared, immutably.
func (ks *knownStore) appendRange(dst []KnownVariant, start, end int) ([]KnownVariant, error) {
	if start > end || start > math.MaxInt32 {
		return dst, nil
	}
	s32, e32 := int32(start), int32(min(end, math.MaxInt32))
	b := sort.Search(len(ks.index), func(i int) bool { return ks.index[i].last >= s32 })
	for ; b < len(ks.index) && ks.index[b].first <= e32; b++ {
		blk, err := ks.block(b)
		if err != nil {
			return dst, err
		}
		i, _ := slices.BinarySearch(blk.pos, s32) // first record with Pos >= start
		j := i
		for j < len(blk.pos) && blk.pos[j] <= e32 {
			j++
		}
		dst = append(dst, blk.recs[i:j]...)
	}
	return dst, nil
}

// block returns block b decoded, from the cache when possible.
func (ks *knownStore) block(b int) (*knownBlock, error) {
	if blk := ks.cache[b].Load(); blk != nil {
		return blk, nil
	}
	c := ks.lru
	c.mu.Lock()
	defer c.mu.Unlock()
	if blk := ks.cache[b].Load(); blk != nil {
		return blk, nil
	}
	blk, err := ks.decode(b)
	if err != nil {
		return nil, err
	}
	if len(c.fifo) >= c.limit {
		old := c.fifo[0]
		old.ks.cache[old.b].Store(nil)
		c.fifo = c.fifo[1:]
	}
	ks.cache[b].Store(blk)
	c.fifo = append(c.fifo, cachedBlock{ks, b})
	return blk, nil
}

func (ks *knownStore) decode(b int) (*knownBlock, error) {
	ix := ks.index[b]
	comp := make([]byte, ix.clen)
	if _, err := ks.f.ReadAt(comp, ix.off); err != nil {
		return nil, fmt.Errorf("known block %d: %w", b, err)
	}
	raw := make([]byte, ix.ulen)
	zr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(comp), nil); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(zr, raw); err != nil {
		return nil, fmt.Errorf("known block %d: %w", b, err)
	}
	d := blockDecoder{raw: raw, str: string(raw)} // one string: every allele and id is a substring of it
	blk := &knownBlock{pos: make([]int32, ix.count), recs: make([]KnownVariant, ix.count)}
	pos := int(ix.first)
	for i := range blk.recs {
		pos += d.uvarint()
		blk.pos[i] = int32(pos)
		blk.recs[i] = KnownVariant{Pos: pos, Ref: d.str8(), Alt: d.str8(), ID: d.str8(), ClinSig: d.str8()}
		blk.recs[i].Freq = math.Float64frombits(d.u64())
	}
	if d.bad || pos > math.MaxInt32 {
		return nil, fmt.Errorf("known block %d: corrupt data", b)
	}
	return blk, nil
}

// inflaters recycles DEFLATE readers: each holds a 32 KB window.
var inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

// blockDecoder reads a block payload; bad is sticky, so callers check it once.
type blockDecoder struct {
	raw []byte
	str string
	p   int
	bad bool
}

func (d *blockDecoder) uvarint() int {
	x, n := binary.Uvarint(d.raw[min(d.p, len(d.raw)):])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.p += n
	return int(x)
}

func (d *blockDecoder) str8() string {
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return ""
	}
	d.p += l
	return d.str[d.p-l : d.p]
}

func (d *blockDecoder) u64() uint64 {
	if d.bad || d.p+8 > len(d.raw) {
		d.bad = true
		return 0
	}
	d.p += 8
	return binary.LittleEndian.Uint64(d.raw[d.p-8:])
}

func (ks *knownStore) close() error { return ks.f.Close() }
