package consequence

import (
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
)

// appendHGVSc appends HGVSc as VEP writes it (ENST...:c.123A>G, n. for
// non-coding transcripts) to b, or nothing when VEP writes none. Insertions and deletions are shifted to their most 3'
// position in transcript orientation first (VEP's default shift_hgvs, which
// reads on across exon/intron boundaries); an insertion that repeats the
// preceding bases is written as a duplication.
//
// bases, when not nil, is a buffer the reference reads reuse.
func (x *txInfo) appendHGVSc(b []byte, a *allele, seq Sequence, bases *[]byte) []byte {
	ref, alt, start, end := a.ref, a.alt, a.start, a.end
	if strings.IndexByte(alt, 'N') >= 0 {
		return b // VEP writes no HGVS for alleles with other than ACGT
	}
	// VEP gives no HGVSc to variants reaching outside the transcript.
	if min(start, end) < x.t.Start || max(start, end) > x.t.End {
		return b
	}
	// HGVS describes the minimal change.
	for len(ref) > 0 && len(alt) > 0 && ref[0] == alt[0] {
		ref, alt, start = ref[1:], alt[1:], start+1
	}
	for len(ref) > 0 && len(alt) > 0 && ref[len(ref)-1] == alt[len(alt)-1] {
		ref, alt, end = ref[:len(ref)-1], alt[:len(alt)-1], end-1
	}
	if ref == "" && alt == "" {
		return b
	}
	plus := x.t.Strand >= 0
	if (ref == "") != (alt == "") && seq != nil {
		start, end, ref, alt = x.shift3(start, end, ref, alt, seq, bases)
		// VEP's hgvs_transcript returns undef when the shift carries the
		// variant past the transcript's 3' end (its shifted slice end
		// exceeds the transcript slice); an insertion right after the last
		// base is still inside.
		if plus && end > x.t.End || !plus && start < x.t.Start {
			return b
		}
	}
	b = append(b, x.fullID...)
	if x.coding {
		b = append(b, ":c."...)
	} else {
		b = append(b, ":n."...)
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
			if s, err := readBases(seq, bases, ds, de); inside && err == nil && equalUpper(s, alt) {
				b = x.appendRange(b, ds, de)
				return append(b, "dup"...)
			}
		}
		b = x.appendRange(b, end, start)
		b = append(b, "ins"...)
		b = appendTx(b, alt, plus)
	case alt == "":
		b = x.appendRange(b, start, end)
		b = append(b, "del"...)
	case len(ref) == 1 && len(alt) == 1:
		if c := x.padCDNA(start, a); c > 0 {
			// VEP's hgvs_transcript numbers an SNV inside the CDS by the
			// TranscriptVariation's cds_start, which adds the start phase
			// of a 5'-incomplete CDS (as CDS_position does); every other
			// position comes from _get_cDNA_position, which does not.
			b = strconv.AppendInt(b, int64(c-x.cdsStart+1+x.pad), 10)
		} else {
			b = x.appendRange(b, start, end)
		}
		b = appendTx(b, ref, plus)
		b = append(b, '>')
		b = appendTx(b, alt, plus)
	case len(ref) == len(alt) && alt == revComp(ref):
		b = x.appendRange(b, start, end)
		b = append(b, "inv"...)
	default:
		b = x.appendRange(b, start, end)
		b = append(b, "delins"...)
		b = appendTx(b, alt, plus)
	}
	return b
}

// equalUpper reports whether strings.ToUpper(s) == up for an up of ASCII
// bytes, without making the upper-case copy.
func equalUpper[S ~string | ~[]byte](s S, up string) bool {
	if len(s) != len(up) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if upper(s[i]) != up[i] {
			return false
		}
	}
	return true
}

// padCDNA is the cDNA position of an SNV at g inside the CDS of a
// transcript with a 5'-incomplete CDS (pad > 0), 0 otherwise.
func (x *txInfo) padCDNA(g int, a *allele) int {
	if x.pad == 0 || !x.coding || len(a.ref) != 1 || len(a.alt) != 1 {
		return 0
	}
	if c := x.cdnaOf(g); c >= x.cdsStart && c <= x.cdsEnd {
		return c
	}
	return 0
}

// appendTx appends forward-strand bases in transcript orientation
// (reverse-complemented on the minus strand).
func appendTx(b []byte, s string, plus bool) []byte {
	if plus {
		return append(b, s...)
	}
	for i := len(s) - 1; i >= 0; i-- {
		b = append(b, refdata.Complement(s[i]))
	}
	return b
}

// appendRange writes the genomic range g1..g2 as transcript positions, 5'
// first ("123", "123_125", "123+1_123+4").
func (x *txInfo) appendRange(b []byte, g1, g2 int) []byte {
	p1 := x.anchorOf(g1)
	p2 := p1
	if g2 != g1 {
		p2 = x.anchorOf(g2)
	}
	if x.t.Strand < 0 {
		p1, p2 = p2, p1
	}
	b = x.appendPos(b, p1)
	if g1 != g2 {
		b = append(b, '_')
		b = x.appendPos(b, p2)
	}
	return b
}

func (x *txInfo) appendPos(b []byte, p anchor) []byte {
	c := p.cdna
	if x.coding && c == x.cdsEnd && p.offset > 0 {
		// VEP's _get_cDNA_position writes an intron position after an exon
		// ending with the stop codon as "*N".
		return appendInt(append(b, '*'), p.offset)
	}
	switch {
	case x.coding && c < x.cdsStart:
		b = appendInt(append(b, '-'), x.cdsStart-c)
	case x.coding && c > x.cdsEnd:
		b = appendInt(append(b, '*'), c-x.cdsEnd)
	case x.coding:
		b = appendInt(b, c-x.cdsStart+1)
	case c < 1:
		b = appendInt(append(b, '-'), 1-c)
	case c > x.cdnaLen:
		b = appendInt(append(b, '*'), c-x.cdnaLen)
	default:
		b = appendInt(b, c)
	}
	if p.offset > 0 {
		b = appendInt(append(b, '+'), p.offset)
	} else if p.offset < 0 {
		b = appendInt(append(b, '-'), -p.offset)
	}
	return b
}

// readBases reads the reference bases start..end into *buf, reused, when
// there is one and seq can append them (the 3' shift read a new string a
// window before); the result is valid until the next read.
func readBases(seq Sequence, buf *[]byte, start, end int) ([]byte, error) {
	app, ok := seq.(seqAppender)
	if buf == nil || !ok {
		s, err := seq.Seq(start, end)
		return []byte(s), err
	}
	b, err := app.AppendSeq((*buf)[:0], start, end)
	*buf = b
	return b, err
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
func (x *txInfo) shift3(start, end int, ref, alt string, seq Sequence, bases *[]byte) (int, int, string, string) {
	ins := ref == ""
	lo, hi := max(1, start-shiftLimit), end+shiftLimit
	var ub [32]byte
	unit := append(ub[:0], alt...)
	if !ins {
		unit = append(ub[:0], ref...)
	}
	n := len(unit)
	if x.t.Strand >= 0 {
		// Next base after the variant must equal the unit's first base.
		next := end + 1 // for an insertion end+1 == start
		for next <= hi {
			w, err := readBases(seq, bases, next, min(hi, next+shiftWindow-1))
			if err != nil || len(w) == 0 {
				break
			}
			moved := 0
			for moved < len(w) && upper(w[moved]) == unit[0] {
				copy(unit, unit[1:])
				unit[n-1] = upper(w[moved])
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
			w, err := readBases(seq, bases, ws, prev)
			if err != nil || len(w) == 0 {
				break
			}
			moved := 0
			for moved < len(w) && upper(w[len(w)-1-moved]) == unit[n-1] {
				copy(unit[1:], unit[:n-1])
				unit[0] = upper(w[len(w)-1-moved])
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
