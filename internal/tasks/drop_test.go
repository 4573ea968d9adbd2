package tasks

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// failingBlobs refuses to delete some keys, or to list.
type failingBlobs struct {
	domain.Blobs
	mu       sync.Mutex
	refuse   map[string]bool
	listErr  error
	attempts []string
}

func (b *failingBlobs) Delete(ctx context.Context, key string) error {
	b.mu.Lock()
	b.attempts = append(b.attempts, key)
	refused := b.refuse[key]
	b.mu.Unlock()
	if refused {
		return errors.New("AccessDenied")
	}
	return b.Blobs.Delete(ctx, key)
}

func (b *failingBlobs) List(ctx context.Context, prefix string) ([]string, error) {
	if b.listErr != nil {
		return nil, b.listErr
	}
	return b.Blobs.List(ctx, prefix)
}

// fail records the failure as the machine's MarkFailed does before DropWork.
func (f *fixture) fail(t *testing.T, id string) {
	t.Helper()
	if _, err := f.t.MarkFailed(context.Background(), MarkFailedInput{JobID: id, Error: "InvalidInputError", Cause: "boom"}); err != nil {
		t.Fatal(err)
	}
}

// workKeys lists what is stored under the job's work prefix.
func (f *fixture) workKeys(t *testing.T, id string) []string {
	t.Helper()
	keys, err := f.blobs.List(context.Background(), WorkPrefix(f.job(t, id)))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestDropFailedLeavesNothingBehind: whichever step a job failed in, the
// failure path's DropWork (Merge with "drop") deletes every file under the
// job's work prefix and any output Merge wrote, and keeps the input; a job
// that completed keeps its result.
func TestDropFailedLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	fiveShards := vcfOf("1:10", "1:20", "2:5", "2:6", "3:1")
	tests := []struct {
		name       string
		input      string
		run        func(t *testing.T, f *fixture) // leaves the job ended, with files behind
		wantStatus domain.JobStatus
		wantWork   int  // files under the work prefix before the drop (at least)
		keepOutput bool // the result and its files stay
	}{
		{"Plan stopped halfway", vcfOf("1:10", "1:20", "2:5") + "3\tseventy\t.\tA\tG\t.\t.\t.\n", func(t *testing.T, f *fixture) {
			if _, err := f.t.Plan(ctx, JobInput{JobID: "j1"}); err == nil || !strings.Contains(err.Error(), "line 6") {
				t.Fatalf("Plan: %v, want the bad POS on line 6", err)
			}
			f.fail(t, "j1")
		}, domain.StatusFailed, 2, false},
		{"a shard reached a limit after others ran", fiveShards, func(t *testing.T, f *fixture) {
			shards, err := f.plan("j1")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shards[:3] {
				if _, err := f.t.AnnotateShard(ctx, ShardInput{JobID: "j1", Shard: s}); err != nil {
					t.Fatal(err)
				}
			}
			f.engine.err = &domain.LimitError{Name: domain.LimitAltAlleles, Max: 64, Line: 1}
			if _, err := f.t.AnnotateShard(ctx, ShardInput{JobID: "j1", Shard: shards[3]}); err == nil {
				t.Fatal("shard 3 succeeded")
			}
			f.fail(t, "j1")
		}, domain.StatusFailed, 5 + 3*3 + 1, false},
		{"Merge failed after writing some output", fiveShards, func(t *testing.T, f *fixture) {
			shards, err := f.planAndAnnotate("j1")
			if err != nil {
				t.Fatal(err)
			}
			f.blobs.Delete(ctx, shards[4].PartKey) // joinParts fails; the indexes are written beside it
			if _, err := f.t.Merge(ctx, MergeInput{JobID: "j1"}); err == nil {
				t.Fatal("Merge succeeded without a part")
			}
			j := f.job(t, "j1")
			if _, ok := f.blobs.Data(domain.VariantsKey(ResultKey(j))); !ok {
				t.Fatal("the failed Merge wrote no variant index: the case tests nothing")
			}
			f.fail(t, "j1")
		}, domain.StatusFailed, 5*4 + 1 - 1, false},
		{"over the output cap in Merge", fiveShards, func(t *testing.T, f *fixture) {
			f.limit(func(l *domain.Limits) { l.OutputBytes = 120 }) // each shard's part is under it, all five are over
			if err := f.runJob("j1"); err == nil || !strings.Contains(err.Error(), domain.LimitOutput) {
				t.Fatalf("err = %v, want the output cap", err)
			}
			f.fail(t, "j1")
		}, domain.StatusFailed, 5*4 + 1, false},
		{"a step after Merge failed: the result stays", fiveShards, func(t *testing.T, f *fixture) {
			if err := f.runJob("j1"); err != nil {
				t.Fatal(err)
			}
			// A shard still running when the map ended wrote its part after Merge's drop.
			f.blobs.Put(ctx, WorkPrefix(f.job(t, "j1"))+"part-00007.vcf.gz", strings.NewReader("late"))
			f.fail(t, "j1")
		}, domain.StatusCompleted, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
			f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(tc.input))
			tc.run(t, f)
			if n := len(f.workKeys(t, "j1")); n < tc.wantWork {
				t.Fatalf("%d work files before the drop, want %d: the case tests nothing", n, tc.wantWork)
			}
			out, err := f.t.Merge(ctx, MergeInput{JobID: "j1", Drop: true})
			if err != nil {
				t.Fatal(err)
			}
			j := f.job(t, "j1")
			if j.Status != tc.wantStatus || out.Dropped < tc.wantWork {
				t.Errorf("job %s, dropped %d; want %s, at least %d", j.Status, out.Dropped, tc.wantStatus, tc.wantWork)
			}
			if left := f.workKeys(t, "j1"); len(left) != 0 {
				t.Errorf("left behind: %q", left)
			}
			kept := map[string]bool{j.InputKey: true}
			for _, k := range OutputKeys(j) {
				kept[k] = tc.keepOutput
			}
			for _, k := range f.blobs.Keys() {
				if !kept[k] && (strings.HasPrefix(k, "results/") || strings.HasPrefix(k, "work/")) {
					t.Errorf("%s left behind", k)
				}
			}
			for k, keep := range kept {
				if _, ok := f.blobs.Data(k); keep && !ok {
					t.Errorf("%s was deleted", k)
				}
			}
			// Repeating the drop (a retry) is harmless.
			if _, err := f.t.Merge(ctx, MergeInput{JobID: "j1", Drop: true}); err != nil {
				t.Errorf("second drop: %v", err)
			}
		})
	}
}

// TestDropFailedRefusesAJobStillRunning: a job whose files are in use is not
// touched.
func TestDropFailedRefusesAJobStillRunning(t *testing.T) {
	f := newFixture(t)
	if _, err := f.t.Plan(context.Background(), JobInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	before := f.workKeys(t, "j1")
	_, err := f.t.Merge(context.Background(), MergeInput{JobID: "j1", Drop: true})
	if !errors.Is(err, domain.ErrConflict) || len(f.workKeys(t, "j1")) != len(before) || len(before) == 0 {
		t.Errorf("err = %v, work files %d -> %d; want ErrConflict and nothing deleted", err, len(before), len(f.workKeys(t, "j1")))
	}
}

// TestDropFailedGoesOnPastAFailedDelete: every key is tried; the error names
// the ones left, and a listing that fails is an error too.
func TestDropFailedGoesOnPastAFailedDelete(t *testing.T) {
	ctx := context.Background()
	f, shards := annotatedShards(t)
	f.fail(t, "j1")
	fb := &failingBlobs{Blobs: f.blobs, refuse: map[string]bool{shards[0].PartKey: true}}
	f.t.blobs = fb
	_, err := f.t.Merge(ctx, MergeInput{JobID: "j1", Drop: true})
	if err == nil || !strings.Contains(err.Error(), shards[0].PartKey) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("err = %v, want the refused key named", err)
	}
	if left := f.workKeys(t, "j1"); len(left) != 1 || left[0] != shards[0].PartKey {
		t.Errorf("left %q, want only the refused part", left)
	}
	if j := f.job(t, "j1"); j.Status != domain.StatusFailed {
		t.Errorf("job %s", j.Status)
	}

	fb.listErr = errors.New("SlowDown")
	if _, err := f.t.Merge(ctx, MergeInput{JobID: "j1", Drop: true}); err == nil || !strings.Contains(err.Error(), "SlowDown") {
		t.Errorf("err = %v, want the listing's error", err)
	}
}

// TestMergeDropsEveryWorkFile: a completed job's work prefix is emptied,
// also of files no manifest names (a retried Plan that cut more shards).
func TestMergeDropsEveryWorkFile(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	stray := WorkPrefix(f.job(t, "j1")) + "shard-00042.vcf"
	f.blobs.Put(ctx, stray, strings.NewReader("from an earlier attempt"))
	if err := f.runJob("j1"); err != nil {
		t.Fatal(err)
	}
	if left := f.workKeys(t, "j1"); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
	if _, ok := f.blobs.Data(ResultKey(f.job(t, "j1"))); !ok {
		t.Error("no result")
	}
}

// TestShardOfAnEndedJobStoresNothing: a shard still running when its job
// failed (another shard; the map run failed and DropWork may have run)
// stores neither its part nor its index part nor its summary.
func TestShardOfAnEndedJobStoresNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.t.cfg.Shards = ShardConfig{Records: 1, MinRecords: 1}
	shards, err := f.plan("j1")
	if err != nil {
		t.Fatal(err)
	}
	f.engine.during = func() { f.t.markInvalid(ctx, "j1", "sample.vcf: line 4: bad REF") }
	if _, err := f.t.AnnotateShard(ctx, ShardInput{JobID: "j1", Shard: shards[1]}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("err = %v, want the ended job named", err)
	}
	for _, k := range []string{shards[1].PartKey, indexKey(shards[1]), shards[1].SummaryKey} {
		if _, ok := f.blobs.Data(k); ok {
			t.Errorf("%s was stored", k)
		}
	}
}
