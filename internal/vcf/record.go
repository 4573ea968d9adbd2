package vcf

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Record is one data line, parsed just enough to annotate it: the line is kept
// as is and the fields are sub-slices of it, so parsing allocates nothing once
// the Record's buffers have grown. FORMAT and the sample columns stay one raw
// string (Rest) and are never parsed.
//
// A Record parsed by ParseRecord refers to the caller's line: it is valid only
// while that line is.
type Record struct {
	Line []byte // the whole line, without its terminator
	Pos  int

	// Byte offsets into Line: the start of each of the 8 fixed columns,
	// then the start of FORMAT (or len(Line)+1 when absent).
	start [9]int
	alts  [][]byte
	ncols int
	// CHROM and REF, read several times per record (slicing Line by start
	// each time cost a tenth of parsing it)
	chrom, ref []byte
}

// Fixed columns, as sub-slices of Line.
func (r *Record) Chrom() []byte  { return r.chrom }
func (r *Record) ID() []byte     { return r.field(2) }
func (r *Record) Ref() []byte    { return r.ref }
func (r *Record) Alt() []byte    { return r.field(4) }
func (r *Record) Qual() []byte   { return r.field(5) }
func (r *Record) Filter() []byte { return r.field(6) }
func (r *Record) Info() []byte   { return r.field(7) }

// Rest is FORMAT and the sample columns, tab-separated and untouched
// (nil when the line has only the 8 fixed columns).
func (r *Record) Rest() []byte {
	if r.start[8] > len(r.Line) {
		return nil
	}
	return r.Line[r.start[8]:]
}

// Alts returns the ALT alleles ("." gives none). The slice is reused by the
// next ParseRecord into r.
func (r *Record) Alts() [][]byte { return r.alts }

// Columns is the number of tab-separated columns of the line.
func (r *Record) Columns() int { return r.ncols }

func (r *Record) field(i int) []byte {
	return r.Line[r.start[i] : r.start[i+1]-1]
}

// AppendWith appends the record to dst with the ID and INFO columns replaced
// by id and info; every other byte is copied from the input line.
func (r *Record) AppendWith(dst, id, info []byte) []byte {
	return r.AppendTail(append(r.AppendHead(dst, id), info...))
}

// AppendHead appends the columns before INFO, with ID replaced by id, and
// the tab that precedes INFO. With AppendTail it lets a writer build INFO in
// place: AppendTail(append(AppendHead(dst, id), info...)) is AppendWith.
func (r *Record) AppendHead(dst, id []byte) []byte {
	dst = append(dst, r.Line[:r.start[2]]...)
	dst = append(dst, id...)
	dst = append(dst, '\t')
	return append(dst, r.Line[r.start[3]:r.start[7]]...)
}

// HeadEnds locates CHROM, ID, REF and ALT in the text AppendHead(dst, id)
// writes, from its start, for an id of idLen bytes: CHROM is [0,
// chromEnd), ID [idStart, idEnd), REF [idEnd+1, refEnd) and ALT [refEnd+1,
// altEnd).
func (r *Record) HeadEnds(idLen int) (chromEnd, idStart, idEnd, refEnd, altEnd int) {
	s := &r.start
	idEnd = s[2] + idLen
	refEnd = idEnd + s[4] - s[3]
	return s[1] - 1, s[2], idEnd, refEnd, refEnd + s[5] - s[4]
}

// AppendTail appends what follows INFO: a tab, FORMAT and the sample
// columns, or nothing for an 8-column line.
func (r *Record) AppendTail(dst []byte) []byte {
	if r.start[8] <= len(r.Line) {
		dst = append(dst, '\t')
		dst = append(dst, r.Line[r.start[8]:]...)
	}
	return dst
}

// ParseRecord parses one data line (without its line terminator) into r.
// wantCols is the column count the header announces; 0 accepts any count of 8
// or more. Errors are *ParseError with Line 0: the caller knows the line number
// and sets it.
func ParseRecord(line []byte, wantCols int, r *Record) error {
	r.Line, r.chrom, r.ref = line, nil, nil
	r.alts = r.alts[:0]
	if bytes.IndexByte(line, 0) >= 0 {
		return parseErr(0, ErrBinary, "binary data (NUL byte) in a record")
	}
	if n := fixedStarts(line, &r.start); n < 7 {
		return parseErr(0, ErrColumns, "%d columns, want at least 8 (fields are separated by tabs)", n+1)
	}
	off := r.start[7]
	// INFO ends at the next tab, or at the end of the line.
	if j := bytes.IndexByte(line[off:], '\t'); j >= 0 {
		r.start[8] = off + j + 1
		r.ncols = 9 + bytes.Count(line[r.start[8]:], tab)
	} else {
		r.start[8] = len(line) + 1
		r.ncols = 8
	}
	if wantCols > 0 && r.ncols != wantCols {
		return parseErr(0, ErrColumns, "%d columns, the header announces %d", r.ncols, wantCols)
	}
	r.chrom, r.ref = r.field(0), r.field(3)
	if len(r.chrom) == 0 {
		return parseErr(0, ErrColumns, "empty CHROM")
	}
	pos, ok := parsePos(r.field(1))
	if !ok {
		return parseErr(0, ErrPos, "POS %q is not a non-negative integer", clip(r.field(1)))
	}
	r.Pos = pos
	ref := r.ref
	if len(ref) == 0 {
		return parseErr(0, ErrRef, "empty REF")
	}
	for _, c := range ref {
		if !isBase(c) {
			return parseErr(0, ErrRef, "REF %q has a character outside ACGTN", clip(ref))
		}
	}
	alt := r.Alt()
	if len(alt) == 0 {
		return parseErr(0, ErrColumns, "empty ALT")
	}
	if !(len(alt) == 1 && alt[0] == '.') {
		for {
			k := bytes.IndexByte(alt, ',')
			if k < 0 {
				r.alts = append(r.alts, alt)
				break
			}
			r.alts = append(r.alts, alt[:k])
			alt = alt[k+1:]
		}
	}
	return nil
}

var tab = []byte{'\t'}

// fixedStarts sets start[0..7] to where the first 8 columns begin and
// returns how many of their 7 separating tabs it found (start is set up to
// that column). The columns are short, so it looks at 8 bytes at a time
// instead of calling bytes.IndexByte for each (that cost more than
// scanning them).
func fixedStarts(line []byte, start *[9]int) int {
	const lo7, tabs = 0x7f7f7f7f7f7f7f7f, 0x0909090909090909
	start[0] = 0
	n, k := 0, 0
	for ; k+8 <= len(line); k += 8 {
		// 0x80 in each byte of w that is a tab, 0 elsewhere (exact: no
		// carry crosses a byte)
		x := binary.LittleEndian.Uint64(line[k:]) ^ tabs
		m := ^((x&lo7 + lo7) | x | lo7)
		for m != 0 {
			n++
			start[n] = k + bits.TrailingZeros64(m)>>3 + 1
			if n == 7 {
				return n
			}
			m &= m - 1
		}
	}
	for ; k < len(line); k++ {
		if line[k] == '\t' {
			n++
			start[n] = k + 1
			if n == 7 {
				return n
			}
		}
	}
	return n
}

func parsePos(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isBase(c byte) bool {
	switch c | 0x20 { // lower-case
	case 'a', 'c', 'g', 't', 'n':
		return true
	}
	return false
}

// clip shortens a field quoted in an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// IsSymbolic reports whether an ALT allele is not a sequence: "*" (allele
// missing due to an upstream deletion), "<...>" symbolic alleles such as <DEL>
// or <NON_REF>, breakends, or the missing value ".".
func IsSymbolic(alt []byte) bool {
	if len(alt) == 0 {
		return true
	}
	// each of those holds a byte that is not a base ('*', '<', '[', ']', '.')
	for _, c := range alt {
		if !isBase(c) {
			return true
		}
	}
	return false
}
