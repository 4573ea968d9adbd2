package consequence

import (
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
