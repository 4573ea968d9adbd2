package annotate

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
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
// CSQ entries' fields through Entry.
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

// The fields of a CSQ entry an IndexSink gets (IndexRecord.Entry), by index.
const (
	EntryAllele = iota
	EntryConsequence
	EntryImpact
	EntrySymbol
	EntryGene
	EntryFeature
	EntryBiotype
	EntryHGVSc
	EntryHGVSp
	EntryCanonical
	EntryFields
)

// Entries is the number of the record's CSQ entries.
func (r *IndexRecord) Entries() int { return len(r.ents) }

// Entry sets f to the fields of CSQ entry i, as written (escaped), and
// returns the index of its ALT in the ALT column.
func (r *IndexRecord) Entry(i int, f *[EntryFields][]byte) (alt int) {
	e := &r.ents[i]
	text := r.out[e.start:e.end]
	if e.scan {
		var ends [headFields]uint32
		scanEnds(text, &ends)
		setFields(f, text, &ends)
		f[EntryCanonical] = text[bytes.LastIndexByte(text, '|')+1:]
	} else {
		setFields(f, text, &e.ends)
		f[EntryCanonical] = text[e.canon:]
	}
	return int(e.alt)
}

// setFields sets the fields before CANONICAL from where the first
// headFields fields of text end.
func setFields[T uint16 | uint32](f *[EntryFields][]byte, text []byte, ends *[headFields]T) {
	for k, i := range keptAt[:EntryCanonical] {
		start := 0
		if i > 0 {
			start = min(int(ends[i-1])+1, int(ends[i]))
		}
		f[k] = text[start:ends[i]]
	}
}

// Where the Entry fields are in an entry's text: their places in
// CSQFields. The fields through HGVSp are the first headFields of an entry,
// CANONICAL is its last (checked at start-up).
const headFields = 12

var keptAt = func() (at [EntryFields]int) {
	fields := strings.Split(CSQFields, "|")
	for k, name := range [EntryFields]string{"Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature", "BIOTYPE", "HGVSc", "HGVSp", "CANONICAL"} {
		at[k] = slices.Index(fields, name)
	}
	if at[EntryHGVSp] != headFields-1 || at[EntryCanonical] != len(fields)-1 {
		panic("annotate: CSQFields does not have the layout indexBatch expects")
	}
	return at
}()

// span is a byte range of a batch's index text.
type span struct{ start, end uint32 }

func (s span) of(b []byte) []byte { return b[s.start:s.end] }

// indexBatch collects a batch's records for Options.Index while a worker
// annotates it: each entry's place in the batch's output, the record
// columns copied into text (the worker's buffers are reused by the next
// record). send turns them into IndexRecords once the batch is written.
type indexBatch struct {
	text []byte
	recs []indexRec
	ents []indexEntry
	alt  int // the ALT whose entries are being written
}

type indexRec struct {
	pos                         int
	chrom, id, ref, alt, af, cl span // in text
	ents                        int  // entries, following the previous record's in ents
}

// indexEntry is one entry's text in the batch's output and where its first
// headFields fields end in it (kept small: a batch holds up to ~13,000).
type indexEntry struct {
	start, end uint32
	alt        int32
	ends       [headFields]uint16 // from start; unset when scan
	canon      uint16             // where CANONICAL starts; unset when scan
	scan       bool               // Entry finds the fields itself
}

// indexBatchEntries presizes a batch's entries: 1024 records mostly have
// 2-5 entries each, up to 13 in transcript-dense regions (40 bytes each).
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
// removes it again when it got none.
func (x *indexBatch) record(chrom []byte, pos int, id, ref, alt, af, cl []byte) {
	x.recs = append(x.recs, indexRec{pos: pos, chrom: x.add(chrom), id: x.add(id), ref: x.add(ref), alt: x.add(alt), af: x.add(af), cl: x.add(cl)})
}

func (x *indexBatch) dropEmpty() {
	if r := x.recs[len(x.recs)-1]; r.ents == 0 {
		x.recs = x.recs[:len(x.recs)-1]
		x.text = x.text[:r.chrom.start]
	}
}

// entry notes entry e of ALT x.alt, which e.AppendCSQ wrote at out[start:].
func (x *indexBatch) entry(e *consequence.Entry, out []byte, start int) {
	x.recs[len(x.recs)-1].ents++
	if len(x.ents) == cap(x.ents) { // double: append grows large slices by a quarter, copying them often
		x.ents = slices.Grow(x.ents, len(x.ents))
	}
	x.ents = x.ents[:len(x.ents)+1]
	ie := &x.ents[len(x.ents)-1]
	ie.start, ie.end, ie.alt = uint32(start), uint32(len(out)), int32(x.alt)
	ie.scan = len(out)-start >= 1<<16 || !headEnds(e, out[start:], &ie.ends)
	ie.canon = uint16(len(out) - start - len(e.Canonical))
}

// headEnds finds where the first headFields fields of text end, one entry
// as e.AppendCSQ wrote it, from the fields' own lengths: each lies where the
// lengths before it put it when a '|' follows it there. An escape that
// lengthened a field (';' and '=' become %3B, %3D) is found at the first
// such field: where its unescaped length ends the text still holds that
// field, which has no '|'. It checks CANONICAL, the last field, the same
// way, and reports false when a field was lengthened (an HGVSp such as
// p.Leu12=).
func headEnds(e *consequence.Entry, text []byte, ends *[headFields]uint16) bool {
	cons := 0
	for i, c := range e.Consequences {
		cons += len(c) + min(i, 1)
	}
	lens := [headFields]int{len(e.Allele), cons, len(e.Impact), len(e.Symbol), len(e.Gene), len(e.FeatureType), len(e.Feature),
		len(e.Biotype), len(e.Exon), len(e.Intron), len(e.HGVSc), len(e.HGVSp)}
	at := 0
	for i, l := range lens {
		at += l
		if at >= len(text) || text[at] != '|' {
			return false
		}
		ends[i] = uint16(at)
		at++
	}
	c := len(text) - len(e.Canonical) - 1 // the '|' before CANONICAL
	return c >= at-1 && text[c] == '|'
}

// scanEnds finds where the first headFields fields of text end by its
// '|'s, which no escaped field contains (missing fields end at its end).
func scanEnds(text []byte, ends *[headFields]uint32) {
	at := 0
	for i := range ends {
		j := bytes.IndexByte(text[at:], '|')
		if j < 0 {
			for ; i < len(ends); i++ {
				ends[i] = uint32(len(text))
			}
			return
		}
		ends[i] = uint32(at + j)
		at += j + 1
	}
}

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
		r.Chrom, r.Pos, r.ID, r.Ref, r.Alt = rec.chrom.of(x.text), rec.pos, rec.id.of(x.text), rec.ref.of(x.text), rec.alt.of(x.text)
		r.KnownAF, r.KnownClnsig = rec.af.of(x.text), rec.cl.of(x.text)
		r.ents, ents = ents[:rec.ents], ents[rec.ents:]
		if err := sink.AddRecord(r); err != nil {
			return fmt.Errorf("index %s:%d: %w", r.Chrom, r.Pos, err)
		}
	}
	return nil
}
