package variants

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/annotate/synth"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/testshared"
)

// Temporary (not committed): GAS_CG=s,si,... runs the step (s) or step+index (si).
func BenchmarkCG(b *testing.B) {
	n := benchRecords(b)
	dir := os.Getenv("GAS_CG_BUNDLE")
	if _, err := os.Stat(dir); err != nil {
		if _, err := refdata.BuildMini(context.Background(), testshared.Dir(b), dir); err != nil {
			b.Fatal(err)
		}
	}
	bun, err := refdata.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	e := annotate.New(bun)
	var in bytes.Buffer
	if err := synth.Write(&in, synth.BundleSeq{B: bun}, synth.MiniRegions, n, 1); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, k := range strings.Split(os.Getenv("GAS_CG"), ",") {
			if k == "" {
				continue
			}
			part := tabix.NewPartWriter(io.Discard)
			var opts annotate.Options
			var bld *EntryBuilder
			if k == "si" {
				bld = NewEntryBuilder(io.Discard)
				opts.Index = bld
			}
			if _, err := e.Run(context.Background(), bytes.NewReader(in.Bytes()), part, opts); err != nil {
				b.Fatal(err)
			}
			if _, err := part.Close(); err != nil {
				b.Fatal(err)
			}
			if bld != nil {
				if err := bld.Close(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
