package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

type fixture struct {
	s    *Service
	jobs *memstore.Jobs
	prof *memstore.Profiles
	blob *memstore.Blobs
	wf   *fakeWorkflow
}

func newFixture() *fixture {
	f := &fixture{
		jobs: memstore.NewJobs(),
		prof: memstore.NewProfiles(
			domain.Profile{ID: "u1", Role: domain.RoleFree},
			domain.Profile{ID: "p1", Role: domain.RolePremium},
			domain.Profile{ID: "a1", Role: domain.RoleFree, Auditor: true},
		),
		blob: memstore.NewBlobs(nil),
		wf:   &fakeWorkflow{execs: map[string]domain.Execution{}, events: map[string][]domain.HistoryEvent{}},
	}
	f.s = New(Ports{Jobs: f.jobs, Profiles: f.prof, Blobs: f.blob, Workflow: f.wf},
		Config{Retention: 2 * time.Second, FreeCap: 100, UploadLimit: 200})
	return f
}

// vcfOf is a body of n bytes (n >= 21) that starts like a VCF.
func vcfOf(n int) string {
	const head = "##fileformat=VCFv4.2\n"
	return head + strings.Repeat("#", n-len(head))
}

func TestSubmitJob(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	j, err := f.s.SubmitJob(ctx, SubmitRequest{UserID: "u1", FileName: `C:\data\my sample.vcf`, Body: strings.NewReader(vcfOf(30))})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != domain.StatusPending || j.InputName != "my sample.vcf" || j.InputSize != 30 || j.SubmittedAt.IsZero() {
		t.Errorf("job %+v", j)
	}
	if want := "inputs/u1/" + j.ID + "/my_sample.vcf"; j.InputKey != want {
		t.Errorf("key %q, want %q", j.InputKey, want)
	}
	if string(f.blobData(j.InputKey)) != vcfOf(30) {
		t.Error("input not stored")
	}
	e, err := f.wf.Describe(ctx, j.ExecutionID)
	if err != nil || e.Name != j.ID || e.StateMachine != domain.MachineAnnotation {
		t.Fatalf("execution %+v %v", e, err)
	}
	var in map[string]any
	json.Unmarshal(e.Input, &in)
	if in["job_id"] != j.ID || in["user_id"] != "u1" || in["retention_seconds"] != 2.0 {
		t.Errorf("execution input %s", e.Input)
	}
	if stored, _ := f.jobs.Get(ctx, j.ID); stored.ExecutionID != j.ExecutionID {
		t.Errorf("stored job lacks execution id")
	}
}

func TestSubmitJobCaps(t *testing.T) {
	tests := []struct {
		user string
		size int
		ok   bool
	}{
		{"u1", 100, true}, {"u1", 101, false}, // free cap
		{"p1", 200, true}, {"p1", 201, false}, // operator limit
	}
	for _, tc := range tests {
		f := newFixture()
		_, err := f.s.SubmitJob(context.Background(), SubmitRequest{UserID: tc.user, FileName: "x.vcf", Body: strings.NewReader(vcfOf(tc.size))})
		if tc.ok != (err == nil) {
			t.Errorf("%s %d bytes: err %v", tc.user, tc.size, err)
		}
		if !tc.ok && (!errors.Is(err, domain.ErrTooLarge) || len(f.blob.Keys()) != 0 || len(f.jobs.All()) != 0) {
			t.Errorf("%s %d bytes: %v; left %d blobs, %d jobs", tc.user, tc.size, err, len(f.blob.Keys()), len(f.jobs.All()))
		}
	}
}

func TestStartJobFailsTheJobWhenTheWorkflowWillNot(t *testing.T) {
	f := newFixture()
	f.wf.fail = errors.New("throttled")
	_, err := f.s.SubmitJob(context.Background(), SubmitRequest{UserID: "u1", FileName: "x.vcf", Body: strings.NewReader(vcfOf(30))})
	if err == nil {
		t.Fatal("no error")
	}
	for _, j := range f.jobs.All() {
		if j.Status != domain.StatusFailed || j.Error == "" {
			t.Errorf("job left %s %q", j.Status, j.Error)
		}
	}
}

func TestStartJobRejectsForeignKeys(t *testing.T) {
	f := newFixture()
	f.putBlob(t, "inputs/p1/J/x.vcf", "x")
	_, err := f.s.StartJob(context.Background(), StartRequest{UserID: "u1", JobID: "J", FileName: "x.vcf", InputKey: "inputs/p1/J/x.vcf"})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("err = %v", err)
	}
}

func TestEveryUpgradeStartsARestoreOfItsOwnName(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	p, id1, err := f.s.Upgrade(ctx, "u1", "evt_1")
	if err != nil || p.Role != domain.RolePremium || id1 != "restore:"+RestoreExecutionPrefix("u1")+"evt_1" {
		t.Fatalf("upgrade: %+v %q %v, want the restore named after the event", p, id1, err)
	}
	if e := f.wf.execs[id1]; string(e.Input) != `{"user_id":"u1","retry_seconds":900}` {
		t.Errorf("input %s, want the default 15 min between rounds", e.Input)
	}
	// The same event again (processing cut short before the webhook
	// recorded it) finds its restore: no second one.
	if _, again, err := f.s.Upgrade(ctx, "u1", "evt_1"); err != nil || again != id1 || len(f.wf.execs) != 1 {
		t.Errorf("same event again: %q %v (executions %d), want %q and still one", again, err, len(f.wf.execs), id1)
	}
	// Two upgrades in a row start two restores.
	_, id2, err := f.s.Upgrade(ctx, "u1", "evt_2")
	if err != nil || id2 == id1 || len(f.wf.execs) != 2 {
		t.Errorf("second event's restore %q %v (executions %d)", id2, err, len(f.wf.execs))
	}
	// With no event (test mode) every call gets a new random name, even once
	// the others are forgotten (a name counted from the listed executions
	// would repeat).
	delete(f.wf.execs, id1)
	delete(f.wf.execs, id2)
	_, id3, err := f.s.Upgrade(ctx, "u1", "")
	_, id4, err4 := f.s.Upgrade(ctx, "u1", "")
	if err != nil || err4 != nil || id3 == id4 || id3 == id1 || id3 == id2 || len(f.wf.execs) != 2 {
		t.Errorf("test-mode restores %q %q %v %v (executions %d)", id3, id4, err, err4, len(f.wf.execs))
	}
	if name := strings.TrimPrefix(id3, "restore:"); len(name) > 80 {
		t.Errorf("name %q is longer than Step Functions' 80 characters", name)
	}
}

func TestRestoreRefusesAnEventIDThatMakesABadName(t *testing.T) {
	for _, ev := range []string{"evt 1", "evt/1", "evt:1", "evt_" + strings.Repeat("x", 80)} {
		f := newFixture()
		if _, err := f.s.StartRestore(context.Background(), "u1", ev); !errors.Is(err, domain.ErrInvalid) || len(f.wf.execs) != 0 {
			t.Errorf("event %q: %v (executions %d), want ErrInvalid and nothing started", ev, err, len(f.wf.execs))
		}
	}
}

func TestStartRestorePassesRetryDelay(t *testing.T) {
	for _, tt := range []struct {
		retry time.Duration
		want  string
	}{
		{2 * time.Second, `{"user_id":"u1","retry_seconds":2}`},
		{1500 * time.Millisecond, `{"user_id":"u1","retry_seconds":1}`},
		{time.Millisecond, `{"user_id":"u1","retry_seconds":1}`}, // a Wait takes whole seconds
	} {
		f := newFixture()
		f.s = New(f.s.ports, Config{RestoreRetry: tt.retry})
		id, err := f.s.StartRestore(context.Background(), "u1", "")
		if err != nil || string(f.wf.execs[id].Input) != tt.want {
			t.Errorf("RestoreRetry %v: input %s %v, want %s", tt.retry, f.wf.execs[id].Input, err, tt.want)
		}
	}
}

func TestStartJobRefusesAnotherUsersJobID(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	j, err := f.s.SubmitJob(ctx, SubmitRequest{UserID: "p1", FileName: "x.vcf", Body: strings.NewReader(vcfOf(30))})
	if err != nil {
		t.Fatal(err)
	}
	key := InputKey("u1", j.ID, "y.vcf")
	f.putBlob(t, key, "y")
	if _, err := f.s.StartJob(ctx, StartRequest{UserID: "u1", JobID: j.ID, FileName: "y.vcf", InputKey: key}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("err = %v, want ErrConflict", err)
	}
	if got, _ := f.jobs.Get(ctx, j.ID); got.UserID != "p1" || got.Status != domain.StatusPending {
		t.Errorf("the other user's job changed: %+v", got)
	}
}
