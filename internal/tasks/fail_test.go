package tasks

import (
	"context"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestFailureReason(t *testing.T) {
	tests := []struct {
		name, cause string
		want        string
	}{
		{"InvalidInputError", "x.vcf: line 3: bad REF", "x.vcf: line 3: bad REF"},
		{"InvalidInputError", `{"errorMessage":"x.vcf: line 3: bad REF","errorType":"InvalidInputError"}`, "x.vcf: line 3: bad REF"},
		{"States.Timeout", "", "a workflow step timed out; please try again or contact support"},
		{"States.TaskFailed", "task panicked: boom\ngoroutine 1 [running]:", "internal error (States.TaskFailed): task panicked: boom"},
		{"wrapError", `{"errorMessage":"load job j1: disk I/O error","errorType":"wrapError"}`, "internal error (wrapError): load job j1: disk I/O error"},
		{"Lambda.Unknown", "", "internal error (Lambda.Unknown)"},
		{"States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded: 1 of 3 items failed; the first with States.Timeout: Task timed out after 900 seconds",
			"a workflow step timed out; please try again or contact support"},
		{"States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded",
			"internal error (States.ExceedToleratedFailureThreshold): The specified tolerated failure threshold was exceeded"},
	}
	for _, tc := range tests {
		if got := FailureReason(tc.name, tc.cause); got != tc.want {
			t.Errorf("FailureReason(%q, %q) = %q, want %q", tc.name, tc.cause, got, tc.want)
		}
	}
}

func TestMarkFailed(t *testing.T) {
	ctx := context.Background()
	in := MarkFailedInput{JobID: "j1", Error: "InvalidInputError", Cause: "sample.vcf: line 3: bad REF"}

	f := newFixture(t)
	out, err := f.t.MarkFailed(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	j := f.job(t, "j1")
	if j.Status != domain.StatusFailed || j.Error != "sample.vcf: line 3: bad REF" || j.CompletedAt.IsZero() {
		t.Errorf("job %s %q %v", j.Status, j.Error, j.CompletedAt)
	}
	if out.Status != "FAILED" || out.Reason != j.Error {
		t.Errorf("out %+v", out)
	}
	// Idempotent: a second call (different cause even) changes nothing.
	f.now = f.now.Add(1e9)
	if _, err := f.t.MarkFailed(ctx, MarkFailedInput{JobID: "j1", Error: "X"}); err != nil {
		t.Fatal(err)
	}
	if j2 := f.job(t, "j1"); j2.Error != j.Error || !j2.CompletedAt.Equal(j.CompletedAt) {
		t.Errorf("second call changed the job: %+v", j2)
	}

	// A completed job keeps its result and status.
	f = completed(t, "u1")
	if _, err := f.t.MarkFailed(ctx, MarkFailedInput{JobID: "j1", Error: "States.Timeout"}); err != nil {
		t.Fatal(err)
	}
	if j := f.job(t, "j1"); j.Status != domain.StatusCompleted || j.ResultState != domain.ResultAvailable || j.Error == "" {
		t.Errorf("completed job: %s %s %q", j.Status, j.ResultState, j.Error)
	}
}
