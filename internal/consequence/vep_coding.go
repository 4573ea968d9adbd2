package consequence

import "strings"

// codingCalls are VEP's coding predicates for one allele on one transcript.
type codingCalls struct {
	stopGained, frameshift, stopLost, startLost, inframeIns, inframeDel bool
	missense, proteinAltering, partial, startRetained, stopRetained     bool
	synonymous, unknown                                                 bool
}

// vepCoding evaluates the coding predicates of VEP's VariationEffect module
// (start_lost, start_retained, stop_*, inframe_*, missense, synonymous,
// protein_altering, frameshift, partial_codon, coding_unknown) as they are
// written there, including their sequence checks around the start and stop
// codons. cc is nil when VEP has no codon for the variant (it reaches outside
// the CDS or crosses an intron).
func (x *txInfo) vepCoding(a *allele, l *location, ts *txSeq, cc *codonChange) codingCalls {
	var c codingCalls
	increase, decrease := len(a.alt) > len(a.ref), len(a.alt) < len(a.ref)
	alleleTx := a.alt
	if x.t.Strand < 0 {
		alleleTx = revComp(a.alt)
	}
	nRef := l.cdnaEnd - l.cdnaStart + 1 // 0 for an insertion
	edit := func(seq string, from int) (string, bool) { return spliceIn(seq, from, nRef, alleleTx) }

	// Peptide and codon alleles ('-' is empty), defined only with a codon.
	var rp, ap, rc, ac string
	if cc != nil {
		rp, ap = strings.Trim(cc.refPep, "-"), strings.Trim(cc.altPep, "-")
		rc, ac = cc.refCodon, cc.altCodon
		L := len(ts.cds)
		codonS := cc.tlStart*3 - 2
		c.partial = L-(codonS-1) < 3 && L-(codonS-1) > 0
		c.frameshift = !c.partial && (len(alleleTx)-cc.vfLen)%3 != 0
	}
	codons := cc != nil && !c.frameshift

	overStart, insDelStartAltered, invStartAltered := x.startCodonChecks(a, l, ts, edit, c.frameshift)
	c.startRetained = (increase || decrease) && overStart && !insDelStartAltered

	// inframe_deletion
	if codons && !c.partial && len(ac) < len(rc) {
		if strings.HasPrefix(rc, ac) || strings.HasSuffix(rc, ac) {
			c.inframeDel = true
		} else {
			r, al := trimCommon(rc, ac)
			c.inframeDel = al == "" && len(r)%3 == 0
		}
	}
	// inframe_insertion, before its start_lost exclusion (VEP's predicates
	// call each other; start_lost sees this value)
	insNoStart := false
	if codons && len(ac) > len(rc) {
		if !(c.startRetained && strings.HasSuffix(ap, rp)) {
			t := ap
			if i := strings.IndexByte(t, '*'); i >= 0 && i+1 < len(t) {
				t = t[:i+1]
			}
			insNoStart = strings.HasPrefix(t, rp) || strings.HasSuffix(t, rp)
		}
	}
	c.startLost = overStart && ((insDelStartAltered && !(insNoStart || c.inframeDel)) || invStartAltered ||
		(cc != nil && rp != "" && cc.tlStart == 1 && !strings.HasSuffix(ap, rp) && !strings.HasPrefix(ap, rp)))
	c.inframeIns = insNoStart && !c.startLost

	overStop, insDelStopAltered := x.stopCodonChecks(a, l, ts, edit)
	refLen := len(strings.TrimSuffix(ts.pep, "*"))
	if cc != nil && ap != "" {
		switch {
		case ap[0] != '*':
			// VEP 112+ (stop_retained's ref_eq_alt_sequence) also calls an
			// insertion that keeps the residue and adds a stop stop_retained.
			// That is right only in the last sense codon, where the new stop
			// takes the old one's place and the protein is unchanged
			// (K>K* at codon 338 of 338+Ter); earlier it is a premature stop.
			c.stopRetained = rp != "" && !strings.Contains(rp, "*") && len(ap) > len(rp) &&
				strings.HasPrefix(ap, rp) && ap[len(rp)] == '*' && cc.tlEnd == refLen
		case cc.tlStart > refLen:
			c.stopRetained = true
		default:
			c.stopRetained = rp != "" && rp[0] == '*'
		}
	} else {
		c.stopRetained = (increase || decrease) && overStop && !insDelStopAltered
	}
	if cc != nil {
		c.stopGained = !c.stopRetained && strings.Contains(ap, "*") && !strings.Contains(rp, "*")
		c.stopLost = !strings.Contains(ap, "*") && strings.Contains(rp, "*")
		c.missense = !increase && !decrease && !c.startLost && !c.stopLost && !c.stopGained && !c.partial &&
			rp != ap && len(rp) == len(ap)
		c.synonymous = rp != "" && rp == ap && !c.stopRetained && !strings.Contains(rp, "X") && !strings.Contains(ap, "X")
		c.proteinAltering = len(rp) != len(ap) && !strings.HasPrefix(rp, "*") && !strings.HasPrefix(ap, "*") &&
			!strings.HasPrefix(ap, rp) && !strings.HasSuffix(ap, rp) && !c.inframeDel && !c.startLost && !c.frameshift
	} else {
		c.stopLost = insDelStopAltered
	}
	c.unknown = (cc == nil || strings.Contains(ap, "X") || strings.Contains(rp, "X")) &&
		!(c.frameshift || c.inframeDel || c.proteinAltering || c.startRetained || c.startLost || c.stopRetained || c.stopLost)
	return c
}

// spliceIn replaces nRef bases at 0-based from with allele (false when
// they are not all inside seq).
func spliceIn(seq string, from, nRef int, allele string) (string, bool) {
	if from < 0 || from+nRef > len(seq) || nRef < 0 {
		return "", false
	}
	return seq[:from] + allele + seq[from+nRef:], true
}

// startCodonChecks are VEP's _overlaps_start_codon, _ins_del_start_altered
// and _inv_start_altered.
//
// A frameshift that leaves the start codon itself in place (A>ATG at the A
// of ATG reads ATGTG...) is not altered: VEP 115 calls it
// frameshift_variant&start_retained_variant, not start_lost.
func (x *txInfo) startCodonChecks(a *allele, l *location, ts *txSeq, edit func(string, int) (string, bool), frameshift bool) (overStart, insDelStartAltered, invStartAltered bool) {
	increase, decrease := len(a.alt) > len(a.ref), len(a.alt) < len(a.ref)
	cdnaDefined := l.cdnaStart > 0 && l.cdnaEnd > 0
	overStart = !x.t.CDSStartNF && x.pad == 0 && cdnaDefined &&
		overlaps(l.cdnaStart, l.cdnaEnd, x.cdsStart, x.cdsStart+2)
	utr5 := ts.cdna[:x.cdsStart-1]
	if overStart && strings.IndexByte(a.alt, 'N') < 0 {
		full := utr5 + ts.cds
		if ed, ok := edit(full, l.cdnaStart-1); ok {
			if increase || decrease {
				insDelStartAltered = len(ed) < len(ts.cds) || ed[len(ed)-len(ts.cds):] != ts.cds
				if frameshift && len(ed) >= len(utr5)+3 && len(ts.cds) >= 3 && ed[len(utr5):len(utr5)+3] == ts.cds[:3] {
					insDelStartAltered = false
				}
			}
			if len(utr5) > 0 && l.cdnaEnd <= len(full) {
				// VEP compares with ATG whatever the table
				invStartAltered = len(ed) < len(utr5)+3 || ed[len(utr5):len(utr5)+3] != "ATG"
			}
		}
	}
	return overStart, insDelStartAltered, invStartAltered
}

// stopCodonChecks are VEP's _overlaps_stop_codon and _ins_del_stop_altered.
func (x *txInfo) stopCodonChecks(a *allele, l *location, ts *txSeq, edit func(string, int) (string, bool)) (overStop, insDelStopAltered bool) {
	increase, decrease := len(a.alt) > len(a.ref), len(a.alt) < len(a.ref)
	cdnaDefined := l.cdnaStart > 0 && l.cdnaEnd > 0
	cdsStartOf := 0
	if l.cdnaStart >= x.cdsStart && l.cdnaStart <= x.cdsEnd {
		cdsStartOf = l.cdnaStart - x.cdsStart + 1 + x.pad
	}
	overStop = !x.t.CDSEndNF && cdnaDefined && overlaps(l.cdnaStart, l.cdnaEnd, x.cdsEnd-2, x.cdsEnd)
	if overStop && (increase || decrease) && cdsStartOf > 0 && strings.IndexByte(a.alt, 'N') < 0 {
		if ed, ok := edit(ts.cds+ts.utr3, cdsStartOf-1); ok {
			L := len(ts.cds)
			insDelStopAltered = len(ed) < L || L < 3 || translateCodon(ed[L-3:L], x.table) != '*'
		}
	}
	return overStop, insDelStopAltered
}

// trimCommon removes the common prefix, then the common suffix, of two strings.
func trimCommon(a, b string) (string, string) {
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	return a, b
}
