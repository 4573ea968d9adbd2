package refdata

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"sort"
)

// Sequence file, format 2: the whole chromosome at 2 bits per base
// (A=0, C=1, G=2, T=3; base p, 1-based, in byte (p-1)/4 at bits
// 2*((p-1)%4)), so position arithmetic needs no table. Bases other than
// ACGT (N and IUPAC codes) are stored as 0 and listed as runs in the
// chromosome's meta.json.

// minNRun is the shortest run of N that counts as "not stored" in
// StoredBases (the manifest's statistic of real sequence).
const minNRun = 1000

// seqRun is a run of one non-ACGT base: Start..End, 1-based inclusive.
type seqRun struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Base  string `json:"base"` // one letter, e.g. "N"
}

// chromMeta is a chromosome's small metadata file.
type chromMeta struct {
	Name   string   `json:"name"`
	Length int      `json:"length"`
	Runs   []seqRun `json:"runs,omitempty"` // non-ACGT runs, ascending, not touching when of the same base
	Bands  []Band   `json:"bands,omitempty"`
}

var baseCode = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	t['A'], t['C'], t['G'], t['T'] = 0, 1, 2, 3
	return t
}()

// decode4 is the four bases a packed byte holds, in order.
var decode4 = func() (t [256][4]byte) {
	for b := range t {
		for k := 0; k < 4; k++ {
			t[b][k] = "ACGT"[b>>(2*k)&3]
		}
	}
	return t
}()

// seqWriter packs a chromosome's bases as they stream in.
type seqWriter struct {
	f      *os.File
	bw     *bufio.Writer
	n      int  // bases written
	cur    byte // packed byte being filled
	runs   []seqRun
	stored int // bases outside N runs of minNRun or more
}

func newSeqWriter(path string) (*seqWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &seqWriter{f: f, bw: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Write appends upper-case bases.
func (w *seqWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		code := baseCode[c]
		if code == 0xff {
			pos := w.n + 1
			if n := len(w.runs); n > 0 && w.runs[n-1].End == pos-1 && w.runs[n-1].Base[0] == c {
				w.runs[n-1].End = pos
			} else {
				w.runs = append(w.runs, seqRun{Start: pos, End: pos, Base: string(c)})
			}
			code = 0
		}
		w.cur |= code << (2 * (w.n & 3))
		w.n++
		if w.n&3 == 0 {
			w.bw.WriteByte(w.cur)
			w.cur = 0
		}
	}
	return len(p), nil
}

// close writes the last partial byte and returns the exception runs.
func (w *seqWriter) close() ([]seqRun, error) {
	if w.n&3 != 0 {
		w.bw.WriteByte(w.cur)
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.stored = w.n
	for _, r := range w.runs {
		if r.Base == "N" && r.End-r.Start+1 >= minNRun {
			w.stored -= r.End - r.Start + 1
		}
	}
	return w.runs, err
}

// packedSeq reads a chromosome's packed sequence.
type packedSeq struct {
	data []byte // (length+3)/4 bytes
	runs []seqRun
}

// appendBases appends bases start..end (1-based inclusive, inside the
// chromosome) to dst.
func (s *packedSeq) appendBases(dst []byte, start, end int) []byte {
	return s.patchRuns(appendPacked(dst, s.data, start-1, end-1), start, end)
}

// appendPacked appends the bases at 0-based positions p..last of packed
// (position 0 in its first byte) to dst.
func appendPacked(dst, packed []byte, p, last int) []byte {
	if p == last { // one base: an SNV's REF check
		return append(dst, decode4[packed[p>>2]][p&3])
	}
	for p <= last && p&3 != 0 {
		dst = append(dst, decode4[packed[p>>2]][p&3])
		p++
	}
	for ; p+3 <= last; p += 4 {
		d := &decode4[packed[p>>2]]
		dst = append(dst, d[0], d[1], d[2], d[3])
	}
	for ; p <= last; p++ {
		dst = append(dst, decode4[packed[p>>2]][p&3])
	}
	return dst
}

// patchRuns writes the runs' bases over bases start..end, the last
// end-start+1 bytes of dst.
func (s *packedSeq) patchRuns(dst []byte, start, end int) []byte {
	out := dst[len(dst)-(end-start+1):]
	for i := s.runAt(start); i < len(s.runs) && s.runs[i].Start <= end; i++ {
		r := s.runs[i]
		for q := max(r.Start, start); q <= min(r.End, end); q++ {
			out[q-start] = r.Base[0]
		}
	}
	return dst
}

// A SeqReader's window of a packed sequence: a page at first, twice the
// last window (up to seqWindow, 256 kbp) when reads go on just past it.
const (
	seqPage   = 4 << 10
	seqWindow = 64 << 10
)

// SeqReader reads a chromosome's bases for one goroutine through a window
// of its sequence file, read with pread and kept: dense position-sorted
// lookups (the annotator's REF check on a whole genome) then cost one read
// per 256 kbp, where the mapped sequence cost a first touch of every page,
// about 2.5 µs a page on the VMs measured; sparse ones (an exome) read a
// page at a time, not copying windows they hardly use. The zero value is
// ready to use, with any chromosome of any bundle; a SeqReader must not be
// used by two goroutines at once.
type SeqReader struct {
	chrom uint64 // Chrom.id the window is of; 0: none
	first int    // index in the packed file of win[0]
	win   []byte
	// Positions gapLo..gapHi of chromosome gapChrom (0: none) hold no run
	// of N or IUPAC codes, the stretch between two that the last lookup
	// found: sorted lookups mostly fall there and need not search the runs.
	gapChrom     uint64
	gapLo, gapHi int
}

// runFree reports whether no run of c (N or IUPAC codes) touches
// start..end, from the gap between runs r knows or else the one around
// start, which r then keeps.
func (r *SeqReader) runFree(c *Chrom, start, end int) bool {
	if r.gapChrom != c.id || start < r.gapLo || end > r.gapHi {
		runs := c.seq.runs
		i := c.seq.runAt(start)
		if i < len(runs) && runs[i].Start <= start {
			return false // start is in run i
		}
		r.gapChrom, r.gapLo, r.gapHi = c.id, 1, c.Length
		if i > 0 {
			r.gapLo = runs[i-1].End + 1
		}
		if i < len(runs) {
			r.gapHi = runs[i].Start - 1
		}
	}
	return start >= r.gapLo && end <= r.gapHi
}

// appendBases appends bases start..end (inside the chromosome) of c to
// dst, reading the window that holds them if it has not yet; a range
// longer than a window is read from the mapping.
func (r *SeqReader) appendBases(c *Chrom, dst []byte, start, end int) ([]byte, error) {
	lo, hi := (start-1)>>2, (end-1)>>2 // packed bytes
	if hi-lo >= seqWindow {
		return c.seq.appendBases(dst, start, end), nil
	}
	if r.chrom != c.id || lo < r.first || hi >= r.first+len(r.win) {
		size := seqPage
		if r.chrom == c.id && lo >= r.first && lo < r.first+2*len(r.win) {
			size = min(2*len(r.win), seqWindow)
		}
		size = max(size, hi-lo+1)
		r.chrom = 0
		r.win = slices.Grow(r.win[:0], size)[:min(size, len(c.seq.data)-lo)]
		if _, err := c.seqFile.ReadAt(r.win, int64(lo)); err != nil {
			return dst, fmt.Errorf("sequence %s:%d-%d: %w", c.Name, start, end, err)
		}
		r.chrom, r.first = c.id, lo
	}
	dst = appendPacked(dst, r.win, start-1-4*r.first, end-1-4*r.first)
	if r.runFree(c, start, end) {
		return dst, nil
	}
	return c.seq.patchRuns(dst, start, end), nil
}

// allN reports whether runs of N cover start..end (true when empty).
func (s *packedSeq) allN(start, end int) bool {
	for i := s.runAt(start); start <= end; i++ {
		if i == len(s.runs) || s.runs[i].Start > start || s.runs[i].Base != "N" {
			return false
		}
		start = s.runs[i].End + 1
	}
	return true
}

// runAt is the index of the first run ending at or after pos.
func (s *packedSeq) runAt(pos int) int {
	return sort.Search(len(s.runs), func(i int) bool { return s.runs[i].End >= pos })
}
