package variants

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
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
	next   int64  // offset of the first byte not yet part of a parsed line
	locate Locate // set by Close before the parsing goroutine reads it
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

// Close ends the input, writes the anchors and the footer and returns the
// first error: locate maps an offset in the text written to where the
// result stores it (PlainResult when the result is that text as it is).
func (b *Builder) Close(locate Locate) error {
	if !b.closed {
		b.closed, b.locate = true, locate
		close(b.chunks)
	}
	<-b.done
	return b.err
}

func (b *Builder) loop() {
	defer close(b.done)
	var carry []byte // a line begun in an earlier chunk
	for c := range b.chunks {
		if b.err == nil {
			carry, b.err = b.lines(carry, c)
		}
		select {
		case b.free <- c:
		default:
		}
	}
	if b.err != nil {
		return
	}
	if len(carry) > 0 {
		if err := b.line(carry, len(carry)); err != nil {
			b.err = err
			return
		}
	}
	b.err = b.p.finish(b.locate)
}

// lines parses the complete lines of chunk c, the first one completing
// carry, and returns the new carry: only a line that crosses chunks is
// copied.
func (b *Builder) lines(carry, c []byte) ([]byte, error) {
	data := c
	if len(carry) > 0 {
		i := bytes.IndexByte(c, '\n')
		if i < 0 {
			return append(carry, c...), nil
		}
		carry = append(carry, c[:i]...)
		if err := b.line(carry, len(carry)+1); err != nil {
			return nil, err
		}
		data = c[i+1:]
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return append(carry[:0], data...), nil
		}
		if err := b.line(data[:i], i+1); err != nil {
			return nil, err
		}
		data = data[i+1:]
	}
}

// line parses line l, which takes n bytes of the text (its newline too).
func (b *Builder) line(l []byte, n int) error {
	b.p.lineAt = b.next
	b.next += int64(n)
	return b.p.line(bytes.TrimSuffix(l, []byte("\r")))
}

// parser holds the header's layout, the dictionaries and the block being filled.
type parser struct {
	w      *bufio.Writer
	off    int64
	size   int64 // of the whole file, once finished
	lineNo int
	header bool // the #CHROM line has been seen
	csq    csqLayout
	foot   footer

	chroms map[string]int
	genes  map[string]uint32 // "SYMBOL|Gene" -> gene id
	csqs   map[string]uint32

	blk *blockBuf
	rec recordVals
	key []byte // scratch for the gene key

	slots   [cacheSlots]entryCache // by entry place in its record
	row     entryRow               // the row being added
	lastAlt int                    // the ALT of the last row added

	// Where the rows' text is in the result: lineAt is the offset of the
	// line being parsed (Builder), recAt that of the record whose rows
	// are being added; anchors has one per group of rows so far.
	lineAt, recAt int64
	anchors       []anchor

	// shownRows, when set, makes the parser a reader of a result's lines:
	// it collects each row's display text there and builds no index.
	shownRows *[]shownRow
}

// anchor is where a group's rows are in the result: its first row is the
// entry skip of the record whose line begins at the offset at of the
// result's text (the file's bytes when not compressed).
type anchor struct {
	at   int64
	skip uint32
}

// Locate maps an offset in a result's text to the place an anchor stores:
// for a BGZF result, the virtual offset (compressed offset of the block
// << 16 | offset in the block; tabix.PartWriter.Virtual); for a result
// stored as text, the offset itself (PlainResult).
type Locate func(off int64) uint64

// PlainResult is the Locate of a result stored as text.
func PlainResult(off int64) uint64 { return uint64(off) }

// newParser returns a parser writing to w, the magic already buffered.
func newParser(w io.Writer) *parser {
	p := &parser{
		w: bufio.NewWriterSize(w, 1<<20), chroms: map[string]int{}, genes: map[string]uint32{},
		csqs: map[string]uint32{}, csq: csqLayout{n: -1}, blk: newBlockBuf(),
		foot: footer{Version: version, Chroms: []string{}, Genes: []Gene{}, Csqs: []string{}, Blocks: []blockInfo{}},
	}
	p.write([]byte(magic)) // into the buffer: a write error shows at a later write
	return p
}

func (p *parser) lineErr(format string, args ...any) error {
	if p.shownRows != nil { // a reader: the caller names the place
		return fmt.Errorf(format, args...)
	}
	return fmt.Errorf("variant index: line %d: %s", p.lineNo, fmt.Sprintf(format, args...))
}

func (p *parser) line(l []byte) error {
	p.lineNo++
	if !p.header {
		if bytes.HasPrefix(l, []byte("##INFO=<ID=CSQ,")) {
			p.csq = parseCSQHeader(string(l))
			p.foot.Fields = p.csq.fields
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

func (p *parser) write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.off += int64(n)
	if err != nil {
		return n, fmt.Errorf("variant index: write: %w", err)
	}
	return n, nil
}

func (p *parser) finish(locate Locate) error {
	if err := p.flush(); err != nil {
		return err
	}
	// The anchors, the blocks' groups in order.
	at, g := p.off, 0
	for i := range p.foot.Blocks {
		b := &p.foot.Blocks[i]
		b.AnchorOff = at + int64(anchorLen*g)
		g += groups(b.Rows)
	}
	if g != len(p.anchors) {
		return fmt.Errorf("variant index: %d anchors for %d groups of rows", len(p.anchors), g)
	}
	buf := make([]byte, 0, anchorLen*len(p.anchors))
	for _, a := range p.anchors {
		buf = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint64(buf, locate(a.at)), a.skip)
	}
	if _, err := p.write(buf); err != nil {
		return err
	}
	n, err := writeFooter(p.w, &p.foot, p.off)
	if err != nil {
		return fmt.Errorf("variant index: write footer: %w", err)
	}
	p.size = p.off + int64(n)
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("variant index: write: %w", err)
	}
	return nil
}
