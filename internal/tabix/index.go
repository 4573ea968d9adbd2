// Package tabix writes tabix (.tbi) and CSI (.csi) indexes for BGZF-compressed
// VCF files, as htslib's tabix reads them (SAM/BAM specification, sections
// 4.2 and 5; the tabix and CSI format documents).
//
//	err := tabix.IndexVCF("out.vcf.gz") // writes out.vcf.gz.tbi, or .csi for long contigs
//
// An Indexer can also be fed records directly (Add) by a writer that knows
// each record's BGZF virtual offsets, then written with WriteTBI or WriteCSI.
//
// Coordinates are 0-based half-open, as in the index formats. A VCF record
// spans POS-1 to POS-1+len(REF), or to INFO/END when that is larger (symbolic
// alleles). Records must be grouped by chromosome and sorted by POS within
// each; anything else is an error naming the line, because tabix would
// silently miss records in such a file.
package tabix

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// Binning scheme parameters: TBI is fixed at 16 kb leaves and 6 levels
// (positions below 2^29); CSI grows the depth for longer contigs.
const (
	minShift = 14
	tbiDepth = 5
	// TBIMaxPos is the largest end position a .tbi can index (512 Mbp).
	TBIMaxPos = 1 << 29
	vcfFormat = 2 // tabix preset "vcf"
	// workDepth is the depth bins are collected at (up to 2^35 bp); they
	// are renumbered to the written depth, which loses nothing because
	// that depth covers every record.
	workDepth = 7
)

// chunk is a range of virtual offsets [beg, end).
type chunk struct{ beg, end uint64 }

type refIndex struct {
	name   string
	bins   map[uint32][]chunk
	linear []uint64 // smallest virtual offset of a record overlapping each 16 kb window
	first  uint64   // virtual offset of the first record
	last   uint64   // virtual offset after the last record
	n      uint64   // records
	maxEnd int64
	// begin of the first and of the last record (joining parts checks the order across them)
	firstBeg, lastBeg int64
}

// Indexer collects records in file order and writes the index.
type Indexer struct {
	refs   []*refIndex
	byName map[string]int
	cur    *refIndex
}

// NewIndexer returns an empty Indexer.
func NewIndexer() *Indexer { return &Indexer{byName: map[string]int{}} }

// Add records one line: chromosome, 0-based half-open span [beg, end), and the
// virtual offsets of its start and of the next line.
func (x *Indexer) Add(chrom string, beg, end int64, vstart, vend uint64) error {
	if end <= beg {
		end = beg + 1
	}
	r, err := x.ref(chrom, beg, vstart)
	if err != nil {
		return err
	}
	r.lastBeg = beg
	r.addChunk(reg2bin(beg, end, minShift, workDepth), chunk{vstart, vend})
	for w := beg >> minShift; w <= (end-1)>>minShift; w++ {
		r.setLinear(w, vstart)
	}
	r.last, r.n = vend, r.n+1
	r.maxEnd = max(r.maxEnd, end)
	return nil
}

// ref is the reference of a record of chrom that begins at beg and at
// virtual offset vstart: the current one, or a new one when chrom starts.
// Records of a reference must be sorted and its records contiguous.
func (x *Indexer) ref(chrom string, beg int64, vstart uint64) (*refIndex, error) {
	if x.cur == nil || x.cur.name != chrom {
		if _, seen := x.byName[chrom]; seen {
			return nil, fmt.Errorf("chromosome %s appears in two separate blocks: the file must be grouped by chromosome", chrom)
		}
		x.cur = &refIndex{name: chrom, bins: map[uint32][]chunk{}, first: vstart, firstBeg: beg, lastBeg: -1}
		x.byName[chrom] = len(x.refs)
		x.refs = append(x.refs, x.cur)
	}
	if r := x.cur; beg < r.lastBeg {
		return nil, fmt.Errorf("%s:%d after %s:%d: the file must be sorted by position", chrom, beg+1, chrom, r.lastBeg+1)
	}
	return x.cur, nil
}

// addChunk adds c to a bin: a chunk that starts where the bin's last one
// ends extends it (consecutive records of a bin make one chunk).
func (r *refIndex) addChunk(bin uint32, c chunk) {
	cs := r.bins[bin]
	if n := len(cs); n > 0 && cs[n-1].end == c.beg {
		cs[n-1].end = c.end
	} else {
		cs = append(cs, c)
	}
	r.bins[bin] = cs
}

// setLinear notes a record starting at vstart in 16 kb window w, unless an
// earlier one did (0 marks a window without one).
func (r *refIndex) setLinear(w int64, vstart uint64) {
	for int64(len(r.linear)) <= w {
		r.linear = append(r.linear, 0)
	}
	if r.linear[w] == 0 {
		r.linear[w] = vstart
	}
}

// NeedsCSI reports whether some record ends beyond what a .tbi can address.
func (x *Indexer) NeedsCSI() bool {
	for _, r := range x.refs {
		if r.maxEnd > TBIMaxPos {
			return true
		}
	}
	return false
}

// depthFor is the CSI depth whose top bin covers end; a .tbi always has 5.
func depthFor(end int64) int {
	d := tbiDepth
	for int64(1)<<(minShift+3*d) < end {
		d++
	}
	return d
}

func (x *Indexer) csiDepth() int {
	d := tbiDepth
	for _, r := range x.refs {
		d = max(d, depthFor(r.maxEnd))
	}
	return d
}

// reg2bin is the bin of [beg, end) in a scheme of depth levels below the root.
func reg2bin(beg, end int64, shift, depth int) uint32 {
	end--
	t := ((1 << (3 * (depth + 1))) - 1) / 7
	s := shift
	for l := depth; l > 0; l-- {
		t -= 1 << (3 * l)
		if beg>>s == end>>s {
			return uint32(t + int(beg>>s))
		}
		s += 3
	}
	return 0
}

// rebin renumbers a workDepth bin for a scheme of depth levels: the same
// region, counted from a lower root.
func rebin(bin uint32, depth int) uint32 {
	l, first := binLevel(bin)
	l -= workDepth - depth
	if l < 0 {
		return 0
	}
	return uint32((1<<(3*l)-1)/7) + (bin - first)
}

// binLevel is the level of bin (0 = root) and the number of that level's first bin.
func binLevel(bin uint32) (int, uint32) {
	l, t := 0, uint32(0)
	for bin >= t+1<<(3*l) {
		t += 1 << (3 * l)
		l++
	}
	return l, t
}

// binStart is the first 16 kb window a bin covers, for the CSI loffset.
func binStart(bin uint32, depth int) int64 {
	l, t := binLevel(bin)
	return int64(bin-t) << (3 * (depth - l))
}

// pseudoBin holds the per-reference summary htslib writes (and reads when present).
func pseudoBin(depth int) uint32 { return uint32(((1<<(3*(depth+1)))-1)/7 + 1) }

// header is the tabix configuration block, shared by .tbi and the CSI aux field.
func (x *Indexer) header() []byte {
	var names []byte
	for _, r := range x.refs {
		names = append(append(names, r.name...), 0)
	}
	b := make([]byte, 0, 28+len(names))
	for _, v := range []int32{vcfFormat, 1, 2, 0, '#', 0, int32(len(names))} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return append(b, names...)
}

// WriteTBI writes the .tbi payload (uncompressed: the caller wraps it in BGZF).
// It is written a reference at a time, each into a buffer sized for it: a
// whole genome's index is some 6 MB, which one growing buffer copied over
// and over, and a BGZF writer compresses a reference's blocks while the
// next is encoded.
func (x *Indexer) WriteTBI(w io.Writer) error {
	if x.NeedsCSI() {
		return fmt.Errorf("a contig extends beyond %d bp: use a CSI index", TBIMaxPos)
	}
	b := append([]byte("TBI\x01"), append(le32(int32(len(x.refs))), x.header()...)...)
	for _, r := range x.refs {
		if _, err := w.Write(b); err != nil {
			return err
		}
		b = slices.Grow(b[:0], r.binsSize(false)+4+8*len(r.linear))
		b = r.appendBins(b, tbiDepth, false)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.linear)))
		var prev uint64
		for _, o := range r.linear {
			if o == 0 {
				o = prev // an empty window points where the previous one does
			}
			b = binary.LittleEndian.AppendUint64(b, o)
			prev = o
		}
	}
	b = binary.LittleEndian.AppendUint64(b, 0) // records without coordinates
	_, err := w.Write(b)
	return err
}

// WriteCSI writes the .csi payload (uncompressed: the caller wraps it in
// BGZF), a reference at a time as WriteTBI.
func (x *Indexer) WriteCSI(w io.Writer) error {
	depth := x.csiDepth()
	hdr := x.header()
	b := append([]byte("CSI\x01"), le32(minShift)...)
	b = append(b, le32(int32(depth))...)
	b = append(b, le32(int32(len(hdr)))...)
	b = append(b, hdr...)
	b = append(b, le32(int32(len(x.refs)))...)
	for _, r := range x.refs {
		if _, err := w.Write(b); err != nil {
			return err
		}
		b = r.appendBins(slices.Grow(b[:0], r.binsSize(true)), depth, true)
	}
	b = binary.LittleEndian.AppendUint64(b, 0)
	_, err := w.Write(b)
	return err
}

// binsSize is the bytes appendBins writes.
func (r *refIndex) binsSize(csi bool) int {
	per := 4 + 4 // bin, n_chunk
	if csi {
		per += 8 // loffset
	}
	n := 4 + (len(r.bins)+1)*per + 2*16 // n_bin, the bins and the pseudo-bin's heads, its two chunks
	for _, cs := range r.bins {
		n += 16 * len(cs)
	}
	return n
}

// appendBins writes n_bin and the bins in ascending order, then the pseudo-bin.
func (r *refIndex) appendBins(b []byte, depth int, csi bool) []byte {
	ids := make([]uint32, 0, len(r.bins))
	for id := range r.bins {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ids)+1))
	for _, id := range ids {
		out := rebin(id, depth)
		b = binary.LittleEndian.AppendUint32(b, out)
		if csi {
			b = binary.LittleEndian.AppendUint64(b, r.loffset(out, depth))
		}
		cs := r.bins[id]
		b = binary.LittleEndian.AppendUint32(b, uint32(len(cs)))
		for _, c := range cs {
			b = binary.LittleEndian.AppendUint64(b, c.beg)
			b = binary.LittleEndian.AppendUint64(b, c.end)
		}
	}
	b = binary.LittleEndian.AppendUint32(b, pseudoBin(depth))
	if csi {
		b = binary.LittleEndian.AppendUint64(b, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, 2)
	for _, v := range []uint64{r.first, r.last, r.n, 0} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// loffset is the smallest virtual offset of a record overlapping the bin's
// first window: htslib skips chunks that end before it.
func (r *refIndex) loffset(bin uint32, depth int) uint64 {
	w := binStart(bin, depth)
	for ; w >= 0 && w < int64(len(r.linear)); w++ {
		if r.linear[w] != 0 {
			return r.linear[w]
		}
	}
	return 0
}

func le32(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
