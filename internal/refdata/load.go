package refdata

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// ErrNotCovered is returned (wrapped) by Bundle.Chrom for a chromosome the
// bundle does not hold: the annotator passes such records through.
var ErrNotCovered = errors.New("chromosome not covered by the reference bundle")

// mmapThreshold: sequence files at least this large are memory-mapped, so
// a run pays only for the pages it touches (reading a whole file costs a
// copy of every byte, and most queries touch a fraction).
var mmapThreshold int64 = 256 << 10

var chromIDs atomic.Uint64

// Bundle is an opened reference bundle. Chromosomes load on first use; a
// Bundle is safe for concurrent use.
type Bundle struct {
	dir    string
	man    Manifest
	byName map[string]int // canonical name -> index in man.Chroms

	mu     sync.Mutex
	chroms map[int]*chromSlot
}

type chromSlot struct {
	once sync.Once
	c    *Chrom
	err  error
}

// Open reads and validates a bundle's manifest; nothing else is loaded yet.
func Open(dir string) (*Bundle, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("open reference bundle %s: %w", dir, err)
	}
	return newBundle(dir, m), nil
}

func newBundle(dir string, m Manifest) *Bundle {
	b := &Bundle{dir: dir, man: m, byName: map[string]int{}, chroms: map[int]*chromSlot{}}
	for i, c := range m.Chroms {
		b.byName[c.Name] = i
	}
	return b
}

// Manifest returns the bundle's manifest.
func (b *Bundle) Manifest() Manifest { return b.man }

// Dir is the bundle directory.
func (b *Bundle) Dir() string { return b.dir }

// Covers reports whether the bundle holds chromosome name (any alias).
func (b *Bundle) Covers(name string) bool {
	_, ok := b.byName[CanonicalChrom(name)]
	return ok
}

// Chrom returns chromosome name (any alias, see CanonicalChrom), loading it on
// first use. Its known variants are read block by block on demand.
func (b *Bundle) Chrom(name string) (*Chrom, error) {
	i, ok := b.byName[CanonicalChrom(name)]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotCovered)
	}
	b.mu.Lock()
	slot := b.chroms[i]
	if slot == nil {
		slot = &chromSlot{}
		b.chroms[i] = slot
	}
	b.mu.Unlock()
	slot.once.Do(func() {
		slot.c, slot.err = loadChrom(b.dir, b.man.Chroms[i])
		if slot.err != nil {
			slot.err = fmt.Errorf("load chromosome %s from %s: %w", b.man.Chroms[i].Name, b.dir, slot.err)
		}
	})
	return slot.c, slot.err
}

// Release drops a loaded chromosome so its memory can be reclaimed once no
// caller holds its *Chrom; a later Chrom call loads it again. An annotator
// reading position-sorted whole-genome input can release each chromosome when
// it moves on, keeping memory flat.
func (b *Bundle) Release(name string) {
	i, ok := b.byName[CanonicalChrom(name)]
	if !ok {
		return
	}
	b.mu.Lock()
	delete(b.chroms, i)
	b.mu.Unlock()
}

// Close releases the loaded chromosomes (mapped sequence, open files). The
// bundle and its Chroms must not be used afterwards.
func (b *Bundle) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, s := range b.chroms {
		if s.c != nil {
			errs = append(errs, s.c.close())
		}
	}
	b.chroms = map[int]*chromSlot{}
	return errors.Join(errs...)
}

// Chrom is one loaded chromosome. All positions are 1-based inclusive.
type Chrom struct {
	Name   string // canonical name, e.g. "21", "MT"
	Length int

	seq     packedSeq
	seqFile *os.File // the sequence file, for SeqReaders
	// id tells chromosomes apart in a SeqReader (never 0, never reused: a
	// chromosome loaded again after a release gets a new one).
	id      uint64
	release func() error // unmaps the sequence and closes files, once
	cleanup runtime.Cleanup

	tx      []*Transcript // sorted by Start, End, ID
	txStart []int         // tx[i].Start, dense for binary search
	txEnd   []int         // tx[i].End
	maxEnd  []int         // max End over tx[:i+1]
	bands   []Band
	// bandsDisjoint: bands do not overlap (BandSpan may give ranges)
	bandsDisjoint bool
	known         *knownStore // nil when the chromosome has no known variants
}

func loadChrom(dir string, e ChromEntry) (*Chrom, error) {
	var meta chromMeta
	data, err := os.ReadFile(filepath.Join(dir, e.Files.Meta))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Files.Meta, err)
	}
	c := &Chrom{Name: e.Name, Length: meta.Length, seq: packedSeq{runs: meta.Runs}, bands: meta.Bands, bandsDisjoint: disjoint(meta.Bands), id: chromIDs.Add(1)}
	var unmap func() error
	if c.seq.data, unmap, err = mapFile(filepath.Join(dir, e.Files.Seq)); err != nil {
		return nil, err
	}
	if c.seqFile, err = os.Open(filepath.Join(dir, e.Files.Seq)); err != nil {
		unmap()
		return nil, err
	}
	f := c.seqFile
	c.release = sync.OnceValue(func() error { return errors.Join(unmap(), f.Close()) })
	if want := (meta.Length + 3) / 4; len(c.seq.data) != want {
		c.close()
		return nil, fmt.Errorf("%s: %d bytes, %d bases need %d", e.Files.Seq, len(c.seq.data), meta.Length, want)
	}
	for i, r := range meta.Runs {
		if r.Start < 1 || r.End < r.Start || r.End > meta.Length || len(r.Base) != 1 || i > 0 && r.Start <= meta.Runs[i-1].End {
			c.close()
			return nil, fmt.Errorf("%s: bad sequence run %d", e.Files.Meta, i)
		}
	}
	if e.Files.Transcripts != "" {
		if c.tx, err = readTranscripts(filepath.Join(dir, e.Files.Transcripts)); err != nil {
			c.close()
			return nil, err
		}
	}
	c.indexTranscripts()
	if e.Files.Known != "" {
		if c.known, err = openKnownStore(filepath.Join(dir, e.Files.Known)); err != nil {
			c.close()
			return nil, err
		}
		ks, unmapSeq := c.known, c.release
		c.release = sync.OnceValue(func() error { return errors.Join(unmapSeq(), ks.close()) })
	}
	// A released chromosome (Bundle.Release) frees its mapping and file once
	// no caller holds it. Nothing handed out points into the mapping: Seq and
	// AppendSeq copy.
	c.cleanup = runtime.AddCleanup(c, func(release func() error) { release() }, c.release)
	return c, nil
}

// indexTranscripts fills the dense arrays AppendTranscripts searches; c.tx
// must be sorted by Start.
func (c *Chrom) indexTranscripts() {
	n := len(c.tx)
	c.txStart, c.txEnd, c.maxEnd = make([]int, n), make([]int, n), make([]int, n)
	for i, t := range c.tx {
		c.txStart[i], c.txEnd[i], c.maxEnd[i] = t.Start, t.End, t.End
		if i > 0 {
			c.maxEnd[i] = max(t.End, c.maxEnd[i-1])
		}
	}
}

func readTranscripts(path string) ([]*Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// klauspost's inflate: a quarter less CPU than the standard library's
	// on these files, which every chromosome's load reads whole.
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var tx []*Transcript
	if err := gob.NewDecoder(zr).Decode(&tx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tx, nil
}

func (c *Chrom) close() error {
	c.cleanup.Stop()
	return c.release()
}

// Seq returns bases start..end (1-based inclusive), uppercase, with 'N' (or
// the IUPAC code) where the reference has one. end == start-1 gives "" (the
// empty REF of an insertion). Positions outside 1..Length are an error.
func (c *Chrom) Seq(start, end int) (string, error) {
	if end == start-1 && start >= 1 && end <= c.Length {
		return "", nil
	}
	if start < 1 || end > c.Length || start > end {
		return "", fmt.Errorf("sequence %s:%d-%d outside 1-%d", c.Name, start, end, c.Length)
	}
	var buf [64]byte
	if end-start < len(buf) {
		return string(c.seq.appendBases(buf[:0], start, end)), nil
	}
	return string(c.seq.appendBases(make([]byte, 0, end-start+1), start, end)), nil
}

// AppendSeq appends bases start..end to dst, like Seq without allocating
// when dst has room.
func (c *Chrom) AppendSeq(dst []byte, start, end int) ([]byte, error) {
	return c.AppendSeqVia(nil, dst, start, end)
}

// AppendSeqVia is AppendSeq reading through r (nil: from the mapping), for
// position-sorted lookups.
func (c *Chrom) AppendSeqVia(r *SeqReader, dst []byte, start, end int) ([]byte, error) {
	if end == start-1 && start >= 1 && end <= c.Length {
		return dst, nil
	}
	if start < 1 || end > c.Length || start > end {
		return dst, fmt.Errorf("sequence %s:%d-%d outside 1-%d", c.Name, start, end, c.Length)
	}
	if r == nil {
		return c.seq.appendBases(dst, start, end), nil
	}
	dst, err := r.appendBases(c, dst, start, end)
	// c's cleanup closes the sequence file: c must stay reachable while r
	// reads it.
	runtime.KeepAlive(c)
	return dst, err
}

// Covered reports whether the reference holds a base other than N in
// start..end (inside 1..Length), from the runs of N alone: the annotator
// asks for every record, before it reads REF's bases.
func (c *Chrom) Covered(start, end int) bool { return !c.seq.allN(start, end) }

// CoveredVia is Covered for a caller that reads the bases next through r
// (AppendSeqVia): a range between two runs of N, which r remembers, is
// answered without searching the runs.
func (c *Chrom) CoveredVia(r *SeqReader, start, end int) bool {
	if r != nil && start <= end && r.runFree(c, start, end) {
		return true
	}
	return c.Covered(start, end)
}

// Transcripts returns every transcript overlapping [start,end], sorted by
// Start. The transcripts are shared: callers must not modify them.
func (c *Chrom) Transcripts(start, end int) []*Transcript {
	return c.AppendTranscripts(nil, start, end)
}

// AppendTranscripts is Transcripts appending to dst, for callers that reuse a buffer.
func (c *Chrom) AppendTranscripts(dst []*Transcript, start, end int) []*Transcript {
	dst, _ = c.AppendTranscriptsNext(dst, start, end)
	return dst
}

// AppendTranscriptsNext is AppendTranscripts also giving next, the lowest
// Start after end (math.MaxInt when none): the transcripts of a later
// window start'..end' (start' >= start, end <= end' < next) are those of
// this one that end at or after start', found without another lookup.
func (c *Chrom) AppendTranscriptsNext(dst []*Transcript, start, end int) ([]*Transcript, int) {
	// Scan back from the last transcript starting at or before end; the
	// running max End says when no earlier transcript can reach start. Inside
	// a megabase-long gene this walks the transcripts nested in it (tens on a
	// real genome), which measured faster than an interval tree.
	hi, _ := slices.BinarySearch(c.txStart, end+1)
	next := math.MaxInt
	if hi < len(c.txStart) {
		next = c.txStart[hi]
	}
	n := len(dst)
	for i := hi - 1; i >= 0 && c.maxEnd[i] >= start; i-- {
		if c.txEnd[i] >= start {
			dst = append(dst, c.tx[i])
		}
	}
	slices.Reverse(dst[n:])
	return dst, next
}

// AllTranscripts returns the chromosome's transcripts sorted by Start (shared, read-only).
func (c *Chrom) AllTranscripts() []*Transcript { return c.tx }

// Known returns the known variants with Pos in [start,end] (for insertions Pos
// is the base after the insertion point), sorted by Pos, in a new slice
// (nil when none). A damaged known-variant file yields no variants; use
// KnownErr to see the error.
func (c *Chrom) Known(start, end int) []KnownVariant {
	v, _ := c.KnownErr(nil, nil, start, end)
	return v
}

// KnownErr is Known appending to dst, decoding through r (nil: a new
// KnownReader, for a one-off lookup), and reporting read errors. A caller
// reusing dst[:0] and its own r does not allocate per lookup beyond the
// returned ids.
func (c *Chrom) KnownErr(r *KnownReader, dst []KnownVariant, start, end int) ([]KnownVariant, error) {
	if c.known == nil {
		return dst, nil
	}
	if r == nil {
		r = new(KnownReader)
	}
	dst, err := c.known.appendRange(r, dst, start, end)
	// c's cleanup closes the store's file: c must stay reachable while
	// appendRange reads it.
	runtime.KeepAlive(c)
	return dst, err
}

// AppendKnownMatches appends to dst the known variants at pos whose
// alleles are ref and alt (the minimal representation, see TrimAlleles),
// decoding through r, the caller's own (see KnownReader). It reads the
// values of matching records only, and their ids point into r: valid
// until r's next lookup. A read error or corrupt data is an error.
func (c *Chrom) AppendKnownMatches(r *KnownReader, dst []KnownMatch, pos int, ref, alt string) ([]KnownMatch, error) {
	if c.known == nil {
		return dst, nil
	}
	dst, err := c.known.appendMatches(r, dst, pos, ref, alt)
	runtime.KeepAlive(c) // as in KnownErr
	return dst, err
}

// Cytoband returns the band name at pos (e.g. "q21.3"), "" if none.
func (c *Chrom) Cytoband(pos int) string {
	name, _, _ := c.BandSpan(pos)
	return name
}

// BandSpan is Cytoband for a caller that looks up positions near one
// another, such as an annotator of sorted records: the band name at pos
// ("" for none) and the positions lo..hi around pos with the same answer,
// the band or the gap between two (just pos when the bands overlap, which a
// cytoBand file's never do).
func (c *Chrom) BandSpan(pos int) (name string, lo, hi int) {
	b := c.bands
	i := sort.Search(len(b), func(i int) bool { return b[i].End >= pos })
	if i < len(b) && b[i].Start <= pos {
		name = b[i].Name
	}
	switch {
	case !c.bandsDisjoint:
		return name, pos, pos
	case name != "":
		return name, b[i].Start, b[i].End
	}
	lo, hi = math.MinInt, math.MaxInt
	if i > 0 {
		lo = b[i-1].End + 1
	}
	if i < len(b) {
		hi = b[i].Start - 1
	}
	return "", lo, hi
}

// disjoint reports whether bands sorted by Start are non-empty and do not
// overlap (so their ends increase too).
func disjoint(bands []Band) bool {
	for i, b := range bands {
		if b.End < b.Start || i > 0 && b.Start <= bands[i-1].End {
			return false
		}
	}
	return true
}

// Bands returns the chromosome's cytogenetic bands sorted by Start (read-only).
func (c *Chrom) Bands() []Band { return c.bands }
