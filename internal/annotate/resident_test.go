package annotate

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// countingRef is a reference of many chromosomes that counts loads and
// releases and remembers the most it ever had loaded at once.
type countingRef struct {
	mu                    sync.Mutex
	loaded                map[string]bool
	loads, releases, peak int
	log                   []string
}

func (r *countingRef) chrom(name string) (chromosome, error) {
	canon := refdata.CanonicalChrom(name)
	if canon == "Z" {
		return nil, fmt.Errorf("%s: %w", name, refdata.ErrNotCovered)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded[canon] {
		return nil, fmt.Errorf("%s loaded twice without a release", canon)
	}
	r.loaded[canon] = true
	r.log = append(r.log, "+"+canon)
	r.loads++
	r.peak = max(r.peak, len(r.loaded))
	return &fakeChrom{length: 1_000_000}, nil
}

func (r *countingRef) length(name string) (int, bool) {
	return 1_000_000, refdata.CanonicalChrom(name) != "Z"
}

func (r *countingRef) release(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.loaded, name)
	r.log = append(r.log, "-"+name)
	r.releases++
}

// TestResidentChromosomes: sorted input loads each chromosome about once and
// keeps at most the limit loaded; unsorted input stays within the limit
// too, reloading; every chromosome is released at the end.
func TestResidentChromosomes(t *testing.T) {
	chroms := []string{"1", "2", "3", "4", "5", "6", "7", "8", "Z"}
	const n = 40000
	tests := []struct {
		name      string
		order     func(i int) string // chromosome of record i
		limit     int
		wantLoads func(loads int) bool
	}{
		// Chromosomes longer than the batches in flight (10 batches of 1024
		// records here): each is loaded once.
		{"sorted", func(i int) string { return chroms[i*4/n] }, 2, func(l int) bool { return l == 4 }},
		{"unsorted", func(i int) string { return chroms[(i*7)%len(chroms)] }, 3, func(l int) bool { return l > 8 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in strings.Builder
			in.WriteString("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&in, "chr%s\t%d\t.\tA\tG\t.\t.\t.\n", tc.order(i), 1+i)
			}
			ref := &countingRef{loaded: map[string]bool{}}
			e := &Engine{ref: ref, newPred: func(Options) predictor { return fakePredictor{} }}
			var out bytes.Buffer
			sum, err := e.Run(context.Background(), strings.NewReader(in.String()), &out, Options{Workers: 2, ResidentChromosomes: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Records != n || (tc.name == "unsorted") != (sum.NotCovered > 0) {
				t.Errorf("records %d, not covered %d", sum.Records, sum.NotCovered)
			}
			// Two workers may each hold one chromosome beyond the limit for a batch.
			if ref.peak > tc.limit+2 || !tc.wantLoads(ref.loads) || len(ref.loaded) != 0 || ref.releases != ref.loads {
				t.Errorf("limit %d: peak %d loaded, %d loads, %d releases, %d left loaded: %v", tc.limit, ref.peak, ref.loads, ref.releases, len(ref.loaded), ref.log)
			}
		})
	}
}
