package variants

import (
	"container/heap"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/s2"
)

// Row is one CSQ entry of one ALT allele: the API's and the page's row.
type Row struct {
	Chrom       string   `json:"chrom"`
	Pos         int      `json:"pos"`
	ID          string   `json:"id"`
	Ref         string   `json:"ref"`
	Alt         string   `json:"alt"`
	Allele      string   `json:"allele"`
	Gene        string   `json:"gene"`
	GeneID      string   `json:"gene_id"`
	Feature     string   `json:"feature"`
	Biotype     string   `json:"biotype"`
	Consequence string   `json:"consequence"`
	Impact      string   `json:"impact"`
	HGVSc       string   `json:"hgvsc"`
	HGVSp       string   `json:"hgvsp"`
	AF          *float64 `json:"af"`
	ClinSig     string   `json:"clin_sig"`
	Canonical   bool     `json:"canonical"`
}

// Page is one answer to a Query.
type Page struct {
	Rows       []Row  `json:"rows"`
	NextCursor string `json:"next_cursor"` // "" on the last page
	Total      int64  `json:"total"`       // rows matching the filters, on every page
	// Offset is how many matching rows come before the page's first (the
	// portal numbers its rows from it).
	Offset int64 `json:"-"`
}

// Index is an opened variant index. It is safe for concurrent queries.
type Index struct {
	r          io.ReaderAt
	result     io.ReaderAt // the annotated VCF the anchors point into (version 5)
	kind       resultKind
	f          *footer
	first      []int64 // global number of each block's first row
	geneByName map[string][]uint32
	csqByTerm  map[string][]uint32
	geneRank   []uint32 // rank of each gene id by displayed name
}

// Open reads an index's footer from r (size bytes long). result is the
// annotated VCF the index was built of, as stored (BGZF or text): a
// version-5 index reads its rows' text there; older ones need none (nil).
func Open(r io.ReaderAt, size int64, result io.ReaderAt) (*Index, error) {
	f, err := readFooter(r, size)
	if err != nil {
		return nil, err
	}
	ix := &Index{r: r, f: f, geneByName: map[string][]uint32{}, csqByTerm: map[string][]uint32{}}
	if f.anchored() {
		if result == nil {
			return nil, errors.New("variant index: version 5 reads its rows' text from the result, and none was given")
		}
		if ix.kind, err = sniffResult(result); err != nil {
			return nil, err
		}
		if ix.kind == resultPlain && len(f.Parts) > 0 {
			return nil, fmt.Errorf("variant index: a joined index's result is BGZF, and this one is not: %w", ErrWrongResult)
		}
		ix.result = result
	}
	var n int64
	for _, b := range f.Blocks {
		ix.first = append(ix.first, n)
		n += int64(b.Rows)
	}
	for i, g := range f.Genes {
		for _, name := range []string{g.Symbol, g.ID} {
			if k := strings.ToLower(name); k != "" && !slices.Contains(ix.geneByName[k], uint32(i)) {
				ix.geneByName[k] = append(ix.geneByName[k], uint32(i))
			}
		}
	}
	for i, c := range f.Csqs {
		for _, t := range strings.Split(c, "&") {
			ix.csqByTerm[t] = append(ix.csqByTerm[t], uint32(i))
		}
	}
	order := make([]uint32, len(f.Genes))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortStableFunc(order, func(a, b uint32) int {
		return strings.Compare(strings.ToLower(f.Genes[a].Name()), strings.ToLower(f.Genes[b].Name()))
	})
	ix.geneRank = make([]uint32, len(f.Genes))
	for rank, id := range order {
		ix.geneRank[id] = uint32(rank)
	}
	if err := ix.checkResult(); err != nil {
		return nil, err
	}
	return ix, nil
}

// checkResult reads the first and the last row from the result (an index
// of version 5 with rows): a result that is not the index's own, or that
// was cut short, fails at Open rather than in some query.
func (ix *Index) checkResult() error {
	if ix.kind == resultNone || ix.f.Rows == 0 {
		return nil
	}
	last := len(ix.f.Blocks) - 1
	_, err := ix.rows(ix.newRowReader(), []hit{{blk: 0, i: 0}, {blk: last, i: ix.f.Blocks[last].Rows - 1}})
	return err
}

// Rows is the number of rows in the index.
func (ix *Index) Rows() int64 { return ix.f.Rows }

// Fields is the CSQ layout the index was built from.
func (ix *Index) Fields() []string { return ix.f.Fields }

// hit is one matching row.
type hit struct {
	blk int
	i   int
	key float64 // sort key (sorted queries)
}

func (ix *Index) row(h hit) int64 { return ix.first[h.blk] + int64(h.i) }

// readFilter reads block bi's filter section into buf.
func (ix *Index) readFilter(bi int, buf []byte) (filterCols, []byte, error) {
	b := &ix.f.Blocks[bi]
	n, stored := b.Rows*filterWidth, 0
	if ix.f.compressed() {
		stored = b.FilterLen
	}
	// The columns take buf[:n]; compressed, the stored bytes are read
	// after them and decoded into them.
	buf = slices.Grow(buf[:0], n+stored)[:n+stored]
	dst := buf[:n]
	if stored > 0 {
		dst = buf[n:]
	}
	if _, err := ix.r.ReadAt(dst, b.Off); err != nil {
		return filterCols{}, buf, fmt.Errorf("variant index: read block %d: %w", bi, err)
	}
	if ix.f.anchored() && crc32.Checksum(buf[n:], castagnoli) != b.FilterCRC {
		return filterCols{}, buf, fmt.Errorf("variant index: block %d: filter data is corrupt (checksum)", bi)
	}
	if stored > 0 {
		if k, err := s2.DecodedLen(buf[n:]); err != nil || k != n {
			return filterCols{}, buf, fmt.Errorf("variant index: block %d: filter data is corrupt", bi)
		}
		if _, err := s2.Decode(buf[:n], buf[n:]); err != nil {
			return filterCols{}, buf, fmt.Errorf("variant index: block %d: filter data is corrupt: %v", bi, err)
		}
	}
	c := filterCols{n: b.Rows, raw: buf[:n]}
	if err := ix.f.translate(b, c); err != nil {
		return filterCols{}, buf, fmt.Errorf("variant index: block %d: %w", bi, err)
	}
	return c, buf, nil
}

// blocks yields the blocks whose summaries do not rule them out, each with
// the filters its rows need checking against.
func (ix *Index) blocks(m *matcher) iter.Seq2[int, rowCheck] {
	return func(yield func(int, rowCheck) bool) {
		for bi := range ix.f.Blocks {
			skip, rc := m.block(&ix.f.Blocks[bi])
			if !skip && !yield(bi, rc) {
				return
			}
		}
	}
}

// Query answers one page.
func (ix *Index) Query(q Query) (Page, error) {
	from, err := q.cursorRow()
	if err != nil {
		return Page{}, err
	}
	m := ix.compile(q)
	if m.none {
		return Page{Rows: []Row{}}, nil
	}
	if q.sorted() {
		return ix.querySorted(q, m, from)
	}
	limit := q.limit()
	var page Page
	var hits []hit
	var buf []byte
	for bi, rc := range ix.blocks(m) {
		b := &ix.f.Blocks[bi]
		first := ix.first[bi]
		needPage := len(hits) <= limit && first+int64(b.Rows) > from
		if !rc.any() && !needPage {
			page.Total += int64(b.Rows)
			if first+int64(b.Rows) <= from {
				page.Offset += int64(b.Rows)
			}
			continue
		}
		var cols filterCols
		if rc.any() {
			if cols, buf, err = ix.readFilter(bi, buf); err != nil {
				return Page{}, err
			}
		}
		for i := range m.matching(rc, cols, b.Rows) {
			page.Total++
			if first+int64(i) < from {
				page.Offset++
			} else if needPage && len(hits) <= limit {
				hits = append(hits, hit{blk: bi, i: i})
			}
		}
	}
	if len(hits) > limit {
		page.NextCursor = makeCursor("p", ix.row(hits[limit]))
		hits = hits[:limit]
	}
	page.Rows, err = ix.rows(ix.newRowReader(), hits)
	return page, err
}

// hitHeap is a max-heap on (key, row): it keeps the smallest rows seen.
type hitHeap struct {
	ix *Index
	h  []hit
}

func (h *hitHeap) less(a, b hit) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return h.ix.row(a) < h.ix.row(b)
}
func (h *hitHeap) Len() int           { return len(h.h) }
func (h *hitHeap) Less(i, j int) bool { return h.less(h.h[j], h.h[i]) }
func (h *hitHeap) Swap(i, j int)      { h.h[i], h.h[j] = h.h[j], h.h[i] }
func (h *hitHeap) Push(x any)         { h.h = append(h.h, x.(hit)) }
func (h *hitHeap) Pop() any {
	x := h.h[len(h.h)-1]
	h.h = h.h[:len(h.h)-1]
	return x
}

func (ix *Index) sortKey(sort string, c filterCols, i int) float64 {
	switch sort {
	case SortGene:
		return float64(ix.geneRank[c.gene(i)])
	case SortImpact:
		if code := c.flags(i) & flagImpact; code != impactNone {
			return float64(code)
		}
		return float64(impactModifier + 1)
	case SortAF:
		return float64(c.af(i))
	default: // SortAFDesc
		return -float64(c.af(i))
	}
}

// querySorted keeps the first from+limit+1 rows in sort order (ties in file
// order), no more than MaxSortedRows+1: the page ends at row MaxSortedRows.
func (ix *Index) querySorted(q Query, m *matcher, from int64) (Page, error) {
	limit := min(q.limit(), MaxSortedRows-int(from)) // from < MaxSortedRows (cursorRow)
	h, total, err := ix.sortedHits(q, m, int(from)+limit+1)
	if err != nil {
		return Page{}, err
	}
	page := Page{Total: total, Offset: min(from, total)}
	hits := h[min(int(from), len(h)):]
	if len(hits) > limit {
		if from+int64(limit) < MaxSortedRows {
			page.NextCursor = makeCursor("o", from+int64(limit))
		}
		hits = hits[:limit]
	}
	page.Rows, err = ix.rows(ix.newRowReader(), hits)
	return page, err
}

// sortedHits returns the first keep rows matching m in q's sort order (ties
// in file order), and how many rows match.
func (ix *Index) sortedHits(q Query, m *matcher, keep int) ([]hit, int64, error) {
	h := &hitHeap{ix: ix}
	var total int64
	var buf []byte
	var err error
	for bi, rc := range ix.blocks(m) {
		b := &ix.f.Blocks[bi]
		var cols filterCols
		if cols, buf, err = ix.readFilter(bi, buf); err != nil {
			return nil, 0, err
		}
		for i := range m.matching(rc, cols, b.Rows) {
			total++
			x := hit{blk: bi, i: i, key: ix.sortKey(q.Sort, cols, i)}
			if len(h.h) < keep {
				heap.Push(h, x)
			} else if h.less(x, h.h[0]) {
				h.h[0] = x
				heap.Fix(h, 0)
			}
		}
	}
	slices.SortFunc(h.h, func(a, b hit) int {
		if h.less(a, b) {
			return -1
		}
		return 1
	})
	return h.h, total, nil
}

// Export calls fn for every row matching q's filters (q's limit and cursor
// are ignored): in file order, or in q's sort order, which holds up to
// MaxSortedRows rows: when more match, Export returns an error wrapping
// domain.ErrInvalid before calling fn. It stops at fn's first error.
func (ix *Index) Export(q Query, fn func(Row) error) error {
	m := ix.compile(q)
	if m.none {
		return nil
	}
	if q.sorted() {
		return ix.exportSorted(q, m, fn)
	}
	var buf []byte
	var err error
	var hits []hit
	rd := ix.newRowReader()
	for bi, rc := range ix.blocks(m) {
		b := &ix.f.Blocks[bi]
		var cols filterCols
		if rc.any() {
			if cols, buf, err = ix.readFilter(bi, buf); err != nil {
				return err
			}
		}
		hits = hits[:0]
		for i := range m.matching(rc, cols, b.Rows) {
			hits = append(hits, hit{blk: bi, i: i})
		}
		rows, err := ix.rows(rd, hits)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportSorted is Export in q's sort order: it keeps MaxSortedRows+1 hits
// and makes rows of MaxLimit of them at a time.
func (ix *Index) exportSorted(q Query, m *matcher, fn func(Row) error) error {
	hits, total, err := ix.sortedHits(q, m, MaxSortedRows+1)
	if err != nil {
		return err
	}
	if err := q.CheckExport(total); err != nil {
		return err
	}
	rd := ix.newRowReader()
	for len(hits) > 0 {
		n := min(len(hits), MaxLimit)
		rows, err := ix.rows(rd, hits[:n])
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		hits = hits[n:]
	}
	return nil
}

// rows materializes hits, in their order, reading each block's filter
// section and each group of rows' display text involved once (rd reads
// the text: one per query).
func (ix *Index) rows(rd *rowReader, hits []hit) ([]Row, error) {
	out := make([]Row, len(hits))
	type groupKey struct{ blk, g int }
	groups := map[groupKey][]shownRow{}
	cols := map[int]filterCols{}
	for k, h := range hits {
		c, ok := cols[h.blk]
		if !ok {
			var err error
			if c, _, err = ix.readFilter(h.blk, nil); err != nil {
				return nil, err
			}
			cols[h.blk] = c
		}
		key := groupKey{h.blk, h.i / displayGroup}
		rows, ok := groups[key]
		if !ok {
			var err error
			if rows, err = rd.group(h.blk, key.g, min(displayGroup, ix.f.Blocks[h.blk].Rows-key.g*displayGroup)); err != nil {
				return nil, err
			}
			groups[key] = rows
		}
		d := &rows[h.i%displayGroup]
		if ix.kind != resultNone {
			if err := rd.checkRow(h.blk, c, h.i, d); err != nil {
				return nil, err
			}
		}
		out[k] = ix.makeRow(h.blk, c, d.text, h.i)
	}
	return out, nil
}

func (ix *Index) makeRow(bi int, c filterCols, d [displayFields]string, i int) Row {
	g := ix.f.Genes[c.gene(i)]
	fl := c.flags(i)
	r := Row{
		Chrom: ix.f.Chroms[ix.f.Blocks[bi].Chrom], Pos: int(c.pos(i)),
		ID: d[0], Ref: d[1], Alt: d[2], Allele: d[3], Feature: d[4], Biotype: d[5], HGVSc: d[6], HGVSp: d[7], ClinSig: d[8],
		Gene: g.Name(), GeneID: g.ID, Consequence: ix.f.Csqs[c.csq(i)],
		Impact: impactName(fl & flagImpact), Canonical: fl&flagCanonical != 0,
	}
	if fl&flagAF != 0 {
		// The shortest decimal that reads back as the stored float32 (0.001, not 0.0010000000474974513).
		af, _ := strconv.ParseFloat(strconv.FormatFloat(float64(c.af(i)), 'g', -1, 32), 64)
		r.AF = &af
	}
	return r
}
