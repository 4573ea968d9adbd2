package consequence

import (
	"strconv"
	"strings"
)

// hgvsc returns HGVSc as VEP writes it (ENST...:c.123A>G, n. for non-coding
// transcripts). Insertions and deletions are shifted to their most 3'
// position in transcript orientation first (VEP's default shift_hgvs, which
// reads on across exon/intron boundaries); an insertion that repeats the
// preceding bases is written as a duplication.
func (x *txInfo) hgvsc(a *allele, seq Sequence) string {
	ref, alt, start, end := a.ref, a.alt, a.start, a.end
	if strings.IndexByte(alt, 'N') >= 0 {
		return "" // VEP writes no HGVS for alleles with other than ACGT
	}
	// VEP gives no HGVSc to variants reaching outside the transcript.
	if min(start, end) < x.t.Start || max(start, end) > x.t.End {
		return ""
	}
	// HGVS describes the minimal change.
	for len(ref) > 0 && len(alt) > 0 && ref[0] == alt[0] {
		ref, alt, start = ref[1:], alt[1:], start+1
	}
	for len(ref) > 0 && len(alt) > 0 && ref[len(ref)-1] == alt[len(alt)-1] {
		ref, alt, end = ref[:len(ref)-1], alt[:len(alt)-1], end-1
	}
	if ref == "" && alt == "" {
		return ""
	}
	plus := x.t.Strand >= 0
	if (ref == "") != (alt == "") && seq != nil {
		start, end, ref, alt = x.shift3(start, end, ref, alt, seq)
		// VEP's hgvs_transcript returns undef when the shift carries the
		// variant past the transcript's 3' end (its shifted slice end
		// exceeds the transcript slice); an insertion right after the last
		// base is still inside.
		if plus && end > x.t.End || !plus && start < x.t.Start {
			return ""
		}
	}
	var b strings.Builder
	b.Grow(len(x.fullID) + 24)
	b.WriteString(x.fullID)
	if x.coding {
		b.WriteString(":c.")
	} else {
		b.WriteString(":n.")
	}
	tx := func(s string) string {
		if plus {
			return s
		}
		return revComp(s)
	}
	switch {
	case ref == "": // insertion between end and start
		n := len(alt)
		if seq != nil {
			ds, de := end-n+1, end // bases before the insertion, transcript orientation
			if !plus {
				ds, de = start, start+n-1
			}
			// VEP's dup test reads the bases before the insertion from the
			// transcript's own slice, so they must lie inside the transcript.
			inside := ds >= x.t.Start && de <= x.t.End
			if s, err := seq.Seq(ds, de); inside && err == nil && strings.ToUpper(s) == alt {
				x.writeRange(&b, ds, de)
				b.WriteString("dup")
				return b.String()
			}
		}
		x.writeRange(&b, end, start)
		b.WriteString("ins")
		b.WriteString(tx(alt))
	case alt == "":
		x.writeRange(&b, start, end)
		b.WriteString("del")
	case len(ref) == 1 && len(alt) == 1:
		if c := x.cdnaOf(start); x.pad > 0 && len(a.ref) == 1 && len(a.alt) == 1 && x.coding && c >= x.cdsStart && c <= x.cdsEnd {
			// VEP's hgvs_transcript numbers an SNV inside the CDS by the
			// TranscriptVariation's cds_start, which adds the start phase
			// of a 5'-incomplete CDS (as CDS_position does); every other
			// position comes from _get_cDNA_position, which does not.
			b.WriteString(strconv.Itoa(c - x.cdsStart + 1 + x.pad))
		} else {
			x.writeRange(&b, start, end)
		}
		b.WriteString(tx(ref))
		b.WriteByte('>')
		b.WriteString(tx(alt))
	case len(ref) == len(alt) && alt == revComp(ref):
		x.writeRange(&b, start, end)
		b.WriteString("inv")
	default:
		x.writeRange(&b, start, end)
		b.WriteString("delins")
		b.WriteString(tx(alt))
	}
	return b.String()
}

// writeRange writes the genomic range g1..g2 as transcript positions, 5'
// first ("123", "123_125", "123+1_123+4").
func (x *txInfo) writeRange(b *strings.Builder, g1, g2 int) {
	p1, p2 := x.anchorOf(g1), x.anchorOf(g2)
	if x.t.Strand < 0 {
		p1, p2 = p2, p1
	}
	x.writePos(b, p1)
	if g1 != g2 {
		b.WriteByte('_')
		x.writePos(b, p2)
	}
}

func (x *txInfo) writePos(b *strings.Builder, p anchor) {
	var buf [24]byte
	c := p.cdna
	if x.coding && c == x.cdsEnd && p.offset > 0 {
		// VEP's _get_cDNA_position writes an intron position after an exon
		// ending with the stop codon as "*N".
		b.WriteByte('*')
		b.Write(strconv.AppendInt(buf[:0], int64(p.offset), 10))
		return
	}
	switch {
	case x.coding && c < x.cdsStart:
		b.WriteByte('-')
		b.Write(strconv.AppendInt(buf[:0], int64(x.cdsStart-c), 10))
	case x.coding && c > x.cdsEnd:
		b.WriteByte('*')
		b.Write(strconv.AppendInt(buf[:0], int64(c-x.cdsEnd), 10))
	case x.coding:
		b.Write(strconv.AppendInt(buf[:0], int64(c-x.cdsStart+1), 10))
	case c < 1:
		b.WriteByte('-')
		b.Write(strconv.AppendInt(buf[:0], int64(1-c), 10))
	case c > x.cdnaLen:
		b.WriteByte('*')
		b.Write(strconv.AppendInt(buf[:0], int64(c-x.cdnaLen), 10))
	default:
		b.Write(strconv.AppendInt(buf[:0], int64(c), 10))
	}
	if p.offset > 0 {
		b.WriteByte('+')
		b.Write(strconv.AppendInt(buf[:0], int64(p.offset), 10))
	} else if p.offset < 0 {
		b.Write(strconv.AppendInt(buf[:0], int64(p.offset), 10))
	}
}

// shiftWindow bounds how far one sequence read looks ahead when shifting;
// shiftLimit is VEP's search area.
const (
	shiftWindow = 64
	shiftLimit  = 1000
)

// shift3 moves a pure insertion or deletion to its most 3' equivalent
// position in transcript orientation, reading the genome up to shiftLimit
// bases on, as VEP's _return_3prime does (it does not stop at exon/intron
// boundaries). Forward-strand ref/alt rotate as the variant moves.
func (x *txInfo) shift3(start, end int, ref, alt string, seq Sequence) (int, int, string, string) {
	ins := ref == ""
	lo, hi := max(1, start-shiftLimit), end+shiftLimit
	unit := []byte(alt)
	if !ins {
		unit = []byte(ref)
	}
	n := len(unit)
	if x.t.Strand >= 0 {
		// Next base after the variant must equal the unit's first base.
		next := end + 1 // for an insertion end+1 == start
		for next <= hi {
			w, err := seq.Seq(next, min(hi, next+shiftWindow-1))
			if err != nil || w == "" {
				break
			}
			w = strings.ToUpper(w)
			moved := 0
			for moved < len(w) && w[moved] == unit[0] {
				copy(unit, unit[1:])
				unit[n-1] = w[moved]
				moved++
			}
			start, end, next = start+moved, end+moved, next+moved
			if moved < len(w) {
				break
			}
		}
	} else {
		prev := start - 1
		for prev >= lo {
			ws := max(lo, prev-shiftWindow+1)
			w, err := seq.Seq(ws, prev)
			if err != nil || w == "" {
				break
			}
			w = strings.ToUpper(w)
			moved := 0
			for moved < len(w) && w[len(w)-1-moved] == unit[n-1] {
				copy(unit[1:], unit[:n-1])
				unit[0] = w[len(w)-1-moved]
				moved++
			}
			start, end, prev = start-moved, end-moved, prev-moved
			if moved < len(w) {
				break
			}
		}
	}
	if ins {
		return start, end, "", string(unit)
	}
	return start, end, string(unit), ""
}
