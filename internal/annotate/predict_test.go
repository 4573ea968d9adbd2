package annotate

import (
	"math"
	"testing"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
)

// countingChrom is a fakeChrom with transcripts that counts their lookups.
type countingChrom struct {
	*fakeChrom
	txs     []*refdata.Transcript
	lookups int
}

func (c *countingChrom) AppendTranscriptsNext(dst []*refdata.Transcript, start, end int) ([]*refdata.Transcript, int) {
	c.lookups++
	next := math.MaxInt
	for _, t := range c.txs {
		if t.End >= start && t.Start <= end {
			dst = append(dst, t)
		}
		if t.Start > end {
			next = min(next, t.Start)
		}
	}
	return dst, next
}

// TestPredictorReusesTranscriptWindow: an allele whose window lies
// further on than the last lookup's, with no transcript starting or ending
// between, is predicted on the transcripts already looked up, and gets the
// CSQ text a fresh predictor gives it, with every transcript set.
func TestPredictorReusesTranscriptWindow(t *testing.T) {
	tx := func(id string, start, end int, canonical bool) *refdata.Transcript {
		return &refdata.Transcript{ID: id, Version: "1", GeneID: "G" + id, GeneName: "N" + id, Biotype: "lncRNA", Chrom: "21",
			Strand: 1, Start: start, End: end, Canonical: canonical,
			Exons: []refdata.Exon{{Start: start, End: start + 99, Number: 1}, {Start: end - 99, End: end, Number: 2}}}
	}
	txs := []*refdata.Transcript{tx("A", 10000, 12000, true), tx("B", 16000, 20000, false), tx("C", 11500, 30000, true)}
	a := &countingChrom{fakeChrom: &fakeChrom{length: 50000}, txs: txs}
	b := &countingChrom{fakeChrom: &fakeChrom{length: 50000}, txs: txs}
	steps := []struct {
		c          *countingChrom
		pos        int
		ref, alt   string
		newLookups int // lookups of c this step makes
	}{
		{a, 9000, "A", "C", 1},   // window 4000-14000: A and C
		{a, 9000, "A", "G", 0},   // the same window: the record's next ALT
		{a, 10500, "A", "C", 0},  // further on, no transcript starting or ending between
		{a, 10500, "AC", "A", 0}, // a longer REF
		{a, 11200, "T", "C", 1},  // B starts inside the window (a lookup, also when only canonical ones count)
		{a, 15100, "T", "C", 0},
		{a, 17100, "T", "C", 1}, // A ends before the window
		{b, 17100, "T", "C", 1}, // another chromosome, same window
		{b, 17100, "T", "G", 0},
		{a, 15100, "T", "C", 1}, // back on the first, an earlier window
	}
	for _, set := range []string{TranscriptsAll, TranscriptsCanonical, TranscriptsPick, TranscriptsPerGene} {
		o := Options{Transcripts: set}
		p := newPredictor(o)
		a.lookups, b.lookups = 0, 0
		for i, s := range steps {
			before := s.c.lookups
			v := consequence.Variant{Chrom: "21", Pos: s.pos, Ref: s.ref, Alt: s.alt}
			got, gw, gc, err := p.appendCSQ(nil, s.c, v, []byte("rs1"), readyTally(), nil)
			if err != nil {
				t.Fatal(err)
			}
			fresh := &countingChrom{fakeChrom: s.c.fakeChrom, txs: txs}
			want, ww, wc, _ := newPredictor(o).appendCSQ(nil, fresh, v, []byte("rs1"), readyTally(), nil)
			if string(got) != string(want) || gw != ww || gc != wc {
				t.Fatalf("%s step %d: got %s (%s, %s), want %s (%s, %s)", set, i, got, gw, gc, want, ww, wc)
			}
			if n := s.c.lookups - before; n != s.newLookups {
				t.Errorf("%s step %d: %d transcript lookups, want %d", set, i, n, s.newLookups)
			}
		}
	}
}

func readyTally() *tally {
	t := new(tally)
	t.reset()
	return t
}
