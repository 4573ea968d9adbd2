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
	ts, err := x.load(seq)
	if err != nil {
		e.CDSPosition = formatCoords(cdsOf(l.cdnaStart), cdsOf(l.cdnaEnd))
		terms.set(bitCodingSequence)
		return
	}
	// VEP has codons only when both ends map into the CDS of one exon.
	var cc *codonChange
	if l.whole && (a.insertion() || (cdsOf(l.cdnaStart) != 0 && cdsOf(l.cdnaEnd) != 0)) {
		c := x.codons(a, l, ts)
		cc = &c
		e.CDSPosition = formatCoords(cc.cdsStart, cc.cdsEnd)
		e.ProteinPosition = formatCoords(cc.tlStart, cc.tlEnd)
		off := cc.cdsStart - (cc.tlStart*3 - 2)
		var buf [32]byte
		codons := append(appendDisplayCodon(buf[:0], cc.refCodon, off, cc.vfLen), '/')
		e.Codons = string(appendDisplayCodon(codons, cc.altCodon, off, len(cc.alleleTx)))
		if cc.refPep == cc.altPep {
			e.AminoAcids = cc.refPep
		} else {
			e.AminoAcids = cc.refPep + "/" + cc.altPep
		}
	} else {
		cs, ce := cdsOf(l.cdnaStart), cdsOf(l.cdnaEnd)
		e.CDSPosition = formatCoords(cs, ce)
		e.ProteinPosition = formatCoords(codonNumber(cs), codonNumber(ce))
	}
	c := x.vepCoding(a, l, ts, cc)
	for _, t := range []struct {
		on   bool
		term string
	}{
		{c.stopGained, StopGained}, {c.frameshift, Frameshift}, {c.stopLost, StopLost},
		{c.startLost, StartLost}, {c.inframeIns, InframeInsertion}, {c.inframeDel, InframeDeletion},
		{c.missense, Missense}, {c.proteinAltering, ProteinAltering}, {c.partial, IncompleteTerminalCodon},
		{c.startRetained, StartRetained}, {c.stopRetained, StopRetained}, {c.synonymous, Synonymous},
		{c.unknown, CodingSequence},
	} {
		if t.on {
			terms.add(t.term)
		}
	}
	if cc != nil && !c.partial && strings.IndexByte(a.alt, 'N') < 0 {
		e.HGVSp = x.hgvsp(cc, ts, c.startLost, c.frameshift)
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
		// both codons in one string
		head := cds[codonS-1 : cc.cdsStart-1]
		var b strings.Builder
		n := len(head) + len(refTx) + len(tail)
		b.Grow(n + len(head) + len(cc.alleleTx) + len(tail))
		for _, s := range [...]string{head, refTx, tail, head, cc.alleleTx, tail} {
			b.WriteString(s)
		}
		both := b.String()
		cc.refCodon, cc.altCodon = both[:n], both[n:]
	}
	cc.refPep = pepOf(cc.refCodon, x.table)
	cc.altPep = pepOf(cc.altCodon, x.table)
	return cc
}

// oneLetter holds every byte as a one-byte string.
var oneLetter = func() (t [256]string) {
	for i := range t {
		t[i] = string([]byte{byte(i)})
	}
	return t
}()

func pepOf(codon string, table int) string {
	if codon == "" {
		return "-"
	}
	var buf [16]byte
	pep := translate(buf[:0], codon, table)
	if len(pep) == 1 {
		return oneLetter[pep[0]] // a single amino acid: no allocation
	}
	return string(pep)
}

// appendDisplayCodon appends a codon string lower-cased with the n allele
// bases at offset off upper-cased, or "-" for an empty codon (VEP's Codons).
func appendDisplayCodon(b []byte, c string, off, n int) []byte {
	if c == "" {
		return append(b, '-')
	}
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case i >= off && i < off+n:
			ch = upper(ch)
		case 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		}
		b = append(b, ch)
	}
	return b
}
