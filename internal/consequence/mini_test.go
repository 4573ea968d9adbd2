package consequence

import (
	"slices"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

// mini is the grch38-mini reference (chr21 slice and MT) loaded once.
type mini struct {
	seqs memSeq
	txs  []*refdata.Transcript
}

var (
	miniOnce sync.Once
	miniRef  *mini
)

func loadMini(t testing.TB) *mini {
	t.Helper()
	miniOnce.Do(func() {
		dir := testshared.Path(t, "refdata", "grch38-mini")
		m := &mini{seqs: memSeq{}}
		for k, v := range readFASTA(t, dir+"/chr21.fa.gz") {
			m.seqs[k] = v
		}
		for k, v := range readFASTA(t, dir+"/chrM.fa") {
			m.seqs[k] = v
		}
		m.txs = append(readGenes(t, dir+"/chr21.genes.gtf.gz", m.seqs), readGenes(t, dir+"/chrM.genes.gtf", m.seqs)...)
		miniRef = m
	})
	if miniRef == nil {
		t.Fatal("mini reference failed to load")
	}
	return miniRef
}

func (m *mini) predict(v Variant) []Entry {
	chrom := refdata.CanonicalChrom(v.Chrom)
	return Predict(v, near(m.txs, chrom, v.Pos, v.Pos+len(v.Ref)), chromSeq(m.seqs[chrom]))
}

// entry returns the entry for one transcript (by stable id without version).
func (m *mini) entry(t *testing.T, v Variant, tx string) Entry {
	t.Helper()
	for _, e := range m.predict(v) {
		if e.Feature == tx || len(e.Feature) > len(tx) && e.Feature[:len(tx)+1] == tx+"." {
			return e
		}
	}
	t.Fatalf("%+v: no entry for %s", v, tx)
	return Entry{}
}

// TestPredictorMatchesPredict: a Predictor reused over variants in position
// order, with jumps back, transcript lists missing their first or last
// transcript, and lists in reverse, gives what a fresh Predict gives for
// each variant.
func TestPredictorMatchesPredict(t *testing.T) {
	m := loadMini(t)
	chrom := m.seqs["21"]
	seq := chromSeq(chrom)
	var p Predictor
	var got []Entry
	pos, changed := 24990000, 0
	for i := range 1500 {
		pos += 300 + i%7*97
		if i%300 == 299 {
			pos -= 60000 // back, to transcripts the last call did not have
		}
		txs := near(m.txs, "21", pos, pos)
		switch {
		case len(txs) > 1 && i%11 == 0:
			txs = txs[1:]
		case len(txs) > 1 && i%13 == 0:
			txs = txs[:len(txs)-1]
		case i%7 == 3:
			txs = slices.Clone(txs)
			slices.Reverse(txs)
		}
		ref := string(chrom[pos-1 : pos])
		v := Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: map[string]string{"A": "C", "C": "G", "G": "T"}[ref]}
		if v.Alt == "" {
			v.Alt = "A"
		}
		got = p.Append(got[:0], v, txs, seq)
		want := Predict(v, txs, seq)
		if len(got) != len(want) {
			t.Fatalf("%d:%s>%s: %d entries, want %d", pos, v.Ref, v.Alt, len(got), len(want))
		}
		for j := range want {
			if g, w := string(got[j].AppendCSQ(nil, "")), string(want[j].AppendCSQ(nil, "")); g != w {
				t.Fatalf("%d:%s>%s entry %d:\n got %s\nwant %s", pos, v.Ref, v.Alt, j, g, w)
			}
		}
		if len(want) > 1 {
			changed++
		}
	}
	if changed < 100 {
		t.Fatalf("only %d variants with more than one entry: the walk misses the transcripts", changed)
	}
}
