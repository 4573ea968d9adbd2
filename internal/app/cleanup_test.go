package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// isDrop tells the failure path's DropWork call of the merge function from Merge's own.
func isDrop(payload json.RawMessage) bool {
	var p tasks.MergeInput
	return json.Unmarshal(payload, &p) == nil && p.Drop
}

// TestFailedShardedJobsLeaveNothingBehind: a job cut into several shards
// that fails in Plan (halfway, after writing shards: copies of a gzipped
// upload; a plain one's shards are ranges of it), in a shard (a limit
// reached after other shards ran) or in Merge (after writing indexes) ends
// FAILED with its reason and an email, and leaves no file under its work
// prefix and no result; the upload is kept.
func TestFailedShardedJobsLeaveNothingBehind(t *testing.T) {
	base := severalChromosomes(t)
	altBomb := "MT\t16000\t.\tC\t" + strings.TrimSuffix(strings.Repeat("A,G,T,", 30), ",") + "\t.\tPASS\t.\tGT\t0/1\n"
	badPOS := "MT\tseventy\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n"
	lines := bytes.Count(base, []byte("\n"))
	tests := []struct {
		name, input string
		gzip        bool   // uploaded gzipped: Plan stores the shards
		breakMerge  bool   // a part goes missing before Merge: the result cannot be joined, its indexes can
		wantError   string // in the job's error
		wantStep    string // the state that failed
	}{
		{name: "Plan stopped halfway", input: string(base) + badPOS, gzip: true, wantError: "line " + strconv.Itoa(lines+1) + ": POS", wantStep: "Plan"},
		{name: "a later shard reached a limit", input: string(base) + altBomb,
			wantError: "line " + strconv.Itoa(lines+1) + ": " + domain.LimitAltAlleles + " limit reached", wantStep: "ShardMap"},
		{name: "Merge failed after writing indexes", input: string(base), breakMerge: true, wantError: "internal error", wantStep: "Merge"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, t.TempDir())
			cfg.Shards = tasks.ShardConfig{Records: 60, MinRecords: 20}
			var app *App
			var before []string // the job's files when DropWork starts
			var beforeBytes int64
			cfg.wrapHandlers = func(h map[string]asl.Handler) {
				real := h[statemachines.TaskMerge]
				h[statemachines.TaskMerge] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
					var in tasks.JobInput
					json.Unmarshal(p, &in)
					j, err := app.Jobs.Get(ctx, in.JobID)
					if err != nil {
						return nil, err
					}
					switch {
					case isDrop(p):
						work, _ := app.Blobs.List(ctx, tasks.WorkPrefix(j))
						out, _ := app.Blobs.List(ctx, "results/"+j.UserID+"/"+j.ID+"/")
						before = append(work, out...)
						for _, k := range before {
							if info, err := app.Blobs.Head(ctx, k); err == nil {
								beforeBytes += info.Size
							}
						}
					case tc.breakMerge:
						app.Blobs.Delete(ctx, tasks.WorkPrefix(j)+"part-00003.vcf.gz")
					}
					return real(ctx, p)
				}
			}
			app = openApp(t, cfg)
			addUser(t, app, "mallory", domain.RoleFree)
			if len(tc.input) > int(domain.FreeLimits.UploadBytes) {
				t.Fatalf("input of %d bytes is over the free upload cap", len(tc.input))
			}
			name, body := "multi.vcf", []byte(tc.input)
			if tc.gzip {
				var b bytes.Buffer
				zw := gzip.NewWriter(&b)
				zw.Write(body)
				zw.Close()
				name, body = name+".gz", b.Bytes()
			}
			j := submit(t, app, "mallory", name, body)
			e := wait(t, app, j.ExecutionID)
			j = job(t, app, j.ID)
			if e.Status != domain.ExecFailed || j.Status != domain.StatusFailed || !strings.Contains(j.Error, tc.wantError) {
				t.Fatalf("execution %s, job %s %q; want FAILED with %q", e.Status, j.Status, j.Error, tc.wantError)
			}
			if strings.Contains(tc.wantError, "limit reached") && !strings.Contains(j.Error, "upgrade") {
				t.Errorf("job error %q does not name the upgrade", j.Error)
			}
			ev := history(t, app, j.ExecutionID)
			if count(ev, "TaskStateEntered", tc.wantStep)+count(ev, "MapStateEntered", tc.wantStep) == 0 || count(ev, "TaskSucceeded", "DropWork") != 1 {
				t.Fatalf("history:\n%s", strings.Join(steps(ev), "\n"))
			}
			// The case must have left files for the drop to delete: shards
			// (Plan, of the gzipped upload), parts of the shards that ran
			// (ShardMap), indexes (Merge).
			var shards, parts, results int
			for _, k := range before {
				shards += btoi(strings.Contains(k, "/shard-"))
				parts += btoi(strings.Contains(k, "/part-"))
				results += btoi(strings.HasPrefix(k, "results/"))
			}
			if tc.gzip != (shards >= 2) || tc.wantStep != "Plan" && parts == 0 || tc.wantStep == "Merge" && results == 0 {
				t.Fatalf("before the drop: %q; the case leaves too little to test", before)
			}
			ctx := context.Background()
			in, _ := app.Blobs.Head(ctx, j.InputKey)
			t.Logf("DropWork deleted %d files (%d shards, %d parts, index parts and summaries, %d result files) of %d bytes; the %d-byte upload is kept",
				len(before), shards, parts, results, beforeBytes, in.Size)
			for _, prefix := range []string{tasks.WorkPrefix(j), "results/" + j.UserID + "/" + j.ID + "/"} {
				if left, err := app.Blobs.List(ctx, prefix); err != nil || len(left) != 0 {
					t.Errorf("left under %s: %q %v", prefix, left, err)
				}
			}
			if _, err := app.Blobs.Head(ctx, j.InputKey); err != nil {
				t.Errorf("the upload is gone: %v", err)
			}
			if ms := mails(t, app); len(ms) != 1 || !strings.Contains(ms[0], "failed") {
				t.Errorf("mails %q", ms)
			}
		})
	}
}

// TestFailedCleanupStillFailsTheJobWithItsReason: a DropWork that cannot
// delete is retried, then caught; the job is FAILED with its own reason, the
// user told, and the execution ends with the job's error.
func TestFailedCleanupStillFailsTheJobWithItsReason(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	var drops atomic.Int32
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		real := h[statemachines.TaskMerge]
		h[statemachines.TaskMerge] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			if isDrop(p) {
				drops.Add(1)
				return nil, errSlowDown{}
			}
			return real(ctx, p)
		}
	}
	a := openApp(t, cfg)
	addUser(t, a, "bob", domain.RoleFree)
	bad := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\tseventy\t.\tA\tG\t.\t.\t.\n"
	j := submit(t, a, "bob", "bad.vcf", []byte(bad))
	e := wait(t, a, j.ExecutionID)
	j = job(t, a, j.ID)
	if e.Status != domain.ExecFailed || e.Error != "InvalidInputError" || j.Status != domain.StatusFailed || !strings.Contains(j.Error, "line 3") {
		t.Fatalf("execution %s %q, job %s %q", e.Status, e.Error, j.Status, j.Error)
	}
	ev := history(t, a, j.ExecutionID)
	if drops.Load() != 3 || count(ev, "TaskFailed", "DropWork") != 3 || count(ev, "TaskSucceeded", "NotifyFailed") != 1 {
		t.Errorf("%d drops; history:\n%s", drops.Load(), strings.Join(steps(ev), "\n"))
	}
	if len(mails(t, a)) != 1 {
		t.Error("no failure email")
	}
}

type errSlowDown struct{}

func (errSlowDown) Error() string { return "delete: SlowDown" }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
