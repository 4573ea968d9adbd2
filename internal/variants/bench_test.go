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
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/annotate/synth"
	"github.com/gasproject/gas/internal/fsblob"
	"github.com/gasproject/gas/internal/refdata"
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
func benchInput(b testing.TB, n int) []byte {
	var in bytes.Buffer
	if err := synth.Write(&in, synth.BundleSeq{B: miniBundle}, synth.MiniRegions, n, 1); err != nil {
		b.Fatal(err)
	}
	return in.Bytes()
}

// benchResult annotates n synthetic records into dir/annotated.vcf (for
// the peer) and, as the AnnotateShard step stores it, dir/annotated.vcf.gz
// (BGZF, through a tabix.PartWriter), and builds dir/variants.idx beside
// them from the engine's entries: an index that reads its rows' text from
// the BGZF result, as the service's does.
func benchResult(b *testing.B, dir string, n int) (vcfPath string, ix *Index) {
	e := engine(b)
	in := benchInput(b, n)
	vcfPath = filepath.Join(dir, "annotated.vcf")
	out, err := os.Create(vcfPath)
	if err != nil {
		b.Fatal(err)
	}
	gz, err := os.Create(vcfPath + ".gz")
	if err != nil {
		b.Fatal(err)
	}
	idxFile, err := os.Create(filepath.Join(dir, "variants.idx"))
	if err != nil {
		b.Fatal(err)
	}
	bw, zw := bufio.NewWriterSize(out, 1<<20), bufio.NewWriterSize(gz, 1<<20)
	pw := tabix.NewPartWriter(zw)
	bld := NewEntryBuilder(idxFile)
	if _, err := e.Run(context.Background(), bytes.NewReader(in), io.MultiWriter(bw, pw), annotate.Options{Index: bld}); err != nil {
		b.Fatal(err)
	}
	if _, err := pw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bld.Close(pw.Virtual); err != nil {
		b.Fatal(err)
	}
	if _, err := zw.Write(tabix.EOF()); err != nil {
		b.Fatal(err)
	}
	for _, w := range []*bufio.Writer{bw, zw} {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	out.Close()
	st, _ := idxFile.Stat()
	if ix, err = Open(idxFile, st.Size(), gz); err != nil {
		b.Fatal(err)
	}
	vst, _ := os.Stat(vcfPath)
	zst, _ := gz.Stat()
	b.Logf("%d records: %d CSQ rows, result %d MB (%d MB BGZF), index %d MB", n, ix.Rows(), vst.Size()>>20, zst.Size()>>20, st.Size()>>20)
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
// annotation: the AnnotateShard step annotates its shard into a BGZF part
// with its tabix entries (tabix.PartWriter) and, with the index, hands the
// engine's entries to an EntryBuilder (Options.Index); the part and the
// index part go to the local blob store (fsblob) as the job's do: through a
// pipe each, the part to PutCold, the index part to Put. A round runs
// the same GAS_BENCH_RECORDS records (default 200,000) four times, without
// and with the index in the order ABBA or BAAB (alternating from round to
// round: a load that rises or falls during the round weighs on both alike),
// each run from a collected heap, and takes the round's ratio of the
// process's CPU time (user + sys) and of the wall time. It reports the
// medians over the rounds (index-overhead-cpu, index-overhead; target under
// 0.20) and prints their quartiles, and the ratio of each way's fastest run
// (what a busy machine adds is never negative):
//
//	go test -run '^$' -bench IndexOverhead -benchtime 10x ./internal/variants
func BenchmarkIndexOverhead(b *testing.B) {
	n := benchRecords(b, 200_000)
	e, in := stepInput(b, n)
	store, err := fsblob.Open(b.TempDir(), fsblob.Options{})
	if err != nil {
		b.Fatal(err)
	}
	run := func(withIndex bool) (wall, cpu time.Duration) {
		runtime.GC() // each run from the same heap, not the last one's garbage
		t0, c0 := time.Now(), cpuTime()
		keys := annotateStep(b, e, in, store, withIndex)
		wall, cpu = time.Since(t0), cpuTime()-c0
		for _, k := range keys { // the job deletes its parts after Merge, not in the step
			if err := store.Delete(context.Background(), k); err != nil {
				b.Fatal(err)
			}
		}
		return wall, cpu
	}
	var wallR, cpuR []float64       // per round: indexed / plain - 1
	var fastest [2][2]time.Duration // per way (plain, indexed): fastest wall, CPU
	round := 0
	for b.Loop() {
		var wall, cpu [2]time.Duration // per way, the round's sums
		for k := range 4 {
			way := 0 // ABBA in even rounds, BAAB in odd ones
			if (k == 1 || k == 2) != (round%2 == 1) {
				way = 1
			}
			w, c := run(way == 1)
			wall[way] += w
			cpu[way] += c
			if f := &fastest[way]; f[0] == 0 || w < f[0] {
				f[0] = w
			}
			if f := &fastest[way]; f[1] == 0 || c < f[1] {
				f[1] = c
			}
		}
		wallR = append(wallR, wall[1].Seconds()/wall[0].Seconds()-1)
		cpuR = append(cpuR, cpu[1].Seconds()/cpu[0].Seconds()-1)
		round++
	}
	b.StopTimer()
	slices.Sort(wallR)
	slices.Sort(cpuR)
	q := func(r []float64, k int) float64 { return 100 * r[(len(r)-1)*k/4] } // quartile k
	b.ReportMetric(cpuR[len(cpuR)/2], "index-overhead-cpu")
	b.ReportMetric(wallR[len(wallR)/2], "index-overhead")
	fmt.Fprintf(os.Stderr, "%d records, %d rounds (ABBA) of the AnnotateShard step without (A) and with (B) the index: the index adds CPU %.1f%% (median of the rounds; quartiles %.1f%%, %.1f%%), wall %.1f%% (%.1f%%, %.1f%%); fastest runs: CPU %v without, %v with (%+.1f%%), wall %v, %v (%+.1f%%)\n",
		n, round, 100*cpuR[len(cpuR)/2], q(cpuR, 1), q(cpuR, 3), 100*wallR[len(wallR)/2], q(wallR, 1), q(wallR, 3),
		fastest[0][1].Round(time.Millisecond), fastest[1][1].Round(time.Millisecond), 100*(fastest[1][1].Seconds()/fastest[0][1].Seconds()-1),
		fastest[0][0].Round(time.Millisecond), fastest[1][0].Round(time.Millisecond), 100*(fastest[1][0].Seconds()/fastest[0][0].Seconds()-1))
}

// stepInput is BenchmarkIndexOverhead's engine and input: the mini bundle
// and n synthetic records, or, with GAS_BENCH_REF and GAS_BENCH_VCF, that
// bundle (make bench-genome's, say) and the first n records of that VCF
// (a shard of a real job):
//
//	GAS_BENCH_REF=/tmp/bg/bundle GAS_BENCH_VCF=/tmp/bg/in/wgs.vcf GAS_BENCH_RECORDS=500000 \
//	  go test -run '^$' -bench IndexOverhead -benchtime 10x ./internal/variants
func stepInput(b *testing.B, n int) (*annotate.Engine, []byte) {
	ref, vcf := os.Getenv("GAS_BENCH_REF"), os.Getenv("GAS_BENCH_VCF")
	if ref == "" && vcf == "" {
		return engine(b), benchInput(b, n)
	}
	if ref == "" || vcf == "" {
		b.Fatal("GAS_BENCH_REF and GAS_BENCH_VCF go together")
	}
	bundle, err := refdata.Open(ref)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(vcf)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var in bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<30)
	for records := 0; records < n && sc.Scan(); {
		if l := sc.Bytes(); len(l) > 0 && l[0] != '#' {
			records++
		}
		in.Write(sc.Bytes())
		in.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return annotate.New(bundle), in.Bytes()
}

// annotateStep annotates input as the AnnotateShard step does
// (tasks.runShard): the part, BGZF with its tabix entries, goes through a
// pipe to the blob store's PutCold, and with withIndex the index part
// (an EntryBuilder as the engine's Options.Index) through another to its
// Put, each Put writing and syncing its file as the job's do, the two at
// once. It returns the keys stored, for the caller to delete.
func annotateStep(b *testing.B, e *annotate.Engine, input []byte, store *fsblob.Store, withIndex bool) []string {
	ctx := context.Background()
	put := func(key string, cold bool) (*io.PipeWriter, chan error) {
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			var err error
			if cold {
				err = store.PutCold(ctx, key, pr)
			} else {
				err = store.Put(ctx, key, pr)
			}
			pr.CloseWithError(err) // unblock the writer if Put gave up
			done <- err
		}()
		return pw, done
	}
	part, partDone := put("part.vcf.gz", true)
	pipes, dones, keys := []*io.PipeWriter{part}, []chan error{partDone}, []string{"part.vcf.gz"}
	var idx io.Writer
	if withIndex {
		w, done := put("part.idx", false)
		pipes, dones, keys, idx = append(pipes, w), append(dones, done), append(keys, "part.idx"), w
	}
	annotateTo(b, e, input, part, idx)
	for _, w := range pipes { // both Puts' syncs at once, as runShard ends its blobs
		w.Close()
	}
	for _, done := range dones {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	return keys
}

// annotateOnce annotates input once as the AnnotateShard step does, with or
// without an EntryBuilder as the engine's Options.Index, but discards the
// part and the index part (for counting instructions: no system calls).
func annotateOnce(b *testing.B, e *annotate.Engine, input []byte, withIndex bool) {
	var idx io.Writer
	if withIndex {
		idx = io.Discard
	}
	annotateTo(b, e, input, io.Discard, idx)
}

// annotateTo annotates input as the AnnotateShard step does: the part,
// BGZF with its tabix offsets, to part, and, unless idx is nil, the index
// part (an EntryBuilder as the engine's Options.Index) to idx.
func annotateTo(b *testing.B, e *annotate.Engine, input []byte, part, idx io.Writer) {
	pw := tabix.NewPartWriter(part)
	var opts annotate.Options
	var bld *EntryBuilder
	if idx != nil {
		bld = NewEntryBuilder(idx)
		opts.Index = bld
	}
	if _, err := e.Run(context.Background(), bytes.NewReader(input), pw, opts); err != nil {
		b.Fatal(err)
	}
	if _, err := pw.Close(); err != nil {
		b.Fatal(err)
	}
	if bld != nil {
		if err := bld.Close(pw.Virtual); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexStep annotates GAS_BENCH_RECORDS records (default 20,000
// here) as the AnnotateShard step does, without (step) and with (indexed)
// an EntryBuilder, for counting instructions, which a busy machine does not
// move: run each once under callgrind in a process of its own, and a third
// that runs neither (none) for the setup's count. The index's cost is
// indexed minus step, the step's is step minus none. Its input is
// stepInput's (GAS_BENCH_REF and GAS_BENCH_VCF: a real job's records).
// GAS_BENCH_BUNDLE keeps the mini bundle in a directory, so a process need
// not build it:
//
//	go test -c -o /tmp/variants.test ./internal/variants && cd internal/variants
//	for w in none step indexed; do GAS_BENCH_BUNDLE=/tmp/mini GOGC=off GOMAXPROCS=1 \
//	  GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$w \
//	  /tmp/variants.test -test.run '^$' -test.bench "IndexStep/$w\$" -test.benchtime 1x; done
func BenchmarkIndexStep(b *testing.B) {
	e, in := stepInput(b, benchRecords(b, 20_000))
	for _, name := range []string{"step", "indexed"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				annotateOnce(b, e, in, name == "indexed")
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
