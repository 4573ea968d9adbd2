package annotate

import (
	"bytes"
	"slices"
	"sync"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/vcf"
)

// IndexSink receives the CSQ entries of a run (Options.Index), so that an
// index of them (package variants) needs no second parse of the output.
// AddRecords is called once per written batch of records, with those that
// got CSQ entries, in input order, from a goroutine of its own; rs and
// every slice in it are valid only during the call. An error stops the run.
type IndexSink interface {
	AddRecords(rs *IndexRecords) error
}

// IndexRecords are a batch's records that got CSQ entries, as written, and
// their entries, the records' one after the other.
type IndexRecords struct {
	Records []IndexRecord
	Entries []IndexEntry
	Out     []byte // the batch's output, which the entries' Start and End index
}

// IndexRecord is one annotated record as written: its columns, and how
// many of IndexRecords.Entries are its own.
type IndexRecord struct {
	Chrom []byte
	Pos   int
	ID    []byte // the ID column, known-variant ids added
	Ref   []byte
	Alt   []byte // the whole ALT column (comma-separated)
	// KnownAF and KnownClnsig are the INFO/KNOWN_AF and INFO/KNOWN_CLNSIG
	// values (one item per ALT, comma-separated); empty when not written.
	KnownAF, KnownClnsig []byte
	Entries              int // its entries follow the previous record's
}

// IndexEntry is one CSQ entry as written (escaped), Out[Start:End]: every
// field of CSQFields, in order, '|'-separated. Alt is the index of its ALT
// in the ALT column, Lens the lengths some of its fields had before
// escaping. Key names its text from Consequence to BIOTYPE: entries with
// the same non-zero Key have the same text there (consequence.TextKey).
type IndexEntry struct {
	Start, End uint32
	Alt        int32
	Lens       EntryLens
	Key        consequence.TextKey
}

// EntryLens are the lengths of an entry's fields Allele, EXON, INTRON, HGVSc
// and HGVSp before escaping (at most 0xffff): where the text has a '|' after
// a field at its length from the field's start, the field was not escaped
// (an escape lengthens it, and an escaped field holds no '|'), so it is
// found without reading it.
type EntryLens struct{ Allele, Exon, Intron, HGVSc, HGVSp uint16 }

// indexBatch collects a batch's records for Options.Index while a worker
// annotates it: each entry's place in the batch's output, and the record
// columns. Those of the worker's buffers (reused by the next record) are
// copied into text; the slices stay valid when text grows (they keep its
// earlier array), until the batch is reset.
type indexBatch struct {
	IndexRecords
	text    []byte
	alt     int // the ALT whose entries are being written
	recEnts int // the entries before the record's
}

// indexBatchEntries presizes a batch's entries: 1024 records mostly have
// 2-5 entries each, up to 13 in transcript-dense regions (32 bytes each).
const indexBatchEntries = 16 * batchLines

func (x *indexBatch) reset() {
	if x.Entries == nil {
		x.Entries = make([]IndexEntry, 0, indexBatchEntries)
	}
	x.text, x.Records, x.Entries = x.text[:0], x.Records[:0], x.Entries[:0]
}

// keep returns b, copied into text unless it is empty.
func (x *indexBatch) keep(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	at := len(x.text)
	x.text = append(x.text, b...)
	return x.text[at:len(x.text):len(x.text)]
}

// record starts the record of rec's line; its entries follow (entry), and
// endRecord counts them (and removes it again when it got none). Its CHROM,
// REF and ALT, and ID when the input's, are kept as they are: the line
// stays until the batch is written. The worker's ID (ids: known ids added),
// af and cl are copied.
func (x *indexBatch) record(rec *vcf.Record, ids, af, cl []byte) {
	id := rec.ID()
	if !bytes.Equal(ids, id) {
		id = x.keep(ids)
	}
	x.Records = append(x.Records, IndexRecord{Chrom: rec.Chrom(), Pos: rec.Pos, ID: id, Ref: rec.Ref(), Alt: rec.Alt(), KnownAF: x.keep(af), KnownClnsig: x.keep(cl)})
	x.recEnts = len(x.Entries)
}

func (x *indexBatch) endRecord() {
	r := &x.Records[len(x.Records)-1]
	if r.Entries = len(x.Entries) - x.recEnts; r.Entries == 0 {
		x.Records = x.Records[:len(x.Records)-1]
	}
}

// entry notes entry e of ALT x.alt, which e.AppendCSQ wrote at out[start:].
func (x *indexBatch) entry(e *consequence.Entry, out []byte, start int) {
	if len(x.Entries) == cap(x.Entries) { // double: append grows large slices by a quarter, copying them often
		x.Entries = slices.Grow(x.Entries, len(x.Entries))
	}
	x.Entries = append(x.Entries, IndexEntry{uint32(start), uint32(len(out)), int32(x.alt),
		EntryLens{len16(len(e.Allele)), len16(len(e.Exon)), len16(len(e.Intron)), len16(e.HGVScLen()), len16(len(e.HGVSp))}, e.TextKey()})
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
		for b := range f.q {
			if f.failed() == nil {
				if err := b.ix.send(sink, b.out); err != nil {
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
func (x *indexBatch) send(sink IndexSink, out []byte) error {
	if len(x.Records) == 0 {
		return nil
	}
	x.Out = out
	return sink.AddRecords(&x.IndexRecords)
}
