package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// restoreFixture is a free user "hedy" with three archived jobs, whose
// copy-back fails as failCopy says, and the sha256 of each result before
// archiving.
type restoreFixture struct {
	a        *App
	cfg      Config
	ids      []string
	mu       sync.Mutex
	hashes   map[string][32]byte
	copies   map[string]int               // copy-back attempts per job
	failCopy func(job string, n int) bool // fail the n-th attempt (1-based)?
	listed   func(call int)               // after each list-archived call (1-based)
	lists    int
}

func newRestoreFixture(t *testing.T, edit ...func(*Config)) *restoreFixture {
	f := &restoreFixture{hashes: map[string][32]byte{}, copies: map[string]int{},
		failCopy: func(string, int) bool { return false }, listed: func(int) {}}
	cfg := testConfig(t, t.TempDir())
	for _, e := range edit {
		e(&cfg)
	}
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		before(h, statemachines.TaskArchiveIfFree, func(in tasks.JobInput) error {
			j := job(t, f.a, in.JobID)
			f.mu.Lock()
			f.hashes[j.ID] = sha256.Sum256(readBlob(t, f.a, j.ResultKey))
			f.mu.Unlock()
			return nil
		})
		before(h, statemachines.TaskCopyBack, func(in tasks.JobInput) error {
			f.mu.Lock()
			f.copies[in.JobID]++
			fail := f.failCopy(in.JobID, f.copies[in.JobID])
			f.mu.Unlock()
			if fail {
				return errors.New("connection reset by the object store")
			}
			return nil
		})
		list := h[statemachines.TaskListArchived]
		h[statemachines.TaskListArchived] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			out, err := list(ctx, p)
			f.mu.Lock()
			f.lists++
			n, listed := f.lists, f.listed
			f.mu.Unlock()
			listed(n)
			return out, err
		}
	}
	f.cfg = cfg
	f.a = openApp(t, cfg)
	addUser(t, f.a, "hedy", domain.RoleFree)
	for _, name := range []string{"a.vcf", "b.vcf", "c.vcf"} {
		j := submit(t, f.a, "hedy", name, sharedVCF(t, "test.vcf"))
		if e := wait(t, f.a, j.ExecutionID); field(t, e.Output, "archive.archived") != true {
			t.Fatalf("%s not archived: %s", name, e.Output)
		}
		f.ids = append(f.ids, j.ID)
	}
	return f
}

// upgrade makes hedy premium and waits for the one restore execution.
func (f *restoreFixture) upgrade(t *testing.T) string {
	t.Helper()
	_, id, err := f.a.Service.Upgrade(context.Background(), "hedy", "")
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, f.a, id); r.Status != domain.ExecSucceeded {
		t.Fatalf("restore %s %s", r.Status, r.Cause)
	}
	execs, _, err := f.a.Workflow.List(context.Background(), domain.ExecutionFilter{
		StateMachine: domain.MachineRestore, NamePrefix: service.RestoreExecutionPrefix("hedy")}, domain.Page{Limit: 10})
	if err != nil || len(execs) != 1 {
		t.Fatalf("restore executions %v %v, want one", execs, err)
	}
	return id
}

func (f *restoreFixture) restoreMails(t *testing.T) []string {
	var out []string
	for _, m := range mails(t, f.a) {
		if strings.Contains(m, "Welcome to premium.") {
			out = append(out, m)
		}
	}
	return out
}

func (f *restoreFixture) sameBytes(t *testing.T, id string) {
	t.Helper()
	j := job(t, f.a, id)
	if j.ResultState != domain.ResultAvailable || j.RestoreError != "" {
		t.Fatalf("job %s: %s %q", id, j.ResultState, j.RestoreError)
	}
	if sha256.Sum256(readBlob(t, f.a, j.ResultKey)) != f.hashes[id] {
		t.Errorf("job %s: restored bytes differ from those archived", id)
	}
}

// Nothing lost when a restore half-fails (issue 6): a job whose copy-back
// fails every attempt of round 1 shows it will be retried, comes back in
// round 2 of the same execution, and the one email lists every job.
func TestRestoreRetriesAFailedJobInTheNextRound(t *testing.T) {
	f := newRestoreFixture(t)
	flaky := f.ids[0]
	var during domain.Job                                                       // the flaky job as the list after round 1 sees it
	f.failCopy = func(job string, n int) bool { return job == flaky && n <= 3 } // 1 + 2 in-round retries
	f.listed = func(call int) {
		if call == 2 {
			during = job(t, f.a, flaky)
		}
	}
	restoreID := f.upgrade(t)

	if during.ResultState != domain.ResultArchived || !strings.Contains(during.RestoreError, "connection reset") ||
		during.RestoreRound != 1 || during.RestoreRounds != 3 || !during.RestoreRetrying() {
		t.Errorf("after round 1 the flaky job is %s %q round %d of %d; want ARCHIVED, the reason, retrying",
			during.ResultState, during.RestoreError, during.RestoreRound, during.RestoreRounds)
	}
	for _, id := range f.ids {
		f.sameBytes(t, id)
		if j := job(t, f.a, id); j.RestoreRound != 0 || j.RestoreRetrying() {
			t.Errorf("job %s still records round %d", id, j.RestoreRound)
		}
	}
	if f.copies[flaky] != 4 {
		t.Errorf("the flaky copy-back ran %d times, want 3 in round 1 and 1 in round 2", f.copies[flaky])
	}
	h := history(t, f.a, restoreID)
	if n, w := count(h, "MapStateEntered", "RestoreEach"), count(h, "WaitStateEntered", "WaitBeforeRetry"); n != 2 || w != 1 {
		t.Errorf("%d rounds and %d waits, want 2 and 1", n, w)
	}
	ms := f.restoreMails(t)
	if len(ms) != 1 {
		t.Fatalf("%d restore mails, want one:\n%s", len(ms), strings.Join(ms, "\n---\n"))
	}
	if !strings.Contains(ms[0], "3 archived results are available again") || strings.Contains(ms[0], "could not be restored") {
		t.Errorf("restore mail:\n%s", ms[0])
	}
	for _, id := range f.ids {
		if n := strings.Count(ms[0], "/jobs/"+id); n != 1 {
			t.Errorf("the mail lists %s %d times:\n%s", id, n, ms[0])
		}
	}
}

// A job that fails in every round stays ARCHIVED with the reason and "no more
// rounds" recorded while the others come back; the one email says so; the
// next restore (the job page's Retry restore calls StartRestore) brings it
// back with the bytes it had before archiving.
func TestRestoreGivesUpAfterTheLastRoundAndTheNextRestoreFinishes(t *testing.T) {
	f := newRestoreFixture(t)
	broken := f.ids[1]
	f.failCopy = func(job string, _ int) bool { return job == broken }
	f.upgrade(t)

	for _, id := range []string{f.ids[0], f.ids[2]} {
		f.sameBytes(t, id)
	}
	j := job(t, f.a, broken)
	if j.ResultState != domain.ResultArchived || !strings.Contains(j.RestoreError, "connection reset") ||
		j.RestoreRound != 3 || j.RestoreRounds != 3 || j.RestoreRetrying() {
		t.Errorf("broken job: %s %q round %d of %d; want ARCHIVED with the reason, given up",
			j.ResultState, j.RestoreError, j.RestoreRound, j.RestoreRounds)
	}
	if info, err := f.a.Blobs.Head(context.Background(), j.ResultKey); err != nil || info.StorageClass != domain.ClassGlacier {
		t.Errorf("broken job's archive copy: %+v %v", info, err)
	}
	if f.copies[broken] != 9 {
		t.Errorf("broken copy-back ran %d times, want 3 in each of 3 rounds", f.copies[broken])
	}
	ms := f.restoreMails(t)
	if len(ms) != 1 {
		t.Fatalf("%d restore mails, want one", len(ms))
	}
	for _, want := range []string{"2 archived results are available again", "1 result could not be restored in 3 rounds",
		broken + " (b.vcf): internal error (errorString): connection reset", "Retry restore"} {
		if !strings.Contains(ms[0], want) {
			t.Errorf("restore mail lacks %q:\n%s", want, ms[0])
		}
	}

	f.mu.Lock()
	f.failCopy = func(string, int) bool { return false }
	f.mu.Unlock()
	id2, err := f.a.Service.StartRestore(context.Background(), "hedy", "")
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, f.a, id2); r.Status != domain.ExecSucceeded {
		t.Fatalf("second restore %s %s", r.Status, r.Cause)
	}
	for _, id := range f.ids {
		f.sameBytes(t, id)
	}
}

// A restart while the restore waits between rounds loses nothing: the
// reopened service resumes the wait and runs round 2.
func TestRestartBetweenRestoreRoundsFinishesTheRestore(t *testing.T) {
	f := newRestoreFixture(t, func(c *Config) { c.RestoreRetry = 3 * time.Second })
	flaky := f.ids[2]
	f.failCopy = func(job string, n int) bool { return job == flaky && n <= 3 }
	_, id, err := f.a.Service.Upgrade(context.Background(), "hedy", "")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); count(history(t, f.a, id), "WaitStateEntered", "WaitBeforeRetry") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restore never reached the wait between rounds")
		}
	}
	if err := f.a.Close(); err != nil {
		t.Fatal(err)
	}
	f.a = openApp(t, f.cfg)
	if r := wait(t, f.a, id); r.Status != domain.ExecSucceeded {
		t.Fatalf("restore %s %s", r.Status, r.Cause)
	}
	for _, id := range f.ids {
		f.sameBytes(t, id)
	}
	h := history(t, f.a, id)
	if n, w := count(h, "MapStateEntered", "RestoreEach"), count(h, "WaitStateEntered", "WaitBeforeRetry"); n != 2 || w != 1 {
		t.Errorf("%d rounds and %d waits, want 2 and 1:\n%s", n, w, strings.Join(steps(h), "\n"))
	}
	if ms := f.restoreMails(t); len(ms) != 1 || !strings.Contains(ms[0], "3 archived results are available again") {
		t.Errorf("restore mails:\n%s", strings.Join(ms, "\n---\n"))
	}
}

// restoreChildID is the id of the child execution that restores item i of
// restore execution restoreID (the RestoreEach map's first run).
func restoreChildID(restoreID string, i int) string {
	name := strings.TrimPrefix(restoreID, asl.ExecutionID(domain.MachineRestore, ""))
	return asl.ExecutionID(domain.MachineRestore+"/RestoreJob", fmt.Sprintf("%s:%d", name, i))
}
