package refdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
)

// knownStore reads one chromosome's known variants block by block.
type knownStore struct {
	data  []byte       // the file, memory-mapped when large (see mapFile)
	unmap func() error // releases data
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
	if err := ks.decode(b, &s.blk); err != nil {
		return nil, err
	}
	s.store, s.b, r.last = ks.id, b, i
	return &s.blk, nil
}

// knownBlock is a decoded block: flat arrays, no strings per record. pos
// mirrors the records' positions densely so binary searches touch few cache
// lines; a KnownVariant is made only for the records a lookup returns.
// Decoding again reuses the arrays. Nothing in it points into the mapped
// file (which is unmapped when its chromosome is released).
type knownBlock struct {
	pos  []int32
	recs []knownRec
	// rs holds the block's rs numbers as 4 byte planes (most significant
	// first) of nRS bytes each; a kfRS record's id is its index there, and
	// the number is put together only for the records a lookup returns.
	rs  []byte
	nRS int
	// inline is a copy of the block's inline column; inSpans locate the
	// values written there (alleles as two spans, REF then ALT; ids;
	// CLIN_SIG values), made into strings only when returned.
	inline  []byte
	inSpans []inlineSpan
	inFreqs []float64
}

type inlineSpan struct{ off, len int32 }

// knownRec refers into the chromosome's dictionaries (index >= 0) or the
// block's inline values (-(index+1): for an allele the index of its REF
// span, ALT following; for CLIN_SIG its span, for frequencies into inFreqs).
type knownRec struct {
	allele, freq, clin int32
	id                 uint32 // index into the rs planes (kfRS) or into inSpans (inline id)
	flags              uint8  // kf*; kfSameID is resolved while decoding
}

func openKnownStore(path string) (*knownStore, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	ks, err := readKnownIndex(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ks.unmap, ks.id = unmap, knownStoreIDs.Add(1)
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
	ks := &knownStore{data: data, index: make([]knownBlockIndex, n)}
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

// appendRange appends the records with Pos in [start,end] to dst, decoding
// blocks through r.
func (ks *knownStore) appendRange(r *KnownReader, dst []KnownVariant, start, end int) ([]KnownVariant, error) {
	if start > end || start > math.MaxInt32 {
		return dst, nil
	}
	s32, e32 := int32(start), int32(min(end, math.MaxInt32))
	b := sort.Search(len(ks.index), func(i int) bool { return ks.index[i].last >= s32 })
	for ; b < len(ks.index) && ks.index[b].first <= e32; b++ {
		blk, err := r.block(ks, b)
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
		k := -r.allele - 1
		v.Ref, v.Alt = blk.inlineString(k), blk.inlineString(k+1)
	}
	switch {
	case r.flags&kfRS != 0:
		var buf [16]byte
		v.ID = string(strconv.AppendUint(append(buf[:0], "rs"...), uint64(blk.rsNumber(r.id)), 10))
	case r.flags&kfNoID == 0:
		v.ID = blk.inlineString(int32(r.id))
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
			v.ClinSig = blk.inlineString(-r.clin - 1)
		}
	}
	return v
}

// inlineString is inline value k as a new string.
func (blk *knownBlock) inlineString(k int32) string {
	sp := blk.inSpans[k]
	return string(blk.inline[sp.off : sp.off+sp.len])
}

// rsNumber is the rs number at index i of the planes.
func (blk *knownBlock) rsNumber(i uint32) uint32 {
	n := uint32(blk.nRS)
	return uint32(blk.rs[i])<<24 | uint32(blk.rs[n+i])<<16 | uint32(blk.rs[2*n+i])<<8 | uint32(blk.rs[3*n+i])
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

// decode decodes block b into blk, reusing its arrays.
func (ks *knownStore) decode(b int, blk *knownBlock) error {
	raw, err := ks.readBlock(b)
	if err != nil {
		return err
	}
	ix := ks.index[b]
	cols, ok := blockColumns(raw)
	if !ok {
		return corruptBlock(b)
	}
	pos, alle, flags, ids, freq, clin, inline := &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6]
	n := int(ix.count)
	// The rs numbers are 4 byte planes of one number per kfRS record.
	nRS := len(ids.raw) / 4
	if len(flags.raw) != n || len(ids.raw) != 4*nRS {
		return corruptBlock(b)
	}
	blk.pos = slices.Grow(blk.pos[:0], n)[:n]
	blk.recs = slices.Grow(blk.recs[:0], n)[:n]
	blk.rs, blk.nRS = append(blk.rs[:0], ids.raw...), nRS
	blk.inline = append(blk.inline[:0], inline.raw...)
	blk.inSpans, blk.inFreqs = blk.inSpans[:0], blk.inFreqs[:0]
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
		f := fl[i]
		// Fields are stored one by one: a record built in a local and
		// copied whole made a 16-byte load of four fresh 4-byte stores,
		// which store forwarding cannot serve (it stalled every record).
		// freq and clin are read only under their flags.
		r := &recs[i]
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
			r.allele = -int32(len(blk.inSpans)) - 1
			blk.inSpans = append(blk.inSpans, inline.span(), inline.span())
		}
		switch {
		case f&kfSameID != 0 && i > 0:
			prev := &recs[i-1]
			r.id, f = prev.id, f&^(kfSameID|kfRS|kfNoID)|prev.flags&(kfRS|kfNoID)
		case f&kfRS != 0:
			if rsi >= nRS {
				return corruptBlock(b)
			}
			r.id = uint32(rsi)
			rsi++
		case f&kfNoID == 0:
			r.id = uint32(len(blk.inSpans))
			blk.inSpans = append(blk.inSpans, inline.span())
		}
		r.flags = f
		if f&(kfFreq|kfClin) != 0 {
			blk.decodeOptional(r, freq, clin, inline, nFreqs, nClins)
		}
	}
	pos.p, alle.p = pp, ap
	if rsi != nRS || at > math.MaxInt32 || slices.ContainsFunc(cols[:], func(d byteDecoder) bool { return d.bad }) {
		return corruptBlock(b)
	}
	return nil
}

// decodeOptional decodes the fields a record stores only under its flags
// (a quarter of records have a frequency, few a clinical significance): a
// dictionary index, or an inline value where the dictionary has none.
func (blk *knownBlock) decodeOptional(r *knownRec, freq, clin, inline *byteDecoder, nFreqs, nClins int) {
	if r.flags&kfFreq != 0 {
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
	if r.flags&kfClin != 0 {
		if c := clin.uvarint(); c > 0 && c <= nClins {
			r.clin = int32(c - 1)
		} else {
			r.clin = -int32(len(blk.inSpans)) - 1
			blk.inSpans = append(blk.inSpans, inline.span())
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

// span reads a length-prefixed string and returns where it is in raw.
func (d *byteDecoder) span() inlineSpan {
	l := d.uvarint()
	if d.bad || d.p+l > len(d.raw) {
		d.bad = true
		return inlineSpan{}
	}
	d.p += l
	return inlineSpan{int32(d.p - l), int32(l)}
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
