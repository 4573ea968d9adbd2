package annotate

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/vcf"
)

// worker annotates records; each pipeline goroutine has its own, so its
// buffers are reused without locking.
type worker struct {
	p      *pipeline
	pred   predictor
	rec    vcf.Record
	chroms map[string]chromInfo
	last   chromInfo

	known  []refdata.KnownVariant
	ids    []byte // new ID column
	info   []byte // new INFO column
	csq    []byte // CSQ value for the whole record
	af     []byte // KNOWN_AF value
	clnsig []byte // KNOWN_CLNSIG value
	exist  []byte // Existing_variation of one allele
	upRef  []byte
	upAlt  []byte
	band   []byte
	// allAlts are the record's ALTs, upper-case: VEP's Allele field depends on all of them.
	allAlts []string
}

type chromInfo struct {
	name  string     // as in the input
	c     chromosome // nil when not covered
	canon string     // the bundle's name, e.g. "21"
}

func newWorker(p *pipeline) *worker {
	return &worker{p: p, pred: p.eng.newPred(), chroms: map[string]chromInfo{}}
}

// lookup resolves the record's chromosome once per name per worker.
func (w *worker) lookup(name []byte) (chromInfo, error) {
	if w.last.name == string(name) && w.last.name != "" {
		return w.last, nil
	}
	ci, ok := w.chroms[string(name)]
	if !ok {
		ci = chromInfo{name: string(name)}
		c, err := w.p.eng.ref.chrom(ci.name)
		switch {
		case err == nil:
			ci.c, ci.canon = c, refdata.CanonicalChrom(ci.name)
		case errors.Is(err, refdata.ErrNotCovered):
		default:
			return ci, err
		}
		w.chroms[ci.name] = ci
	}
	w.last = ci
	return ci, nil
}

// annotate appends the annotated record to dst (without "\n").
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

	w.upRef = appendUpper(w.upRef[:0], rec.Ref())
	ref := string(w.upRef)
	w.ids = append(w.ids[:0], rec.ID()...)
	w.allAlts = w.allAlts[:0]
	for _, a := range alts {
		w.allAlts = append(w.allAlts, string(appendUpper(w.upAlt[:0], a)))
	}
	w.csq, w.af, w.clnsig = w.csq[:0], w.af[:0], w.clnsig[:0]
	anyAF, anyClnsig := false, false
	for i, altB := range alts {
		if i > 0 {
			w.af = append(w.af, ',')
			w.clnsig = append(w.clnsig, ',')
		}
		if kind := passthroughKind(altB); kind != "" {
			t.passthrough[kind]++
			if len(t.notes) < maxNotes {
				t.notes = append(t.notes, fmt.Sprintf("line %d: ALT %s (%s) passed through without consequences", lineNo, clip(altB), kind))
			}
			w.af = append(w.af, '.')
			w.clnsig = append(w.clnsig, '.')
			continue
		}
		alt := w.allAlts[i]
		t.annotated++

		// Known variants: same trimmed position and alleles.
		w.exist = w.exist[:0]
		tpos, tref, talt := refdata.TrimAlleles(rec.Pos, ref, alt)
		w.known, err = ci.c.KnownErr(w.known[:0], tpos, tpos)
		if err != nil {
			return dst, fmt.Errorf("known variants at %s:%d: %w", ci.canon, tpos, err)
		}
		freq, gotFreq, clnStart := 0.0, false, len(w.clnsig)
		for _, k := range w.known {
			if k.Pos != tpos || k.Ref != tref || k.Alt != talt {
				continue
			}
			if k.ID != "" {
				w.exist = appendList(w.exist, '&', k.ID)
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
		if len(w.exist) > 0 {
			t.known++
		}
		if gotFreq {
			w.af = strconv.AppendFloat(w.af, freq, 'g', -1, 64)
			anyAF = true
		} else {
			w.af = append(w.af, '.')
		}
		if len(w.clnsig) > clnStart {
			anyClnsig = true
		} else {
			w.clnsig = append(w.clnsig, '.')
		}

		// Consequences.
		if rec.Pos+len(ref)-1 > ci.c.Len() || rec.Pos < 1 {
			t.passthrough["outside reference"]++
			if len(t.notes) < maxNotes {
				t.notes = append(t.notes, fmt.Sprintf("line %d: %s:%d-%d is not inside the reference sequence 1-%d: no consequences", lineNo, ci.name, rec.Pos, rec.Pos+len(ref)-1, ci.c.Len()))
			}
			continue
		}
		n := len(w.csq)
		if n > 0 {
			w.csq = append(w.csq, ',')
		}
		out, worst, class, err := w.pred.appendCSQ(w.csq, ci.c, consequence.Variant{Chrom: ci.canon, Pos: rec.Pos, Ref: ref, Alt: alt, AllAlts: w.allAlts}, w.exist, t)
		if err != nil {
			return dst, fmt.Errorf("consequences of %s:%d %s>%s: %w", ci.name, rec.Pos, ref, alt, err)
		}
		if len(out) == n+1 { // no entry: drop the separator
			out = out[:n]
		}
		w.csq = out
		if worst != "" {
			t.mostSevere[worst]++
			t.impact[impactOf(worst)]++
		}
		if class != "" {
			t.class[class]++
		}
	}

	// INFO: the input's keys (minus any we replace), then ours.
	w.info = w.info[:0]
	if info := rec.Info(); !(len(info) == 1 && info[0] == '.') {
		w.info = appendStripped(w.info, info, w.p.strip)
	}
	if anyAF {
		w.info = appendKV(w.info, InfoKnownAF, w.af)
	}
	if anyClnsig {
		w.info = appendKV(w.info, InfoKnownClnsig, w.clnsig)
	}
	if band := ci.c.Cytoband(rec.Pos); band != "" {
		w.band = append(append(w.band[:0], ci.canon...), band...)
		w.info = appendKV(w.info, InfoCytoband, w.band)
	}
	if len(w.csq) > 0 {
		w.info = appendKV(w.info, InfoCSQ, w.csq)
	}
	if len(w.info) == 0 {
		w.info = append(w.info, '.')
	}
	return rec.AppendWith(dst, w.ids, w.info), nil
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
func addID(ids []byte, id string) []byte {
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
		if string(item) == id {
			return ids
		}
	}
	return append(append(ids, ';'), id...)
}

// appendList appends item to a sep-separated list unless already present.
func appendList(list []byte, sep byte, item string) []byte {
	for rest := list; len(rest) > 0; {
		cur := rest
		if k := bytes.IndexByte(rest, sep); k >= 0 {
			cur, rest = rest[:k], rest[k+1:]
		} else {
			rest = nil
		}
		if string(cur) == item {
			return list
		}
	}
	if len(list) > 0 {
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

func appendKV(info []byte, key string, val []byte) []byte {
	if len(info) > 0 {
		info = append(info, ';')
	}
	info = append(info, key...)
	info = append(info, '=')
	return append(info, val...)
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
