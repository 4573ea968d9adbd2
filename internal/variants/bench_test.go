package variants

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/annotate/synth"
	"github.com/gasproject/gas/internal/tabix"
)

// benchRecords is the size of the benchmark's result: GAS_BENCH_RECORDS, default 1,000,000.
func benchRecords(b *testing.B, def int) int {
	if s := os.Getenv("GAS_BENCH_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("GAS_BENCH_RECORDS=%q", s)
		}
		return n
	}
	return def
}

// benchInput is n synthetic records over the mini bundle.
func benchInput(b *testing.B, n int) []byte {
	var in bytes.Buffer
	if err := synth.Write(&in, synth.BundleSeq{B: miniBundle}, synth.MiniRegions, n, 1); err != nil {
		b.Fatal(err)
	}
	return in.Bytes()
}

// benchResult annotates n synthetic records into dir/annotated.vcf and
// builds dir/variants.idx beside it from the engine's entries, as the
// AnnotateShard step does.
func benchResult(b *testing.B, dir string, n int) (vcfPath string, ix *Index) {
	e := engine(b)
	in := benchInput(b, n)
	vcfPath = filepath.Join(dir, "annotated.vcf")
	out, err := os.Create(vcfPath)
	if err != nil {
		b.Fatal(err)
	}
	idxFile, err := os.Create(filepath.Join(dir, "variants.idx"))
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	bld := NewEntryBuilder(idxFile)
	if _, err := e.Run(context.Background(), bytes.NewReader(in), bw, annotate.Options{Index: bld}); err != nil {
		b.Fatal(err)
	}
	if err := bld.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	out.Close()
	st, _ := idxFile.Stat()
	if ix, err = Open(idxFile, st.Size()); err != nil {
		b.Fatal(err)
	}
	vst, _ := os.Stat(vcfPath)
	b.Logf("%d records: %d CSQ rows, result %d MB, index %d MB", n, ix.Rows(), vst.Size()>>20, st.Size()>>20)
	return vcfPath, ix
}

// firstPageQueries are the filters the first-page benchmark cycles through.
var firstPageQueries = []string{
	"", "impact=HIGH", "impact=MODERATE,HIGH", "consequence=missense_variant", "gene=MRPL39",
	"canonical=true", "max_af=0.01", "chrom=21&start=30000000&end=31000000", "chrom=MT",
	"impact=MODIFIER&canonical=true&max_af=0.001", "consequence=stop_gained,frameshift_variant&canonical=true",
	"sort=-af&impact=MODERATE", "sort=gene",
}

// BenchmarkFirstPage answers the first page (limit 100) of each filter on a
// GAS_BENCH_RECORDS-record result and reports the p99 latency, next to the
// peer: one full scan of the annotated VCF applying the same filter
// (naiveRows' parsing, streamed), timed in the same run.
//
//	go test -run '^$' -bench FirstPage -benchtime 20x ./internal/variants
func BenchmarkFirstPage(b *testing.B) {
	dir := b.TempDir()
	vcfPath, ix := benchResult(b, dir, benchRecords(b, 1_000_000))
	qs := make([]Query, len(firstPageQueries))
	for i, s := range firstPageQueries {
		v, _ := url.ParseQuery(s)
		q, err := ParseQuery(v)
		if err != nil {
			b.Fatal(err)
		}
		qs[i] = q
	}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		for _, q := range qs {
			t0 := time.Now()
			p, err := ix.Query(q)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			if p.Total > 0 && len(p.Rows) == 0 {
				b.Fatalf("%v: total %d, no rows", q.Values(), p.Total)
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p99 := lat[(len(lat)*99+99)/100-1]
	p50 := lat[len(lat)/2]

	t0 := time.Now()
	total := naiveScan(b, vcfPath, qs[1])
	peer := time.Since(t0)
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(peer.Milliseconds()), "fullscan-ms")
	b.ReportMetric(peer.Seconds()/p99.Seconds(), "fullscan/p99")
	fmt.Fprintf(os.Stderr, "first page over %d rows, %d queries: p50 %v, p99 %v; full scan of the VCF (impact=HIGH, %d rows) %v: %.0fx slower than the index's p99\n",
		ix.Rows(), len(lat), p50, p99, total, peer, peer.Seconds()/p99.Seconds())
}

// naiveScan is the peer: stream the VCF, split every CSQ entry into a Row and
// filter, keeping the first 100 and counting all.
func naiveScan(b *testing.B, path string, q Query) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var fields []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	total := 0
	var page []Row
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 && line[0] == '#' {
			if bytes.HasPrefix(line, []byte("##INFO=<ID=CSQ,")) {
				fields = csqFields(string(line))
			}
			continue
		}
		for _, r := range naiveRecord(b, fields, strings.Split(string(line), "\t")) {
			if naiveMatch(q, r) {
				total++
				if len(page) < 100 {
					page = append(page, r)
				}
			}
		}
	}
	return total
}

// BenchmarkIndexOverhead measures what building the index adds to a job's
// annotation. Per round it annotates the same GAS_BENCH_RECORDS records
// (default 200,000 here) four ways, in a rotating order (the machine is
// shared): as the AnnotateShard step writes its output (engine -> BGZF part
// with its tabix entries, tabix.PartWriter), the same with an EntryBuilder
// as the engine's Options.Index (as the step builds the index), and the bare
// engine (output discarded) without and with the EntryBuilder. It reports
// the added time as a ratio of the step's
// (index-overhead, target under 0.20) and of the bare engine's
// (index-overhead-bare), and the same for the process's CPU time
// (-cpu metrics), which a busy machine disturbs less than wall time; each
// is the median over the rounds of that round's ratio.
//
//	go test -run '^$' -bench IndexOverhead -benchtime 10x ./internal/variants
func BenchmarkIndexOverhead(b *testing.B) {
	e := engine(b)
	n := benchRecords(b, 200_000)
	in := benchInput(b, n)
	run := func(step, withIndex bool) (time.Duration, time.Duration) {
		t0, c0 := time.Now(), cpuTime()
		annotateOnce(b, e, in, step, withIndex)
		return time.Since(t0), cpuTime() - c0
	}
	// Per round, each way's wall and CPU time: the ratios are medians over
	// the rounds of each round's own ratio, so a round the machine was busy
	// in counts once, as any other.
	var took, cpu [4][]time.Duration // step, step+index, bare, bare+index
	round := 0
	for b.Loop() {
		for k := range 4 {
			c := (k + round) % 4
			wall, used := run(c < 2, c%2 == 1)
			took[c] = append(took[c], wall)
			cpu[c] = append(cpu[c], used)
		}
		round++
	}
	// ratio is the median over the rounds of what indexed adds to plain.
	ratio := func(plain, indexed []time.Duration) float64 {
		r := make([]float64, len(plain))
		for i := range plain {
			r[i] = (indexed[i].Seconds() - plain[i].Seconds()) / plain[i].Seconds()
		}
		slices.Sort(r)
		return r[len(r)/2]
	}
	median := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	step, bare := ratio(took[0], took[1]), ratio(took[2], took[3])
	stepCPU, bareCPU := ratio(cpu[0], cpu[1]), ratio(cpu[2], cpu[3])
	b.ReportMetric(step, "index-overhead")
	b.ReportMetric(bare, "index-overhead-bare")
	b.ReportMetric(stepCPU, "index-overhead-cpu")
	b.ReportMetric(bareCPU, "index-overhead-bare-cpu")
	fmt.Fprintf(os.Stderr, "%d records, medians of %d rounds: annotate to a BGZF part %v, + index %v: the index adds %.1f%%; bare engine %v, + index %v: %.1f%%\n",
		n, round, median(took[0]), median(took[1]), 100*step, median(took[2]), median(took[3]), 100*bare)
	fmt.Fprintf(os.Stderr, "CPU time: step %v, + index %v: %.1f%%; bare engine %v, + index %v: %.1f%%\n",
		median(cpu[0]), median(cpu[1]), 100*stepCPU, median(cpu[2]), median(cpu[3]), 100*bareCPU)
}

// annotateOnce annotates input once: into a BGZF part with its tabix
// entries (step: as the AnnotateShard step writes its part) or nowhere, with
// or without an EntryBuilder as the engine's Options.Index.
func annotateOnce(b *testing.B, e *annotate.Engine, input []byte, step, withIndex bool) {
	var out io.Writer = io.Discard
	var part *tabix.PartWriter
	if step {
		part = tabix.NewPartWriter(io.Discard)
		out = part
	}
	var opts annotate.Options
	var bld *EntryBuilder
	if withIndex {
		bld = NewEntryBuilder(io.Discard)
		opts.Index = bld
	}
	if _, err := e.Run(context.Background(), bytes.NewReader(input), out, opts); err != nil {
		b.Fatal(err)
	}
	if part != nil {
		if _, err := part.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if bld != nil {
		if err := bld.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexStep annotates GAS_BENCH_RECORDS records (default 20,000
// here) as the AnnotateShard step does, without (step) and with (indexed)
// an EntryBuilder, for counting instructions, which a busy machine does not
// move: run each once under callgrind in a process of its own, and a third
// that runs neither (none) for the setup's count. The index's cost is
// indexed minus step, the step's is step minus none. GAS_BENCH_BUNDLE keeps
// the mini bundle in a directory, so a process need not build it:
//
//	go test -c -o /tmp/variants.test ./internal/variants && cd internal/variants
//	for w in none step indexed; do GAS_BENCH_BUNDLE=/tmp/mini GOGC=off GOMAXPROCS=1 \
//	  GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$w \
//	  /tmp/variants.test -test.run '^$' -test.bench "IndexStep/$w\$" -test.benchtime 1x; done
func BenchmarkIndexStep(b *testing.B) {
	e := engine(b)
	in := benchInput(b, benchRecords(b, 20_000))
	for _, name := range []string{"step", "indexed"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				annotateOnce(b, e, in, true, name == "indexed")
			}
		})
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
