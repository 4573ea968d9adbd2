package variants

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Part describes an index file a Builder wrote, for Join: its directory
// (the footer) and its size.
type Part struct {
	Footer footer `json:"footer"`
	Size   int64  `json:"size"`
}

// Part returns the directory of the index written, after a Close without
// error (nil otherwise).
func (b *Builder) Part() *Part {
	if !b.closed {
		return nil
	}
	<-b.done
	if b.err != nil {
		return nil
	}
	return &Part{Footer: b.p.foot, Size: b.p.size}
}

// Join returns the tail that makes the parts' files, stored one after the
// other as they are, followed by it, one index of their VCFs joined in order
// (blocks end where a part ends): a footer with the joined dictionaries
// (first-seen order, as one Builder), every part's blocks at their place in
// the joined file, and each part's translation of its dictionary ids, which
// its filter sections keep and the reader translates as it reads them. No
// part is read, so the join can be done where the parts are stored
// (tasks.Concatenator); Open checks that each part is where its size says.
// Parts must share one CSQ layout. results[i] is where part i's result
// starts in the joined result (its BGZF parts one after the other), which
// part i's anchors are shifted by.
func Join(parts []*Part, results []int64) ([]byte, error) {
	if len(results) != len(parts) {
		return nil, fmt.Errorf("variant index: join: %d parts, %d result offsets", len(parts), len(results))
	}
	// Sized for the parts' dictionaries and blocks added up (a whole
	// genome's 24 parts list ~60,000 genes: grown an entry at a time they
	// were half of the join's CPU).
	var nGenes, nCsqs, nBlocks int
	for _, p := range parts {
		if p != nil {
			nGenes, nCsqs, nBlocks = nGenes+len(p.Footer.Genes), nCsqs+len(p.Footer.Csqs), nBlocks+len(p.Footer.Blocks)
		}
	}
	foot := &footer{Version: version, Chroms: []string{}, Genes: make([]Gene, 0, nGenes), Csqs: make([]string, 0, nCsqs),
		Blocks: make([]blockInfo, 0, nBlocks), Parts: make([]partInfo, 0, len(parts))}
	chroms, genes, csqs := map[string]uint32{}, make(map[Gene]uint32, nGenes), make(map[string]uint32, nCsqs)
	var off int64 // where part i starts in the joined file
	for i, p := range parts {
		if p == nil {
			return nil, fmt.Errorf("variant index: join: part %d has no description", i)
		}
		f := &p.Footer
		if f.Version != version || len(f.Parts) > 0 {
			return nil, fmt.Errorf("variant index: join: part %d is version %d (joined: %v), this build joins %d", i, f.Version, len(f.Parts) > 0, version)
		}
		if len(f.Fields) > 0 {
			if foot.Fields == nil {
				foot.Fields = f.Fields
			} else if !slices.Equal(foot.Fields, f.Fields) {
				return nil, fmt.Errorf("variant index: join: part %d has another CSQ layout", i)
			}
		}
		if foot.Rows += f.Rows; foot.Rows >= math.MaxUint32 {
			return nil, errTooManyRows
		}
		if results[i] < 0 || i > 0 && results[i] < results[i-1] {
			return nil, fmt.Errorf("variant index: join: part %d's result is at offset %d, before the part before it", i, results[i])
		}
		pi := partInfo{Off: off, Size: p.Size, ResultOff: results[i]}
		if len(f.Genes) > 0 { // nil when none, as the footer has always written it
			pi.Genes = make([]uint32, 0, len(f.Genes))
		}
		if len(f.Csqs) > 0 {
			pi.Csqs = make([]uint32, 0, len(f.Csqs))
		}
		var chromIDs []uint32
		for _, c := range f.Chroms {
			chromIDs = append(chromIDs, intern(chroms, &foot.Chroms, c))
		}
		for _, g := range f.Genes {
			pi.Genes = append(pi.Genes, intern(genes, &foot.Genes, g))
		}
		for _, c := range f.Csqs {
			pi.Csqs = append(pi.Csqs, intern(csqs, &foot.Csqs, c))
		}
		for bi, b := range f.Blocks {
			end := b.Off + f.blockLen(&b)
			if b.Off < int64(len(magic)) || end > p.Size-int64(trailerLen) || b.FilterLen <= 0 || b.DisplayLen != 0 || b.Chrom < 0 || b.Chrom >= len(chromIDs) ||
				b.AnchorOff < int64(len(magic)) || b.AnchorOff+int64(anchorLen*groups(b.Rows)) > p.Size-int64(trailerLen) {
				return nil, fmt.Errorf("variant index: join: part %d: block %d out of place", i, bi)
			}
			out, err := translateSummary(b, chromIDs, pi)
			if err != nil {
				return nil, fmt.Errorf("variant index: join: part %d: block %d: %w", i, bi, err)
			}
			out.Off, out.AnchorOff, out.Part = off+b.Off, off+b.AnchorOff, i
			foot.Blocks = append(foot.Blocks, out)
		}
		foot.Parts = append(foot.Parts, pi)
		off += p.Size
	}
	var tail bytes.Buffer
	if _, err := writeFooter(&tail, foot, off); err != nil {
		return nil, fmt.Errorf("variant index: join: write footer: %w", err)
	}
	return tail.Bytes(), nil
}

// intern returns v's id in the dictionary list, adding it when new.
func intern[K comparable](ids map[K]uint32, list *[]K, v K) uint32 {
	if id, ok := ids[v]; ok {
		return id
	}
	id := uint32(len(*list))
	ids[v] = id
	*list = append(*list, v)
	return id
}

// translateSummary returns block b's summary with the joined ids (its
// filter section keeps the part's: partInfo translates them as read).
func translateSummary(b blockInfo, chroms []uint32, p partInfo) (blockInfo, error) {
	out := b
	out.Chrom = int(chroms[b.Chrom])
	out.Genes = make([]uint32, 0, len(b.Genes))
	for _, g := range b.Genes {
		if int(g) >= len(p.Genes) {
			return blockInfo{}, errors.New("dictionary id out of range")
		}
		out.Genes = append(out.Genes, p.Genes[g])
	}
	slices.Sort(out.Genes)
	out.Csqs = nil
	for w, w64 := range b.Csqs {
		for w64 != 0 {
			v := w*64 + bits.TrailingZeros64(w64)
			w64 &= w64 - 1
			if v >= len(p.Csqs) {
				return blockInfo{}, errors.New("dictionary id out of range")
			}
			id := p.Csqs[v]
			for int(id/64) >= len(out.Csqs) {
				out.Csqs = append(out.Csqs, 0)
			}
			out.Csqs[id/64] |= 1 << (id % 64)
		}
	}
	return out, nil
}
