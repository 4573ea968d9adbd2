package consequence

import (
	"slices"
	"strconv"
	"strings"
)

// hgvsp builds HGVSp the way VEP's TranscriptVariationAllele does: frameshifts
// name the first changed residue of the new frame and count to its stop
// (p.Tyr345ValfsTer25); in-frame changes clip the codon-level peptides, shift
// insertions and deletions 3' along the protein and call duplications; stop
// loss adds the extension to the next stop in the 3' UTR (p.Ter313GlnextTer13).
func (x *txInfo) hgvsp(cc *codonChange, ts *txSeq, startLost, frameshift bool) string {
	id := x.t.ProteinID
	if id == "" {
		id = x.fullID
	}
	b := []byte(id + ":p.")
	if startLost {
		return hgvspStartLost(b, cc)
	}
	ref := strings.TrimSuffix(ts.pep, "*") // VEP's _peptide has no terminal stop
	if cc.refPep == cc.altPep && !frameshift {
		// no change: the codon-level residues, numbered from the first
		b = appendThree(b, cc.refPep)
		return string(appendInt(b, cc.tlStart)) + "="
	}
	if frameshift {
		return x.hgvspFrameshift(b, cc, ts, ref)
	}
	r, a := strings.Trim(cc.refPep, "-"), strings.Trim(cc.altPep, "-")
	s, e := cc.tlStart, cc.tlEnd
	// Clip the common prefix and suffix of the whole codon-level peptides
	// first, as VEP's _clip_alleles does, so C>*C is an insertion of Ter
	// before Cys (p.Lys334_Cys335insTer) ...
	for len(r) > 0 && len(a) > 0 && r[0] == a[0] {
		if r[0] == '*' { // stop re-created: no protein change
			return string(appendInt(append(b, "Ter"...), s)) + "="
		}
		r, a, s = r[1:], a[1:], s+1
	}
	for len(r) > 0 && len(a) > 0 && r[len(r)-1] == a[len(a)-1] {
		r, a, e = r[:len(r)-1], a[:len(a)-1], e-1
	}
	// ... and C>*D stays a delins (p.Cys335delinsTer): the residues after
	// the new stop are dropped from the text, not from the comparison.
	delins := len(r) != len(a) && r != "" && a != ""
	if i := strings.IndexByte(a, '*'); i >= 0 {
		a = a[:i+1]
	}
	if delins && len(r) == 1 && len(a) == 1 && r != "*" {
		b = appendSpanPep(b, r, s, e)
		b = append(b, "delins"...)
		return string(appendThree(b, a))
	}
	switch {
	case r == "" && a == "":
		return "" // unreachable: equal peptides are handled above
	case r == "": // insertion between residues e and s (e == s-1)
		return hgvspInsertion(b, cc, ts, ref, a, s, e)
	case a == "": // deletion of residues s..e
		del := []byte(r)
		if !strings.Contains(r, "*") {
			for e < len(ref) && ref[e] == del[0] {
				copy(del, del[1:])
				del[len(del)-1] = ref[e]
				s, e = s+1, e+1
			}
		}
		if strings.HasSuffix(r, "*") {
			// The stop is deleted: VEP's _get_hgvs_protein_format writes
			// stop_lost deletions as <ref span>delextTer<n>
			// (p.Ter286delextTer56 in ensembl-variation's HGVS tests).
			b = appendSpanPep(b, r, s, e)
			return x.extTer(append(b, "del"...), cc, ts)
		}
		b = appendSpanPep(b, string(del), s, e)
		return string(append(b, "del"...))
	case len(r) == 1 && len(a) == 1:
		if r == "*" {
			return x.extension(b, cc, ts, s, a)
		}
		b = appendThree(b, r)
		b = appendInt(b, s)
		return string(appendThree(b, a))
	default:
		b = appendSpanPep(b, r, s, e)
		b = append(b, "delins"...)
		b = appendThree(b, a)
		if strings.HasSuffix(r, "*") && !strings.Contains(a, "*") {
			// the stop is replaced: VEP adds the extension to the next stop
			return x.extTer(b, cc, ts)
		}
		return string(b)
	}
}

// hgvspStartLost keeps the reference residue of the start codon, as VEP
// does: Met1?, or Ile1? for the mitochondrial ATT start of MT-ND2; a change
// over several codons from the start names the span with an unknown end
// residue (p.Met1_?2).
func hgvspStartLost(b []byte, cc *codonChange) string {
	b = appendThree(b, cc.refPep[:1])
	b = appendInt(b, max(cc.tlStart, 1))
	if cc.tlEnd > cc.tlStart {
		return string(appendInt(append(b, "_?"...), cc.tlEnd))
	}
	return string(b) + "?"
}

// hgvspInsertion writes residues a inserted between e and s (e == s-1) of
// the reference protein ref: shifted 3' while the following residues repeat
// them, a dup when they repeat the preceding ones, else X_Yins.
func hgvspInsertion(b []byte, cc *codonChange, ts *txSeq, ref, a string, s, e int) string {
	ins := []byte(a)
	for e < len(ref) && e >= 0 && ref[e] == ins[0] && !strings.Contains(a, "*") {
		copy(ins, ins[1:])
		ins[len(ins)-1] = ref[e]
		s, e = s+1, e+1
	}
	if a == "*" && s == len(ref)+1 && strings.Trim(cc.refPep, "-") != "" {
		// a stop made inside the last sense codon takes the old one's
		// place (a stop inserted between codons stays p.X_TerNinsTer)
		return string(appendInt(append(b, "Ter"...), s)) + "="
	}
	n := len(ins)
	if !strings.Contains(a, "*") && e-n >= 0 && e <= len(ref) && ref[e-n:e] == string(ins) {
		b = appendSpan(b, ref, e-n+1, e)
		return string(append(b, "dup"...))
	}
	if e < 1 || e+1 > len(ts.pep) {
		return ""
	}
	b = appendSpan(b, ts.pep, e, e+1)
	b = append(b, "ins"...)
	return string(appendThree(b, string(ins)))
}

// extension writes a stop loss: Ter<pos><new residue>extTer<n>, n counting
// from the lost stop to the next stop read through the 3' UTR.
func (x *txInfo) extension(b []byte, cc *codonChange, ts *txSeq, pos int, alt string) string {
	b = append(b, "Ter"...)
	b = appendInt(b, pos)
	if alt != "" {
		b = appendThree(b, alt[:1])
	}
	return x.extTer(b, cc, ts)
}

// extTer appends extTer<n>, n = (position of the first stop of the alternate
// protein read on through the 3' UTR) - 1 - (reference length), as VEP's
// _stop_loss_extra_AA counts; extTer? without a stop.
func (x *txInfo) extTer(b []byte, cc *codonChange, ts *txSeq) string {
	b = append(b, "extTer"...)
	refLen := len(strings.TrimSuffix(ts.pep, "*"))
	if p := x.altStop(cc, ts); p > 0 && p-1-refLen > 0 {
		return string(appendInt(b, p-1-refLen))
	}
	return string(append(b, '?'))
}

// altStop translates the alternate CDS (read on into the 3' UTR) and returns
// the 1-based position of its first stop, 0 when there is none.
func (x *txInfo) altStop(cc *codonChange, ts *txSeq) int {
	alt, ok := altOf(cc, ts)
	if !ok || cc.cdsEnd < 0 {
		return 0
	}
	for i := 0; i+3 <= alt.len(); i += 3 {
		if alt.codon(i, x.table) == '*' {
			return i/3 + 1
		}
	}
	return 0
}

// altCDS is the alternate coding sequence read on into the 3' UTR, cds+utr3
// with [s,e) replaced by ins, read by position instead of being built:
// frameshifts and lost stops read it codon by codon up to the next stop.
type altCDS struct {
	cds, utr3, ins string
	s, e           int
}

// altOf is the alternate sequence of cc (false when its span lies outside
// cds+utr3).
func altOf(cc *codonChange, ts *txSeq) (altCDS, bool) {
	n := len(ts.cds) + len(ts.utr3)
	if cc.cdsStart-1 > n || cc.cdsEnd > n {
		return altCDS{}, false
	}
	return altCDS{cds: ts.cds, utr3: ts.utr3, ins: cc.alleleTx, s: cc.cdsStart - 1, e: cc.cdsEnd}, true
}

func (a *altCDS) len() int { return len(a.cds) + len(a.utr3) - (a.e - a.s) + len(a.ins) }

// at is the base at 0-based position k.
func (a *altCDS) at(k int) byte {
	if k >= a.s {
		if k -= a.s; k < len(a.ins) {
			return a.ins[k]
		}
		k += a.e - len(a.ins)
	}
	if k < len(a.cds) {
		return a.cds[k]
	}
	return a.utr3[k-len(a.cds)]
}

// codon translates the codon starting at 0-based position k.
func (a *altCDS) codon(k, table int) byte {
	return translateBases(a.at(k), a.at(k+1), a.at(k+2), table)
}

func (x *txInfo) hgvspFrameshift(b []byte, cc *codonChange, ts *txSeq, ref string) string {
	alt, ok := altOf(cc, ts)
	if !ok {
		return ""
	}
	// First residue that differs, from the first affected codon on; the
	// reference protein is followed by its stop (residue len(ref)+1).
	p := max(cc.tlStart, 1)
	if cc.tlEnd < cc.tlStart {
		p = max(cc.tlEnd, 1)
	}
	var ra, aa byte
	for {
		if 3*p > alt.len() && p <= len(ref) && x.t.CDSEndNF && len(ts.utr3) == 0 {
			// The sequence of a 3'-incomplete CDS ends inside the changed
			// codon: VEP reports the residues that no longer have a full
			// codon as deleted (p.Arg297del).
			b = appendSpan(b, ref, p, len(ref))
			return string(append(b, "del"...))
		}
		if 3*p > alt.len() || p > len(ref)+1 {
			return ""
		}
		ra, aa = '*', alt.codon(3*p-3, x.table)
		if p <= len(ref) {
			ra = ref[p-1]
		}
		if ra == '*' && aa == '*' {
			return string(appendInt(append(b, "Ter"...), p)) + "="
		}
		if ra != aa {
			break
		}
		p++
	}
	b = appendThree(b, string(ra))
	b = appendInt(b, p)
	b = appendThree(b, string(aa))
	if aa == '*' {
		return string(b)
	}
	b = append(b, "fsTer"...)
	stop := 0
	for i := 3 * (p - 1); i+3 <= alt.len(); i += 3 {
		if alt.codon(i, x.table) == '*' {
			stop = i/3 + 1
			break
		}
	}
	if n := stop - p + 1; stop > 0 && n > 0 {
		return string(appendInt(b, n))
	}
	return string(append(b, '?'))
}

// appendInt appends n in decimal. Positions are the numbers written most
// (several an entry), so non-negative ones are formatted here, digit by
// digit from the end of a small buffer, without strconv's calls.
func appendInt(b []byte, n int) []byte {
	// Most are positions and offsets of one to four digits: appended at
	// once, a division at most.
	switch {
	case n < 0 || n >= 1e12:
		return strconv.AppendInt(b, int64(n), 10)
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, digitPairs[2*n], digitPairs[2*n+1])
	case n < 1000:
		q := n / 100
		r := 2 * (n - 100*q)
		return append(b, byte('0'+q), digitPairs[r], digitPairs[r+1])
	case n < 10000:
		q := n / 100
		r := 2 * (n - 100*q)
		return append(b, digitPairs[2*q], digitPairs[2*q+1], digitPairs[r], digitPairs[r+1])
	}
	// The digits are written in place, from the back, two a division.
	d := 5
	for d < 12 && n >= pow10[d] {
		d++
	}
	i := len(b) + d
	b = slices.Grow(b, d)[:i]
	for n >= 100 {
		q := n / 100
		r := (n - q*100) * 2
		i -= 2
		b[i], b[i+1] = digitPairs[r], digitPairs[r+1]
		n = q
	}
	if n >= 10 {
		b[i-2], b[i-1] = digitPairs[n*2], digitPairs[n*2+1]
	} else {
		b[i-1] = byte('0' + n)
	}
	return b
}

// pow10[i] is 10 to the i.
var pow10 = [...]int{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11}

// digitPairs holds "00" to "99" back to back.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendSpan writes residues s..e (1-based) of pep as "Lys23" or "Lys23_Ala25".
func appendSpan(b []byte, pep string, s, e int) []byte {
	b = appendThree(b, pep[s-1:s])
	b = appendInt(b, s)
	if e > s {
		b = append(b, '_')
		b = appendThree(b, pep[e-1:e])
		b = appendInt(b, e)
	}
	return b
}

// appendSpanPep writes the first and last residue of seg, numbered s and e.
func appendSpanPep(b []byte, seg string, s, e int) []byte {
	b = appendThree(b, seg[:1])
	b = appendInt(b, s)
	if e > s && len(seg) > 1 {
		b = append(b, '_')
		b = appendThree(b, seg[len(seg)-1:])
		b = appendInt(b, e)
	}
	return b
}
