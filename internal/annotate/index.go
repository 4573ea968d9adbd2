package annotate

import (
	"fmt"
	"math"
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
	Out     []byte // the batch's output, which the records' and entries' offsets index
	// Off is where Out begins in the run's output: the header's bytes and
	// every earlier batch's (a record's line is at Off + Line).
	Off int64
}

// IndexRecord is one annotated record as written: its POS, where its line
// begins in IndexRecords.Out (CHROM, POS, ID with known-variant ids added,
// REF and ALT, as written), where its INFO/KNOWN_AF and KNOWN_CLNSIG values
// are there (one item per ALT, comma-separated; empty when not written),
// and how many of IndexRecords.Entries are its own. It holds offsets, not
// slices: 56 bytes, where slices took 160, written by the worker and read
// by the sink on another core.
type IndexRecord struct {
	Pos                  int
	Line                 uint32
	KnownAF, KnownClnsig Span
	Entries              int32 // its entries follow the previous record's
	// Head locates CHROM, ID, REF and ALT in the line, from Line: CHROM is
	// [0, Head[0]), ID [Head[1], Head[2]), REF [Head[2]+1, Head[3]) and
	// ALT [Head[3]+1, Head[4]) (vcf.Record.HeadEnds).
	Head [5]uint32
}

// Span is the byte range [Start, End) of IndexRecords.Out.
type Span struct{ Start, End uint32 }

// IndexEntry is one CSQ entry as written (escaped), Out[Start:End]: every
// field of CSQFields, in order, '|'-separated. Alt is the index of its ALT
// in the ALT column. AlleleLen is the length of its Allele field before
// escaping (at most 0xffff): where the text has a '|' at that length, the
// field was not escaped (an escape lengthens it, and an escaped field
// holds no '|'), so the fields after it are found without reading it. Key
// names its text from Consequence to BIOTYPE: entries with the same
// non-zero Key have the same text there (consequence.TextKey).
type IndexEntry struct {
	Start, End uint32
	Alt        int32
	AlleleLen  uint16
	Key        consequence.TextKey
}

// indexBatch collects a batch's records for Options.Index while a worker
// annotates it: where each record's line and each entry are in the batch's
// output.
type indexBatch struct {
	IndexRecords
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
	x.Records, x.Entries = x.Records[:0], x.Entries[:0]
}

// record starts the record rec, whose line the worker began writing at
// line of the batch's output with an ID of idLen bytes, af and cl its
// KNOWN_AF and KNOWN_CLNSIG values there; its entries follow (entry), and
// endRecord counts them (and removes it again when it got none).
func (x *indexBatch) record(rec *vcf.Record, line, idLen int, af, cl Span) {
	chromEnd, idStart, idEnd, refEnd, altEnd := rec.HeadEnds(idLen)
	x.Records = slices.Grow(x.Records, 1)[:len(x.Records)+1] // in place, as entry
	r := &x.Records[len(x.Records)-1]
	r.Pos, r.Line, r.KnownAF, r.KnownClnsig, r.Entries = rec.Pos, uint32(line), af, cl, 0
	h := &r.Head // element by element, for the reason entry gives
	h[0], h[1], h[2], h[3], h[4] = uint32(chromEnd), uint32(idStart), uint32(idEnd), uint32(refEnd), uint32(altEnd)
	x.recEnts = len(x.Entries)
}

func (x *indexBatch) endRecord() {
	r := &x.Records[len(x.Records)-1]
	if r.Entries = int32(len(x.Entries) - x.recEnts); r.Entries == 0 {
		x.Records = x.Records[:len(x.Records)-1]
	}
}

// entry notes entry e of ALT x.alt, which e.AppendCSQ wrote at out[start:].
func (x *indexBatch) entry(e *consequence.Entry, out []byte, start int) {
	if len(x.Entries) == cap(x.Entries) { // double: append grows large slices by a quarter, copying them often
		x.Entries = slices.Grow(x.Entries, len(x.Entries))
	}
	// Written in place, field by field: a composite literal (an appended
	// IndexEntry) is built on the stack with 2- and 4-byte
	// stores and copied with 8- or 16-byte loads, which cannot take their
	// data from those stores still in flight and wait for them: that wait
	// cost 1.1 s of a whole genome's 20 s of CPU (a CPU profile put it on
	// the copy's store; ~75 ns an entry on this VM).
	x.Entries = x.Entries[:len(x.Entries)+1]
	en := &x.Entries[len(x.Entries)-1]
	en.Start, en.End, en.Alt = uint32(start), uint32(len(out)), int32(x.alt)
	en.AlleleLen, en.Key = len16(len(e.Allele)), e.TextKey()
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
	if len(out) > maxIndexOut {
		return fmt.Errorf("variant index: a batch's output is %d bytes, more than the index's 32-bit offsets address", len(out))
	}
	x.Out = out
	return sink.AddRecords(&x.IndexRecords)
}

// maxIndexOut is the most output a batch may have for its records' and
// entries' 32-bit offsets into it (a variable for tests): past it they
// would wrap and name other bytes, so the run fails instead.
var maxIndexOut = math.MaxUint32
