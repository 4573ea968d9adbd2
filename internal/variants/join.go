package variants

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
)

// Part describes an index a Builder wrote, for Join: its directory (the
// footer), so parts can be joined by streaming their blocks once.
type Part struct {
	Footer footer `json:"footer"`
}

// Part returns the directory of the index written, after a Close without
// error (nil otherwise).
func (b *Builder) Part() *Part {
	if !b.closed {
		return nil
	}
	<-b.done
	if b.err != nil {
		return nil
	}
	return &Part{Footer: b.p.foot}
}

// Join writes to w the index of the parts' VCFs joined in order, as one
// Builder would have written it but for blocks that end where a part ends:
// each part's blocks are copied, their dictionary ids translated into the
// joined dictionaries, display sections unchanged. open(i) streams the index
// part i (the file its Builder wrote); parts must share one CSQ layout.
func Join(w io.Writer, parts []*Part, open func(i int) (io.ReadCloser, error)) error {
	maps, foot, err := joinDirectories(parts)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	jw := &joinWriter{w: bw}
	if err := jw.write([]byte(magic)); err != nil {
		return err
	}
	for i, p := range parts {
		if err := jw.copyPart(i, p, maps[i], open, foot); err != nil {
			return err
		}
	}
	if err := writeFooter(bw, foot, jw.off); err != nil {
		return fmt.Errorf("variant index: join: write footer: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("variant index: join: write: %w", err)
	}
	return nil
}

// idMaps translates one part's dictionary ids into the joined ones.
type idMaps struct {
	chroms, genes, csqs []uint32
}

// joinDirectories builds the joined dictionaries (first-seen order, as one
// Builder) and each part's translation; blocks are added by copyPart.
func joinDirectories(parts []*Part) ([]idMaps, *footer, error) {
	foot := &footer{Version: version, Chroms: []string{}, Genes: []Gene{}, Csqs: []string{}, Blocks: []blockInfo{}}
	chroms, genes, csqs := map[string]uint32{}, map[Gene]uint32{}, map[string]uint32{}
	maps := make([]idMaps, len(parts))
	for i, p := range parts {
		if p == nil {
			return nil, nil, fmt.Errorf("variant index: join: part %d has no description", i)
		}
		f := &p.Footer
		if f.Version != version {
			return nil, nil, fmt.Errorf("variant index: join: part %d is version %d, this build writes %d", i, f.Version, version)
		}
		if len(f.Fields) > 0 {
			if foot.Fields == nil {
				foot.Fields = f.Fields
			} else if !slices.Equal(foot.Fields, f.Fields) {
				return nil, nil, fmt.Errorf("variant index: join: part %d has another CSQ layout", i)
			}
		}
		if foot.Rows += f.Rows; foot.Rows >= math.MaxUint32 {
			return nil, nil, errTooManyRows
		}
		m := &maps[i]
		for _, c := range f.Chroms {
			m.chroms = append(m.chroms, intern(chroms, &foot.Chroms, c))
		}
		for _, g := range f.Genes {
			m.genes = append(m.genes, intern(genes, &foot.Genes, g))
		}
		for _, c := range f.Csqs {
			m.csqs = append(m.csqs, intern(csqs, &foot.Csqs, c))
		}
	}
	return maps, foot, nil
}

// intern returns v's id in the dictionary list, adding it when new.
func intern[K comparable](ids map[K]uint32, list *[]K, v K) uint32 {
	if id, ok := ids[v]; ok {
		return id
	}
	id := uint32(len(*list))
	ids[v] = id
	*list = append(*list, v)
	return id
}

type joinWriter struct {
	w   *bufio.Writer
	off int64
	buf []byte
}

func (j *joinWriter) write(b []byte) error {
	n, err := j.w.Write(b)
	j.off += int64(n)
	if err != nil {
		return fmt.Errorf("variant index: join: write: %w", err)
	}
	return nil
}

// copyPart streams part i's blocks into the joined index and adds them to foot.
func (j *joinWriter) copyPart(i int, p *Part, m idMaps, open func(int) (io.ReadCloser, error), foot *footer) error {
	rc, err := open(i)
	if err != nil {
		return fmt.Errorf("variant index: join: part %d: %w", i, err)
	}
	defer rc.Close()
	r := bufio.NewReaderSize(rc, 1<<20)
	bad := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("shorter than its directory says")
		}
		return fmt.Errorf("variant index: join: part %d: %w", i, err)
	}
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r, head); err != nil {
		return bad(err)
	}
	if string(head) != magic {
		return bad(errors.New("not a GAS variant index (bad magic)"))
	}
	at := int64(len(magic))
	for bi, b := range p.Footer.Blocks {
		if b.Off != at || b.Chrom < 0 || b.Chrom >= len(m.chroms) {
			return bad(fmt.Errorf("block %d out of place", bi))
		}
		n := b.Rows * filterWidth
		j.buf = slices.Grow(j.buf[:0], n)[:n]
		if _, err := io.ReadFull(r, j.buf); err != nil {
			return bad(err)
		}
		out, err := translateBlock(b, j.buf, m)
		if err != nil {
			return bad(fmt.Errorf("block %d: %w", bi, err))
		}
		out.Off = j.off
		if err := j.write(j.buf); err != nil {
			return err
		}
		if _, err := io.CopyN(j.w, r, int64(b.DisplayLen)); err != nil {
			return bad(err)
		}
		j.off += int64(b.DisplayLen)
		at += int64(n + b.DisplayLen)
		foot.Blocks = append(foot.Blocks, out)
	}
	return nil
}

// translateBlock rewrites the gene and consequence columns of a block's
// filter section (raw) into the joined ids and returns its summary likewise.
func translateBlock(b blockInfo, raw []byte, m idMaps) (blockInfo, error) {
	n := b.Rows
	for c, ids := range [2][]uint32{m.genes, m.csqs} {
		col := raw[4*n*(c+1) : 4*n*(c+2)]
		for k := 0; k < len(col); k += 4 {
			v := binary.LittleEndian.Uint32(col[k:])
			if int(v) >= len(ids) {
				return blockInfo{}, errors.New("dictionary id out of range")
			}
			binary.LittleEndian.PutUint32(col[k:], ids[v])
		}
	}
	out := b
	out.Chrom = int(m.chroms[b.Chrom])
	out.Genes = make([]uint32, 0, len(b.Genes))
	for _, g := range b.Genes {
		if int(g) >= len(m.genes) {
			return blockInfo{}, errors.New("dictionary id out of range")
		}
		out.Genes = append(out.Genes, m.genes[g])
	}
	slices.Sort(out.Genes)
	out.Csqs = nil
	for w, w64 := range b.Csqs {
		for w64 != 0 {
			v := w*64 + bits.TrailingZeros64(w64)
			w64 &= w64 - 1
			if v >= len(m.csqs) {
				return blockInfo{}, errors.New("dictionary id out of range")
			}
			id := m.csqs[v]
			for int(id/64) >= len(out.Csqs) {
				out.Csqs = append(out.Csqs, 0)
			}
			out.Csqs[id/64] |= 1 << (id % 64)
		}
	}
	return out, nil
}
