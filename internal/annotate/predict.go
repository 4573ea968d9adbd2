package annotate

import (
	"math"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
)

// vepPredictor computes CSQ entries with package consequence. Each worker
// has its own, so the transcript buffer is reused without locking.
type vepPredictor struct {
	txs []*refdata.Transcript
	// txs are the transcripts of the window lo..hi of chromosome c, and of
	// every window lo'..hi' with lo <= lo' <= minEnd (the lowest End of
	// txs) and hi <= hi' < next (the lowest Start after hi): the next
	// alleles (the record's next ALT, records a little further on) use
	// them without a lookup until a transcript starts or ends between.
	c                    chromosome
	lo, hi, next, minEnd int
	entries              []consequence.Entry
	pred                 consequence.Predictor
	set                  string // Options.Transcripts
	window               int    // up/downstream distance: transcripts this far from the variant still get an entry
}

func newPredictor(o Options) predictor {
	p := &vepPredictor{set: o.transcripts(), window: o.distance()}
	p.pred.HGVScInBuffer = true // each allele's entries are written before the next is predicted
	return p
}

func (p *vepPredictor) appendCSQ(dst []byte, c chromosome, v consequence.Variant, existing []byte, t *tally, ix *indexBatch) ([]byte, string, string, error) {
	end := v.Pos + len(v.Ref) - 1
	if lo, hi := v.Pos-p.window, end+p.window; lo < p.lo || lo > p.minEnd || hi < p.hi || hi >= p.next || c != p.c { // the ints first: comparing interfaces is a call
		p.txs, p.next = c.AppendTranscriptsNext(p.txs[:0], lo, hi)
		if p.set == TranscriptsCanonical {
			p.txs = keepCanonical(p.txs)
		}
		p.minEnd = math.MaxInt
		for _, t := range p.txs {
			p.minEnd = min(p.minEnd, t.End)
		}
		p.c, p.lo, p.hi = c, lo, hi
	}
	v.Distance = &p.window
	worst, worstRank := "", -1
	ex := string(existing)
	if p.set != TranscriptsPick && p.set != TranscriptsPerGene {
		// every entry is written: straight from the prediction
		class := ""
		dst = p.pred.AppendCSQ(dst, v, p.txs, c, ex, func(e *consequence.Entry, out []byte, start int) {
			if ix != nil {
				ix.entry(e, out, start)
			}
			if w, r := t.countTerms(e.Consequences); r >= 0 && (worstRank < 0 || r < worstRank) {
				worst, worstRank = w, r
			}
			class = e.VariantClass
		})
		return dst, worst, class, nil
	}
	p.entries = p.pred.Append(p.entries[:0], v, p.txs, c)
	entries := pick(p.entries, p.txs, p.set == TranscriptsPerGene)
	for i := range entries {
		e := &entries[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		start := len(dst)
		dst = e.AppendCSQ(dst, ex)
		if ix != nil {
			ix.entry(e, dst, start)
		}
		if w, r := t.countTerms(e.Consequences); r >= 0 && (worstRank < 0 || r < worstRank) {
			worst, worstRank = w, r
		}
	}
	class := ""
	if len(entries) > 0 {
		class = entries[0].VariantClass
	}
	return dst, worst, class, nil
}

func impactOf(term string) string { return consequence.Impact(term) }
