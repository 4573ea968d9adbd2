package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

// Nothing lost when a restore half-fails (issue 6): a transient fault is
// retried inside the execution, a lasting one leaves that job ARCHIVED with
// the reason shown while the others come back, and the next restore brings
// it back with the bytes it had before archiving.
func TestRestoreRetriesTransientFaultsAndTheNextRestoreTheRest(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	var (
		mu        sync.Mutex
		a         *App
		hashes    = map[string][32]byte{}
		flaky     string // job whose first copy-back fails
		flakyHits int
		broken    string // job whose copy-back fails until cleared
	)
	cfg.wrapHandlers = func(h map[string]asl.Handler) {
		archive := h[tasks.FnArchiveIfFree]
		h[tasks.FnArchiveIfFree] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			var in tasks.JobInput
			json.Unmarshal(p, &in)
			j := job(t, a, in.JobID)
			mu.Lock()
			hashes[j.ID] = sha256.Sum256(readBlob(t, a, j.ResultKey))
			mu.Unlock()
			return archive(ctx, p)
		}
		copyBack := h[tasks.FnCopyBack]
		h[tasks.FnCopyBack] = func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			var in tasks.JobInput
			json.Unmarshal(p, &in)
			mu.Lock()
			fail := in.JobID == broken
			if in.JobID == flaky {
				flakyHits++
				fail = flakyHits == 1
			}
			mu.Unlock()
			if fail {
				return nil, errors.New("connection reset by the object store")
			}
			return copyBack(ctx, p)
		}
	}
	a = openApp(t, cfg)
	addUser(t, a, "hedy", domain.RoleFree)
	var ids []string
	for _, name := range []string{"a.vcf", "b.vcf", "c.vcf"} {
		j := submit(t, a, "hedy", name, sharedVCF(t, "test.vcf"))
		if e := wait(t, a, j.ExecutionID); field(t, e.Output, "archive.archived") != true {
			t.Fatalf("%s not archived: %s", name, e.Output)
		}
		ids = append(ids, j.ID)
	}
	mu.Lock()
	flaky, broken = ids[0], ids[1]
	mu.Unlock()

	_, restoreID, err := a.Service.Upgrade(context.Background(), "hedy")
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, a, restoreID); r.Status != domain.ExecSucceeded {
		t.Fatalf("restore %s %s", r.Status, r.Cause)
	}
	for _, id := range []string{ids[0], ids[2]} {
		if j := job(t, a, id); j.ResultState != domain.ResultAvailable || j.RestoreError != "" {
			t.Errorf("job %s: %s %q", id, j.ResultState, j.RestoreError)
		}
	}
	mu.Lock()
	hits := flakyHits
	mu.Unlock()
	if hits != 2 {
		t.Errorf("the flaky copy-back ran %d times, want 2 (one retry)", hits)
	}
	if n := count(history(t, a, restoreID), "TaskFailed", "CopyBack"); n < 2 {
		t.Errorf("%d failed CopyBack attempts in the history, want the flaky one and the broken one's", n)
	}
	j := job(t, a, ids[1])
	if j.ResultState != domain.ResultArchived || !strings.Contains(j.RestoreError, "connection reset") {
		t.Errorf("broken job: %s %q; want ARCHIVED with the reason", j.ResultState, j.RestoreError)
	}
	if info, err := a.Blobs.Head(context.Background(), j.ResultKey); err != nil || info.StorageClass != domain.ClassGlacier {
		t.Errorf("broken job's archive copy: %+v %v", info, err)
	}
	ms := mails(t, a)
	if last := ms[len(ms)-1]; !strings.Contains(last, "2 archived result(s) are available again") ||
		!strings.Contains(last, ids[1]) || !strings.Contains(last, "connection reset") {
		t.Errorf("restore mail does not show the failed job and why:\n%s", last)
	}

	// The fault is gone: the next restore (another upgrade event, or StartRestore) finishes the job.
	mu.Lock()
	broken = ""
	mu.Unlock()
	id2, err := a.Service.StartRestore(context.Background(), "hedy")
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, a, id2); r.Status != domain.ExecSucceeded {
		t.Fatalf("second restore %s %s", r.Status, r.Cause)
	}
	for _, id := range ids {
		j := job(t, a, id)
		if j.ResultState != domain.ResultAvailable {
			t.Fatalf("job %s %s after the second restore", id, j.ResultState)
		}
		if sha256.Sum256(readBlob(t, a, j.ResultKey)) != hashes[id] {
			t.Errorf("job %s: restored bytes differ from those archived", id)
		}
	}
}
