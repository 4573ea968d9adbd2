package annotate

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/gasproject/gas/internal/annotate/synth"
)

// BenchmarkRun annotates 200,000 synthetic records (the mix of `make bench`)
// held in memory, output discarded; it reports records per second.
func BenchmarkRun(b *testing.B) {
	e := miniEngine(b)
	var in bytes.Buffer
	const n = 200_000
	if err := synth.Write(&in, synth.BundleSeq{B: miniBundle}, synth.MiniRegions, n, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Run(context.Background(), bytes.NewReader(in.Bytes()), io.Discard, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
