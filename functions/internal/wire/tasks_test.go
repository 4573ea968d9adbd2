package wire

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// The archive and restore steps as their Lambdas run them (GAS_TASK, JSON
// payloads), over the DynamoDB and S3 adapters on emulators: the GLACIER
// semantics of S3 and the conditional writes of DynamoDB meet the step code.
func TestArchiveAndRestoreStepsOnAWSAdapters(t *testing.T) {
	ctx := context.Background()
	cfg, s3f, sfnf := emulators(t)
	setEnv(t, "")
	st := openStores(t, cfg)
	roles, err := s3fake.LoadRoles("../../../infra/testdata/s3-policies.json")
	if err != nil {
		t.Fatal(err)
	}
	var stepWith func(task, payload string, out any)
	step := func(task string, out any) { stepWith(task, `{"job_id":"job-1"}`, out) }
	stepWith = func(task, payload string, out any) {
		t.Helper()
		t.Setenv(awsenv.Task, task)
		st.Env = &awsenv.Lookup{}
		bin := "archive"
		if task != statemachines.TaskArchiveIfFree {
			bin = "restore"
		}
		h, err := st.TaskHandler(awsenv.TaskBinaries[bin], nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// the step's S3 calls are those its deployed role may make
		done := s3f.As(t, roles, task, map[string]string{"inputs": "in", "results": "out", "audit": "audit"})
		res, err := h(ctx, json.RawMessage(payload))
		done()
		if err != nil {
			t.Fatalf("%s: %v", task, err)
		}
		if err := json.Unmarshal(res, out); err != nil {
			t.Fatalf("%s result %s: %v", task, res, err)
		}
	}

	// GIVEN a free user's completed job whose result is in the results bucket
	now := time.Now().UTC()
	if err := st.Profiles.Create(ctx, domain.Profile{ID: "u1", Email: "u1@example.org", Role: domain.RoleFree, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	j := domain.Job{ID: "job-1", UserID: "u1", InputKey: "inputs/u1/job-1/a.vcf", SubmittedAt: now, CompletedAt: now,
		Status: domain.StatusCompleted, ResultState: domain.ResultAvailable}
	j.ResultKey = tasks.ResultKey(j)
	if err := st.Jobs.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := st.Blobs.Put(ctx, j.ResultKey, strings.NewReader("annotated\n")); err != nil {
		t.Fatal(err)
	}

	// WHEN ArchiveIfFree runs
	var archived struct{ Archived bool }
	step(statemachines.TaskArchiveIfFree, &archived)
	// THEN the result lives only in GLACIER, in the results bucket
	got, _ := st.Jobs.Get(ctx, "job-1")
	info, err := st.Blobs.Results.Head(ctx, got.ResultKey)
	if !archived.Archived || got.ResultState != domain.ResultArchived || err != nil || info.StorageClass != domain.ClassGlacier {
		t.Fatalf("after archive: %+v, job %+v, head %+v %v", archived, got, info, err)
	}
	if _, err := st.Blobs.Head(ctx, j.ResultKey); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("hot copy still there: %v", err)
	}

	// WHEN the user upgrades and a restore runs while Expedited has no capacity
	s3f.SetExpeditedUnavailable(true)
	var req struct{ Tier string }
	step(statemachines.TaskRequestRestore, &req)
	var check struct{ Restored bool }
	step(statemachines.TaskCheckRestore, &check)
	if req.Tier != string(domain.TierStandard) || check.Restored {
		t.Fatalf("request %+v, check %+v; want a Standard restore in progress", req, check)
	}
	// The machine's WaitForRestore hands its token to await-restore; S3's
	// restore-completed event, through EventBridge to restore-event, resumes it.
	sfnf.WaitForToken("tok-1")
	var ignored map[string]any
	stepWith(statemachines.TaskAwaitRestore, `{"job_id":"job-1","task_token":"tok-1"}`, &ignored)
	if _, _, _, done := sfnf.TaskResult("tok-1"); done {
		t.Fatal("await-restore resumed the step before the restore completed")
	}
	s3f.CompleteRestores()
	step(statemachines.TaskCheckRestore, &check)
	if !check.Restored {
		t.Fatal("restore completed but check-restore says no")
	}
	event := `{"version":"0","detail-type":"Object Restore Completed","source":"aws.s3","detail":{"version":"0",` +
		`"bucket":{"name":"out"},"object":{"key":"archive/u1/job-1/annotated.vcf.gz","size":10},"restore-expiry-time":"2026-12-01T00:00:00Z","source-storage-class":"GLACIER"}}`
	var resumed tasks.RestoreEventOutput
	stepWith(statemachines.TaskRestoreEvent, event, &resumed)
	if out, _, _, done := sfnf.TaskResult("tok-1"); resumed.Action != "resumed" || !done || !strings.Contains(out, `"restored":true`) {
		t.Fatalf("restore event: %+v; step resumed %v with %s", resumed, done, out)
	}
	step(statemachines.TaskCopyBack, &ignored)
	step(statemachines.TaskMarkAvailable, &ignored)

	// THEN the result is hot and readable again
	got, _ = st.Jobs.Get(ctx, "job-1")
	if got.ResultState != domain.ResultAvailable || got.RestoreTier != domain.TierStandard {
		t.Errorf("after restore job = %+v", got)
	}
	rc, err := st.Blobs.Get(ctx, got.ResultKey)
	if err != nil {
		t.Fatalf("Get restored result: %v", err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "annotated\n" {
		t.Errorf("restored result = %q", b)
	}
}
