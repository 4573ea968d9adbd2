package tasks

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/statemachines"
)

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func vcfOf(recs ...string) string {
	s := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	for _, r := range recs {
		c, p, _ := strings.Cut(r, ":")
		s += c + "\t" + p + "\t.\tA\tG\t.\tPASS\t.\n"
	}
	return s
}

func TestPlanCutsContiguousShards(t *testing.T) {
	tests := []struct {
		name       string
		records    []string
		max, min   int64
		wantChroms [][]string
		wantCounts []int64
	}{
		{"one shard per chromosome", []string{"1:1", "1:2", "1:3", "2:1", "2:2", "3:1", "3:2"}, 10, 2,
			[][]string{{"1"}, {"2"}, {"3"}}, []int64{3, 2, 2}},
		{"large chromosome in ranges", []string{"1:1", "1:2", "1:3", "1:4", "1:5", "2:1"}, 2, 1,
			[][]string{{"1"}, {"1"}, {"1"}, {"2"}}, []int64{2, 2, 1, 1}},
		{"small chromosomes grouped", []string{"1:1", "1:2", "1:3", "2:1", "3:1", "4:1"}, 10, 3,
			[][]string{{"1"}, {"2", "3", "4"}}, []int64{3, 3}},
		{"below the threshold: one shard", []string{"1:1", "2:1", "3:1"}, 10, 5,
			[][]string{{"1", "2", "3"}}, []int64{3}},
		{"unsorted: runs in input order", []string{"1:1", "1:2", "2:1", "2:2", "1:3", "1:4"}, 10, 2,
			[][]string{{"1"}, {"2"}, {"1"}}, []int64{2, 2, 2}},
		{"no records", nil, 10, 2, [][]string{nil}, []int64{0}},
		{"listed largest first", []string{"1:1", "2:1", "2:2", "3:1", "3:2", "3:3"}, 10, 1,
			[][]string{{"1"}, {"2"}, {"3"}}, []int64{1, 2, 3}},
	}
	for _, tc := range tests {
		for _, ranged := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ranges=%v", tc.name, ranged), func(t *testing.T) {
				f := newFixture(t)
				if ranged {
					f.t.blobs = &rangeBlobs{Blobs: f.blobs}
				}
				planCase(t, f, tc.records, tc.max, tc.min, tc.wantChroms, tc.wantCounts)
			})
		}
	}
}

// planCase plans records in shards of at most max (min before a chromosome
// change) and checks the manifest's chromosomes and counts, and that the
// shards, as AnnotateShard reads them, hold the records in input order.
func planCase(t *testing.T, f *fixture, records []string, max, min int64, wantChroms [][]string, wantCounts []int64) {
	f.t.cfg.Shards = ShardConfig{Records: max, MinRecords: min, MaxConcurrency: 3}
	ctx := context.Background()
	f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(vcfOf(records...)))
	out, err := f.t.Plan(ctx, JobInput{JobID: "j1"})
	if err != nil {
		t.Fatal(err)
	}
	var shards []Shard
	json.Unmarshal([]byte(f.blob(t, out.ManifestKey)), &shards)
	if !slices.IsSortedFunc(shards, func(a, b Shard) int { return cmp.Compare(b.Records, a.Records) }) {
		t.Errorf("manifest %+v is not ordered by records, most first", shards)
	}
	slices.SortFunc(shards, func(a, b Shard) int { return cmp.Compare(a.Index, b.Index) })
	var chroms [][]string
	var counts []int64
	var all string
	for i, s := range shards {
		chroms, counts = append(chroms, s.Chroms), append(counts, s.Records)
		body := f.shardText(t, s)
		if !strings.HasPrefix(body, "##fileformat=VCFv4.2\n#CHROM") {
			t.Errorf("shard %d has no header: %q", i, body)
		}
		_, recs, _ := strings.Cut(body, "INFO\n")
		all += recs
	}
	if !reflect.DeepEqual(chroms, wantChroms) || !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("shards %v %v, want %v %v", chroms, counts, wantChroms, wantCounts)
	}
	if _, recs, _ := strings.Cut(vcfOf(records...), "INFO\n"); all != recs {
		t.Errorf("shards hold %q, want the records in input order %q", all, recs)
	}
	j := f.job(t, "j1")
	if out.Shards != len(shards) || j.ShardsTotal != len(shards) || j.Status != domain.StatusRunning || out.MaxConcurrency != 3 {
		t.Errorf("out %+v, job %s with %d shards", out, j.Status, j.ShardsTotal)
	}
	_, ranged := f.t.blobs.(*rangeBlobs)
	for _, s := range shards {
		if (s.Range != nil) != ranged || ranged != (s.Key == j.InputKey) {
			t.Errorf("shard %d: key %s, range %+v; want ranges of the input: %v", s.Index, s.Key, s.Range, ranged)
		}
		if _, stored := f.blobs.Data(shardOf(j, s.Index).Key); stored == ranged {
			t.Errorf("shard %d: a copy stored %v, want %v", s.Index, stored, !ranged)
		}
	}
}

// shardText is a shard's text as AnnotateShard reads it.
func (f *fixture) shardText(t *testing.T, s Shard) string {
	t.Helper()
	rc, err := f.t.openShard(context.Background(), s)
	if err != nil {
		t.Fatalf("shard %d: %v", s.Index, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("shard %d: %v", s.Index, err)
	}
	return string(b)
}

// failingPuts fails every Put of a key containing fail, after reading it all.
type failingPuts struct {
	domain.Blobs
	fail string
}

func (b failingPuts) Put(ctx context.Context, key string, r io.Reader) error {
	if strings.Contains(key, b.fail) {
		io.Copy(io.Discard, r)
		return errors.New("disk full")
	}
	return b.Blobs.Put(ctx, key, r)
}

// TestPlanFailsWhenAShardIsNotStored: Plan reads on while shards are stored,
// and still fails, writing no manifest, when any of them was not; the job
// stays RUNNING for a retry (a store failure is not bad input).
func TestPlanFailsWhenAShardIsNotStored(t *testing.T) {
	records := []string{"1:1", "2:1", "3:1", "4:1", "5:1", "6:1", "7:1", "8:1"}
	for _, fail := range []string{"shard-00000", "shard-00005", "shard-00007"} {
		t.Run(fail, func(t *testing.T) {
			f := newFixture(t)
			f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
			ctx := context.Background()
			f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(vcfOf(records...)))
			f.t.blobs = failingPuts{Blobs: f.blobs, fail: fail}
			_, err := f.t.Plan(ctx, JobInput{JobID: "j1"})
			if err == nil || !strings.Contains(err.Error(), "store shard work/u1/j1/"+fail+".vcf: disk full") {
				t.Fatalf("err = %v, want the shard's store failure", err)
			}
			if _, herr := f.blobs.Head(ctx, ManifestKey(f.job(t, "j1"))); !errors.Is(herr, domain.ErrNotFound) {
				t.Errorf("manifest: %v, want none", herr)
			}
			var inv *statemachines.InvalidInputError
			if errors.As(err, &inv) || f.job(t, "j1").Status != domain.StatusRunning {
				t.Errorf("err %T, job %s: want a retryable error on a RUNNING job", err, f.job(t, "j1").Status)
			}
		})
	}
}

// manyRecords is a VCF of n records on chromosome 1.
func manyRecords(n int) string {
	var b strings.Builder
	b.WriteString(vcfOf())
	for i := range n {
		fmt.Fprintf(&b, "1\t%d\t.\tA\tG\t.\tPASS\t.\n", i+1)
	}
	return b.String()
}

func TestPlanRejectsBadInputWithTheInputLine(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"bad POS", vcfOf("1:1", "1:2") + "1\tseventy\t.\tA\tG\t.\t.\t.\n", "sample.vcf: line 5: "},
		{"not a VCF", "hello\n", "sample.vcf: "},
		{"bad POS past the first batches", manyRecords(30000) + "1\tseventy\t.\tA\tG\t.\t.\t.\n" + strings.TrimPrefix(manyRecords(10), vcfOf()),
			"sample.vcf: line 30003: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.blobs.Put(context.Background(), "inputs/u1/j1/sample.vcf", strings.NewReader(tc.input))
			_, err := f.t.Plan(context.Background(), JobInput{JobID: "j1"})
			if _, ok := err.(*statemachines.InvalidInputError); !ok || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %T %v, want InvalidInputError starting %q", err, err, tc.want)
			}
			for _, k := range f.blobs.Keys() {
				if strings.HasPrefix(k, "work/") {
					t.Errorf("work file %s left behind", k)
				}
			}
		})
	}
}

func TestShardedJobJoinsPartsInInputOrder(t *testing.T) {
	f := newFixture(t)
	f.t.cfg.Shards = ShardConfig{Records: 2, MinRecords: 1}
	ctx := context.Background()
	// shards of 1, 2, 1 and 1 records: the manifest lists the second first
	input := vcfOf("1:10", "2:5", "2:6", "2:7", "X:1")
	f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(input))
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	if j.Status != domain.StatusCompleted || j.ShardsDone != 4 || j.ShardsTotal != 4 || j.ResultState != domain.ResultAvailable {
		t.Fatalf("job %s %s, shards %d/%d", j.Status, j.ResultState, j.ShardsDone, j.ShardsTotal)
	}
	want := vcfOf()
	for _, r := range []string{"1\t10", "2\t5", "2\t6", "2\t7", "X\t1"} {
		want += r + "\t.\tA\tG\t.\tPASS\t.;ANN=" + r[:1] + "\n"
	}
	if got := gunzip(t, f.blob(t, j.ResultKey)); got != want {
		t.Fatalf("result:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.HasSuffix([]byte(f.blob(t, j.ResultKey)), []byte{0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Error("result does not end with the BGZF EOF block")
	}
	if !strings.HasPrefix(gunzip(t, f.blob(t, domain.TabixKey(j.ResultKey))), "TBI\x01") {
		t.Error("no tabix index")
	}
	if _, ok := f.blobs.Data(domain.VariantsKey(j.ResultKey)); !ok {
		t.Error("no variant index")
	}
	if !strings.Contains(string(j.Summary), `"records":5`) {
		t.Errorf("summary %s", j.Summary)
	}
	for _, k := range f.blobs.Keys() {
		if strings.HasPrefix(k, "work/") {
			t.Errorf("work file %s left behind", k)
		}
	}
	calls := f.engine.calls
	// A repeated run (a retry after a lost response) does no work.
	if err := f.runJob("j1"); err != nil || f.engine.calls != calls {
		t.Fatalf("second run: %v, engine calls %d -> %d", err, calls, f.engine.calls)
	}
}

func TestUnsortedInputHasNoIndex(t *testing.T) {
	f := newFixture(t)
	f.t.cfg.Shards = ShardConfig{Records: 10, MinRecords: 1}
	f.blobs.Put(context.Background(), "inputs/u1/j1/sample.vcf", strings.NewReader(vcfOf("1:10", "2:5", "1:30")))
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	if _, ok := f.blobs.Data(domain.TabixKey(j.ResultKey)); ok || !strings.Contains(f.blob(t, j.LogKey), "no tabix index: the input is not sorted") {
		t.Fatalf("index %v, log %q", ok, f.blob(t, j.LogKey))
	}
}

func TestAnnotateShardSkipsADoneShard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	shards, err := f.plan("j1")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.t.AnnotateShard(ctx, ShardInput{JobID: "j1", Shard: shards[0]}); err != nil {
			t.Fatal(err)
		}
	}
	if f.engine.calls != 1 || f.job(t, "j1").ShardsDone != 1 {
		t.Fatalf("engine ran %d times, done %d", f.engine.calls, f.job(t, "j1").ShardsDone)
	}
}

func TestAnnotateShardFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*fixture, *Shard)
		permanent bool
		reason    string
	}{
		{"bad VCF: the input's line", func(f *fixture, s *Shard) {
			f.engine.err = fmt.Errorf("%w: %w", domain.ErrInvalid, errors.New("bad REF"))
		}, true, "sample.vcf: invalid input: bad REF"},
		{"engine error", func(f *fixture, s *Shard) { f.engine.err = errors.New("disk full") }, false, "disk full"},
		{"engine panic", func(f *fixture, s *Shard) { f.engine.panic = true }, false, "panicked: engine bug"},
		{"keys of another job", func(f *fixture, s *Shard) { s.Key = "inputs/p1/j9/secret.vcf" }, false, "outside the job"},
		{"shard missing", func(f *fixture, s *Shard) { f.blobs.Delete(context.Background(), s.Key) }, false, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			shards, err := f.plan("j1")
			if err != nil {
				t.Fatal(err)
			}
			s := shards[0]
			tc.setup(f, &s)
			_, err = f.t.AnnotateShard(ctx, ShardInput{JobID: "j1", Shard: s})
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err %v, want it to contain %q", err, tc.reason)
			}
			if _, got := err.(*statemachines.InvalidInputError); got != tc.permanent {
				t.Errorf("InvalidInputError = %v, want %v", got, tc.permanent)
			}
			if j := f.job(t, "j1"); tc.permanent != (j.Status == domain.StatusFailed) || tc.permanent && j.Error != err.Error() {
				t.Errorf("job %s %q", j.Status, j.Error)
			}
			for _, k := range []string{s.PartKey, s.SummaryKey} {
				if _, ok := f.blobs.Data(k); ok {
					t.Errorf("%s left behind", k)
				}
			}
		})
	}
}

func TestAnnotateShardPassesTheJobsRunOptions(t *testing.T) {
	for _, opts := range []domain.RunOptions{
		{Transcripts: "pick", Distance: new(200)},
		{Distance: new(0)}, // no window, not the default
		{},                 // a job recorded without options: the defaults
	} {
		t.Run(opts.String(), func(t *testing.T) {
			f := newFixture(t)
			f.jobs.Update(context.Background(), "j1", func(j *domain.Job) error { j.Options = opts; return nil })
			if err := f.runJob("j1"); err != nil {
				t.Fatal(err)
			}
			if got := f.engine.run; got.String() != opts.String() || got.Window() != opts.Window() {
				t.Fatalf("engine got %s, want %s", got, opts)
			}
		})
	}
}

// concatBlobs is the memory store with the Concatenator capability, joining
// in the store as S3 does, and noting what it was asked.
type concatBlobs struct {
	domain.Blobs
	mu    sync.Mutex // Merge joins the parts and the index parts at once
	calls map[string][]string
}

func (c *concatBlobs) Concat(ctx context.Context, dst string, srcs []string, tail []byte) error {
	c.mu.Lock()
	c.calls[dst] = srcs
	c.mu.Unlock()
	var all []byte
	for _, k := range srcs {
		rc, err := c.Get(ctx, k)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all = append(all, b...)
	}
	return c.Put(ctx, dst, bytes.NewReader(append(all, tail...)))
}

func TestMergeJoinsInTheStoreWhenItCan(t *testing.T) {
	f := newFixture(t)
	cb := &concatBlobs{Blobs: f.blobs, calls: map[string][]string{}}
	f.t.blobs = cb
	f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	want := map[string][]string{j.ResultKey: {}, domain.VariantsKey(j.ResultKey): {}}
	for i := range 3 {
		want[j.ResultKey] = append(want[j.ResultKey], fmt.Sprintf("work/u1/j1/part-%05d.vcf.gz", i))
		want[domain.VariantsKey(j.ResultKey)] = append(want[domain.VariantsKey(j.ResultKey)], fmt.Sprintf("work/u1/j1/part-%05d.idx", i))
	}
	if !reflect.DeepEqual(cb.calls, want) {
		t.Fatalf("Concat calls %v, want %v: the 3 parts and the 3 index parts, in order", cb.calls, want)
	}
	idx := f.blob(t, domain.VariantsKey(j.ResultKey))
	if ix, err := variants.Open(strings.NewReader(idx), int64(len(idx)), strings.NewReader(f.blob(t, j.ResultKey))); err != nil {
		t.Errorf("joined variant index: %v", err)
	} else if rows := allRows(t, ix); int64(len(rows)) != ix.Rows() {
		t.Errorf("joined variant index: %d rows read of %d", len(rows), ix.Rows())
	}
	wantOut := strings.NewReplacer("DP=3;ANN=chr1,chr2", "DP=3;ANN=chr2", "ANN=chr1,chr2", "ANN=chr1").Replace(wantResult)
	if got := gunzip(t, f.blob(t, j.ResultKey)); got != wantOut {
		t.Fatalf("result:\n%s\nwant:\n%s", got, wantOut)
	}
}

// coldBlobs records which keys were stored with PutCold.
type coldBlobs struct {
	domain.Blobs
	mu   sync.Mutex // a shard stores its part and index part at once
	cold []string
}

func (c *coldBlobs) PutCold(ctx context.Context, key string, r io.Reader) error {
	c.mu.Lock()
	c.cold = append(c.cold, key)
	c.mu.Unlock()
	return c.Put(ctx, key, r)
}

// TestShardsStoreTheirPartsCold: a shard's part, which Merge joins without
// reading it, goes through the store's PutCold; the index part the variant
// table reads, the summary Merge reads, the manifest and the result do not.
func TestShardsStoreTheirPartsCold(t *testing.T) {
	f := newFixture(t)
	cb := &coldBlobs{Blobs: f.blobs}
	f.t.blobs = cb
	f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 3 {
		want = append(want, fmt.Sprintf("work/u1/j1/part-%05d.vcf.gz", i))
	}
	slices.Sort(cb.cold)
	if !slices.Equal(cb.cold, want) {
		t.Fatalf("stored cold: %v, want the 3 parts", cb.cold)
	}
	if j := f.job(t, "j1"); j.Status != domain.StatusCompleted || gunzip(t, f.blob(t, j.ResultKey)) == "" {
		t.Fatalf("job %s, result %q", j.Status, j.ResultKey)
	}
}

// TestMergeRefusesAPartOfAnotherSize: a part that is not the size its shard
// recorded (here: one ending in its own EOF block) would break the tabix
// offsets; Merge stops and keeps the job RUNNING for a retry.
func TestMergeRefusesAPartOfAnotherSize(t *testing.T) {
	f, shards := annotatedShards(t)
	ctx := context.Background()
	part := f.blob(t, shards[1].PartKey) + string(tabix.EOF())
	f.blobs.Put(ctx, shards[1].PartKey, strings.NewReader(part))
	_, err := f.t.Merge(ctx, MergeInput{JobID: "j1"})
	if err == nil || !strings.Contains(err.Error(), "part 1 is") {
		t.Fatalf("err = %v, want the part's size refused", err)
	}
	if j := f.job(t, "j1"); j.Status != domain.StatusRunning {
		t.Errorf("job %s", j.Status)
	}
}

// TestMergeRefusesAShardResultOfAnOlderVersion: a shard result whose part
// has no tabix index of this version's form (annotated before an upgrade)
// stops Merge with a reason, rather than a result said to be unsorted.
func TestMergeRefusesAShardResultOfAnOlderVersion(t *testing.T) {
	f, shards := annotatedShards(t)
	ctx := context.Background()
	var res map[string]any
	if err := json.Unmarshal([]byte(f.blob(t, shards[1].SummaryKey)), &res); err != nil {
		t.Fatal(err)
	}
	part := res["part"].(map[string]any)
	delete(part, "index")
	part["entries"] = "AAEC" // the per-line form before
	old, _ := json.Marshal(res)
	f.blobs.Put(ctx, shards[1].SummaryKey, bytes.NewReader(old))
	_, err := f.t.Merge(ctx, MergeInput{JobID: "j1"})
	if !errors.Is(err, tabix.ErrCorruptPart) || !strings.Contains(err.Error(), "shard 1") {
		t.Fatalf("err = %v, want shard 1's part index refused", err)
	}
	if j := f.job(t, "j1"); j.Status != domain.StatusRunning {
		t.Errorf("job %s", j.Status)
	}
}

// TestRangedShards: with a store that reads ranges, a plain upload's shards
// are ranges of it, whatever its line ends and empty lines: their text is
// the input's header, then their slice of the input, and a shard's line
// numbers map back to the input's. A compressed upload is copied out as
// before, and an input cut short after Plan fails its shard.
func TestRangedShards(t *testing.T) {
	odd := "\xef\xbb\xbf##fileformat=VCFv4.2\r\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\r\n" +
		"1\t1\t.\tA\tG\t.\tPASS\t.\r\n\n1\t2\t.\tA\tG\t.\tPASS\t.\r\n\r\n2\t1\t.\tA\tG\t.\tPASS\t.\n\n3\t1\t.\tA\tG\t.\tPASS\t."
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(vcfOf("1:1", "2:1")))
	zw.Close()
	tests := []struct {
		name, input string
		ranged      bool
	}{
		{"CRLF, BOM, empty lines, no final newline", odd, true},
		{"plain", vcfOf("1:1", "1:2", "2:1", "3:1"), true},
		{"gzip is copied", gz.String(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.t.blobs = &rangeBlobs{Blobs: f.blobs}
			f.t.cfg.Shards = ShardConfig{Records: 10, MinRecords: 1}
			f.blobs.Put(context.Background(), "inputs/u1/j1/sample.vcf", strings.NewReader(tc.input))
			shards, err := f.plan("j1")
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(shards, func(a, b Shard) int { return cmp.Compare(a.Index, b.Index) })
			if !tc.ranged {
				if shards[0].Range != nil {
					t.Fatalf("shard %+v of a compressed input is a range", shards[0])
				}
				return
			}
			inputLines := strings.Split(tc.input, "\n")
			var body string
			for _, s := range shards {
				if s.Range == nil {
					t.Fatalf("shard %d is not a range", s.Index)
				}
				text := f.shardText(t, s)
				header := tc.input[:s.Range.HeaderBytes]
				if !strings.HasPrefix(text, header) {
					t.Fatalf("shard %d starts %q, want the input's header", s.Index, text)
				}
				body += text[len(header):]
				// Each record's line in the shard, moved by LineDelta, is its line in the input.
				for i, line := range strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n") {
					if n := i + 1 + s.LineDelta; strings.HasPrefix(line, "#") || line == "" || line == "\r" {
						continue
					} else if n > len(inputLines) || inputLines[n-1] != line {
						t.Errorf("shard %d line %d (input line %d) is %q, not the input's", s.Index, i+1, n, line)
					}
				}
			}
			if want := tc.input[shards[0].Range.HeaderBytes:]; body != want {
				t.Errorf("the shards' records are %q, want the input's %q", body, want)
			}
			if err := f.runJob("j1"); err != nil {
				t.Fatal(err)
			}
			if res := gunzip(t, f.blob(t, f.job(t, "j1").ResultKey)); strings.Count(res, ";ANN=") != 4 {
				t.Errorf("result %q, want 4 records", res)
			}
		})
	}
}

func TestRangedShardOfAnInputCutShort(t *testing.T) {
	f := newFixture(t)
	f.t.blobs = &rangeBlobs{Blobs: f.blobs}
	shards, err := f.plan("j1")
	if err != nil {
		t.Fatal(err)
	}
	f.blobs.Put(context.Background(), "inputs/u1/j1/sample.vcf", strings.NewReader(testVCF[:len(testVCF)-5]))
	_, err = f.t.AnnotateShard(context.Background(), ShardInput{JobID: "j1", Shard: shards[0]})
	if err == nil || !strings.Contains(err.Error(), "the input changed since Plan") {
		t.Fatalf("err %v, want the input's range cut short", err)
	}
}
