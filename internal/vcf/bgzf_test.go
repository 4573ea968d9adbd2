package vcf

import (
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"testing"

	"github.com/klauspost/compress/flate"
)

// annotatedText is VCF lines shaped like gas annotate output: a CSQ entry
// per overlapping transcript, the bulk of what BGZF output compresses.
func annotatedText(n int) []byte {
	var s bytes.Buffer
	rng := uint64(7)
	for i := range n {
		rng = rng*6364136223846793005 + 1442695040888963407
		pos := 1000000 + i*37 + int(rng>>58)
		fmt.Fprintf(&s, "1\t%d\trs%d\tA\tG\t.\t.\tKNOWN_AF=0.0%d;CSQ=", pos, rng>>34, rng>>60)
		for t := range 1 + int(rng>>61) {
			if t > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, "G|missense_variant|MODERATE|GENE%d|ENSG%011d|Transcript|ENST%011d.%d|protein_coding|%d/9||ENST%011d.%d:c.%dA>G|ENSP%011d.1:p.Lys%dArg|%d|%d|%d|K/R|aAa/aGa|rs%d|||1||SNV|YES",
				i/50, i/50, i/50*8+t, t+1, t+2, i/50*8+t, t+1, pos%3000, i/50*8+t, pos%1000, pos%4000, pos%3000, pos%1000, rng>>34)
		}
		s.WriteByte('\n')
	}
	return s.Bytes()
}

// BenchmarkBGZFWrite compresses annotated VCF into BGZF blocks with the
// writer's deflate and level, and with the standard library's level 5 (the
// writer's deflate before) as the peer; "ratio" is compressed/plain size.
func BenchmarkBGZFWrite(b *testing.B) {
	data := annotatedText(20000)
	blocks := func(f func(out *bytes.Buffer, in []byte)) float64 {
		var out bytes.Buffer
		total := 0
		for i := 0; i < len(data); i += bgzfMaxInput {
			f(&out, data[i:min(i+bgzfMaxInput, len(data))])
			total += out.Len()
		}
		return float64(total) / float64(len(data))
	}
	b.Run("gas", func(b *testing.B) {
		fw, _ := flate.NewWriter(nil, bgzfLevel)
		b.SetBytes(int64(len(data)))
		var ratio float64
		for b.Loop() {
			ratio = blocks(func(out *bytes.Buffer, in []byte) {
				if err := compressBlock(out, fw, in); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.ReportMetric(ratio, "ratio")
	})
	b.Run("stdlib-level5", func(b *testing.B) {
		fw, _ := stdflate.NewWriter(nil, 5)
		b.SetBytes(int64(len(data)))
		var ratio float64
		for b.Loop() {
			ratio = blocks(func(out *bytes.Buffer, in []byte) {
				out.Reset()
				fw.Reset(out)
				fw.Write(in)
				fw.Close()
			})
		}
		b.ReportMetric(ratio, "ratio")
	})
}
