package refdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
)

// knownStore reads one chromosome's known variants block by block.
type knownStore struct {
	// f is read a block at a time (pread), not mapped: on the VMs measured
	// the first touch of a mapped page cost about 2.5 µs, and a block
	// (two pages) read into a reused buffer half of that.
	f     *os.File
	index []knownBlockIndex
	dicts knownDicts
	// id tells this store's blocks apart in a KnownReader (never 0, never
	// reused: a store opened again after a release gets a new one).
	id uint64
}

var knownStoreIDs atomic.Uint64

// KnownReader decodes known-variant blocks for one goroutine and keeps the
// last few it decoded, in buffers it reuses: a position-sorted scan (each
// block is looked up many times, then never again) decodes every block it
// needs once and allocates nothing once warm. The zero value is ready to
// use; a KnownReader must not be used by two goroutines at once, so each
// annotating worker has its own. It may be used with any chromosome of any
// bundle.
type KnownReader struct {
	slots [knownReaderSlots]readerSlot
	last  int // the slot of the last hit, checked first
	next  int // the slot to decode into next (oldest first)
	// The store and block of the last lookup: a sorted scan's next lookup
	// is in the same block or the next one, found without a search.
	hintStore uint64
	hintBlock int
	// No record of store gapStore has a Pos in [gapFrom, gapTo): the
	// stretch after the last lookup up to the next record, where most
	// lookups of a sorted scan fall (answered without reading a block).
	gapStore       uint64
	gapFrom, gapTo int32
	ids            []byte // the ids of the last matches (KnownMatch.ID)
}

type readerSlot struct {
	store uint64 // knownStore.id; 0: empty
	b     int
	blk   knownBlock
}

// block returns block b of ks decoded, from r's slots when possible.
func (r *KnownReader) block(ks *knownStore, b int) (*knownBlock, error) {
	if s := &r.slots[r.last]; s.store == ks.id && s.b == b {
		return &s.blk, nil
	}
	for i := range r.slots {
		if s := &r.slots[i]; s.store == ks.id && s.b == b {
			r.last = i
			return &s.blk, nil
		}
	}
	i := r.next
	r.next = (i + 1) % len(r.slots)
	s := &r.slots[i]
	s.store = 0
	if err := ks.read(b, &s.blk); err != nil {
		return nil, err
	}
	s.store, s.b, r.last = ks.id, b, i
	return &s.blk, nil
}

// knownBlock is a block read for lookups. Its positions are decoded when
// it is read (lookups binary-search them); the other columns are read by
// a cursor, in record order, only as far as the lookups need: a query
// usually wants a few of the block's records (a whole-genome query about
// 50 of 1024), and decoding every record cost more than all the lookups.
// Reading again reuses the buffers.
type knownBlock struct {
	pos  []int32
	buf  []byte         // the payload
	cols [7]byteDecoder // the columns inside buf, at their start
	nRS  int            // rs numbers in the ids column (4 byte planes, most significant first)
	// dictionary sizes: codes beyond them are corrupt
	nAlleles, nFreqs, nClins int
	cur                      blockCursor
	// mark is the cursor at the first record of the last lookup: the next
	// lookup at the same position (another ALT, the same variant again)
	// goes back there, not to the block's first record.
	mark blockCursor
	hint int // the first record with Pos >= the last lookup's start
}

// blockCursor is where a knownBlock's columns are read up to.
type blockCursor struct {
	i                        int // the next record
	alle, freq, clin, inline byteDecoder
	rs                       int      // rs numbers taken by the records before i
	prev                     knownRec // record i-1, for an id marked kfSameID
}

// knownRec refers into the chromosome's dictionaries (index >= 0) or to a
// value at offset k of the block's inline column (-(k+1); for an allele
// REF there, ALT following it).
type knownRec struct {
	allele, freq, clin int32
	id                 int32 // index into the rs planes (kfRS) or inline offset (inline id)
	flags              uint8 // kf*; kfSameID resolved
}

func openKnownStore(path string) (*knownStore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	ks, err := readKnownIndex(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ks.f, ks.id = f, knownStoreIDs.Add(1)
	return ks, nil
}

// readKnownIndex reads the footer, the dictionaries and the block index.
func readKnownIndex(f *os.File) (*knownStore, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < knownFooterSize {
		return nil, errors.New("known-variant file too short")
	}
	var foot [knownFooterSize]byte
	if _, err := f.ReadAt(foot[:], size-knownFooterSize); err != nil {
		return nil, err
	}
	if string(foot[20:]) != knownFooterMagic {
		return nil, errors.New("known-variant file: bad footer (not format 2: rebuild the bundle with 'gas refdata build')")
	}
	dictOff, idxOff := int64(binary.LittleEndian.Uint64(foot[0:])), int64(binary.LittleEndian.Uint64(foot[8:]))
	n := int64(binary.LittleEndian.Uint32(foot[16:]))
	if dictOff < 0 || dictOff > idxOff || idxOff+n*knownIndexSize+knownFooterSize != size {
		return nil, errors.New("known-variant file: index size mismatch")
	}
	tail := make([]byte, size-knownFooterSize-dictOff) // dictionaries and index
	if _, err := f.ReadAt(tail, dictOff); err != nil {
		return nil, err
	}
	ks := &knownStore{index: make([]knownBlockIndex, n)}
	if ks.dicts, err = readDicts(tail[:idxOff-dictOff]); err != nil {
		return nil, err
	}
	raw := tail[idxOff-dictOff:]
	for i := range ks.index {
		e := raw[i*knownIndexSize:]
		ks.index[i] = knownBlockIndex{
			first: int32(binary.LittleEndian.Uint32(e[0:])), last: int32(binary.LittleEndian.Uint32(e[4:])),
			off: int64(binary.LittleEndian.Uint64(e[8:])), clen: binary.LittleEndian.Uint32(e[16:]),
			ulen: binary.LittleEndian.Uint32(e[20:]), count: binary.LittleEndian.Uint32(e[24:]),
		}
		if ix := ks.index[i]; ix.off < 0 || ix.off+int64(ix.clen) > dictOff || ix.count == 0 || ix.count > 1<<16 {
			return nil, fmt.Errorf("known-variant file: block %d outside the file or of %d records", i, ix.count)
		} else if ix.clen != ix.ulen {
			return nil, fmt.Errorf("known-variant file: block %d: stored size %d, payload size %d (format 2 stores blocks as they are)", i, ix.clen, ix.ulen)
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

// appendRange appends the records with Pos in [start,end] to dst, decoding
// blocks through r.
func (ks *knownStore) appendRange(r *KnownReader, dst []KnownVariant, start, end int) ([]KnownVariant, error) {
	err := ks.scan(r, start, end, func(blk *knownBlock, i int, rec knownRec) bool {
		v, ok := ks.variant(blk, i, rec)
		if ok {
			dst = append(dst, v)
		}
		return ok
	})
	return dst, err
}

// appendMatches appends the records at pos with alleles ref and alt to
// dst. Only a record whose alleles match has its other values read, and
// its id is written into r (no string per id).
func (ks *knownStore) appendMatches(r *KnownReader, dst []KnownMatch, pos int, ref, alt string) ([]KnownMatch, error) {
	r.ids = r.ids[:0]
	if r.inGap(ks, pos, pos) {
		return dst, nil // the common case of a sorted scan, without making the closure
	}
	err := ks.scan(r, pos, pos, func(blk *knownBlock, _ int, rec knownRec) bool {
		if is, ok := ks.allelesAre(blk, rec, ref, alt); !is || !ok {
			return ok
		}
		n := len(r.ids)
		var ok bool
		r.ids, ok = blk.appendID(r.ids, rec)
		m := KnownMatch{ID: r.ids[n:len(r.ids):len(r.ids)], Freq: -1}
		if rec.flags&kfFreq != 0 {
			m.Freq = ks.freq(blk, rec, &ok)
		}
		if rec.flags&kfClin != 0 {
			m.ClinSig = ks.clinSig(blk, rec, &ok)
		}
		if ok {
			dst = append(dst, m)
		}
		return ok
	})
	return dst, err
}

// inGap reports whether [start,end] lies in the stretch without records
// that r's last lookup in ks found.
func (r *KnownReader) inGap(ks *knownStore, start, end int) bool {
	return r.gapStore == ks.id && start >= int(r.gapFrom) && end < int(r.gapTo)
}

// scan calls fn with the records of ks with Pos in [start,end], in order,
// decoding blocks through r, until fn returns false: the record's data
// is corrupt, which scan returns as an error.
func (ks *knownStore) scan(r *KnownReader, start, end int, fn func(blk *knownBlock, i int, rec knownRec) bool) error {
	if start > end || start > math.MaxInt32 {
		return nil
	}
	if r.inGap(ks, start, end) {
		return nil
	}
	s32, e32 := int32(start), int32(min(end, math.MaxInt32))
	next, from := int32(math.MaxInt32), s32 // the next record's Pos after e32; the gap's start
	for b := r.findBlock(ks, s32); b < len(ks.index); b++ {
		if ks.index[b].first > e32 {
			next = ks.index[b].first
			break
		}
		blk, err := r.block(ks, b)
		if err != nil {
			return err
		}
		i := blk.lowerBound(s32)
		if i < len(blk.pos) && blk.pos[i] <= e32 {
			blk.seek(i)
			blk.mark = blk.cur
			from = e32 + 1
		}
		for ; i < len(blk.pos) && blk.pos[i] <= e32; i++ {
			rec, ok := blk.record(i)
			if !ok || !fn(blk, i, rec) {
				return corruptBlock(b)
			}
		}
		if i < len(blk.pos) {
			next = blk.pos[i]
			break
		}
	}
	if e32 < math.MaxInt32 {
		r.gapStore, r.gapFrom, r.gapTo = ks.id, from, next
	}
	return nil
}

// findBlock returns the first block of ks whose last Pos is at least s.
// It starts from the block of r's last lookup: lookups in position order
// stay in that block or move to the next, and only a jump searches.
func (r *KnownReader) findBlock(ks *knownStore, s int32) int {
	idx := ks.index
	lo, hi := 0, len(idx)
	if b := r.hintBlock; r.hintStore == ks.id && b < len(idx) {
		switch {
		case b > 0 && idx[b-1].last >= s:
			hi = b - 1 // back: the answer is before b
		case idx[b].last >= s:
			return b
		case b+1 < len(idx) && idx[b+1].last >= s:
			lo, hi = b+1, b+1
		default:
			lo = b + 1
		}
	}
	b := lo + sort.Search(hi-lo, func(i int) bool { return idx[lo+i].last >= s })
	if b < len(idx) {
		r.hintStore, r.hintBlock = ks.id, b
	}
	return b
}

// lowerBound returns the first record of blk with Pos >= s (len(blk.pos)
// when none). It starts from the last lookup's answer: lookups in
// position order move forward by a few records (on a whole genome about
// twenty), which windows doubling from there bracket in a few steps where
// a binary search over the block took ten.
func (blk *knownBlock) lowerBound(s int32) int {
	pos, lo := blk.pos, blk.hint
	if lo > 0 && pos[lo-1] >= s {
		lo, _ = slices.BinarySearch(pos[:lo], s) // back
	} else if lo < len(pos) && pos[lo] < s {
		lo++
		step := 4
		for lo+step <= len(pos) && pos[lo+step-1] < s {
			lo += step
			step *= 2
		}
		k, _ := slices.BinarySearch(pos[lo:min(lo+step, len(pos))], s)
		lo += k
	}
	blk.hint = lo
	return lo
}

// variant materializes record i of blk, read as rec.
func (ks *knownStore) variant(blk *knownBlock, i int, rec knownRec) (KnownVariant, bool) {
	v, ok := KnownVariant{Pos: int(blk.pos[i]), Freq: -1}, true
	if rec.allele >= 0 {
		a := ks.dicts.alleles[rec.allele]
		v.Ref, v.Alt = a[0], a[1]
	} else {
		in := blk.inlineAt(-rec.allele - 1)
		v.Ref, v.Alt = in.str8(), in.str8()
		ok = !in.bad
	}
	var buf [16]byte
	id, idOK := blk.appendID(buf[:0], rec)
	v.ID, ok = string(id), ok && idOK
	if rec.flags&kfFreq != 0 {
		v.Freq = ks.freq(blk, rec, &ok)
	}
	if rec.flags&kfClin != 0 {
		v.ClinSig = ks.clinSig(blk, rec, &ok)
	}
	return v, ok
}

// allelesAre reports whether rec's alleles are ref and alt; ok is false
// if they are corrupt.
func (ks *knownStore) allelesAre(blk *knownBlock, rec knownRec, ref, alt string) (is, ok bool) {
	if rec.allele >= 0 {
		a := &ks.dicts.alleles[rec.allele]
		return a[0] == ref && a[1] == alt, true
	}
	in := blk.inlineAt(-rec.allele - 1)
	r, a := in.bytes8(), in.bytes8()
	return string(r) == ref && string(a) == alt, !in.bad
}

// appendID appends rec's id to dst (nothing when it has none).
func (blk *knownBlock) appendID(dst []byte, rec knownRec) ([]byte, bool) {
	switch {
	case rec.flags&kfRS != 0:
		return strconv.AppendUint(append(dst, "rs"...), uint64(blk.rsNumber(rec.id)), 10), true
	case rec.flags&kfNoID == 0:
		in := blk.inlineAt(rec.id)
		return append(dst, in.bytes8()...), !in.bad
	}
	return dst, true
}

// freq is rec's frequency (it has kfFreq); *ok becomes false if it is corrupt.
func (ks *knownStore) freq(blk *knownBlock, rec knownRec, ok *bool) float64 {
	if rec.freq >= 0 {
		return ks.dicts.freqs[rec.freq]
	}
	in := blk.inlineAt(-rec.freq - 1)
	f := math.Float64frombits(in.u64())
	*ok = *ok && !in.bad
	return f
}

// clinSig is rec's CLIN_SIG (it has kfClin); *ok becomes false if it is corrupt.
func (ks *knownStore) clinSig(blk *knownBlock, rec knownRec, ok *bool) string {
	if rec.clin >= 0 {
		return ks.dicts.clins[rec.clin]
	}
	in := blk.inlineAt(-rec.clin - 1)
	c := in.str8()
	*ok = *ok && !in.bad
	return c
}

// inlineAt reads the inline column from offset k (its strings are copied).
func (blk *knownBlock) inlineAt(k int32) byteDecoder {
	return byteDecoder{raw: blk.cols[6].raw, p: int(k)}
}

// rsNumber is the rs number at index i of the planes.
func (blk *knownBlock) rsNumber(i int32) uint32 {
	n, rs := int(blk.nRS), blk.cols[3].raw
	return uint32(rs[i])<<24 | uint32(rs[n+int(i)])<<16 | uint32(rs[2*n+int(i)])<<8 | uint32(rs[3*n+int(i)])
}

// read makes blk block b: the payload read, every position decoded and
// the cursor at the first record.
func (ks *knownStore) read(b int, blk *knownBlock) error {
	ix := ks.index[b]
	blk.buf = slices.Grow(blk.buf[:0], int(ix.clen))[:ix.clen]
	if _, err := ks.f.ReadAt(blk.buf, ix.off); err != nil {
		return fmt.Errorf("known block %d: %w", b, err)
	}
	cols, ok := blockColumns(blk.buf)
	n := int(ix.count)
	if !ok || len(cols[2].raw) != n || len(cols[3].raw)%4 != 0 {
		return corruptBlock(b)
	}
	blk.cols, blk.nRS = cols, len(cols[3].raw)/4
	blk.nAlleles, blk.nFreqs, blk.nClins = len(ks.dicts.alleles), len(ks.dicts.freqs), len(ks.dicts.clins)
	blk.pos = slices.Grow(blk.pos[:0], n)[:n]
	if !decodePositions(blk.pos, cols[0].raw, int(ix.first)) {
		return corruptBlock(b)
	}
	blk.rewind()
	blk.mark, blk.hint = blk.cur, 0
	return nil
}

// decodePositions fills out with the positions that are first plus the
// running sum of raw's uvarints; ok is false if raw is corrupt or a
// position does not fit an int32. The deltas are nearly all one-byte
// varints: 8 are added up at a time when no byte of the 8 continues a
// varint.
func decodePositions(out []int32, raw []byte, first int) (ok bool) {
	at, p := first, 0
	for i := 0; i < len(out); {
		if i+8 <= len(out) && p+8 <= len(raw) {
			if w := binary.LittleEndian.Uint64(raw[p:]); w&(lowBytes<<7) == 0 {
				o := (*[8]int32)(out[i : i+8])
				a := at + int(w&0xff)
				o[0] = int32(a)
				a += int(w >> 8 & 0xff)
				o[1] = int32(a)
				a += int(w >> 16 & 0xff)
				o[2] = int32(a)
				a += int(w >> 24 & 0xff)
				o[3] = int32(a)
				a += int(w >> 32 & 0xff)
				o[4] = int32(a)
				a += int(w >> 40 & 0xff)
				o[5] = int32(a)
				a += int(w >> 48 & 0xff)
				o[6] = int32(a)
				at = a + int(w>>56)
				o[7] = int32(at)
				i, p = i+8, p+8
				continue
			}
		}
		x, n := binary.Uvarint(raw[p:])
		if n <= 0 || x > math.MaxInt32 {
			return false
		}
		at += int(x)
		out[i] = int32(at)
		i, p = i+1, p+n
	}
	return at <= math.MaxInt32
}

// rewind puts blk's cursor at its first record.
func (blk *knownBlock) rewind() {
	blk.cur = blockCursor{alle: blk.cols[1], freq: blk.cols[4], clin: blk.cols[5], inline: blk.cols[6]}
}

// seek moves blk's cursor to record i (the next one read). The cursor
// moves forward (lookups come in position order); it goes back to the
// mark when i is not before it, to the first record only when a lookup
// goes back further.
func (blk *knownBlock) seek(i int) {
	if i < blk.cur.i {
		if i >= blk.mark.i {
			blk.cur = blk.mark
		} else {
			blk.rewind()
		}
	}
	if len(blk.cols[6].raw) == 0 {
		blk.skip(i)
	}
	for blk.cur.i < i {
		blk.next()
	}
}

// record reads record i of blk; ok is false if its data is corrupt.
func (blk *knownBlock) record(i int) (r knownRec, ok bool) {
	blk.seek(i)
	r = blk.next()
	c := &blk.cur
	return r, !(c.alle.bad || c.freq.bad || c.clin.bad || c.inline.bad || c.rs > blk.nRS)
}

// skip moves the cursor to record i in a block without inline values (the
// usual case). There a record's values are found from the flags and the
// varints' last bytes alone, counted 8 bytes at a time: skipping a record
// costs a few instructions where reading it cost over a hundred.
func (blk *knownBlock) skip(i int) {
	c := &blk.cur
	if i <= c.i {
		return
	}
	fl := blk.cols[2].raw[c.i:i]
	var nRS, nFreq, nClin int
	ids := true // every record has kfSameID, kfRS or kfNoID (no inline id)
	k := 0
	for ; k+8 <= len(fl); k += 8 {
		w := binary.LittleEndian.Uint64(fl[k:])
		nRS += bits.OnesCount64(w & (lowBytes * kfRS))
		nFreq += bits.OnesCount64(w & (lowBytes * kfFreq))
		nClin += bits.OnesCount64(w & (lowBytes * kfClin))
		ids = ids && (w|w>>1|w>>2)&(lowBytes*kfSameID) == lowBytes*kfSameID
	}
	for _, f := range fl[k:] {
		nRS += int(f / kfRS & 1)
		nFreq += int(f & kfFreq)
		nClin += int(f / kfClin & 1)
		ids = ids && f&(kfSameID|kfRS|kfNoID) != 0
	}
	// The id a kfSameID record at i would copy: the last record's own.
	for k := len(fl) - 1; k >= 0; k-- {
		if f := fl[k]; f&kfSameID == 0 || c.i+k == 0 {
			c.prev = knownRec{id: int32(c.rs + nRS - 1), flags: f}
			break
		}
	}
	c.i, c.rs = i, c.rs+nRS
	c.inline.bad = c.inline.bad || !ids
	c.alle.skipUvarints(len(fl))
	c.freq.skipUvarints(nFreq)
	c.clin.skipUvarints(nClin)
}

// lowBytes has the lowest bit of every byte set: lowBytes*flag selects a
// flag in 8 packed records.
const lowBytes = 0x0101010101010101

// next reads the record at the cursor and moves past it. Errors are
// sticky in the cursor's decoders (record checks them).
func (blk *knownBlock) next() knownRec {
	c := &blk.cur
	f := blk.cols[2].raw[c.i]
	var r knownRec
	switch code := c.alle.uvarint(); {
	case code == 0:
		r.allele = -int32(c.inline.p) - 1
		c.inline.skip()
		c.inline.skip()
	case code <= blk.nAlleles:
		r.allele = int32(code - 1)
	default:
		c.alle.bad = true
	}
	switch {
	case f&kfSameID != 0 && c.i > 0:
		r.id, f = c.prev.id, f&^(kfSameID|kfRS|kfNoID)|c.prev.flags&(kfRS|kfNoID)
	case f&kfRS != 0:
		r.id = int32(c.rs)
		c.rs++
	case f&kfNoID == 0:
		r.id = int32(c.inline.p)
		c.inline.skip()
	}
	r.flags = f
	if f&(kfFreq|kfClin) != 0 {
		blk.readOptional(&r)
	}
	c.prev = r
	c.i++
	return r
}

// readOptional reads the fields a record stores only under its flags (a
// quarter of records have a frequency, few a clinical significance): a
// dictionary index, or an inline value where the dictionary has none.
func (blk *knownBlock) readOptional(r *knownRec) {
	c := &blk.cur
	if r.flags&kfFreq != 0 {
		switch code := c.freq.uvarint(); {
		case code == 0:
			r.freq = -int32(c.inline.p) - 1
			c.inline.u64()
		case code <= blk.nFreqs:
			r.freq = int32(code - 1)
		default:
			c.freq.bad = true
		}
	}
	if r.flags&kfClin != 0 {
		switch code := c.clin.uvarint(); {
		case code == 0:
			r.clin = -int32(c.inline.p) - 1
			c.inline.skip()
		case code <= blk.nClins:
			r.clin = int32(code - 1)
		default:
			c.clin.bad = true
		}
	}
}

func corruptBlock(b int) error { return fmt.Errorf("known block %d: corrupt data", b) }

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
	if d.str == "" {
		return string(d.bytes8())
	}
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return ""
	}
	d.p += l
	return d.str[d.p-l : d.p]
}

// bytes8 is str8 pointing into raw.
func (d *byteDecoder) bytes8() []byte {
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return nil
	}
	d.p += l
	return d.raw[d.p-l : d.p : d.p]
}

// skipUvarints moves past n uvarints, counting their last bytes (high bit
// clear) 8 at a time.
func (d *byteDecoder) skipUvarints(n int) {
	p := d.p
	for n >= 8 && p+8 <= len(d.raw) {
		n -= bits.OnesCount64(^binary.LittleEndian.Uint64(d.raw[p:]) & (lowBytes << 7))
		p += 8
	}
	for ; n > 0 && p < len(d.raw); p++ {
		if d.raw[p] < 0x80 {
			n--
		}
	}
	d.p, d.bad = p, d.bad || n > 0
}

// skip moves past a length-prefixed string.
func (d *byteDecoder) skip() {
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return
	}
	d.p += l
}

func (d *byteDecoder) u64() uint64 {
	if d.bad || d.p+8 > len(d.raw) {
		d.bad = true
		return 0
	}
	d.p += 8
	return binary.LittleEndian.Uint64(d.raw[d.p-8:])
}

func (ks *knownStore) close() error { return ks.f.Close() }
