package variants

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/vcf"
)

// shownRow is a row's display text (Row's id, ref, alt, allele, feature,
// biotype, hgvsc, hgvsp and clin_sig, in that order) and, read from the
// result, its filter values as the text gives them (gene and csq in the
// reading parser's dictionaries): checked against the index's.
type shownRow struct {
	pos       uint32
	gene, csq uint32
	flags     uint8
	af        float32
	text      [displayFields]string
}

// ErrWrongResult is a result whose text does not give the index's rows:
// not the VCF the index was built of, or changed since (recompressed, cut
// short).
var ErrWrongResult = errors.New("the result does not match the index (not the annotated VCF it was built of, or changed since: recompressed or cut short)")

// maxResultLine bounds the memory a line of the result may take while its
// rows are read (the engine's own lines are far shorter).
const maxResultLine = 64 << 20

// resultKind is how an index reaches its rows' display text.
type resultKind int

const (
	resultNone  resultKind = iota // versions 2-4: in the index's display sections
	resultPlain                   // anchors are offsets into the result's text
	resultBGZF                    // anchors are virtual offsets into a BGZF result
)

// sniffResult tells a BGZF result from a text one by its first bytes.
func sniffResult(r io.ReaderAt) (resultKind, error) {
	head := make([]byte, 18)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return resultNone, fmt.Errorf("variant index: read the result: %w", err)
	}
	head = head[:n]
	switch {
	case vcf.IsBGZF(head):
		return resultBGZF, nil
	case vcf.IsGzip(head):
		return resultNone, fmt.Errorf("variant index: the result is gzip but not BGZF: %w", ErrWrongResult)
	}
	return resultPlain, nil
}

// rowReader reads the display text of an anchored index's groups of rows
// from the result, one query's worth: from a group's anchor on, it parses
// the result's lines as Builder does and keeps the rows of the group.
type rowReader struct {
	ix    *Index
	z     *vcf.BGZFAt // resultBGZF
	p     *parser
	shown []shownRow
	carry []byte
	buf   []byte // resultPlain: the text read
	// blocks caches the display sections read (versions 2-4).
	blocks map[int]*blockDisplay
}

func (ix *Index) newRowReader() *rowReader {
	rr := &rowReader{ix: ix}
	if ix.kind == resultNone {
		return rr
	}
	if ix.kind == resultBGZF {
		rr.z = vcf.NewBGZFAt(ix.result)
	}
	rr.p = &parser{csq: newCSQLayout(strings.Join(ix.f.Fields, "|")), header: true,
		chroms: map[string]int{}, genes: map[string]uint32{}, csqs: map[string]uint32{}, blk: newBlockBuf()}
	rr.p.shownRows = &rr.shown
	return rr
}

// group returns the display text of the rows of group g of block bi
// (rows of them): read from the result at the group's anchor, or from the
// block's display section (versions 2-4).
func (rr *rowReader) group(bi, g, rows int) ([]shownRow, error) {
	ix := rr.ix
	if ix.kind == resultNone {
		return rr.sectionGroup(bi, g, rows)
	}
	b := &ix.f.Blocks[bi]
	var a [anchorLen]byte
	if _, err := ix.r.ReadAt(a[:], b.AnchorOff+int64(anchorLen*g)); err != nil {
		return nil, fmt.Errorf("variant index: block %d: read anchor %d: %w", bi, g, err)
	}
	place, skip := binary.LittleEndian.Uint64(a[:]), int(binary.LittleEndian.Uint32(a[8:]))
	if len(ix.f.Parts) > 0 {
		place += uint64(ix.f.Parts[b.Part].ResultOff) << 16
	}
	need := skip + rows
	rr.shown = rr.shown[:0]
	err := rr.lines(place, func(line []byte) (bool, error) {
		switch {
		case len(line) == 0: // no rows, as Builder reads it
			return true, nil
		case line[0] == '#':
			return false, errors.New("a header line where a record was expected")
		}
		if err := rr.p.record(line); err != nil {
			return false, fmt.Errorf("a line: %w", err)
		}
		return len(rr.shown) < need, nil
	})
	if err == nil && len(rr.shown) < need {
		err = errors.New("the result ends before the group's rows")
	}
	if err != nil {
		return nil, fmt.Errorf("variant index: block %d, rows %d-%d: %v: %w", bi, g*displayGroup, g*displayGroup+rows-1, err, ErrWrongResult)
	}
	return slices.Clone(rr.shown[skip:need]), nil // rr.shown is the next group's
}

// lines calls fn with each line of the result from place on (an anchor's
// place) until fn returns false or an error, or the result ends.
func (rr *rowReader) lines(place uint64, fn func([]byte) (bool, error)) error {
	var next func() ([]byte, error) // the result's next piece of text; io.EOF at its end
	switch rr.ix.kind {
	case resultBGZF:
		off, in := int64(place>>16), int(place&0xffff)
		next = func() ([]byte, error) {
			text, after, err := rr.z.Block(off)
			if err != nil {
				return nil, err
			}
			if in > len(text) {
				return nil, fmt.Errorf("offset %d is beyond its BGZF block's %d bytes", in, len(text))
			}
			text, in, off = text[in:], 0, after
			return text, nil
		}
	default:
		off := int64(place)
		if rr.buf == nil {
			rr.buf = make([]byte, 64<<10)
		}
		next = func() ([]byte, error) {
			n, err := rr.ix.result.ReadAt(rr.buf, off)
			off += int64(n)
			if n > 0 {
				return rr.buf[:n], nil
			}
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
	}
	carry := rr.carry[:0]
	defer func() { rr.carry = carry[:0] }()
	for {
		text, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for {
			i := bytes.IndexByte(text, '\n')
			if i < 0 {
				break
			}
			line := text[:i]
			if len(carry) > 0 {
				carry = append(carry, line...)
				line = carry
			}
			more, err := fn(bytes.TrimSuffix(line, []byte("\r")))
			carry = carry[:0]
			if err != nil || !more {
				return err
			}
			text = text[i+1:]
		}
		if carry = append(carry, text...); len(carry) > maxResultLine {
			return fmt.Errorf("a line of more than %d bytes", maxResultLine)
		}
	}
	if len(carry) > 0 {
		_, err := fn(bytes.TrimSuffix(carry, []byte("\r")))
		return err
	}
	return nil
}

// checkRow checks that row i of block bi, c its filter columns, is what the
// result's text gives (d): its position, gene, consequence list, impact,
// canonical flag and af.
func (rr *rowReader) checkRow(bi int, c filterCols, i int, d *shownRow) error {
	ix, p := rr.ix, rr.p
	if d.pos == c.pos(i) && d.flags == c.flags(i) && math.Float32bits(d.af) == math.Float32bits(c.af(i)) &&
		p.foot.Genes[d.gene] == ix.f.Genes[c.gene(i)] && p.foot.Csqs[d.csq] == ix.f.Csqs[c.csq(i)] {
		return nil
	}
	return fmt.Errorf("variant index: block %d, row %d: the index has %s:%d %s %s, the result's text %d %s %s: %w", bi, i,
		ix.f.Chroms[ix.f.Blocks[bi].Chrom], c.pos(i), ix.f.Genes[c.gene(i)].Name(), ix.f.Csqs[c.csq(i)],
		d.pos, p.foot.Genes[d.gene].Name(), p.foot.Csqs[d.csq], ErrWrongResult)
}

// sectionGroup decodes group g of block bi's display section (versions 2-4).
func (rr *rowReader) sectionGroup(bi, g, rows int) ([]shownRow, error) {
	d, ok := rr.blocks[bi]
	if !ok {
		var err error
		if d, err = rr.ix.readDisplay(bi); err != nil {
			return nil, err
		}
		if rr.blocks == nil {
			rr.blocks = map[int]*blockDisplay{}
		}
		rr.blocks[bi] = d
	}
	text, err := d.group(g, rows)
	if err != nil {
		return nil, err
	}
	out := make([]shownRow, len(text))
	for i, t := range text {
		out[i].text = t
	}
	return out, nil
}
