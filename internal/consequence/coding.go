package consequence

import (
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
			if ts, err := x.load(seq); err == nil && len(ts.cds) >= 3 && isStartCodon(ts.cds[:3], x.table) {
				terms.add(StartLost)
			}
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
	if diff != 0 && !frameshift {
		// an in-frame indel next to the stop that keeps it
		stopRetained = strings.HasSuffix(cc.refPep, "*") && strings.HasSuffix(cc.altPep, "*")
	}
	// A start codon change counts only when the annotated CDS really starts
	// with an initiator codon (VEP: the reference peptide starts with M).
	overStart := !x.t.CDSStartNF && x.pad == 0 && overlaps(cc.cdsStart, cc.cdsEnd, 1, 3) &&
		len(ts.cds) >= 3 && isStartCodon(ts.cds[:3], x.table)
	startOK := len(cc.altCodon) >= 3 && isStartCodon(cc.altCodon[:3], x.table)
	startLost := overStart && !startOK
	startRetained := overStart && startOK
	inframeIns := !frameshift && !partial && diff > 0 &&
		(cc.refPep == "-" || strings.HasPrefix(cc.altPep, cc.refPep) || strings.HasSuffix(cc.altPep, cc.refPep))
	inframeDel := !frameshift && !partial && diff < 0
	samePepLen := len(cc.refPep) == len(cc.altPep) && cc.refPep != "-"
	missense := samePepLen && cc.refPep != cc.altPep && !frameshift && !startLost && !stopLost && !stopGained && !partial && !inframeIns && !inframeDel
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
	if strings.IndexByte(a.alt, 'N') < 0 {
		e.HGVSp = x.hgvsp(&cc, ts, startLost, frameshift)
	}
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
	// Like VEP, the reference codon is built from the REF allele as given
	// (it differs from the genome only when the input REF does).
	refTx := a.ref
	if x.t.Strand < 0 {
		refTx = revComp(a.ref)
	}
	tail := ""
	if cc.cdsEnd < codonE {
		tail = cds[cc.cdsEnd:codonE]
	}
	if cc.cdsStart-1 >= codonS-1 && cc.cdsStart-1 <= len(cds) {
		head := cds[codonS-1 : cc.cdsStart-1]
		cc.refCodon = head + refTx + tail
		cc.altCodon = head + cc.alleleTx + tail
	}
	cc.refPep = pepOf(cc.refCodon, x.table)
	cc.altPep = pepOf(cc.altCodon, x.table)
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
