package variants

import (
	"fmt"
	"io"
	"math"

	"github.com/gasproject/gas/internal/annotate"
)

// EntryBuilder builds the index from the engine's own entries while it
// annotates: pass it as annotate.Options.Index and Close it after the run.
// It gets each record's fields from the engine as written (no text is
// parsed), so its index is the one a Builder makes of the same output, for
// a fraction of the CPU.
type EntryBuilder struct {
	p      *parser
	err    error
	closed bool
}

var _ annotate.IndexSink = (*EntryBuilder)(nil)

// gasLayout is the engine's CSQ layout.
var gasLayout = newCSQLayout(annotate.CSQFields)

// NewEntryBuilder returns an EntryBuilder writing the index to w.
func NewEntryBuilder(w io.Writer) *EntryBuilder {
	p := newParser(w)
	p.csq, p.foot.Fields = gasLayout, gasLayout.fields
	p.header = true
	return &EntryBuilder{p: p}
}

// AddRecord adds a record's entries as rows (annotate.IndexSink). After an
// error it returns that error.
func (b *EntryBuilder) AddRecord(r *annotate.IndexRecord) error {
	if b.err == nil {
		b.err = b.p.addRecord(r)
	}
	return b.err
}

// Close writes the footer and returns the first error. Without Close (the
// run failed) the index is incomplete: discard it.
func (b *EntryBuilder) Close() error {
	if !b.closed && b.err == nil {
		b.err = b.p.finish()
	}
	b.closed = true
	return b.err
}

// Part returns the directory of the index written, after a Close without
// error (nil otherwise), for Join.
func (b *EntryBuilder) Part() *Part {
	if !b.closed || b.err != nil {
		return nil
	}
	return &Part{Footer: b.p.foot}
}

func (p *parser) addRecord(r *annotate.IndexRecord) error {
	if r.Pos < 0 || r.Pos > math.MaxUint32 {
		return fmt.Errorf("variant index: %s:%d: POS is not a position", r.Chrom, r.Pos)
	}
	if err := p.startRow(r.Chrom); err != nil {
		return err
	}
	p.rec.set(r.Alt, r.KnownAF, r.KnownClnsig)
	var v [nSlots][]byte // on the stack: no write barriers
	kept := (*[annotate.EntryFields][]byte)(v[:annotate.EntryFields])
	for k := range r.Entries() {
		alt := r.Entry(k, kept)
		if err := p.addEntry(k, uint32(r.Pos), r.ID, r.Ref, alt, &v); err != nil {
			return err
		}
	}
	return nil
}
