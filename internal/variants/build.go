package variants

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/consequence"
)

// Builder turns an annotated VCF, written to it as text, into an index
// written to the io.Writer given to NewBuilder. It parses in its own
// goroutine, so a Builder teed beside the result costs the writer little
// more than a copy. Close flushes and reports the first error.
type Builder struct {
	chunks chan []byte
	free   chan []byte
	done   chan struct{}
	err    error // set by the parsing goroutine before done closes
	closed bool
	p      *parser
}

const chunkCap = 256 << 10

// NewBuilder returns a Builder writing the index to w.
func NewBuilder(w io.Writer) *Builder {
	b := &Builder{
		chunks: make(chan []byte, 8),
		free:   make(chan []byte, 10),
		done:   make(chan struct{}),
		p:      newParser(w),
	}
	go b.loop()
	return b
}

// Write copies p for the parser. After a parse error it returns that error.
func (b *Builder) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		select {
		case <-b.done:
			return 0, b.err
		default:
		}
		var c []byte
		select {
		case c = <-b.free:
		default:
			c = make([]byte, 0, chunkCap)
		}
		k := min(len(p), chunkCap)
		c = append(c[:0], p[:k]...)
		p = p[k:]
		select {
		case b.chunks <- c:
		case <-b.done:
			return 0, b.err
		}
	}
	return n, nil
}

// Close ends the input, writes the footer and returns the first error.
func (b *Builder) Close() error {
	if !b.closed {
		b.closed = true
		close(b.chunks)
	}
	<-b.done
	return b.err
}

// Abort stops the parser without finishing the index (the caller failed).
func (b *Builder) Abort() {
	if !b.closed {
		b.closed = true
		close(b.chunks)
	}
	for range b.chunks {
	}
	<-b.done
}

func (b *Builder) loop() {
	defer close(b.done)
	var carry []byte
	for c := range b.chunks {
		if b.err != nil {
			continue // drain
		}
		data := c
		if len(carry) > 0 {
			carry = append(carry, c...)
			data = carry
		}
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			if err := b.p.line(bytes.TrimSuffix(data[:i], []byte("\r"))); err != nil {
				b.err = err
				break
			}
			data = data[i+1:]
		}
		carry = append(carry[:0:0], data...)
		select {
		case b.free <- c:
		default:
		}
	}
	if b.err != nil {
		return
	}
	if len(carry) > 0 {
		if err := b.p.line(bytes.TrimSuffix(carry, []byte("\r"))); err != nil {
			b.err = err
			return
		}
	}
	b.err = b.p.finish()
}

// parser holds the header's layout, the dictionaries and the block being filled.
type parser struct {
	w      *bufio.Writer
	off    int64
	lineNo int
	header bool // the #CHROM line has been seen
	csq    csqLayout
	foot   footer

	chroms map[string]int
	genes  map[Gene]uint32
	csqs   map[string]uint32

	blk     blockBuf
	zbuf    bytes.Buffer
	zw      *flate.Writer
	alts    [][]byte
	vep     []string
	afs     [][]byte
	clnsigs [][]byte
	fields  [][]byte // one CSQ entry split, reused
}

// csqLayout is where each field the index keeps sits in a CSQ entry (-1: absent).
type csqLayout struct {
	n                                                                 int
	allele, csq, impact, symbol, gene, feature, biotype, hgvsc, hgvsp int
	af, clinSig, canonical                                            int
}

func newParser(w io.Writer) *parser {
	zw, _ := flate.NewWriter(nil, flate.BestSpeed)
	return &parser{
		w: bufio.NewWriterSize(w, 1<<20), chroms: map[string]int{}, genes: map[Gene]uint32{},
		csqs: map[string]uint32{}, zw: zw, csq: csqLayout{n: -1},
		foot: footer{Version: version, Chroms: []string{}, Genes: []Gene{}, Csqs: []string{}, Blocks: []blockInfo{}},
	}
}

func (p *parser) lineErr(format string, args ...any) error {
	return fmt.Errorf("variant index: line %d: %s", p.lineNo, fmt.Sprintf(format, args...))
}

func (p *parser) line(l []byte) error {
	p.lineNo++
	if p.lineNo == 1 {
		if _, err := p.write([]byte(magic)); err != nil {
			return err
		}
	}
	if !p.header {
		if bytes.HasPrefix(l, []byte("##INFO=<ID=CSQ,")) {
			p.parseCSQHeader(string(l))
		}
		if bytes.HasPrefix(l, []byte("#CHROM")) {
			p.header = true
		}
		return nil
	}
	if len(l) == 0 {
		return nil
	}
	return p.record(l)
}

// parseCSQHeader reads the field list after "Format: " in the CSQ declaration.
func (p *parser) parseCSQHeader(l string) {
	_, list, ok := strings.Cut(l, "Format: ")
	if !ok {
		return
	}
	if i := strings.IndexByte(list, '"'); i >= 0 {
		list = list[:i]
	}
	fields := strings.Split(strings.TrimSpace(list), "|")
	at := func(name string) int { return slices.Index(fields, name) }
	p.csq = csqLayout{
		n: len(fields), allele: at("Allele"), csq: at("Consequence"), impact: at("IMPACT"),
		symbol: at("SYMBOL"), gene: at("Gene"), feature: at("Feature"), biotype: at("BIOTYPE"),
		hgvsc: at("HGVSc"), hgvsp: at("HGVSp"), af: at("AF"), clinSig: at("CLIN_SIG"), canonical: at("CANONICAL"),
	}
	p.foot.Fields = fields
}

// record indexes every CSQ entry of one data line.
func (p *parser) record(l []byte) error {
	var col [8][]byte
	rest := l
	for i := range 7 {
		j := bytes.IndexByte(rest, '\t')
		if j < 0 {
			return p.lineErr("%d columns, a VCF record has at least 8", i+1)
		}
		col[i], rest = rest[:j], rest[j+1:]
	}
	if j := bytes.IndexByte(rest, '\t'); j >= 0 {
		rest = rest[:j]
	}
	col[7] = rest
	csq, knownAF, knownCln := infoValues(col[7])
	if csq == nil || p.csq.n < 0 {
		return nil
	}
	pos, err := strconv.ParseUint(string(col[1]), 10, 32)
	if err != nil {
		return p.lineErr("POS %q is not a position", col[1])
	}
	if err := p.startRow(string(col[0])); err != nil {
		return err
	}
	p.alts = splitAppend(p.alts[:0], col[4], ',')
	p.afs = splitAppend(p.afs[:0], knownAF, ',')
	p.clnsigs = splitAppend(p.clnsigs[:0], knownCln, ',')
	p.vep = p.vep[:0]
	if len(p.alts) > 1 {
		alts := make([]string, len(p.alts))
		for i, a := range p.alts {
			alts[i] = string(a)
		}
		for i := range alts {
			p.vep = append(p.vep, consequence.VEPAllele(string(col[3]), alts, i))
		}
	}
	for len(csq) > 0 {
		var e []byte
		if j := bytes.IndexByte(csq, ','); j >= 0 {
			e, csq = csq[:j], csq[j+1:]
		} else {
			e, csq = csq, nil
		}
		if err := p.entry(uint32(pos), col[2], col[3], e); err != nil {
			return err
		}
	}
	return nil
}

// infoValues finds the CSQ, KNOWN_AF and KNOWN_CLNSIG values of an INFO column.
func infoValues(info []byte) (csq, af, cln []byte) {
	for len(info) > 0 {
		var kv []byte
		if j := bytes.IndexByte(info, ';'); j >= 0 {
			kv, info = info[:j], info[j+1:]
		} else {
			kv, info = info, nil
		}
		switch {
		case bytes.HasPrefix(kv, []byte("CSQ=")):
			csq = kv[4:]
		case bytes.HasPrefix(kv, []byte("KNOWN_AF=")):
			af = kv[9:]
		case bytes.HasPrefix(kv, []byte("KNOWN_CLNSIG=")):
			cln = kv[13:]
		}
	}
	return csq, af, cln
}

func splitAppend(dst [][]byte, b []byte, sep byte) [][]byte {
	if len(b) == 0 {
		return dst
	}
	for {
		j := bytes.IndexByte(b, sep)
		if j < 0 {
			return append(dst, b)
		}
		dst = append(dst, b[:j])
		b = b[j+1:]
	}
}

var errTooManyRows = errors.New("more than 4 billion CSQ entries")

// entry adds one CSQ entry as a row of the current block.
func (p *parser) entry(pos uint32, id, ref, e []byte) error {
	fs := splitAppend(p.fields[:0], e, '|')
	p.fields = fs
	get := func(i int) []byte {
		if i < 0 || i >= len(fs) {
			return nil
		}
		return fs[i]
	}
	allele := get(p.csq.allele)
	alt := 0
	if len(p.vep) > 1 {
		for i, v := range p.vep {
			if v == string(allele) {
				alt = i
				break
			}
		}
	}
	if p.foot.Rows >= math.MaxUint32 {
		return errTooManyRows
	}
	var flags uint8 = impactCode(string(get(p.csq.impact)))
	if string(get(p.csq.canonical)) == "YES" {
		flags |= flagCanonical
	}
	afText := get(p.csq.af)
	if p.csq.af < 0 && alt < len(p.afs) {
		afText = p.afs[alt]
	}
	var af float32
	if len(afText) > 0 && string(afText) != "." {
		if v, err := strconv.ParseFloat(string(afText), 32); err == nil {
			af, flags = float32(v), flags|flagAF
		}
	}
	cln := get(p.csq.clinSig)
	if p.csq.clinSig < 0 && alt < len(p.clnsigs) && string(p.clnsigs[alt]) != "." {
		cln = p.clnsigs[alt]
	}
	var altText []byte
	if alt < len(p.alts) {
		altText = p.alts[alt]
	}
	b := &p.blk
	b.pos = append(b.pos, pos)
	b.gene = append(b.gene, p.geneID(get(p.csq.symbol), get(p.csq.gene)))
	b.csq = append(b.csq, p.csqID(get(p.csq.csq)))
	b.af = append(b.af, af)
	b.flags = append(b.flags, flags)
	for _, s := range [displayFields][]byte{id, ref, altText, allele, get(p.csq.feature), get(p.csq.biotype), get(p.csq.hgvsc), get(p.csq.hgvsp), cln} {
		b.display = binary.AppendUvarint(b.display, uint64(len(s)))
		b.display = append(b.display, s...)
	}
	b.rowEnd = append(b.rowEnd, len(b.display))
	p.foot.Rows++
	return nil
}

func (p *parser) geneID(symbol, id []byte) uint32 {
	if g, ok := p.genes[Gene{Symbol: string(symbol), ID: string(id)}]; ok {
		return g
	}
	g := Gene{Symbol: string(symbol), ID: string(id)}
	n := uint32(len(p.foot.Genes))
	p.genes[g] = n
	p.foot.Genes = append(p.foot.Genes, g)
	return n
}

func (p *parser) csqID(list []byte) uint32 {
	if c, ok := p.csqs[string(list)]; ok {
		return c
	}
	n := uint32(len(p.foot.Csqs))
	p.csqs[string(list)] = n
	p.foot.Csqs = append(p.foot.Csqs, string(list))
	return n
}

// startRow makes room for a row on chrom: a full block, or one of another
// chromosome, is written first.
func (p *parser) startRow(chrom string) error {
	c, ok := p.chroms[chrom]
	if !ok {
		c = len(p.foot.Chroms)
		p.chroms[chrom] = c
		p.foot.Chroms = append(p.foot.Chroms, chrom)
	}
	if len(p.blk.pos) > 0 && (p.blk.chrom != c || len(p.blk.pos) >= blockRows) {
		if err := p.flush(); err != nil {
			return err
		}
	}
	p.blk.chrom = c
	return nil
}

func (p *parser) write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.off += int64(n)
	if err != nil {
		return n, fmt.Errorf("variant index: write: %w", err)
	}
	return n, nil
}

func (p *parser) finish() error {
	if p.lineNo == 0 {
		if _, err := p.write([]byte(magic)); err != nil {
			return err
		}
	}
	if err := p.flush(); err != nil {
		return err
	}
	if err := writeFooter(p.w, &p.foot, p.off); err != nil {
		return fmt.Errorf("variant index: write footer: %w", err)
	}
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("variant index: write: %w", err)
	}
	return nil
}
