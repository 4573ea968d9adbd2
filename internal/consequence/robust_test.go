package consequence

import (
	"errors"
	"math/rand"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// failingSeq is a Sequence that cannot read anything.
type failingSeq struct{}

func (failingSeq) Seq(int, int) (string, error) { return "", errors.New("no sequence") }

// TestRandomVariantsNeverPanic throws random SNVs, MNVs, insertions,
// deletions and complex alleles at every transcript of the mini reference,
// concentrated around exon boundaries and coding ends, and checks that
// Predict neither panics nor returns malformed entries.
func TestRandomVariantsNeverPanic(t *testing.T) {
	m := loadMini(t)
	rng := rand.New(rand.NewSource(42))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	randSeq := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = "ACGTN"[rng.Intn(5)]
		}
		return string(b)
	}
	for i := 0; i < n; i++ {
		tx := m.txs[rng.Intn(len(m.txs))]
		chrom := m.seqs[tx.Chrom]
		// anchor near an exon edge, a coding end or anywhere in the transcript ±6 kb
		var pos int
		switch e := tx.Exons[rng.Intn(len(tx.Exons))]; rng.Intn(4) {
		case 0:
			pos = e.Start + rng.Intn(21) - 10
		case 1:
			pos = e.End + rng.Intn(21) - 10
		case 2:
			if tx.Coding() {
				pos = []int{tx.CodingStart, tx.CodingEnd}[rng.Intn(2)] + rng.Intn(9) - 4
			} else {
				pos = tx.Start
			}
		default:
			pos = tx.Start - 6000 + rng.Intn(tx.End-tx.Start+12000)
		}
		pos = max(1, min(pos, len(chrom)-1))
		refLen := 1 + rng.Intn(12)
		if rng.Intn(3) == 0 {
			refLen = 1
		}
		end := min(len(chrom), pos+refLen-1)
		ref := string(chrom[pos-1 : end])
		if rng.Intn(10) == 0 {
			ref = randSeq(len(ref)) // REF that disagrees with the genome
		}
		var alt string
		switch rng.Intn(4) {
		case 0:
			alt = randSeq(1)
		case 1:
			alt = ref[:1] + randSeq(rng.Intn(20))
		case 2:
			alt = ref[:1]
		default:
			alt = randSeq(1 + rng.Intn(8))
		}
		v := Variant{Chrom: tx.Chrom, Pos: pos, Ref: ref, Alt: alt}
		if rng.Intn(5) == 0 {
			v.AllAlts = []string{alt, randSeq(1 + rng.Intn(3))}
		}
		var seq Sequence = chromSeq(chrom)
		if rng.Intn(50) == 0 {
			seq = failingSeq{}
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic on %+v near %s: %v", v, tx.FullID(), r)
				}
			}()
			for _, e := range Predict(v, near(m.txs, tx.Chrom, pos, end), seq) {
				if len(e.Consequences) == 0 || e.Impact == "" || e.Allele == "" {
					t.Fatalf("malformed entry for %+v: %+v", v, e)
				}
			}
		}()
	}
}

// TestDegenerateTranscripts covers models a careless source can produce:
// one-base exons and CDS, CDS shorter than a codon, no exons.
func TestDegenerateTranscripts(t *testing.T) {
	seq, _ := synthetic()
	txs := []*refdata.Transcript{
		{ID: "D1", Chrom: "S", Strand: 1, Start: 50, End: 50, CodingStart: 50, CodingEnd: 50,
			Exons: []refdata.Exon{{Start: 50, End: 50, Number: 1}}},
		{ID: "D2", Chrom: "S", Strand: -1, Start: 60, End: 80, CodingStart: 62, CodingEnd: 63,
			Exons: []refdata.Exon{{Start: 75, End: 80, Number: 1}, {Start: 60, End: 70, Number: 2}}},
		{ID: "D3", Chrom: "S", Strand: 1, Start: 90, End: 95},
		{ID: "D4", Chrom: "S", Strand: 1, Start: 100, End: 120, CodingStart: 101, CodingEnd: 119, StartPhase: 2,
			CDSStartNF: true, Exons: []refdata.Exon{{Start: 100, End: 104, Number: 1}, {Start: 106, End: 120, Number: 2}}},
	}
	for pos := 40; pos <= 125; pos++ {
		for _, alt := range []string{"A", "AC", "ACGTACG"} {
			for _, refLen := range []int{1, 2, 5} {
				ref, _ := seq.Seq(pos, pos+refLen-1)
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("panic at %d %s>%s: %v", pos, ref, alt, r)
						}
					}()
					Predict(Variant{Chrom: "S", Pos: pos, Ref: ref, Alt: alt}, txs, seq)
					Predict(Variant{Chrom: "S", Pos: pos, Ref: ref, Alt: alt}, txs, failingSeq{})
				}()
			}
		}
	}
}

// TestConcurrentPredict runs Predict from several goroutines over the same
// transcripts (the per-transcript cache is shared); run with -race.
func TestConcurrentPredict(t *testing.T) {
	m := loadMini(t)
	seq := chromSeq(m.seqs["21"])
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for pos := 25585600 + g; pos < 25586600; pos += 3 {
				ref := string(m.seqs["21"][pos-1 : pos+1])
				for _, alt := range []string{ref[:1], ref[:1] + "A", "T"} {
					Predict(Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: alt}, near(m.txs, "21", pos, pos+1), seq)
				}
			}
		}(g)
	}
	wg.Wait()
}
