package consequence

import (
	"math/rand"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// BenchmarkPredict annotates a realistic mix (85% SNV, 15% short indels)
// spread over the chr21 slice of the mini reference.
func BenchmarkPredict(b *testing.B) {
	m := loadMini(b)
	rng := rand.New(rand.NewSource(1))
	chrom := m.seqs["21"]
	type job struct {
		v   Variant
		txs []*refdata.Transcript
	}
	jobs := make([]job, 4096)
	for i := range jobs {
		pos := 24985581 + rng.Intn(26000306-24985581-20)
		ref := string(chrom[pos-1 : pos])
		alt := string("ACGT"[rng.Intn(4)])
		if alt == ref {
			alt = "N"
		}
		switch rng.Intn(20) {
		case 0, 1:
			alt = ref + "AC"[rng.Intn(2):]
		case 2:
			ref = string(chrom[pos-1 : pos+2])
			alt = ref[:1]
		}
		jobs[i] = job{Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: alt}, near(m.txs, "21", pos, pos+len(ref))}
	}
	seq := chromSeq(chrom)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := &jobs[i%len(jobs)]
		Predict(j.v, j.txs, seq)
	}
}
