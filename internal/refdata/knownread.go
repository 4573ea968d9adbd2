package refdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
)

// knownStore reads one chromosome's known variants block by block.
type knownStore struct {
	data  []byte       // the file, memory-mapped when large (see mapFile)
	unmap func() error // releases data
	index []knownBlockIndex
	dicts knownDicts

	lru *blockCache
	// cache holds the decoded blocks by number (nil when not decoded). Hits
	// read it without locking; storing and eviction hold lru.mu.
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

// knownBlock is a decoded block: flat arrays, no strings per record. pos
// mirrors the records' positions densely so binary searches touch few cache
// lines; a KnownVariant is made only for the records a lookup returns.
type knownBlock struct {
	pos       []int32
	recs      []knownRec
	inAlleles [][2]string // alleles written inline (dictionary full)
	// rs holds the block's rs numbers as 4 byte planes (most significant
	// first) of nRS bytes each; a kfRS record's id is its index there, and
	// the number is put together only for the records a lookup returns.
	rs      []byte
	nRS     int
	inStrs  []string // ids and CLIN_SIG values written inline
	inFreqs []float64
}

// knownRec refers into the chromosome's dictionaries (index >= 0) or the
// block's inline values (-(index+1)).
type knownRec struct {
	allele, freq, clin int32
	id                 uint32 // index into the rs planes (kfRS) or into inStrs (inline id)
	flags              uint8  // kf*; kfSameID is resolved while decoding
}

func openKnownStore(path string, lru *blockCache) (*knownStore, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	ks, err := readKnownIndex(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ks.unmap, ks.lru = unmap, lru
	return ks, nil
}

// readKnownIndex reads the footer, the dictionaries (copied out of data)
// and the block index.
func readKnownIndex(data []byte) (*knownStore, error) {
	size := int64(len(data))
	if size < knownFooterSize {
		return nil, errors.New("known-variant file too short")
	}
	foot := data[size-knownFooterSize:]
	if string(foot[20:]) != knownFooterMagic {
		return nil, errors.New("known-variant file: bad footer (not format 2: rebuild the bundle with 'gas refdata build')")
	}
	dictOff, idxOff := int64(binary.LittleEndian.Uint64(foot[0:])), int64(binary.LittleEndian.Uint64(foot[8:]))
	n := int64(binary.LittleEndian.Uint32(foot[16:]))
	if dictOff < 0 || dictOff > idxOff || idxOff+n*knownIndexSize+knownFooterSize != size {
		return nil, errors.New("known-variant file: index size mismatch")
	}
	ks := &knownStore{data: data, index: make([]knownBlockIndex, n), cache: make([]atomic.Pointer[knownBlock], n)}
	var err error
	if ks.dicts, err = readDicts(data[dictOff:idxOff]); err != nil {
		return nil, err
	}
	raw := data[idxOff:]
	for i := range ks.index {
		e := raw[i*knownIndexSize:]
		ks.index[i] = knownBlockIndex{
			first: int32(binary.LittleEndian.Uint32(e[0:])), last: int32(binary.LittleEndian.Uint32(e[4:])),
			off: int64(binary.LittleEndian.Uint64(e[8:])), clen: binary.LittleEndian.Uint32(e[16:]),
			ulen: binary.LittleEndian.Uint32(e[20:]), count: binary.LittleEndian.Uint32(e[24:]),
		}
		if ix := ks.index[i]; ix.off < 0 || ix.off+int64(ix.clen) > dictOff || ix.count == 0 || ix.count > 1<<16 {
			return nil, fmt.Errorf("known-variant file: block %d outside the file or of %d records", i, ix.count)
		}
	}
	return ks, nil
}

func readDicts(raw []byte) (knownDicts, error) {
	var d knownDicts
	r := byteDecoder{raw: raw, str: string(raw)}
	n := r.uvarint()
	d.alleles = make([][2]string, 0, min(n, len(raw)/2))
	for i := 0; i < n && !r.bad; i++ {
		d.alleles = append(d.alleles, [2]string{r.str8(), r.str8()})
	}
	n = r.uvarint()
	d.freqs = make([]float64, 0, min(n, len(raw)/8))
	for i := 0; i < n && !r.bad; i++ {
		d.freqs = append(d.freqs, math.Float64frombits(r.u64()))
	}
	n = r.uvarint()
	for i := 0; i < n && !r.bad; i++ {
		d.clins = append(d.clins, r.str8())
	}
	if r.bad || r.p != len(raw) {
		return d, errors.New("known-variant file: corrupt dictionaries")
	}
	return d, nil
}

// appendRange appends the records with Pos in [start,end] to dst.
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
		for ; i < len(blk.pos) && blk.pos[i] <= e32; i++ {
			dst = append(dst, ks.variant(blk, i))
		}
	}
	return dst, nil
}

// variant materializes record i of blk.
func (ks *knownStore) variant(blk *knownBlock, i int) KnownVariant {
	r := &blk.recs[i]
	v := KnownVariant{Pos: int(blk.pos[i]), Freq: -1}
	if r.allele >= 0 {
		a := ks.dicts.alleles[r.allele]
		v.Ref, v.Alt = a[0], a[1]
	} else {
		a := blk.inAlleles[-r.allele-1]
		v.Ref, v.Alt = a[0], a[1]
	}
	switch {
	case r.flags&kfRS != 0:
		var buf [16]byte
		v.ID = string(strconv.AppendUint(append(buf[:0], "rs"...), uint64(blk.rsNumber(r.id)), 10))
	case r.flags&kfNoID == 0:
		v.ID = blk.inStrs[r.id]
	}
	if r.flags&kfFreq != 0 {
		if r.freq >= 0 {
			v.Freq = ks.dicts.freqs[r.freq]
		} else {
			v.Freq = blk.inFreqs[-r.freq-1]
		}
	}
	if r.flags&kfClin != 0 {
		if r.clin >= 0 {
			v.ClinSig = ks.dicts.clins[r.clin]
		} else {
			v.ClinSig = blk.inStrs[-r.clin-1]
		}
	}
	return v
}

// rsNumber is the rs number at index i of the planes.
func (blk *knownBlock) rsNumber(i uint32) uint32 {
	n := uint32(blk.nRS)
	return uint32(blk.rs[i])<<24 | uint32(blk.rs[n+i])<<16 | uint32(blk.rs[2*n+i])<<8 | uint32(blk.rs[3*n+i])
}

// block returns block b decoded, from the cache when possible.
func (ks *knownStore) block(b int) (*knownBlock, error) {
	if blk := ks.cache[b].Load(); blk != nil {
		return blk, nil
	}
	// Decode outside the lock, so workers needing different blocks decode
	// in parallel; two decoding the same block keep the first one stored.
	blk, err := ks.decode(b)
	if err != nil {
		return nil, err
	}
	c := ks.lru
	c.mu.Lock()
	defer c.mu.Unlock()
	if cached := ks.cache[b].Load(); cached != nil {
		return cached, nil
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

// readBlock returns block b's payload, inside the mapping: nothing decoded
// from it may keep a reference (strings are copied).
func (ks *knownStore) readBlock(b int) ([]byte, error) {
	ix := ks.index[b]
	if ix.clen != ix.ulen {
		return nil, fmt.Errorf("known block %d: corrupt index", b)
	}
	return ks.data[ix.off : ix.off+int64(ix.clen)], nil
}

func (ks *knownStore) decode(b int) (*knownBlock, error) {
	raw, err := ks.readBlock(b)
	if err != nil {
		return nil, err
	}
	ix := ks.index[b]
	cols, ok := blockColumns(raw)
	if !ok {
		return nil, fmt.Errorf("known block %d: corrupt data", b)
	}
	pos, alle, flags, ids, freq, clin, inline := &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6]
	// Every inline string is a substring of this copy (raw is in the mapping).
	inline.str = string(inline.raw)
	n := int(ix.count)
	// The rs numbers are 4 byte planes of one number per kfRS record.
	nRS := len(ids.raw) / 4
	if len(flags.raw) != n || len(ids.raw) != 4*nRS {
		return nil, fmt.Errorf("known block %d: corrupt data", b)
	}
	blk := &knownBlock{pos: make([]int32, n), recs: make([]knownRec, n), rs: append([]byte(nil), ids.raw...), nRS: nRS}
	nAlleles, nFreqs, nClins := len(ks.dicts.alleles), len(ks.dicts.freqs), len(ks.dicts.clins)
	// The loop keeps the position and allele columns' offsets in locals
	// and decodes one-byte varints (nearly all) inline: it runs once per
	// record of every block a query touches.
	at, rsi := int(ix.first), 0
	pr, pp, ar, ap := pos.raw, 0, alle.raw, 0
	recs, fl, ps := blk.recs, flags.raw[:n], blk.pos[:n]
	for i := range recs {
		var d, c int
		if pp < len(pr) && pr[pp] < 0x80 {
			d, pp = int(pr[pp]), pp+1
		} else {
			pos.p = pp
			d = pos.uvarintLong()
			pp = pos.p
		}
		at += d
		ps[i] = int32(at)
		r := &recs[i]
		f := fl[i]
		if ap < len(ar) && ar[ap] < 0x80 {
			c, ap = int(ar[ap]), ap+1
		} else {
			alle.p = ap
			c = alle.uvarintLong()
			ap = alle.p
		}
		if c > 0 && c <= nAlleles {
			r.allele = int32(c - 1)
		} else {
			blk.inAlleles = append(blk.inAlleles, [2]string{inline.str8(), inline.str8()})
			r.allele = -int32(len(blk.inAlleles))
		}
		switch {
		case f&kfSameID != 0 && i > 0:
			prev := &recs[i-1]
			r.id, f = prev.id, f&^(kfSameID|kfRS|kfNoID)|prev.flags&(kfRS|kfNoID)
		case f&kfRS != 0:
			if rsi >= nRS {
				return nil, fmt.Errorf("known block %d: corrupt data", b)
			}
			r.id = uint32(rsi)
			rsi++
		case f&kfNoID == 0:
			blk.inStrs = append(blk.inStrs, inline.str8())
			r.id = uint32(len(blk.inStrs) - 1)
		}
		r.flags = f
		if f&kfFreq != 0 {
			c := 0
			if freq.p < len(freq.raw) && freq.raw[freq.p] < 0x80 {
				c = int(freq.raw[freq.p])
				freq.p++
			} else {
				c = freq.uvarintLong()
			}
			if c > 0 && c <= nFreqs {
				r.freq = int32(c - 1)
			} else {
				blk.inFreqs = append(blk.inFreqs, math.Float64frombits(inline.u64()))
				r.freq = -int32(len(blk.inFreqs))
			}
		}
		if f&kfClin != 0 {
			if c := clin.uvarint(); c > 0 && c <= nClins {
				r.clin = int32(c - 1)
			} else {
				blk.inStrs = append(blk.inStrs, inline.str8())
				r.clin = -int32(len(blk.inStrs))
			}
		}
	}
	pos.p, alle.p = pp, ap
	if rsi != nRS || at > math.MaxInt32 || slices.ContainsFunc(cols[:], func(d byteDecoder) bool { return d.bad }) {
		return nil, fmt.Errorf("known block %d: corrupt data", b)
	}
	return blk, nil
}

// blockColumns splits a block's payload into its seven columns (position
// deltas, alleles, flags, rs numbers, frequencies, clinical significance,
// inline values), each prefixed by its length; ok is false if the lengths
// do not fit the payload.
func blockColumns(raw []byte) (cols [7]byteDecoder, ok bool) {
	hdr := byteDecoder{raw: raw}
	var lens [7]int
	for i := range lens {
		lens[i] = hdr.uvarint()
	}
	p := hdr.p
	for i := range cols {
		if hdr.bad || p+lens[i] > len(raw) {
			return cols, false
		}
		cols[i] = byteDecoder{raw: raw[p : p+lens[i]]}
		p += lens[i]
	}
	return cols, true
}

// byteDecoder reads varints, strings and fixed fields; bad is sticky, so
// callers check it once. str, when set, is raw as a string, and strings are
// its substrings (no allocation per value).
type byteDecoder struct {
	raw []byte
	str string
	p   int
	bad bool
}

func (d *byteDecoder) uvarint() int {
	// Most values (position deltas, dictionary codes) fit one byte.
	if d.p < len(d.raw) && d.raw[d.p] < 0x80 {
		d.p++
		return int(d.raw[d.p-1])
	}
	return d.uvarintLong()
}

func (d *byteDecoder) uvarintLong() int {
	x, n := binary.Uvarint(d.raw[min(d.p, len(d.raw)):])
	if n <= 0 || x > math.MaxInt32 {
		d.bad = true
		return 0
	}
	d.p += n
	return int(x)
}

func (d *byteDecoder) str8() string {
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return ""
	}
	d.p += l
	if d.str == "" {
		return string(d.raw[d.p-l : d.p])
	}
	return d.str[d.p-l : d.p]
}

func (d *byteDecoder) u64() uint64 {
	if d.bad || d.p+8 > len(d.raw) {
		d.bad = true
		return 0
	}
	d.p += 8
	return binary.LittleEndian.Uint64(d.raw[d.p-8:])
}

func (ks *knownStore) close() error { return ks.unmap() }
