package annotate

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gasproject/gas/internal/consequence"
)

// IndexSink receives the CSQ entries of a run (Options.Index), so that an
// index of them (package variants) needs no second parse of the output.
// AddRecord is called once per record that got CSQ entries, in input order,
// from the goroutine writing the output, right after the record's batch is
// written; r and every slice in it are valid only during the call. An error
// stops the run.
type IndexSink interface {
	AddRecord(r *IndexRecord) error
}

// IndexRecord is one annotated record as written: its columns, and its
// CSQ entries' text through Entry.
type IndexRecord struct {
	Chrom []byte
	Pos   int
	ID    []byte // the ID column, known-variant ids added
	Ref   []byte
	Alt   []byte // the whole ALT column (comma-separated)
	// KnownAF and KnownClnsig are the INFO/KNOWN_AF and INFO/KNOWN_CLNSIG
	// values (one item per ALT, comma-separated); empty when not written.
	KnownAF, KnownClnsig []byte

	out  []byte       // the batch's output
	ents []indexEntry // the record's entries in it
}

// Entries is the number of the record's CSQ entries.
func (r *IndexRecord) Entries() int { return len(r.ents) }

// Entry returns CSQ entry i as written (escaped): every field of CSQFields,
// in order, '|'-separated; alt is the index of the entry's ALT in the ALT
// column, and lens the lengths some of its fields had before escaping.
func (r *IndexRecord) Entry(i int) (text []byte, lens EntryLens, alt int) {
	e := &r.ents[i]
	return r.out[e.start:e.end], e.lens, int(e.alt)
}

// EntryLens are the lengths of an entry's fields Allele, EXON, INTRON, HGVSc
// and HGVSp before escaping (at most 0xffff): where the text has a '|' after
// a field at its length from the field's start, the field was not escaped
// (an escape lengthens it, and an escaped field holds no '|'), so it is
// found without reading it.
type EntryLens struct{ Allele, Exon, Intron, HGVSc, HGVSp uint16 }

// span is a byte range of a batch's index text.
type span struct{ start, end uint32 }

func (s span) of(b []byte) []byte { return b[s.start:s.end] }

// indexBatch collects a batch's records for Options.Index while a worker
// annotates it: each entry's place in the batch's output, and the record
// columns, those of the worker's buffers copied into text (they are reused
// by the next record). send turns them into IndexRecords once the batch is
// written.
type indexBatch struct {
	text []byte
	recs []indexRec
	ents []indexEntry
	alt  int // the ALT whose entries are being written
}

type indexRec struct {
	pos             int
	chrom, ref, alt []byte // in the batch's input, which stays until the batch is written
	id, af, cl      span   // in text
	ents            int    // entries, following the previous record's in ents
}

// indexEntry is one entry's text in the batch's output.
type indexEntry struct {
	start, end uint32
	alt        int32
	lens       EntryLens
}

// indexBatchEntries presizes a batch's entries: 1024 records mostly have
// 2-5 entries each, up to 13 in transcript-dense regions (24 bytes each).
const indexBatchEntries = 16 * batchLines

func (x *indexBatch) reset() {
	if x.ents == nil {
		x.ents = make([]indexEntry, 0, indexBatchEntries)
	}
	x.text, x.recs, x.ents = x.text[:0], x.recs[:0], x.ents[:0]
}

func (x *indexBatch) add(b []byte) span {
	s := span{uint32(len(x.text)), 0}
	x.text = append(x.text, b...)
	s.end = uint32(len(x.text))
	return s
}

// record starts a record; its entries follow (entry), and dropEmpty
// removes it again when it got none. chrom, ref and alt are kept as they
// are: they must stay until the batch is written (its input line's).
func (x *indexBatch) record(chrom []byte, pos int, id, ref, alt, af, cl []byte) {
	x.recs = append(x.recs, indexRec{pos: pos, chrom: chrom, ref: ref, alt: alt, id: x.add(id), af: x.add(af), cl: x.add(cl)})
}

func (x *indexBatch) dropEmpty() {
	if r := &x.recs[len(x.recs)-1]; r.ents == 0 {
		x.text = x.text[:r.id.start]
		x.recs = x.recs[:len(x.recs)-1]
	}
}

// entry notes entry e of ALT x.alt, which e.AppendCSQ wrote at out[start:].
func (x *indexBatch) entry(e *consequence.Entry, out []byte, start int) {
	x.recs[len(x.recs)-1].ents++
	if len(x.ents) == cap(x.ents) { // double: append grows large slices by a quarter, copying them often
		x.ents = slices.Grow(x.ents, len(x.ents))
	}
	x.ents = append(x.ents, indexEntry{uint32(start), uint32(len(out)), int32(x.alt),
		EntryLens{len16(len(e.Allele)), len16(len(e.Exon)), len16(len(e.Intron)), len16(e.HGVScLen()), len16(len(e.HGVSp))}})
}

// len16 is a field's length n, at most 0xffff: a longer field is not where
// the sink looks for it, which sends it to read the text.
func len16(n int) uint16 { return uint16(min(n, 0xffff)) }

// indexFeed hands written batches to an IndexSink on a goroutine of its
// own, in order, so the writer does not wait for the index; each batch then
// goes back to free.
type indexFeed struct {
	q    chan *batch
	done chan struct{}
	mu   sync.Mutex
	err  error // the sink's first error
}

func feedIndex(sink IndexSink, free chan *batch) *indexFeed {
	f := &indexFeed{q: make(chan *batch, 2), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		var rec IndexRecord // reused by every send
		for b := range f.q {
			if f.failed() == nil {
				if err := b.ix.send(sink, b.out, &rec); err != nil {
					f.mu.Lock()
					f.err = err
					f.mu.Unlock()
				}
			}
			select {
			case free <- b:
			default:
			}
		}
	}()
	return f
}

func (f *indexFeed) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// send queues a written batch; it returns the sink's error, if any so far.
func (f *indexFeed) send(b *batch) error {
	if err := f.failed(); err != nil {
		return err
	}
	f.q <- b
	return nil
}

// close waits for the batches queued and returns the sink's error.
func (f *indexFeed) close() error {
	close(f.q)
	<-f.done
	return f.failed()
}

// send hands the batch's records to sink; out is the batch's output.
func (x *indexBatch) send(sink IndexSink, out []byte, r *IndexRecord) error {
	ents := x.ents
	r.out = out
	for _, rec := range x.recs {
		r.Chrom, r.Pos, r.ID, r.Ref, r.Alt = rec.chrom, rec.pos, rec.id.of(x.text), rec.ref, rec.alt
		r.KnownAF, r.KnownClnsig = rec.af.of(x.text), rec.cl.of(x.text)
		r.ents, ents = ents[:rec.ents], ents[rec.ents:]
		if err := sink.AddRecord(r); err != nil {
			return fmt.Errorf("index %s:%d: %w", r.Chrom, r.Pos, err)
		}
	}
	return nil
}
