package refdata

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// Known-variant file, format 2 (see doc.go): blocks of knownBlockSize
// records in byte-oriented columns (no entropy coding: decoding a block
// costs a few nanoseconds per record, where inflating DEFLATE cost 180), then
// the dictionaries, the block index and a fixed footer.

const (
	knownBlockSize   = 1024
	knownFooterMagic = "GASKRAW2"
	knownFooterSize  = 8 + 8 + 4 + 8
	knownIndexSize   = 4 + 4 + 8 + 4 + 4 + 4
	knownReaderSlots = 8 // blocks a KnownReader keeps (about 90 KB)
)

// Dictionary sizes: values beyond them are written inline in the block
// (variables so tests can make them overflow).
var (
	maxAlleleDict = 1 << 16
	maxFreqDict   = 1 << 16
	maxClinDict   = 1 << 12
)

// Per-record flags (one byte column).
const (
	kfFreq   = 1 << iota // a frequency code follows in the freq column
	kfClin               // a CLIN_SIG code follows in the clin column
	kfSameID             // same id as the previous record of the block
	kfRS                 // id is "rs" + the number in the id planes
	kfNoID               // no id
	// none of kfSameID, kfRS, kfNoID: the id is an inline string
)

type knownBlockIndex struct {
	first, last int32 // Pos of the first and last record
	off         int64
	clen, ulen  uint32 // compressed and uncompressed payload sizes
	count       uint32
}

// knownDicts are a chromosome's dictionaries, filled first come first served
// while writing and read whole when the chromosome is opened.
type knownDicts struct {
	alleles [][2]string
	freqs   []float64
	clins   []string
}

// knownWriter writes one chromosome's known-variant file from records in Pos order.
type knownWriter struct {
	f     *os.File
	bw    *bufio.Writer
	off   int64
	block []KnownVariant
	index []knownBlockIndex
	dicts knownDicts
	// codes of dictionary entries, +1 (0 = not in the dictionary)
	alleleCode map[[2]string]uint32
	freqCode   map[float64]uint32
	clinCode   map[string]uint32
	cols       [7]bytes.Buffer // pos, allele, flags, id planes (4, one buffer), freq, clin, inline
	raw        bytes.Buffer
	n          int
}

func newKnownWriter(path string) (*knownWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &knownWriter{f: f, bw: bufio.NewWriterSize(f, 1<<16),
		alleleCode: map[[2]string]uint32{}, freqCode: map[float64]uint32{}, clinCode: map[string]uint32{}}
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

// rsNumber returns n for an id "rs<n>" with 0 < n < 2^32 and no leading zero.
func rsNumber(id string) (uint32, bool) {
	if len(id) < 3 || len(id) > 12 || id[0] != 'r' || id[1] != 's' || id[2] == '0' {
		return 0, false
	}
	var n uint64
	for i := 2; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return uint32(n), n < 1<<32
}

func putUvarint(b *bytes.Buffer, x uint64) {
	var tmp [binary.MaxVarintLen64]byte
	b.Write(tmp[:binary.PutUvarint(tmp[:], x)])
}

func putString(b *bytes.Buffer, s string) {
	putUvarint(b, uint64(len(s)))
	b.WriteString(s)
}

// code returns the dictionary code (+1) of key, adding it while there is room; 0 means inline.
func code[K comparable](m map[K]uint32, key K, limit int, add func()) uint32 {
	if c, ok := m[key]; ok {
		return c
	}
	if len(m) >= limit {
		return 0
	}
	add()
	m[key] = uint32(len(m) + 1)
	return uint32(len(m))
}

// encodeBlock fills the columns for the buffered records.
func (w *knownWriter) encodeBlock() {
	for i := range w.cols {
		w.cols[i].Reset()
	}
	pos, alle, flags, ids, freq, clin, inline := &w.cols[0], &w.cols[1], &w.cols[2], &w.cols[3], &w.cols[4], &w.cols[5], &w.cols[6]
	var rs []uint32
	prevPos, prevID := w.block[0].Pos, "\x00"
	for _, v := range w.block {
		putUvarint(pos, uint64(v.Pos-prevPos))
		prevPos = v.Pos
		key := [2]string{v.Ref, v.Alt}
		c := code(w.alleleCode, key, maxAlleleDict, func() { w.dicts.alleles = append(w.dicts.alleles, key) })
		putUvarint(alle, uint64(c))
		if c == 0 {
			putString(inline, v.Ref)
			putString(inline, v.Alt)
		}
		var f byte
		switch n, isRS := rsNumber(v.ID); {
		case v.ID == prevID:
			f |= kfSameID
		case v.ID == "":
			f |= kfNoID
		case isRS:
			f |= kfRS
			rs = append(rs, n)
		default:
			putString(inline, v.ID)
		}
		prevID = v.ID
		if v.Freq >= 0 {
			f |= kfFreq
			c := code(w.freqCode, v.Freq, maxFreqDict, func() { w.dicts.freqs = append(w.dicts.freqs, v.Freq) })
			putUvarint(freq, uint64(c))
			if c == 0 {
				var b [8]byte
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(v.Freq))
				inline.Write(b[:])
			}
		}
		if v.ClinSig != "" {
			f |= kfClin
			c := code(w.clinCode, v.ClinSig, maxClinDict, func() { w.dicts.clins = append(w.dicts.clins, v.ClinSig) })
			putUvarint(clin, uint64(c))
			if c == 0 {
				putString(inline, v.ClinSig)
			}
		}
		flags.WriteByte(f)
	}
	// rs numbers in byte planes, most significant first: the high planes
	// hold few distinct values and compress well.
	for shift := 24; shift >= 0; shift -= 8 {
		for _, n := range rs {
			ids.WriteByte(byte(n >> shift))
		}
	}
}

func (w *knownWriter) flushBlock() error {
	if len(w.block) == 0 {
		return nil
	}
	w.encodeBlock()
	w.raw.Reset()
	for i := range w.cols {
		putUvarint(&w.raw, uint64(w.cols[i].Len()))
	}
	for i := range w.cols {
		w.raw.Write(w.cols[i].Bytes())
	}
	w.index = append(w.index, knownBlockIndex{
		first: int32(w.block[0].Pos), last: int32(w.block[len(w.block)-1].Pos),
		off: w.off, clen: uint32(w.raw.Len()), ulen: uint32(w.raw.Len()), count: uint32(len(w.block)),
	})
	if _, err := w.bw.Write(w.raw.Bytes()); err != nil {
		return err
	}
	w.off += int64(w.raw.Len())
	w.block = w.block[:0]
	return nil
}

// close writes the last block, the dictionaries, the index and the footer.
func (w *knownWriter) close() error {
	err := w.flushBlock()
	dictOff := w.off
	if err == nil {
		var d bytes.Buffer
		putUvarint(&d, uint64(len(w.dicts.alleles)))
		for _, a := range w.dicts.alleles {
			putString(&d, a[0])
			putString(&d, a[1])
		}
		putUvarint(&d, uint64(len(w.dicts.freqs)))
		for _, f := range w.dicts.freqs {
			d.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)))
		}
		putUvarint(&d, uint64(len(w.dicts.clins)))
		for _, c := range w.dicts.clins {
			putString(&d, c)
		}
		_, err = w.bw.Write(d.Bytes())
		w.off += int64(d.Len())
	}
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
		binary.LittleEndian.PutUint64(foot[0:], uint64(dictOff))
		binary.LittleEndian.PutUint64(foot[8:], uint64(w.off))
		binary.LittleEndian.PutUint32(foot[16:], uint32(len(w.index)))
		copy(foot[20:], knownFooterMagic)
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
