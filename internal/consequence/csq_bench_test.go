package consequence

import (
	"math/rand"
	"testing"
)

// BenchmarkAppendCSQ writes the CSQ entries of the BenchmarkPredict mix.
func BenchmarkAppendCSQ(b *testing.B) {
	m := loadMini(b)
	rng := rand.New(rand.NewSource(1))
	chrom := m.seqs["21"]
	seq := chromSeq(chrom)
	var entries []Entry
	for range 4096 {
		pos := 24985581 + rng.Intn(26000306-24985581-20)
		ref := string(chrom[pos-1 : pos])
		entries = PredictAppend(entries, Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: "ACGT"[rng.Intn(4):][:1]}, near(m.txs, "21", pos, pos+1), seq)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var dst []byte
	for i := 0; i < b.N; i++ {
		dst = entries[i%len(entries)].AppendCSQ(dst[:0], "rs123456")
	}
}
