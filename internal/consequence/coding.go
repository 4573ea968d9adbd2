package consequence

import (
	"strconv"
	"strings"
)

// codonChange is the codon-level view of a variant inside the CDS, built the
// way VEP's TranscriptVariationAllele builds it.
type codonChange struct {
	cdsStart, cdsEnd int    // CDS coordinates (insertion: start == end+1)
	tlStart, tlEnd   int    // codon numbers (insertion between codons: start == end+1)
	refCodon         string // reference codons covering the variant, "" for an insertion between codons
	altCodon         string
	refPep, altPep   string // "-" when empty; 'X' for a partial codon
	alleleTx         string // ALT in transcript orientation
	vfLen            int    // reference bases replaced
}

// codingTerms adds the protein-level consequences and fills the CDS, protein,
// codon and HGVSp fields.
func (x *txInfo) codingTerms(a *allele, l *location, seq Sequence, e *Entry, terms *termSet) {
	cdsOf := func(c int) int {
		if c < x.cdsStart || c > x.cdsEnd {
			return 0
		}
		return c - x.cdsStart + 1 + x.pad
	}
	if !l.whole || (!a.insertion() && (cdsOf(l.cdnaStart) == 0 || cdsOf(l.cdnaEnd) == 0)) {
		// Partly outside the CDS or across an intron: VEP has no codon and
		// reports coding_sequence_variant (plus start/stop loss when the
		// change reaches those codons).
		cs, ce := cdsOf(l.cdnaStart), cdsOf(l.cdnaEnd)
		e.CDSPosition = formatCoords(cs, ce)
		e.ProteinPosition = formatCoords(codonNumber(cs), codonNumber(ce))
		terms.add(CodingSequence)
		if !x.t.CDSStartNF && x.pad == 0 && overlaps(l.lo, l.hi, x.cdsStart, x.cdsStart+2) {
			terms.add(StartLost)
		}
		if !x.t.CDSEndNF && overlaps(l.lo, l.hi, x.cdsEnd-2, x.cdsEnd) {
			terms.add(StopLost)
		}
		return
	}
	ts, err := x.load(seq)
	if err != nil {
		terms.add(CodingSequence)
		return
	}
	cc := x.codons(a, l, ts)
	e.CDSPosition = formatCoords(cc.cdsStart, cc.cdsEnd)
	e.ProteinPosition = formatCoords(cc.tlStart, cc.tlEnd)
	e.Codons = displayCodon(cc.refCodon, cc.cdsStart-(cc.tlStart*3-2), cc.vfLen) + "/" +
		displayCodon(cc.altCodon, cc.cdsStart-(cc.tlStart*3-2), len(cc.alleleTx))
	if cc.refPep == cc.altPep {
		e.AminoAcids = cc.refPep
	} else {
		e.AminoAcids = cc.refPep + "/" + cc.altPep
	}

	cdsLen := len(ts.cds)
	codonS := cc.tlStart*3 - 2
	partial := cdsLen%3 != 0 && codonS+2 > cdsLen && codonS <= cdsLen
	diff := len(cc.alleleTx) - cc.vfLen
	frameshift := diff%3 != 0 && !partial
	refStop := strings.IndexByte(cc.refPep, '*')
	altStop := strings.IndexByte(cc.altPep, '*')
	stopGained := altStop >= 0 && refStop < 0
	stopLost := refStop >= 0 && altStop < 0 && !x.t.CDSEndNF
	stopRetained := refStop >= 0 && altStop >= 0 && refStop == altStop && diff == 0
	overStart := !x.t.CDSStartNF && x.pad == 0 && overlaps(cc.cdsStart, cc.cdsEnd, 1, 3)
	startOK := len(cc.altCodon) >= 3 && isStartCodon(cc.altCodon[:3], x.table)
	startLost := overStart && !startOK
	startRetained := overStart && startOK
	inframeIns := !frameshift && !partial && diff > 0 &&
		(cc.refPep == "-" || strings.HasPrefix(cc.altPep, cc.refPep) || strings.HasSuffix(cc.altPep, cc.refPep))
	inframeDel := !frameshift && !partial && diff < 0
	samePepLen := len(cc.refPep) == len(cc.altPep) && cc.refPep != "-"
	missense := samePepLen && cc.refPep != cc.altPep && !startLost && !stopLost && !stopGained && !partial && !inframeIns && !inframeDel
	synonymous := cc.refPep == cc.altPep && cc.refPep != "-" && !stopRetained &&
		!strings.Contains(cc.refPep, "X") && diff == 0
	proteinAltering := !frameshift && !partial && len(cc.refPep) != len(cc.altPep) &&
		cc.refPep[0] != '*' && cc.altPep[0] != '*' && !inframeIns && !inframeDel && !startLost
	unknown := strings.Contains(cc.altPep, "X") && !frameshift && !inframeDel && !proteinAltering

	for _, c := range []struct {
		on   bool
		term string
	}{
		{stopGained, StopGained}, {frameshift, Frameshift}, {stopLost, StopLost},
		{startLost, StartLost}, {inframeIns, InframeInsertion}, {inframeDel, InframeDeletion},
		{missense, Missense}, {proteinAltering, ProteinAltering}, {partial, IncompleteTerminalCodon},
		{startRetained, StartRetained}, {stopRetained, StopRetained}, {synonymous, Synonymous},
		{unknown, CodingSequence},
	} {
		if c.on {
			terms.add(c.term)
		}
	}
	if partial {
		return
	}
	e.HGVSp = x.hgvsp(&cc, ts, startLost, frameshift)
}

func codonNumber(cds int) int {
	if cds <= 0 {
		return 0
	}
	return (cds-1)/3 + 1
}

// codons splices the allele into the CDS and extracts the affected codons,
// as VEP's TranscriptVariationAllele::codon does.
func (x *txInfo) codons(a *allele, l *location, ts *txSeq) codonChange {
	var cc codonChange
	cc.cdsStart = l.cdnaStart - x.cdsStart + 1 + x.pad
	cc.cdsEnd = l.cdnaEnd - x.cdsStart + 1 + x.pad
	cc.tlStart, cc.tlEnd = codonNumber(cc.cdsStart), codonNumber(cc.cdsEnd)
	cc.alleleTx = a.alt
	if x.t.Strand < 0 {
		cc.alleleTx = revComp(a.alt)
	}
	cc.vfLen = cc.cdsEnd - cc.cdsStart + 1
	cds := ts.cds
	codonS := cc.tlStart*3 - 2
	codonE := min(cc.tlEnd*3, len(cds))
	if codonS-1 <= codonE {
		cc.refCodon = cds[codonS-1 : codonE]
	}
	tail := ""
	if cc.cdsEnd < codonE {
		tail = cds[cc.cdsEnd:codonE]
	}
	if cc.cdsStart-1 >= codonS-1 && cc.cdsStart-1 <= len(cds) {
		cc.altCodon = cds[codonS-1:cc.cdsStart-1] + cc.alleleTx + tail
	}
	cc.refPep = pepOf(cc.refCodon, x.table)
	cc.altPep = pepOf(cc.altCodon, x.table)
	if cc.tlStart == 1 && x.pad == 0 && !x.t.CDSStartNF {
		// Alternative start codons (table 2) still encode the initiator Met.
		if len(cc.refCodon) >= 3 && isStartCodon(cc.refCodon[:3], x.table) {
			cc.refPep = "M" + cc.refPep[1:]
		}
		if len(cc.altCodon) >= 3 && isStartCodon(cc.altCodon[:3], x.table) {
			cc.altPep = "M" + cc.altPep[1:]
		}
	}
	return cc
}

func pepOf(codon string, table int) string {
	if codon == "" {
		return "-"
	}
	var buf [16]byte
	return string(translate(buf[:0], codon, table))
}

// displayCodon lowercases a codon string and uppercases the n allele bases at
// offset off, as VEP writes Codons ("aGt/aCt"); empty is "-".
func displayCodon(c string, off, n int) string {
	if c == "" {
		return "-"
	}
	b := []byte(strings.ToLower(c))
	for i := off; i < off+n && i < len(b); i++ {
		if i >= 0 {
			b[i] = upper(b[i])
		}
	}
	return string(b)
}

// hgvsp builds HGVSp from the whole reference and alternate proteins, so
// in-frame deletions and duplications come out 3'-shifted at the protein
// level, and frameshift/extension lengths are read from the new reading frame
// through the 3' UTR.
func (x *txInfo) hgvsp(cc *codonChange, ts *txSeq, startLost, frameshift bool) string {
	id := x.t.ProteinID
	if id == "" {
		id = x.t.FullID()
	}
	prefix := id + ":p."
	if startLost {
		return prefix + "Met1?"
	}
	ref := ts.pep
	full := ts.cds + ts.utr3
	if cc.cdsStart-1 > len(full) || cc.cdsEnd > len(full) {
		return ""
	}
	// Alternate sequence from the first affected codon onwards.
	codonS := (cc.tlStart - 1) * 3
	if cc.tlStart > cc.tlEnd { // insertion between codons
		codonS = cc.cdsEnd / 3 * 3
	}
	if codonS > cc.cdsStart-1 {
		codonS = (cc.cdsStart - 1) / 3 * 3
	}
	altTailDNA := full[codonS:cc.cdsStart-1] + cc.alleleTx + full[cc.cdsEnd:]
	first := codonS / 3 // 0-based index of the first codon that can differ
	if first > len(ref) {
		return ""
	}
	alt := make([]byte, 0, len(ref)+8)
	alt = append(alt, ref[:first]...)
	for i := 0; i+3 <= len(altTailDNA); i += 3 {
		aa := translateCodon(altTailDNA[i:i+3], x.table)
		if first == 0 && i == 0 && x.pad == 0 && isStartCodon(altTailDNA[:3], x.table) {
			aa = 'M'
		}
		alt = append(alt, aa)
		if aa == '*' {
			break
		}
	}
	altS := string(alt)
	// First differing residue.
	i := 0
	for i < len(ref) && i < len(altS) && ref[i] == altS[i] {
		i++
	}
	b := []byte(prefix)
	if i == len(ref) && i == len(altS) {
		// No change to the protein: synonymous or stop retained.
		p := cc.tlStart
		if p < 1 || p > len(ref) {
			return ""
		}
		b = appendThree(b, ref[p-1:p])
		b = strconv.AppendInt(b, int64(p), 10)
		return string(append(b, '=')) // escaped to %3D in the CSQ
	}
	if i >= len(ref) {
		// The change lies after the reference stop (e.g. inserted after it).
		return ""
	}
	if ref[i] == '*' {
		// Stop lost: extension to the next stop in the new frame, if any.
		b = append(b, "Ter"...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		if i < len(altS) {
			b = appendThree(b, altS[i:i+1])
		}
		b = append(b, "extTer"...)
		if j := strings.IndexByte(altS[i:], '*'); j > 0 {
			b = strconv.AppendInt(b, int64(j), 10)
		} else {
			b = append(b, '?')
		}
		return string(b)
	}
	if i < len(altS) && altS[i] == '*' {
		b = appendThree(b, ref[i:i+1])
		b = strconv.AppendInt(b, int64(i+1), 10)
		return string(append(b, "Ter"...))
	}
	if frameshift {
		b = appendThree(b, ref[i:i+1])
		b = strconv.AppendInt(b, int64(i+1), 10)
		if i < len(altS) {
			b = appendThree(b, altS[i:i+1])
		}
		b = append(b, "fsTer"...)
		if j := strings.IndexByte(altS[i:], '*'); j >= 0 {
			b = strconv.AppendInt(b, int64(j+1), 10)
		} else {
			b = append(b, '?')
		}
		return string(b)
	}
	// In frame: trim the common suffix too.
	k := 0
	for k < len(ref)-i && k < len(altS)-i && ref[len(ref)-1-k] == altS[len(altS)-1-k] {
		k++
	}
	del, ins := ref[i:len(ref)-k], altS[i:len(altS)-k]
	switch {
	case len(del) == 1 && len(ins) == 1:
		b = appendThree(b, del)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = appendThree(b, ins)
	case len(ins) == 0:
		b = appendRange(b, ref, i, i+len(del)-1)
		b = append(b, "del"...)
	case len(del) == 0:
		if n := len(ins); i-n >= 0 && ref[i-n:i] == ins {
			b = appendRange(b, ref, i-n, i-1)
			b = append(b, "dup"...)
		} else if i == 0 {
			return ""
		} else {
			b = appendRange(b, ref, i-1, i)
			b = append(b, "ins"...)
			b = appendThree(b, ins)
		}
	default:
		b = appendRange(b, ref, i, i+len(del)-1)
		b = append(b, "delins"...)
		b = appendThree(b, ins)
	}
	return string(b)
}

// appendRange writes "Lys23" or "Lys23_Ala25" for 0-based residues s..e.
func appendRange(b []byte, pep string, s, e int) []byte {
	b = appendThree(b, pep[s:s+1])
	b = strconv.AppendInt(b, int64(s+1), 10)
	if e > s {
		b = append(b, '_')
		b = appendThree(b, pep[e:e+1])
		b = strconv.AppendInt(b, int64(e+1), 10)
	}
	return b
}
