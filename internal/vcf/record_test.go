package vcf

import (
	"bytes"
	"math/rand"
	"slices"
	"testing"
)

// TestFixedStarts checks the word-at-a-time tab search against
// bytes.IndexByte, column by column, on lines with tabs at every offset
// from an 8-byte boundary and bytes that differ from a tab in one bit.
func TestFixedStarts(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte{'\t', '\t', 'A', '1', 0, 0x89, 0x08, 0x0b, 0x19, 0xff}
	for range 20000 {
		line := make([]byte, rng.Intn(48))
		for i := range line {
			line[i] = alphabet[rng.Intn(len(alphabet))]
		}
		var want [9]int
		wantN, off := 0, 0
		for wantN < 7 {
			j := bytes.IndexByte(line[off:], '\t')
			if j < 0 {
				break
			}
			off += j + 1
			wantN++
			want[wantN] = off
		}
		var got [9]int
		if n := fixedStarts(line, &got); n != wantN || !slices.Equal(got[:n+1], want[:n+1]) {
			t.Fatalf("fixedStarts(%q) = %d %v, want %d %v", line, n, got[:n+1], wantN, want[:wantN+1])
		}
	}
}
