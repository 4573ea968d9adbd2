package consequence

import (
	"math/rand"
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

// TestPredictorAppendCSQMatchesEntries: Predictor.AppendCSQ writes what
// Entry.AppendCSQ writes for each entry Append makes, ',' between them, and
// hands each entry to its callback with the span of its text, over random
// variants near the mini reference's transcripts (SNVs, indels, MNVs,
// multi-allelic records, N alleles, intergenic ones, both strands, coding
// and non-coding, a failing sequence) and Existing_variation values with
// and without bytes to escape.
func TestPredictorAppendCSQMatchesEntries(t *testing.T) {
	m := loadMini(t)
	rng := rand.New(rand.NewSource(7))
	bases := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = "ACGTN"[rng.Intn(5)]
		}
		return string(b)
	}
	n := 6000
	if testing.Short() {
		n = 1500
	}
	var p, q Predictor
	var entries []Entry
	var out []byte
	for i := range n {
		tx := m.txs[rng.Intn(len(m.txs))]
		chrom := m.seqs[tx.Chrom]
		e := tx.Exons[rng.Intn(len(tx.Exons))]
		pos := []int{e.Start, e.End, tx.Start - 5100, tx.End + 4000, tx.Start + rng.Intn(tx.End-tx.Start+1)}[rng.Intn(5)] + rng.Intn(9) - 4
		pos = max(1, min(pos, len(chrom)-13))
		ref := string(chrom[pos-1 : pos+rng.Intn(4)])
		alt := []string{bases(1), ref[:1] + bases(1+rng.Intn(5)), ref[:1], bases(len(ref))}[rng.Intn(4)]
		v := Variant{Chrom: tx.Chrom, Pos: pos, Ref: ref, Alt: alt, Distance: []*int{nil, new(5000), new(200), new(0)}[rng.Intn(4)]}
		if rng.Intn(5) == 0 {
			v.AllAlts = []string{alt, bases(1 + rng.Intn(3))}
			if rng.Intn(3) == 0 { // a caller's Shape with a class of its own
				sh := ShapeOf(ref, v.AllAlts)
				sh.Class = "other_class"
				v.Shape = &sh
			}
		}
		exist := []string{"", "rs1", "rs1&rs2", "COSV1;x=y, z|w"}[rng.Intn(4)]
		var seq Sequence = chromSeq(chrom)
		if i%97 == 0 {
			seq = failingSeq{}
		}
		window := maxDistance
		if v.Distance != nil {
			window = *v.Distance
		}
		txs := near(m.txs, tx.Chrom, pos-window, pos+len(ref)+window)
		if i%13 == 0 {
			txs = nil // intergenic
		}
		entries = q.Append(entries[:0], v, txs, seq)
		var want []byte
		for j := range entries {
			if j > 0 {
				want = append(want, ',')
			}
			want = entries[j].AppendCSQ(want, exist)
		}
		got, k := 0, 0
		out = p.AppendCSQ(append(out[:0], "x"...), v, txs, seq, exist, func(e *Entry, o []byte, start int) {
			if k >= len(entries) {
				t.Fatalf("%+v: more entries than Append's %d", v, len(entries))
			}
			w := &entries[k]
			if string(o[start:]) != string(w.AppendCSQ(nil, exist)) || e.Allele != w.Allele || e.Exon != w.Exon ||
				e.Intron != w.Intron || e.HGVSp != w.HGVSp || e.VariantClass != w.VariantClass ||
				!slices.Equal(e.Consequences, w.Consequences) {
				t.Fatalf("%+v entry %d: callback got %q (%+v), want %q", v, k, o[start:], *e, w.AppendCSQ(nil, exist))
			}
			got += len(o) - start
			k++
		})
		if string(out) != "x"+string(want) || k != len(entries) {
			t.Fatalf("%+v, existing %q:\n got %s (%d entries)\nwant x%s (%d)", v, exist, out, k, want, len(entries))
		}
		if got+max(k-1, 0) != len(want) {
			t.Fatalf("%+v: callback spans cover %d bytes of %d", v, got+max(k-1, 0), len(want))
		}
	}
}
