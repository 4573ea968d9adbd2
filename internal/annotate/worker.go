package annotate

import (
	"bytes"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/vcf"
)

// worker annotates records; each pipeline goroutine has its own, so its
// buffers are reused without locking.
type worker struct {
	p    *pipeline
	pred predictor
	rec  vcf.Record
	last chromInfo // the chromosome of the last record
	held bool      // last is acquired from p.res

	// kr decodes known-variant blocks for this worker, reusing its buffers;
	// sr reads the reference under REF the same way.
	kr refdata.KnownReader
	sr refdata.SeqReader

	known  []refdata.KnownMatch
	ids    []byte // new ID column
	af     []byte // KNOWN_AF value
	clnsig []byte // KNOWN_CLNSIG value
	// Existing_variation of ALT i is exist[existEnd[i-1]:existEnd[i]].
	exist    []byte
	existEnd []int
	predict  []bool // ALT i gets consequences
	refSeq   []byte // the reference under REF (checkRef)
	// band is the INFO/CYTOBAND value ("21q21.3", empty for none) of the
	// positions bandLo..bandHi of the held chromosome (none when bandLo >
	// bandHi): records in order mostly share their band.
	band           []byte
	bandLo, bandHi int
	// allAlts are the record's ALTs, upper-case: VEP's Allele field depends on all of them.
	allAlts []string
	shape   consequence.Shape // of the record being annotated
	ix      *indexBatch       // the batch's entries for Options.Index; nil without one
	// Set by appendInfo for ix: where the record's line begins in the
	// output, and its KNOWN_AF and KNOWN_CLNSIG values there.
	lineStart      int
	afAt, clnsigAt Span

	// Per record, set by annotate and matchKnown.
	mismatch                     bool // REF differs from the reference
	anyAF, anyClnsig, anyPredict bool
}

type chromInfo struct {
	name  string     // as in the input
	c     chromosome // nil when not covered
	canon string     // the bundle's name, e.g. "21"
}

func newWorker(p *pipeline) *worker {
	return &worker{p: p, pred: p.eng.newPred(p.opts), bandLo: 1}
}

// lookup resolves the record's chromosome. A worker holds one chromosome
// of the run's shared residency at a time: the one its records are on.
func (w *worker) lookup(name []byte) (chromInfo, error) {
	if w.held && w.last.name == string(name) {
		return w.last, nil
	}
	w.releaseHeld()
	ci := chromInfo{name: string(name)}
	var err error
	if ci.c, ci.canon, err = w.p.res.acquire(ci.name); err != nil {
		return ci, err
	}
	w.last, w.held = ci, true
	return ci, nil
}

// releaseHeld lets go of the chromosome the worker holds, if any.
func (w *worker) releaseHeld() {
	if w.held {
		w.p.res.release(w.last.canon)
	}
	w.last, w.held = chromInfo{}, false
	w.bandLo, w.bandHi = 1, 0
}

// annotate appends the annotated record to dst (without "\n"), in stages:
// locate the record on the reference (lookup, REF check), match known
// variants per ALT (they decide ID and the KNOWN_* values, which precede
// CSQ), write the INFO column, then the CSQ entries straight into dst, so
// the largest part of the output is written once. Each stage counts what
// it sees in t.
func (w *worker) annotate(dst []byte, rec *vcf.Record, lineNo int, t *tally) ([]byte, error) {
	t.records++
	alts := rec.Alts()
	t.alleles += int64(len(alts))
	countTsTv(rec.Ref(), alts, t)
	ci, err := w.lookup(rec.Chrom())
	if err != nil {
		return dst, err
	}
	t.chrom(rec.Chrom(), ci.c != nil)
	if ci.c == nil {
		t.notCovered++
		return append(dst, rec.Line...), nil
	}
	ref := upperString(rec.Ref())
	var refState int
	refState, w.refSeq, err = checkRef(ci.c, &w.sr, rec.Pos, ref, w.refSeq[:0])
	if err != nil {
		return dst, fmt.Errorf("reference at %s:%d: %w", ci.canon, rec.Pos, err)
	}
	if refState == refUncovered {
		t.notCovered++
		t.uncoveredPos++
		t.note(fmt.Sprintf("line %d: %s:%d-%d: the reference holds no bases there: not covered, written unchanged", lineNo, ci.name, rec.Pos, rec.Pos+len(ref)-1))
		return append(dst, rec.Line...), nil
	}
	t.refChecked++
	w.mismatch = refState == refMismatch
	if w.mismatch {
		t.refMismatch++
		t.note(fmt.Sprintf("line %d: %s:%d REF %s does not match the reference: no consequences (%s)", lineNo, ci.name, rec.Pos, clip([]byte(ref)), InfoRefMismatch))
	}
	if err := w.matchKnown(rec, ci, ref, lineNo, t); err != nil {
		return dst, err
	}
	dst, infoStart := w.appendInfo(dst, rec, ci)
	if w.anyPredict {
		if dst, err = w.appendCSQ(dst, rec, ci, ref, infoStart, t); err != nil {
			return dst, err
		}
	}
	if len(dst) == infoStart {
		dst = append(dst, '.')
	}
	return rec.AppendTail(dst), nil
}

// matchKnown classifies each ALT (passthrough or predicted) and looks up
// the known variants with the same trimmed position and alleles, filling
// the new ID column, the KNOWN_AF and KNOWN_CLNSIG values and each ALT's
// Existing_variation.
func (w *worker) matchKnown(rec *vcf.Record, ci chromInfo, ref string, lineNo int, t *tally) error {
	alts := rec.Alts()
	w.ids = append(w.ids[:0], rec.ID()...)
	w.allAlts = w.allAlts[:0]
	for _, a := range alts {
		w.allAlts = append(w.allAlts, upperString(a))
	}
	w.af, w.clnsig = w.af[:0], w.clnsig[:0]
	w.exist, w.existEnd, w.predict = w.exist[:0], w.existEnd[:0], w.predict[:0]
	w.anyAF, w.anyClnsig, w.anyPredict = false, false, false
	for i, altB := range alts {
		if i > 0 {
			w.af = append(w.af, ',')
			w.clnsig = append(w.clnsig, ',')
		}
		kind := passthroughKind(altB)
		w.predict = append(w.predict, kind == "" && !w.mismatch)
		w.anyPredict = w.anyPredict || kind == "" && !w.mismatch
		if kind != "" {
			t.passthrough[kind]++
			t.note(fmt.Sprintf("line %d: ALT %s (%s) passed through without consequences", lineNo, clip(altB), kind))
			w.af = append(w.af, '.')
			w.clnsig = append(w.clnsig, '.')
			w.existEnd = append(w.existEnd, len(w.exist))
			continue
		}
		if err := w.matchAllele(ci, rec.Pos, ref, w.allAlts[i], t); err != nil {
			return err
		}
	}
	return nil
}

// matchAllele appends one sequence ALT's known-variant matches.
func (w *worker) matchAllele(ci chromInfo, pos int, ref, alt string, t *tally) error {
	existStart := len(w.exist)
	tpos, tref, talt := refdata.TrimAlleles(pos, ref, alt)
	var err error
	w.known, err = ci.c.AppendKnownMatches(&w.kr, w.known[:0], tpos, tref, talt)
	if err != nil {
		return fmt.Errorf("known variants at %s:%d: %w", ci.canon, tpos, err)
	}
	freq, gotFreq, clnStart := 0.0, false, len(w.clnsig)
	for _, k := range w.known {
		if len(k.ID) > 0 {
			w.exist = appendListFrom(w.exist, existStart, '&', k.ID)
			w.ids = addID(w.ids, k.ID)
		}
		if k.Freq >= 0 && !gotFreq {
			freq, gotFreq = k.Freq, true
		}
		if k.ClinSig != "" {
			if len(w.clnsig) > clnStart {
				w.clnsig = append(w.clnsig, '&')
			}
			w.clnsig = appendSanitized(w.clnsig, k.ClinSig)
		}
	}
	w.existEnd = append(w.existEnd, len(w.exist))
	if len(w.exist) > existStart {
		t.known++
	}
	if gotFreq {
		w.af = strconv.AppendFloat(w.af, freq, 'g', -1, 64)
		w.anyAF = true
	} else {
		w.af = append(w.af, '.')
	}
	if len(w.clnsig) > clnStart {
		w.anyClnsig = true
	} else {
		w.clnsig = append(w.clnsig, '.')
	}
	return nil
}

// appendInfo writes the columns up to INFO and the INFO keys before CSQ:
// the input's keys (minus any we replace), then ours. It returns where the
// INFO column starts.
func (w *worker) appendInfo(dst []byte, rec *vcf.Record, ci chromInfo) ([]byte, int) {
	w.lineStart, w.afAt, w.clnsigAt = len(dst), Span{}, Span{}
	dst = rec.AppendHead(dst, w.ids)
	infoStart := len(dst)
	if info := rec.Info(); !(len(info) == 1 && info[0] == '.') {
		dst = appendStripped(dst, info, w.p.strip)
	}
	if w.anyAF {
		dst = appendKV(dst, infoStart, InfoKnownAF, w.af)
		w.afAt = Span{uint32(len(dst) - len(w.af)), uint32(len(dst))}
	}
	if w.anyClnsig {
		dst = appendKV(dst, infoStart, InfoKnownClnsig, w.clnsig)
		w.clnsigAt = Span{uint32(len(dst) - len(w.clnsig)), uint32(len(dst))}
	}
	if w.mismatch {
		dst = appendKV(dst, infoStart, InfoRefMismatch, nil)
		dst = dst[:len(dst)-1] // a flag has no "="
	}
	if pos := rec.Pos; pos < w.bandLo || pos > w.bandHi {
		var band string
		band, w.bandLo, w.bandHi = ci.c.BandSpan(pos)
		w.band = w.band[:0]
		if band != "" {
			w.band = append(append(w.band, ci.canon...), band...)
		}
	}
	if len(w.band) > 0 {
		dst = appendKV(dst, infoStart, InfoCytoband, w.band)
	}
	return dst, infoStart
}

// appendCSQ writes the CSQ key with the entries of every predicted ALT
// (none: no key) and counts each allele's most severe term and class.
func (w *worker) appendCSQ(dst []byte, rec *vcf.Record, ci chromInfo, ref string, infoStart int, t *tally) ([]byte, error) {
	keyStart := len(dst)
	dst = appendKV(dst, infoStart, InfoCSQ, nil)
	csqStart := len(dst)
	existStart := 0
	w.shape = consequence.ShapeOf(ref, w.allAlts) // once per record: linear in the ALTs
	if w.ix != nil {
		w.ix.record(rec, w.lineStart, len(w.ids), w.afAt, w.clnsigAt)
	}
	for i, ok := range w.predict {
		exist := w.exist[existStart:w.existEnd[i]]
		existStart = w.existEnd[i]
		if !ok {
			continue
		}
		n := len(dst)
		if n > csqStart {
			dst = append(dst, ',')
		}
		alt := w.allAlts[i]
		if w.ix != nil {
			w.ix.alt = i
		}
		out, worst, class, err := w.pred.appendCSQ(dst, ci.c, consequence.Variant{Chrom: ci.canon, Pos: rec.Pos, Ref: ref, Alt: alt, AllAlts: w.allAlts, Shape: &w.shape}, exist, t, w.ix)
		if err != nil {
			return dst, fmt.Errorf("consequences of %s:%d %s>%s: %w", ci.name, rec.Pos, ref, alt, err)
		}
		if len(out) == n+1 && n > csqStart { // no entry: drop the separator
			out = out[:n]
		}
		dst = out
		if worst != "" { // the allele got CSQ entries
			t.annotated++
		}
		t.allele(worst, class)
	}
	if w.ix != nil {
		w.ix.endRecord()
	}
	if len(dst) == csqStart { // no entry at all: no CSQ key
		dst = dst[:keyStart]
	}
	return dst, nil
}

// Reference check of a record's REF (checkRef).
const (
	refMatches = iota
	refMismatch
	refUncovered
)

// checkRef compares REF with the reference: positions past the sequence's
// end, or where the reference holds no bases (unstored N padding), are not
// covered; otherwise every REF base must equal the reference base, an N on
// either side matching anything. The reference bases are read through sr
// into buf, returned for reuse.
func checkRef(c chromosome, sr *refdata.SeqReader, pos int, ref string, buf []byte) (int, []byte, error) {
	end := pos + len(ref) - 1
	if pos < 1 || end > c.Len() || !c.CoveredVia(sr, pos, end) {
		return refUncovered, buf, nil
	}
	seq, err := c.AppendSeqVia(sr, buf, pos, end)
	if err != nil {
		return 0, seq, err
	}
	for i := 0; i < len(seq) && i < len(ref); i++ {
		if g, r := seq[i]&^0x20, ref[i]; r != 'N' && g != 'N' && r != g {
			return refMismatch, seq, nil
		}
	}
	return refMatches, seq, nil
}

// passthroughKind classifies an ALT that gets no consequences ("" for a
// sequence allele).
func passthroughKind(alt []byte) string {
	if !vcf.IsSymbolic(alt) {
		return ""
	}
	switch {
	case len(alt) == 1 && alt[0] == '*':
		return "*"
	case len(alt) == 0 || len(alt) == 1 && alt[0] == '.':
		return "missing"
	case alt[0] == '<':
		return "symbolic"
	case bytes.ContainsAny(alt, "[]") || alt[0] == '.' || alt[len(alt)-1] == '.':
		return "breakend"
	}
	return "other"
}

// countTsTv counts SNV alleles as transitions (A<->G, C<->T) or transversions.
func countTsTv(ref []byte, alts [][]byte, t *tally) {
	if len(ref) != 1 {
		return
	}
	r := ref[0] &^ 0x20
	for _, a := range alts {
		if len(a) != 1 {
			continue
		}
		x := a[0] &^ 0x20
		if !isACGT(r) || !isACGT(x) || r == x {
			continue
		}
		if (r == 'A' && x == 'G') || (r == 'G' && x == 'A') || (r == 'C' && x == 'T') || (r == 'T' && x == 'C') {
			t.ts++
		} else {
			t.tv++
		}
	}
}

func isACGT(c byte) bool { return c == 'A' || c == 'C' || c == 'G' || c == 'T' }

// upperString is a field of the batch's input line (REF or an ALT),
// upper-case, as a string. A field that is upper-case already, as VCF
// files write bases, is not copied: the string shares the line's bytes,
// which stay unchanged until the batch has been written and is read into
// again. So the string must not be kept beyond the batch; nothing keeps
// it beyond the record (consequence.Predictor, the known-variant lookup
// and the tallies copy what they keep; Sprintf'd notes and errors are
// copies). A copy per indel record was 1.2% of a run's instructions and
// most of its garbage.
func upperString(b []byte) string {
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			return string(appendUpper(nil, b))
		}
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func appendUpper(dst, s []byte) []byte {
	for _, c := range s {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// addID adds id to an ID column ("." or ";"-separated) unless already there.
func addID(ids []byte, id []byte) []byte {
	if len(ids) == 1 && ids[0] == '.' {
		return append(ids[:0], id...)
	}
	for rest := ids; len(rest) > 0; {
		item := rest
		if k := bytes.IndexByte(rest, ';'); k >= 0 {
			item, rest = rest[:k], rest[k+1:]
		} else {
			rest = nil
		}
		if string(item) == string(id) {
			return ids
		}
	}
	return append(append(ids, ';'), id...)
}

// appendListFrom appends item to the sep-separated list list[from:] unless
// already present in it.
func appendListFrom(list []byte, from int, sep byte, item []byte) []byte {
	for rest := list[from:]; len(rest) > 0; {
		cur := rest
		if k := bytes.IndexByte(rest, sep); k >= 0 {
			cur, rest = rest[:k], rest[k+1:]
		} else {
			rest = nil
		}
		if string(cur) == string(item) {
			return list
		}
	}
	if len(list) > from {
		list = append(list, sep)
	}
	return append(list, item...)
}

// appendSanitized writes a free-text value so it is a valid item of a
// Number=A INFO list: a list separator ("," or "|") becomes "&", as VEP joins
// several values (a "," would read as the next ALT's value), and ";", "=",
// space and tab become "_".
func appendSanitized(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ',', '|':
			c = '&'
		case ';', '=', ' ', '\t':
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendKV appends ";key=val" to an INFO column that began at infoStart
// (no ";" when it is still empty).
func appendKV(dst []byte, infoStart int, key string, val []byte) []byte {
	if len(dst) > infoStart {
		dst = append(dst, ';')
	}
	dst = append(dst, key...)
	dst = append(dst, '=')
	return append(dst, val...)
}

// appendStripped copies INFO items, leaving out the keys in strip.
func appendStripped(dst, info []byte, strip [][]byte) []byte {
	if len(strip) == 0 {
		return append(dst, info...)
	}
	first := true
	for rest := info; len(rest) > 0; {
		item := rest
		if k := bytes.IndexByte(rest, ';'); k >= 0 {
			item, rest = rest[:k], rest[k+1:]
		} else {
			rest = nil
		}
		key, _, _ := bytes.Cut(item, []byte("="))
		drop := false
		for _, s := range strip {
			if bytes.Equal(key, s) {
				drop = true
			}
		}
		if drop {
			continue
		}
		if !first {
			dst = append(dst, ';')
		}
		dst = append(dst, item...)
		first = false
	}
	return dst
}

func clip(b []byte) string {
	if len(b) > 30 {
		return string(b[:30]) + "..."
	}
	return string(b)
}
