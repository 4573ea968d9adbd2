package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/testshared"
)

func TestPrintHistory(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	exec := domain.Execution{ID: "arn:x", Name: "job1", StateMachine: "annotation", Status: "FAILED",
		StartedAt: t0, StoppedAt: t0.Add(1500 * time.Millisecond), Input: json.RawMessage(`{"job_id": "job1"}`),
		Error: "InvalidInputError", Cause: `{"errorMessage":"x.vcf: line 3: bad POS"}`}
	events := []domain.HistoryEvent{
		{ID: 1, Timestamp: t0, Type: "ExecutionStarted", Input: json.RawMessage(`{"job_id": "job1"}`)},
		{ID: 2, Timestamp: t0.Add(time.Millisecond), Type: "TaskStateEntered", StateName: "Annotate", Input: json.RawMessage(`{"job_id":"job1"}`)},
		{ID: 3, Timestamp: t0.Add(2 * time.Millisecond), Type: "TaskScheduled", StateName: "Annotate", Resource: "arn:aws:states:::lambda:invoke"},
		{ID: 4, Timestamp: t0.Add(time.Second), Type: "TaskFailed", StateName: "Annotate", Error: "InvalidInputError", Cause: "line 3\nmore"},
		{ID: 5, Timestamp: t0.Add(1500 * time.Millisecond), Type: "TaskStateExited", StateName: "Annotate",
			Output: json.RawMessage(`{"x":"` + strings.Repeat("y", 300) + `"}`)},
	}
	var b strings.Builder
	if err := printHistory(&b, exec, events, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Execution job1 (state machine annotation): FAILED",
		"stopped:  2026-11-27 13:00:01.500 UTC (after 1.5s)",
		`input:    {"job_id":"job1"}`,
		"error:    InvalidInputError",
		"ID  DATE AND TIME (UTC)      ELAPSED  TYPE              STEP      DETAIL",
		"1   2026-11-27 13:00:00.000  0s       ExecutionStarted            input {\"job_id\":\"job1\"}",
		"TaskScheduled     Annotate  resource arn:aws:states:::lambda:invoke",
		"1s       TaskFailed        Annotate  error InvalidInputError: line 3 ...",
		"yyy...",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, strings.Repeat("y", 200)) {
		t.Error("long output not cut")
	}
}

// TestHistoryCommand runs a real job through the local service, then reads
// its history from the data directory as `gas history` does (while the
// service is still running, as an operator would).
func TestHistoryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the workflow")
	}
	ctx := context.Background()
	dir := t.TempDir()
	ref := filepath.Join(t.TempDir(), "ref")
	if _, err := refdata.BuildMini(ctx, testshared.Dir(t), ref); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, app.Config{DataDir: dir, RefDir: ref, Retention: time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Profiles.Create(ctx, domain.Profile{ID: "hal", Email: "hal@example.org", Role: domain.RolePremium}); err != nil {
		t.Fatal(err)
	}
	vcf := testshared.Read(t, "vcf", "test.vcf")
	j, err := a.Service.SubmitJob(ctx, service.SubmitRequest{UserID: "hal", FileName: "test.vcf", Body: bytes.NewReader(vcf)})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := a.Runner.Wait(wctx, j.ExecutionID); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []string{j.ID, j.ExecutionID} {
		var out strings.Builder
		if err := history(ctx, []string{"--data", dir, ref}, &out); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`Execution ` + j.ID + ` \(state machine annotation\): SUCCEEDED`, `\n1 +\S+ \S+ +0s +ExecutionStarted +input \{"job_id"`,
			`TaskSucceeded +Plan +output \{`, `MapRunStarted +ShardMap`, `MapRunSucceeded +ShardMap`, `WaitStateExited +WaitRetention`,
			`\n30 .* ExecutionSucceeded +output`, `Map run \S+ \(state ShardMap\) SUCCEEDED: items 1, child executions 1 \(1 succeeded, 0 failed, 0 running\)`,
			`SUCCEEDED +annotation/Shards +` + j.ID + `:0 +arn:aws:states:local:000000000000:execution:annotation/Shards:` + j.ID + `:0`} {
			if !regexp.MustCompile(want).MatchString(out.String()) {
				t.Errorf("gas history %s lacks %s:\n%s", ref, want, out.String())
			}
		}
	}
	var js strings.Builder
	if err := history(ctx, []string{"--data", dir, "--json", j.ID}, &js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Execution domain.Execution      `json:"execution"`
		Events    []domain.HistoryEvent `json:"events"`
	}
	if err := json.Unmarshal([]byte(js.String()), &doc); err != nil || doc.Execution.ID != j.ExecutionID || len(doc.Events) < 10 ||
		!strings.Contains(js.String(), `"children"`) {
		t.Errorf("--json: %v, %d events", err, len(doc.Events))
	}
	var list strings.Builder
	if err := history(ctx, []string{"--data", dir, "--list", "--machine", "annotation", "--status", "succeeded"}, &list); err != nil {
		t.Fatal(err)
	}
	// The duration is the job's wall time (1 s of retention plus the run):
	// any duration, since on a loaded machine it took 2 to 9 s.
	if !regexp.MustCompile(`\n\S+ \S+ +\d+(\.\d+)?(ms|s|m\d+(\.\d+)?s) +SUCCEEDED +annotation +` + j.ID + `\s`).MatchString(list.String()) {
		t.Errorf("--list:\n%s", list.String())
	}
	var none strings.Builder
	if err := history(ctx, []string{"--data", dir, "--list", "--status", "FAILED"}, &none); err != nil || strings.Count(none.String(), "\n") != 1 {
		t.Errorf("--list --status FAILED: %v\n%s", err, none.String())
	}
	if err := history(ctx, []string{"--data", dir, "nope"}, io.Discard); err == nil || !strings.Contains(err.Error(), `no job or execution named "nope"`) {
		t.Errorf("unknown id: %v", err)
	}
	if err := history(ctx, []string{"--data", t.TempDir(), j.ID}, io.Discard); err == nil || !strings.Contains(err.Error(), "no GAS database") {
		t.Errorf("empty data dir: %v", err)
	}

	// WHEN the runner forgets the execution (Step Functions does after 90
	// days) THEN the archived copy is printed, and said to be one.
	for _, q := range []string{`DELETE FROM execution_events WHERE execution_id = ?`, `DELETE FROM executions WHERE id = ?`} {
		if _, err := a.DB.SQL().Exec(q, j.ExecutionID); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{j.ID, j.ExecutionID} {
		var out strings.Builder
		if err := history(ctx, []string{"--data", dir, ref}, &out); err != nil {
			t.Fatalf("gas history %s once forgotten: %v", ref, err)
		}
		for _, want := range []string{`Execution ` + j.ID + ` \(state machine annotation\): SUCCEEDED`, `archived: the workflow engine no longer has this execution`,
			`executions/` + j.ID + `\.json, sha256 [0-9a-f]{64}`, `MapRunSucceeded +ShardMap`, `\n30 .* ExecutionSucceeded +output`, `Map run \S+ \(state ShardMap\) SUCCEEDED: items 1, child executions 1 \(1 succeeded`} {
			if !regexp.MustCompile(want).MatchString(out.String()) {
				t.Errorf("gas history %s (archived) lacks %s:\n%s", ref, want, out.String())
			}
		}
	}
}
