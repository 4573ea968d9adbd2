package annotate

import (
	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
)

// vepPredictor computes CSQ entries with package consequence. Each worker
// has its own, so the transcript buffer is reused without locking.
type vepPredictor struct {
	txs     []*refdata.Transcript
	entries []consequence.Entry
}

func newPredictor() predictor { return &vepPredictor{} }

// window is VEP's upstream/downstream distance: transcripts this far from
// the variant still get an entry.
const window = 5000

func (p *vepPredictor) appendCSQ(dst []byte, c chromosome, v consequence.Variant, existing []byte, t *tally) ([]byte, string, string, error) {
	end := v.Pos + len(v.Ref) - 1
	p.txs = c.AppendTranscripts(p.txs[:0], v.Pos-window, end+window)
	p.entries = consequence.PredictAppend(p.entries[:0], v, p.txs, c)
	entries := p.entries
	worst, worstRank := "", -1
	ex := string(existing)
	for i := range entries {
		e := &entries[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.AppendCSQ(dst, ex)
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
