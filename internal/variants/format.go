package variants

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	magic   = "GASVIX1\n"
	version = 5
	// minVersion is the oldest version read: version 4 is version 5
	// with the rows' display text in the index (a display section per
	// block) instead of anchors into the result; version 3 is version 4
	// with its filter sections as they are (not s2-compressed), version
	// 2 is version 3 without parts.
	minVersion = 2
	// anchoredVersion is the first version whose rows' display text is
	// read from the result through anchors.
	anchoredVersion = 5
	// anchorLen is the bytes of one anchor: the virtual offset of the
	// group's first record's line in the result (uint64) and the rows of
	// that record before the group's first (uint32), little-endian.
	anchorLen = 12
	// compressedVersion is the first version whose filter sections are
	// s2-compressed.
	compressedVersion = 4
	blockRows         = 4096
	trailerLen        = 8 + len(magic)
	// filterWidth is the bytes per row of a block's filter section:
	// pos, gene, consequence (uint32 each), af (float32), flags (uint8).
	filterWidth = 4 + 4 + 4 + 4 + 1
	// displayFields is the number of strings per row besides the filter
	// columns (Row's id, ref, alt, allele, feature, biotype, hgvsc,
	// hgvsp, clin_sig).
	displayFields = 9
	// displayGroup is the rows per group: each group has an anchor
	// (version 5), or decodes on its own in a display section (2 to 4).
	displayGroup = 128
)

// Impact codes in the flags byte, most severe first (0 = none given).
const (
	impactNone uint8 = iota
	impactHigh
	impactModerate
	impactLow
	impactModifier
)

var impactNames = [...]string{"", "HIGH", "MODERATE", "LOW", "MODIFIER"}

func impactCode(s string) uint8 {
	switch s {
	case "HIGH":
		return impactHigh
	case "MODERATE":
		return impactModerate
	case "LOW":
		return impactLow
	case "MODIFIER":
		return impactModifier
	}
	return impactNone
}

func impactName(code uint8) string {
	if int(code) < len(impactNames) {
		return impactNames[code]
	}
	return ""
}

const (
	flagImpact    = 0x07
	flagCanonical = 0x08
	flagAF        = 0x10
)

// Gene is one entry of the gene dictionary.
type Gene struct {
	Symbol string `json:"s,omitempty"`
	ID     string `json:"i,omitempty"`
}

// Name is what a row shows as its gene: the symbol, else the id.
func (g Gene) Name() string {
	if g.Symbol != "" {
		return g.Symbol
	}
	return g.ID
}

// blockInfo is one block's place in the file and its summary.
type blockInfo struct {
	Off        int64    `json:"o"`           // offset of the filter section
	Rows       int      `json:"n"`           // rows in the block
	FilterLen  int      `json:"f,omitempty"` // filter section bytes (compressed; version 4 on)
	DisplayLen int      `json:"d"`           // display section bytes, after the filter section (versions 2-4)
	AnchorOff  int64    `json:"r,omitempty"` // offset of the block's first anchor (version 5)
	FilterCRC  uint32   `json:"x,omitempty"` // CRC-32C of the stored filter section (version 5)
	Chrom      int      `json:"c"`           // index into footer.Chroms
	MinPos     uint32   `json:"p0"`          // smallest pos
	MaxPos     uint32   `json:"p1"`          // largest pos
	MinAF      float32  `json:"a0"`          // smallest af (unknown = 0)
	MaxAF      float32  `json:"a1"`          // largest af
	Genes      []uint32 `json:"g"`           // distinct gene ids, ascending
	Csqs       []uint64 `json:"q"`           // bitset of consequence-list ids present
	Impacts    uint8    `json:"m"`           // bit (1<<code) per impact code present
	Canonical  int      `json:"k"`           // rows with canonical set
	Part       int      `json:"t,omitempty"` // index into footer.Parts (a joined index)
}

// partInfo is one of the files a joined index is made of (Join).
type partInfo struct {
	Off  int64 `json:"o"` // where the part's file starts in the joined index
	Size int64 `json:"z"` // its bytes, its own footer and trailer included
	// ResultOff is where the part's result starts in the joined result
	// (a BGZF file: the part's anchors add ResultOff<<16).
	ResultOff int64 `json:"v,omitempty"`
	// Genes and Csqs translate the part's dictionary ids, which its
	// blocks' filter sections hold, into the footer's.
	Genes []uint32 `json:"g"`
	Csqs  []uint32 `json:"q"`
}

// footer is the file's directory.
type footer struct {
	Version int         `json:"version"`
	Fields  []string    `json:"fields"` // the CSQ layout the index was built from
	Rows    int64       `json:"rows"`
	Chroms  []string    `json:"chroms"`
	Genes   []Gene      `json:"genes"`
	Csqs    []string    `json:"csqs"` // "&"-joined consequence lists
	Blocks  []blockInfo `json:"blocks"`
	// Parts is empty in an index one builder wrote, whose filter sections
	// hold the footer's own ids; a joined index lists its parts here.
	Parts []partInfo `json:"parts,omitempty"`
}

// writeFooter writes the footer and the trailer (off is the footer's
// offset) and returns the bytes written.
func writeFooter(w io.Writer, f *footer, off int64) (int, error) {
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return 0, err
	}
	if err := json.NewEncoder(zw).Encode(f); err != nil {
		return 0, fmt.Errorf("encode footer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(off)))
	buf.WriteString(magic)
	return w.Write(buf.Bytes())
}

// ErrOldIndex is an index in a format this build no longer reads (the job
// is re-run to get a new one).
var ErrOldIndex = errors.New("the index was built by an older version")

func readFooter(r io.ReaderAt, size int64) (*footer, error) {
	if size < int64(len(magic)+trailerLen) {
		return nil, fmt.Errorf("variant index: %d bytes is too short", size)
	}
	head := make([]byte, len(magic))
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("variant index: read magic: %w", err)
	}
	tail := make([]byte, trailerLen)
	if _, err := r.ReadAt(tail, size-int64(trailerLen)); err != nil {
		return nil, fmt.Errorf("variant index: read trailer: %w", err)
	}
	if string(head) != magic || string(tail[8:]) != magic {
		return nil, fmt.Errorf("variant index: not a GAS variant index (bad magic)")
	}
	off := int64(binary.LittleEndian.Uint64(tail))
	if off < int64(len(magic)) || off > size-int64(trailerLen) {
		return nil, fmt.Errorf("variant index: footer offset %d out of range", off)
	}
	zr := flate.NewReader(io.NewSectionReader(r, off, size-int64(trailerLen)-off))
	defer zr.Close()
	var f footer
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		return nil, fmt.Errorf("variant index: decode footer: %w", err)
	}
	if f.Version < minVersion {
		return nil, fmt.Errorf("variant index: version %d, this build reads %d to %d: %w", f.Version, minVersion, version, ErrOldIndex)
	}
	if f.Version > version {
		return nil, fmt.Errorf("variant index: version %d is newer than this build reads (%d)", f.Version, version)
	}
	if err := checkParts(r, &f, off); err != nil {
		return nil, err
	}
	for i, b := range f.Blocks {
		lo, hi := int64(len(magic)), off // where the block's file holds blocks
		if len(f.Parts) > 0 {
			if b.Part < 0 || b.Part >= len(f.Parts) {
				return nil, fmt.Errorf("variant index: block %d names no part", i)
			}
			p := f.Parts[b.Part]
			lo, hi = p.Off+int64(len(magic)), p.Off+p.Size-int64(trailerLen)
		} else if b.Part != 0 {
			return nil, fmt.Errorf("variant index: block %d names no part", i)
		}
		end := b.Off + f.blockLen(&b)
		if b.Off < lo || end > hi || b.DisplayLen < 0 || f.compressed() && b.FilterLen <= 0 || b.Chrom < 0 || b.Chrom >= len(f.Chroms) {
			return nil, fmt.Errorf("variant index: block %d out of range", i)
		}
		if f.anchored() && (b.AnchorOff < lo || b.AnchorOff+int64(anchorLen*groups(b.Rows)) > hi || b.DisplayLen != 0) {
			return nil, fmt.Errorf("variant index: block %d: anchors out of range", i)
		}
	}
	return &f, nil
}

// anchored reports whether the index's rows' display text is in the result.
func (f *footer) anchored() bool { return f.Version >= anchoredVersion }

// groups is the number of display groups of a block of rows rows.
func groups(rows int) int { return (rows + displayGroup - 1) / displayGroup }

// compressed reports whether the index's filter sections are s2-compressed.
func (f *footer) compressed() bool { return f.Version >= compressedVersion }

// filterLen is the bytes block b's filter section takes in the file.
func (f *footer) filterLen(b *blockInfo) int {
	if f.compressed() {
		return b.FilterLen
	}
	return b.Rows * filterWidth
}

// blockLen is the bytes block b takes in the file, both sections.
func (f *footer) blockLen(b *blockInfo) int64 {
	return int64(f.filterLen(b)) + int64(b.DisplayLen)
}

// checkParts checks that a joined index's parts follow each other up to
// the footer at off, each an index file: its magic first and last (a part
// missing, cut short or in the wrong place fails here, not in a query).
func checkParts(r io.ReaderAt, f *footer, off int64) error {
	var at int64
	buf := make([]byte, len(magic))
	for i, p := range f.Parts {
		if p.Off != at || p.Size < int64(len(magic)+trailerLen) || p.Off+p.Size > off {
			return fmt.Errorf("variant index: part %d out of range", i)
		}
		for _, o := range []int64{p.Off, p.Off + p.Size - int64(len(magic))} {
			if _, err := r.ReadAt(buf, o); err != nil {
				return fmt.Errorf("variant index: part %d: %w", i, err)
			}
			if string(buf) != magic {
				return fmt.Errorf("variant index: part %d is not a GAS variant index (bad magic)", i)
			}
		}
		at += p.Size
	}
	if len(f.Parts) > 0 && at != off {
		return fmt.Errorf("variant index: the parts end at %d, the footer starts at %d", at, off)
	}
	return nil
}

// translate rewrites the gene and consequence columns of a block of a
// joined index, read as its part wrote them, into the footer's ids; in an
// index of one part it checks that they are ids of the footer's
// dictionaries (a corrupt file fails the query, not the process).
func (f *footer) translate(b *blockInfo, c filterCols) error {
	if len(f.Parts) == 0 {
		for k, n := range [2]int{len(f.Genes), len(f.Csqs)} {
			col := c.raw[4*c.n*(k+1) : 4*c.n*(k+2)]
			for i := 0; i < len(col); i += 4 {
				if int(binary.LittleEndian.Uint32(col[i:])) >= n {
					return errors.New("dictionary id out of range")
				}
			}
		}
		return nil
	}
	p := &f.Parts[b.Part]
	for k, ids := range [2][]uint32{p.Genes, p.Csqs} {
		col := c.raw[4*c.n*(k+1) : 4*c.n*(k+2)]
		for i := 0; i < len(col); i += 4 {
			v := binary.LittleEndian.Uint32(col[i:])
			if int(v) >= len(ids) {
				return errors.New("dictionary id out of range")
			}
			binary.LittleEndian.PutUint32(col[i:], ids[v])
		}
	}
	return nil
}

// filterCols views a block's filter section as columns.
type filterCols struct {
	n   int
	raw []byte
}

func (c filterCols) pos(i int) uint32  { return binary.LittleEndian.Uint32(c.raw[4*i:]) }
func (c filterCols) gene(i int) uint32 { return binary.LittleEndian.Uint32(c.raw[4*(c.n+i):]) }
func (c filterCols) csq(i int) uint32  { return binary.LittleEndian.Uint32(c.raw[4*(2*c.n+i):]) }
func (c filterCols) flags(i int) uint8 { return c.raw[16*c.n+i] }
func (c filterCols) af(i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(c.raw[4*(3*c.n+i):]))
}
