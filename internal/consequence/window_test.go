package consequence

import (
	"math/rand"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// TestExonWindowCoversLinearScan checks that the binary-searched windows
// hold every exon and intron a full scan finds, on both strands, with
// adjacent exons (empty introns) and with overlapping exons (no search).
func TestExonWindowCoversLinearScan(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for iter := 0; iter < 2000; iter++ {
		var exons []refdata.Exon
		pos := 100 + rng.Intn(50)
		for n := 1 + rng.Intn(8); n > 0; n-- {
			l := 1 + rng.Intn(20)
			exons = append(exons, refdata.Exon{Start: pos, End: pos + l - 1})
			pos += l + rng.Intn(15) // 0: adjacent exons
			if rng.Intn(30) == 0 {
				pos -= 3 // overlapping exons
			}
		}
		tx := &refdata.Transcript{ID: "T", Strand: 1, Exons: exons, Start: exons[0].Start, End: exons[len(exons)-1].End}
		if rng.Intn(2) == 0 {
			tx.Strand = -1
			rev := make([]refdata.Exon, len(exons))
			for i, e := range exons {
				rev[len(exons)-1-i] = e
			}
			tx.Exons = rev
		}
		x := newTxInfo(tx)
		for q := 0; q < 20; q++ {
			lo := tx.Start - 5 + rng.Intn(tx.End-tx.Start+10)
			hi := lo - 1 + rng.Intn(12)
			j, k := x.exonWindow(min(lo, hi), max(lo, hi))
			for i, e := range tx.Exons {
				if overlaps(lo, hi, e.Start, e.End) && (i < j || i >= k) {
					t.Fatalf("exon %d %v overlaps %d-%d outside window [%d,%d) of %+v", i, e, lo, hi, j, k, tx.Exons)
				}
			}
			i0, i1 := x.intronWindow(min(lo, hi), max(lo, hi))
			for i := 0; i < x.nIntrons(); i++ {
				s, e := x.intron(i)
				if s <= e && overlaps(lo, hi, s, e) && (i < i0 || i >= i1) {
					t.Fatalf("intron %d %d-%d overlaps %d-%d outside window [%d,%d) of %+v", i, s, e, lo, hi, i0, i1, tx.Exons)
				}
			}
			want := -1
			for i, e := range tx.Exons {
				if lo >= e.Start && lo <= e.End {
					want = i
					break
				}
			}
			if got := x.exonIndex(lo); got != want {
				t.Fatalf("exonIndex(%d) = %d, want %d in %+v", lo, got, want, tx.Exons)
			}
			linear := newTxInfo(tx)
			linear.disjoint = false
			if got, want := x.anchorOf(lo), linear.anchorOf(lo); got != want {
				t.Fatalf("anchorOf(%d) = %+v, full scan %+v in %+v", lo, got, want, tx.Exons)
			}
		}
	}
}
