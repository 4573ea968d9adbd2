package tabix

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/gasproject/gas/internal/vcf"
)

// IndexVCF indexes the BGZF-compressed VCF at path and writes path+".tbi",
// or path+".csi" when a record ends beyond TBIMaxPos. It returns the index
// file's path. The index appears only when complete (temporary file + rename).
func IndexVCF(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	x, err := ScanVCF(f)
	if err != nil {
		return "", fmt.Errorf("index %s: %w", path, err)
	}
	return WriteIndex(x, path, vcf.Renamed)
}

// WriteIndex writes x as the index of the BGZF VCF at path: path+".tbi", or
// path+".csi" when a record ends beyond TBIMaxPos. It returns the index
// file's path.
func WriteIndex(x *Indexer, path string, d vcf.Durability) (string, error) {
	out := path + ".tbi"
	if x.NeedsCSI() {
		out = path + ".csi"
	}
	if err := x.writeFile(out, d); err != nil {
		return "", fmt.Errorf("index %s: %w", path, err)
	}
	return out, nil
}

// writeFile writes the index, BGZF-compressed, atomically (vcf.Output).
func (x *Indexer) writeFile(out string, d vcf.Durability) error {
	o, err := vcf.Create(out, d)
	if err != nil {
		return err
	}
	defer o.Abort()
	zw := vcf.NewBGZFWriter(o)
	if x.NeedsCSI() {
		err = x.WriteCSI(zw)
	} else {
		err = x.WriteTBI(zw)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return o.Commit()
}

// ScanVCF reads a BGZF-compressed VCF block by block and indexes every data
// line by its virtual offsets.
func ScanVCF(r io.Reader) (*Indexer, error) {
	br := &blockReader{r: bufio.NewReaderSize(r, 1<<20), zr: flate.NewReader(bytes.NewReader(nil))}
	x := NewIndexer()
	var (
		line      []byte // a line crossing blocks, collected so far
		lineStart uint64 // virtual offset of its first byte
		lineNo    int
	)
	for {
		coff, data, err := br.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for p := 0; p < len(data); {
			if len(line) == 0 {
				lineStart = coff<<16 | uint64(p)
			}
			nl := bytes.IndexByte(data[p:], '\n')
			if nl < 0 {
				line = append(line, data[p:]...)
				break
			}
			line = append(line, data[p:p+nl]...)
			p += nl + 1
			lineNo++
			// The next line starts at p in this block, or at the next block.
			end := coff<<16 | uint64(p)
			if p == len(data) {
				end = br.off << 16
			}
			if err := x.addLine(line, lineStart, end); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			line = line[:0]
		}
	}
	if len(line) > 0 {
		lineNo++
		if err := x.addLine(line, lineStart, br.off<<16); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	return x, nil
}

// addLine indexes one VCF line (headers are skipped).
func (x *Indexer) addLine(line []byte, vstart, vend uint64) error {
	chrom, beg, end, ok, err := parseLine(line)
	if !ok || err != nil {
		return err
	}
	return x.Add(string(chrom), beg, end, vstart, vend)
}

// parseLine gives a data line's chromosome and 0-based half-open span; ok is
// false for header and empty lines.
func parseLine(line []byte) (chrom []byte, beg, end int64, ok bool, err error) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) == 0 || line[0] == '#' {
		return nil, 0, 0, false, nil
	}
	var cols [8][]byte
	rest := line
	n := 0
	for n < len(cols) && rest != nil {
		c, after, found := bytes.Cut(rest, []byte{'\t'})
		cols[n] = c
		n++
		if !found {
			after = nil
		}
		rest = after
	}
	if n < 5 {
		return nil, 0, 0, false, errors.New("fewer than 5 tab-separated columns")
	}
	pos, err := strconv.ParseInt(string(cols[1]), 10, 64)
	if err != nil || pos < 1 {
		return nil, 0, 0, false, fmt.Errorf("POS %q is not a positive integer", cols[1])
	}
	beg = pos - 1
	end = beg + int64(max(len(cols[3]), 1))
	if n >= 8 {
		if e, ok := infoEnd(cols[7]); ok && e > end {
			end = e
		}
	}
	return cols[0], beg, end, true, nil
}

// infoEnd reads INFO/END (1-based inclusive, so it is also the 0-based exclusive end).
func infoEnd(info []byte) (int64, bool) {
	for len(info) > 0 {
		item, rest, _ := bytes.Cut(info, []byte{';'})
		info = rest
		if v, ok := bytes.CutPrefix(item, []byte("END=")); ok {
			e, err := strconv.ParseInt(string(v), 10, 64)
			return e, err == nil
		}
	}
	return 0, false
}

// blockReader yields BGZF blocks with their compressed offsets.
type blockReader struct {
	r   *bufio.Reader
	zr  io.ReadCloser
	off uint64 // compressed offset of the next block
	raw []byte
	out []byte
}

func (b *blockReader) next() (uint64, []byte, error) {
	for {
		start := b.off
		head, err := b.r.Peek(18)
		if err == io.EOF && len(head) == 0 {
			return 0, nil, io.EOF
		}
		if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b || len(head) == 18 && (head[3]&4 == 0 || head[12] != 'B' || head[13] != 'C') {
			return 0, nil, fmt.Errorf("not BGZF at offset %d (compress with bgzip or gas annotate -o X.vcf.gz)", start)
		}
		if err != nil {
			return 0, nil, fmt.Errorf("truncated BGZF block at offset %d", start)
		}
		size := int(binary.LittleEndian.Uint16(head[16:])) + 1
		if cap(b.raw) < size {
			b.raw = make([]byte, size)
		}
		b.raw = b.raw[:size]
		if _, err := io.ReadFull(b.r, b.raw); err != nil {
			return 0, nil, fmt.Errorf("truncated BGZF block at offset %d", start)
		}
		b.off += uint64(size)
		xlen := int(binary.LittleEndian.Uint16(b.raw[10:]))
		if 12+xlen+8 > size {
			return 0, nil, fmt.Errorf("bad BGZF block at offset %d", start)
		}
		isize := int(binary.LittleEndian.Uint32(b.raw[size-4:]))
		if isize == 0 {
			continue // the EOF marker or an empty block
		}
		if err := b.zr.(flate.Resetter).Reset(bytes.NewReader(b.raw[12+xlen:size-8]), nil); err != nil {
			return 0, nil, err
		}
		if cap(b.out) < isize {
			b.out = make([]byte, isize)
		}
		b.out = b.out[:isize]
		if _, err := io.ReadFull(b.zr, b.out); err != nil {
			return 0, nil, fmt.Errorf("BGZF block at offset %d: %w", start, err)
		}
		return start, b.out, nil
	}
}
