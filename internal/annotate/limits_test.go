package annotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// TestLimitsStopRun: each per-job limit stops the run with a
// *domain.LimitError naming it, and the output never passes OutputBytes.
func TestLimitsStopRun(t *testing.T) {
	rec := "21\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n"
	many := hdr + strings.Repeat(rec, 5000)
	var contigs strings.Builder
	contigs.WriteString(hdr)
	for i := range 50 {
		fmt.Fprintf(&contigs, "c%d\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", i)
	}
	cases := []struct {
		name  string
		input string
		lim   domain.Limits
		want  string
	}{
		{"records", many, domain.Limits{Records: 4000}, domain.LimitRecords},
		{"decompressed bytes", many, domain.Limits{InputBytes: 64 << 10}, domain.LimitInput},
		{"header lines", hdr, domain.Limits{HeaderLines: 2}, domain.LimitHeaderLines},
		{"header bytes", "##fileformat=VCFv4.2\n##x=" + strings.Repeat("y", 5000) + "\n" + hdr[21:], domain.Limits{HeaderBytes: 4096}, domain.LimitHeaderBytes},
		{"line bytes", hdr + "21\t5\t.\tA\tG\t.\t.\tX=" + strings.Repeat("y", 5000) + "\tGT\t0/1\n", domain.Limits{LineBytes: 4096}, domain.LimitLineBytes},
		{"ALT alleles", hdr + "21\t5\t.\tA\tC,G,T,AA\t.\t.\t.\tGT\t0/1\n", domain.Limits{AltAlleles: 3}, domain.LimitAltAlleles},
		{"contigs", contigs.String(), domain.Limits{Contigs: 40}, domain.LimitContigs},
		{"output bytes", many, domain.Limits{OutputBytes: 100 << 10}, domain.LimitOutput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			sum, err := fakeEngine().Run(context.Background(), strings.NewReader(c.input), &out, Options{Workers: 2, Limits: c.lim})
			var le *domain.LimitError
			if !errors.As(err, &le) || le.Name != c.want || !errors.Is(err, domain.ErrLimit) || sum != nil {
				t.Fatalf("err = %v, want the %q limit", err, c.want)
			}
			if c.lim.OutputBytes > 0 && int64(out.Len()) > c.lim.OutputBytes {
				t.Errorf("wrote %d bytes, over the %d limit", out.Len(), c.lim.OutputBytes)
			}
			// The same input within generous limits runs to the end.
			if _, err := fakeEngine().Run(context.Background(), strings.NewReader(c.input), &bytes.Buffer{}, Options{Workers: 2, Limits: domain.PremiumLimits}); err != nil {
				t.Errorf("within premium limits: %v", err)
			}
		})
	}
}

// TestPathologicalLine: a 1 MB line of ~250,000 ALT alleles on a covered
// chromosome (B3) is linear in the ALTs: it settles in seconds without
// limits (the CLI), and at its first record with a tier's limits.
func TestPathologicalLine(t *testing.T) {
	e := miniEngine(t)
	alts := strings.TrimSuffix(strings.Repeat("C,G,T,", (1<<20-100)/6), ",")
	input := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n21\t25000000\t.\tA\t" + alts + "\t.\t.\t.\n"
	start := time.Now()
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(input), &out, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1 MB line, %d ALT alleles, no limits: %v, %d bytes out", sum.Alleles, time.Since(start).Round(time.Millisecond), out.Len())
	for _, lim := range []domain.Limits{domain.FreeLimits, domain.PremiumLimits} {
		start = time.Now()
		_, err := e.Run(context.Background(), strings.NewReader(input), &bytes.Buffer{}, Options{Workers: 2, Limits: lim})
		if !errors.Is(err, domain.ErrLimit) {
			t.Fatalf("err = %v, want a limit", err)
		}
		t.Logf("with limits: %v after %v", err, time.Since(start).Round(time.Millisecond))
	}
}

// TestManyContigs (B4): the summary is linear in distinct CHROM names and,
// with the contig limit, bounded; long names are clipped in it.
func TestManyContigs(t *testing.T) {
	var b strings.Builder
	b.WriteString(hdr)
	const n = 80_000
	for i := range n {
		fmt.Fprintf(&b, "contig%d_%s\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", i, strings.Repeat("x", 100))
	}
	start := time.Now()
	_, sum := run(t, fakeEngine(), b.String())
	t.Logf("%d distinct contigs, no limit: %v", n, time.Since(start).Round(time.Millisecond))
	if len(sum.Chromosomes) != n || len(sum.Chromosomes[0].Name) > maxChromName+len("…") {
		t.Fatalf("%d chromosomes in the summary, first %q", len(sum.Chromosomes), sum.Chromosomes[0].Name)
	}
	_, err := fakeEngine().Run(context.Background(), strings.NewReader(b.String()), &bytes.Buffer{}, Options{Limits: domain.FreeLimits})
	if !errors.Is(err, domain.ErrLimit) || !strings.Contains(err.Error(), domain.LimitContigs) {
		t.Fatalf("err = %v, want the contig limit", err)
	}
}

// endlessVCF is a header and then records forever.
type endlessVCF struct{ head bool }

func (e *endlessVCF) Read(p []byte) (int, error) {
	if !e.head {
		e.head = true
		return copy(p, hdr), nil
	}
	rec := "21\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n"
	n := 0
	for n+len(rec) <= len(p) {
		n += copy(p[n:], rec)
	}
	return n, nil
}

// TestDeadlineStopsRun: a deadline (the step's timeout, or the tier's job
// time) stops a run in progress at once, whatever is left of the input.
func TestDeadlineStopsRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := fakeEngine().Run(ctx, &endlessVCF{}, io.Discard, Options{Workers: 2})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	t.Logf("stopped %v after the deadline", took-300*time.Millisecond)
	if took > 5*time.Second {
		t.Errorf("ran %v past a 300 ms deadline", took)
	}
}
