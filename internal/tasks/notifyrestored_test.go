package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestLatestOutcomes(t *testing.T) {
	ok := func(id string) RestoreResult { return RestoreResult{JobID: id, Restored: true} }
	bad := func(id, e string) RestoreResult { return RestoreResult{JobID: id, Error: e} }
	tests := []struct {
		name       string
		rounds     json.RawMessage
		want       []RestoreResult
		wantRounds int
		wantErr    string
	}{
		{name: "one round", rounds: NestRounds([]RestoreResult{ok("a"), bad("b", "X")}),
			want: []RestoreResult{ok("a"), bad("b", "X")}, wantRounds: 1},
		{name: "retried job: latest wins, listed once, first order kept",
			rounds: NestRounds([]RestoreResult{bad("a", "X"), ok("b"), bad("c", "Y")}, []RestoreResult{ok("a"), bad("c", "Z")}, []RestoreResult{bad("c", "W")}),
			want:   []RestoreResult{ok("a"), ok("b"), bad("c", "W")}, wantRounds: 3},
		{name: "job archived meanwhile, only in a later round",
			rounds: NestRounds([]RestoreResult{bad("a", "X")}, []RestoreResult{ok("a"), ok("n")}),
			want:   []RestoreResult{ok("a"), ok("n")}, wantRounds: 2},
		{name: "as the state machine writes it", rounds: json.RawMessage(`[[{"job_id":"a","restored":true}],[[{"job_id":"a","restored":false,"error":"E"}],[]]]`),
			want: []RestoreResult{ok("a")}, wantRounds: 2},
		{name: "no round", rounds: json.RawMessage(`[]`), wantErr: "no round ran"},
		{name: "missing", rounds: nil, wantErr: "rounds"},
		{name: "flat list", rounds: json.RawMessage(`[{"job_id":"a"}]`), wantErr: "want [results, earlier rounds]"},
		{name: "bad results", rounds: json.RawMessage(`[{"job_id":"a"},[]]`), wantErr: "round 1 from the last"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := LatestOutcomes(tt.rounds)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || n != tt.wantRounds || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %d rounds, %v; want %+v, %d", got, n, err, tt.want, tt.wantRounds)
			}
		})
	}
}

// A failure in an early round says it will be retried; the next round's
// request clears it; the one email counts each job once, by its latest outcome.
func TestRestoreRoundsRetryAndOneEmail(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	for _, id := range []string{"j1", "j3"} {
		if _, err := f.t.RequestRestore(ctx, JobInput{JobID: id}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.t.RestoreFailed(ctx, RestoreFailedInput{JobID: "j1", Error: "errorString", Cause: `{"errorMessage":"reset"}`, Round: 1, Rounds: 3})
	if err != nil || !out.Retrying {
		t.Fatalf("%+v %v", out, err)
	}
	if j := f.job(t, "j1"); !j.RestoreRetrying() || j.RestoreRound != 1 || j.RestoreRounds != 3 || j.ResultState != domain.ResultArchived {
		t.Errorf("after round 1: %+v", j)
	}
	// Round 2 asks again: the job is RESTORING, the old failure gone.
	if _, err := f.t.RequestRestore(ctx, JobInput{JobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	if j := f.job(t, "j1"); j.RestoreError != "" || j.RestoreRound != 0 || j.RestoreRetrying() || j.ResultState != domain.ResultRestoring {
		t.Errorf("after round 2's request: %+v", j)
	}
	for _, id := range []string{"j1", "j3"} {
		f.finishRestore("archive/u1/" + id + "/annotated.vcf.gz")
		for _, step := range []func(context.Context, JobInput) (CopyBackOutput, error){f.t.CopyBack, f.t.MarkAvailable} {
			if _, err := step(ctx, JobInput{JobID: id}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Rounds: NestRounds(
		[]RestoreResult{{JobID: "j1", Error: "errorString"}, {JobID: "j3", Restored: true}},
		[]RestoreResult{{JobID: "j1", Restored: true}})})
	if err != nil {
		t.Fatal(err)
	}
	if n.Restored != 2 || len(n.Failed) != 0 || n.Rounds != 2 || len(f.mail.Sent()) == 0 {
		t.Fatalf("notify %+v", n)
	}
	m := f.mail.Sent()[len(f.mail.Sent())-1]
	if !strings.Contains(m.Text, "2 archived result(s) are available again") || strings.Contains(m.Text, "could not be restored") {
		t.Errorf("mail:\n%s", m.Text)
	}
	for _, id := range []string{"j1", "j3"} {
		if n := strings.Count(m.Text, "http://gas.test/jobs/"+id+"\n"); n != 1 {
			t.Errorf("mail lists %s %d times:\n%s", id, n, m.Text)
		}
	}
	if _, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Rounds: json.RawMessage(`"x"`)}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad rounds: %v", err)
	}
}

// A restore email that cannot be delivered fails the step (the machine
// retries, then ends without it) and is noted on every job it was about.
func TestUndeliveredRestoreMailIsRecordedOnEachJob(t *testing.T) {
	f := archived(t)
	ctx := context.Background()
	f.mail.Fail(errors.New("Throttling: Maximum sending rate exceeded"))
	rounds := NestRounds([]RestoreResult{{JobID: "j1", Restored: true}, {JobID: "j3", Error: "X"}})
	if _, err := f.t.NotifyRestored(ctx, NotifyRestoredInput{UserID: "u1", Rounds: rounds}); err == nil {
		t.Fatal("no error for an undelivered email")
	}
	for _, id := range []string{"j1", "j3"} {
		j, _ := f.jobs.Get(ctx, id)
		if !strings.Contains(j.MailError, "restored") || !strings.Contains(j.MailError, "Maximum sending rate") || j.MailErrorAt.IsZero() {
			t.Errorf("job %s: mail error %q at %v", id, j.MailError, j.MailErrorAt)
		}
	}
}
