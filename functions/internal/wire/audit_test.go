package wire

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/sfnflow"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
)

// statusChange is an EventBridge event as Step Functions sends it.
func statusChange(t *testing.T, execARN, machineARN, name, status string) audit.Event {
	t.Helper()
	raw := `{"version":"0","id":"5b4d4e1f-0000-4000-8000-000000000001","detail-type":"Step Functions Execution Status Change",
	  "source":"aws.states","account":"123456789012","time":"2026-03-01T12:00:05Z","region":"us-east-1","resources":["` + execARN + `"],
	  "detail":{"executionArn":"` + execARN + `","stateMachineArn":"` + machineARN + `","name":"` + name + `","status":"` + status + `",
	    "startDate":1772366400000,"stopDate":1772366405000,"input":"{\"job_id\":\"job-1\"}","output":"{}"}}`
	var ev audit.Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// The audit export Lambda as it runs: built from its environment over the
// DynamoDB, S3 and Step Functions emulators, fed EventBridge events.
func TestAuditExportLambda(t *testing.T) {
	ctx := context.Background()
	cfg, _, sf := emulators(t)
	sf.PageLimit = 2 // every listing and history takes several pages
	setEnv(t, "")
	t.Setenv(awsenv.AuditBucket, "audit")
	t.Setenv(awsenv.AnnotationMachineARN, annotationARN)
	t.Setenv(awsenv.RestoreMachineARN, restoreARN)
	st := openStores(t, cfg)
	exporter, err := st.Exporter()
	if err != nil {
		t.Fatal(err)
	}

	// GIVEN a completed job with its files, and its execution with a map run of two shards
	now := time.Now().UTC()
	j := domain.Job{ID: "job-1", UserID: "u1", InputKey: "inputs/u1/job-1/a.vcf", SubmittedAt: now, CompletedAt: now,
		Status: domain.StatusCompleted, ResultState: domain.ResultAvailable,
		ResultKey: "results/u1/job-1/annotated.vcf.gz", LogKey: "results/u1/job-1/annotate.log"}
	if err := st.Jobs.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{j.InputKey: "##fileformat=VCFv4.2\n", j.ResultKey: "annotated\n", j.LogKey: "log\n"}
	for k, v := range files {
		if err := st.Blobs.Put(ctx, k, strings.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
	wf := sfnflow.New(sfn.NewFromConfig(cfg), map[string]string{domain.MachineAnnotation: annotationARN})
	execARN, err := wf.Start(ctx, domain.MachineAnnotation, "job-1", json.RawMessage(`{"job_id":"job-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	mapRun := "arn:aws:states:us-east-1:123456789012:mapRun:gas-annotation/ShardMap:run-1"
	sf.StartMapRun(execARN, mapRun, 2)
	for i, name := range []string{"job-1:0", "job-1:1"} {
		child := sf.StartChild(mapRun, annotationARN+"/ShardMap", name, `{"shard":`+string(rune('0'+i))+`}`)
		must(t, sf.Append(child, sfnfake.Event{Type: "TaskStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": "AnnotateShard"}}))
		must(t, sf.Finish(child, "SUCCEEDED", `{}`, "", ""))
	}
	must(t, sf.Append(execARN,
		sfnfake.Event{Type: "MapStateEntered", DetailsKey: "stateEnteredEventDetails", Details: map[string]any{"name": "ShardMap"}},
		sfnfake.Event{Type: "MapRunStarted", DetailsKey: "mapRunStartedEventDetails", Details: map[string]any{"mapRunArn": mapRun}},
		sfnfake.Event{Type: "MapRunSucceeded"},
		sfnfake.Event{Type: "ExecutionSucceeded", DetailsKey: "executionSucceededEventDetails", Details: map[string]any{"output": "{}"}}))
	must(t, sf.Finish(execARN, "SUCCEEDED", `{}`, "", ""))

	// WHEN the execution's RUNNING event comes THEN nothing is archived yet
	archive := s3blob.New(st.S3, "audit")
	if err := exporter.HandleEvent(ctx, statusChange(t, execARN, annotationARN, "job-1", "RUNNING")); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Head(ctx, audit.Key("job-1")); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("archived on RUNNING: %v", err)
	}
	// WHEN it ends THEN its record is in the audit bucket under the job id
	if err := exporter.HandleEvent(ctx, statusChange(t, execARN, annotationARN, "job-1", "SUCCEEDED")); err != nil {
		t.Fatal(err)
	}
	rec, err := audit.Read(ctx, archive, "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Execution.ID != execARN || rec.Execution.Status != "SUCCEEDED" || len(rec.Events) != 5 || rec.Job == nil || rec.Job.ID != "job-1" {
		t.Fatalf("record: %s %s, %d events, job %v", rec.Execution.ID, rec.Execution.Status, len(rec.Events), rec.Job)
	}
	if len(rec.MapRuns) != 1 || rec.MapRuns[0].ARN != mapRun || len(rec.MapRuns[0].Children) != 2 ||
		rec.MapRuns[0].Children[0].Execution.Name != "job-1:0" || len(rec.MapRuns[0].Children[1].Events) != 2 {
		t.Errorf("map runs: %+v", rec.MapRuns)
	}
	hashes := map[string]string{}
	for _, o := range rec.Objects {
		hashes[o.Key] = o.SHA256
	}
	for k, v := range files {
		s := sha256.Sum256([]byte(v))
		if hashes[k] != hex.EncodeToString(s[:]) {
			t.Errorf("%s: sha256 %q, want %x", k, hashes[k], s)
		}
	}
	// WHEN EventBridge delivers the event again THEN the first record stays
	if _, err := st.Jobs.Update(ctx, "job-1", func(j *domain.Job) error { j.Error = "changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := exporter.HandleEvent(ctx, statusChange(t, execARN, annotationARN, "job-1", "SUCCEEDED")); err != nil {
		t.Errorf("second delivery: %v", err)
	}
	again, err := audit.Read(ctx, archive, "job-1")
	if err != nil || again.Job.Error != "" || again.Execution.Archived.SHA256 != rec.Execution.Archived.SHA256 {
		t.Errorf("record changed by a second delivery: %v %+v", err, again.Execution.Archived)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
