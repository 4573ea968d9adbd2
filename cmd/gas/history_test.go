package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
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
