package domaintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// base is the submitted time of the first sample job; later jobs are newer.
var base = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)

// SampleJob returns a job with every field set, so a store that drops a field fails the round trip.
func SampleJob(id, user string, submitted time.Time) domain.Job {
	return domain.Job{
		ID:                 id,
		UserID:             user,
		InputName:          "sample ü.vcf",
		InputKey:           "inputs/" + user + "/" + id + "/sample.vcf",
		InputSize:          4096,
		SubmittedAt:        submitted,
		StartedAt:          submitted.Add(time.Second),
		CompletedAt:        submitted.Add(2 * time.Second),
		Status:             domain.StatusCompleted,
		ResultKey:          "results/" + user + "/" + id + "/sample.annot.vcf",
		LogKey:             "results/" + user + "/" + id + "/sample.log",
		Summary:            json.RawMessage(`{"records": 12, "consequences": {"missense_variant": 3}}`),
		ResultState:        domain.ResultAvailable,
		ArchivedAt:         submitted.Add(time.Hour),
		RestoreRequestedAt: submitted.Add(2 * time.Hour),
		RestoreTier:        domain.TierExpedited,
		RestoreReadyBy:     submitted.Add(2*time.Hour + 5*time.Minute),
		RestoredAt:         submitted.Add(2*time.Hour + 4*time.Minute),
		RestoreError:       "",
		RestoreRound:       2,
		RestoreRounds:      3,
		Error:              "",
		ExecutionID:        "exec-" + id,
		RestoreExecution:   "restore-" + user + "-7f3a",
		// A window of 0 bases, which a store must keep apart from "no distance" (the default).
		Options: domain.RunOptions{Transcripts: "pick", Distance: new(0)},
	}
}

// TestJobs runs the domain.Jobs contract. newStore must return an empty store.
func TestJobs(t *testing.T, newStore func(t *testing.T) domain.Jobs) {
	runCases(t, newStore, jobsContract)
	runCases(t, newStore, jobQuotaContract)
}

// jobsContract is the domain.Jobs contract but for CreateWithin (jobQuotaContract).
var jobsContract = []contractCase[domain.Jobs]{
	{"CreateGet", jobsCreateGet},
	{"GetNotFound", jobsNotFound},
	{"CreateDuplicate", jobsDuplicate},
	{"Update", jobsUpdate},
	{"UpdateFnErrorWritesNothing", jobsUpdateFnError},
	{"UpdateConcurrent", jobsUpdateConcurrent},
	{"ListByUserPages", jobsListByUser},
	{"ListFilters", jobsListFilters},
	{"ListBadCursor", jobsBadCursor},
	{"UpdateMovesBetweenFilters", jobsUpdateFilters},
	{"ListOrderIgnoresTimeZone", jobsZones},
}

func jobsCreateGet(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	want := SampleJob("job-1", "user-1", base)
	if err := s.Create(ctx, want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got := mustGet(t, s.Get, "job-1")
	assertJob(t, got, want)

	// A minimal job (zero times, no summary) round-trips too.
	min := domain.Job{ID: "job-2", UserID: "user-1", InputKey: "k", SubmittedAt: base, Status: domain.StatusPending}
	if err := s.Create(ctx, min); err != nil {
		t.Fatalf("Create minimal: %v", err)
	}
	got = mustGet(t, s.Get, "job-2")
	assertJob(t, got, min)
	if !got.StartedAt.IsZero() || !got.ArchivedAt.IsZero() {
		t.Errorf("zero times came back non-zero: started %v archived %v", got.StartedAt, got.ArchivedAt)
	}
}

func jobsNotFound(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get absent: err = %v, want ErrNotFound", err)
	}
	called := false
	_, err := s.Update(ctx, "nope", func(*domain.Job) error { called = true; return nil })
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Update absent: err = %v, want ErrNotFound", err)
	}
	if called {
		t.Error("Update absent called fn")
	}
}

func jobsDuplicate(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	first := SampleJob("dup", "user-1", base)
	if err := s.Create(ctx, first); err != nil {
		t.Fatalf("Create: %v", err)
	}
	second := SampleJob("dup", "user-2", base.Add(time.Minute))
	if err := s.Create(ctx, second); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("Create duplicate: err = %v, want ErrConflict", err)
	}
	got := mustGet(t, s.Get, "dup")
	assertJob(t, got, first) // the loser did not overwrite
}

func jobsUpdate(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	j := domain.Job{ID: "u1", UserID: "user-1", InputKey: "in", SubmittedAt: base, Status: domain.StatusPending}
	if err := s.Create(ctx, j); err != nil {
		t.Fatalf("Create: %v", err)
	}
	started := base.Add(3 * time.Second)
	got, err := s.Update(ctx, "u1", func(j *domain.Job) error {
		if j.Status != domain.StatusPending {
			return fmt.Errorf("status %s: %w", j.Status, domain.ErrConflict)
		}
		j.Status = domain.StatusRunning
		j.StartedAt = started
		j.Summary = json.RawMessage(`{"records":1}`)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := j
	want.Status, want.StartedAt, want.Summary = domain.StatusRunning, started, json.RawMessage(`{"records":1}`)
	assertJob(t, got, want) // Update returns the stored job
	stored := mustGet(t, s.Get, "u1")
	assertJob(t, stored, want)

	// The id is the key: fn may not change it.
	if _, err := s.Update(ctx, "u1", func(j *domain.Job) error { j.ID = "other"; return nil }); err == nil {
		t.Error("Update that changed the id succeeded")
	}
	if _, err := s.Get(ctx, "other"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a job appeared under the changed id: err = %v", err)
	}
}

func jobsUpdateFnError(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	j := SampleJob("e1", "user-1", base)
	if err := s.Create(ctx, j); err != nil {
		t.Fatalf("Create: %v", err)
	}
	boom := errors.New("boom")
	_, err := s.Update(ctx, "e1", func(j *domain.Job) error {
		j.Status = domain.StatusFailed
		j.Error = "should not be stored"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: err = %v, want the fn's error", err)
	}
	got := mustGet(t, s.Get, "e1")
	assertJob(t, got, j)
}

// jobsUpdateConcurrent proves the conditional write: N goroutines each add one
// to a counter through Update; a store that lets two read-modify-writes
// interleave loses increments.
func jobsUpdateConcurrent(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	if err := s.Create(ctx, domain.Job{ID: "c1", UserID: "u", SubmittedAt: base, Status: domain.StatusPending}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				_, err := updateRetrying(ctx, s, "c1", func(j *domain.Job) error {
					n := j.InputSize
					time.Sleep(time.Millisecond) // widen the window between read and write
					j.InputSize = n + 1
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Update: %v", err)
	}
	got := mustGet(t, s.Get, "c1")
	if got.InputSize != workers*each {
		t.Errorf("counter = %d after %d increments: updates were lost", got.InputSize, workers*each)
	}
}

// updateRetrying retries an Update that lost a race (ErrConflict), as callers
// of an optimistic store are expected to; a pessimistic store never loses.
func updateRetrying(ctx context.Context, s domain.Jobs, id string, fn func(*domain.Job) error) (domain.Job, error) {
	for attempt := 0; ; attempt++ {
		j, err := s.Update(ctx, id, fn)
		if !errors.Is(err, domain.ErrConflict) || attempt == 50 {
			return j, err
		}
		time.Sleep(time.Duration(attempt+1) * time.Millisecond)
	}
}

func jobsListByUser(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	// 7 jobs for alice; two share a submitted time so the cursor must break ties by id.
	var want []string
	for i := 0; i < 7; i++ {
		at := base.Add(time.Duration(i) * time.Minute)
		if i == 4 {
			at = base.Add(3 * time.Minute)
		}
		id := fmt.Sprintf("a%d", i)
		if err := s.Create(ctx, SampleJob(id, "alice", at)); err != nil {
			t.Fatalf("Create %s: %v", id, err)
		}
	}
	want = []string{"a6", "a5", "a4", "a3", "a2", "a1", "a0"} // a4 and a3 tie; id descending breaks it
	if err := s.Create(ctx, SampleJob("b0", "bob", base.Add(time.Hour))); err != nil {
		t.Fatalf("Create: %v", err)
	}

	for _, limit := range []int{1, 2, 3, 7, 100} {
		t.Run(fmt.Sprintf("limit%d", limit), func(t *testing.T) {
			var got []string
			for _, j := range ListAll(t, limit, func(p domain.Page) ([]domain.Job, string, error) { return s.ListByUser(ctx, "alice", p) }) {
				if j.UserID != "alice" {
					t.Fatalf("job %s of %s listed for alice", j.ID, j.UserID)
				}
				got = append(got, j.ID)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ids = %v, want %v", got, want)
			}
		})
	}

	js, next, err := s.ListByUser(ctx, "nobody", domain.Page{Limit: 10})
	if err != nil || len(js) != 0 || next != "" {
		t.Errorf("ListByUser(nobody) = %d jobs, next %q, err %v; want none", len(js), next, err)
	}
	// Limit 0 means a default page size, not zero jobs.
	js, _, err = s.ListByUser(ctx, "alice", domain.Page{})
	if err != nil || len(js) == 0 {
		t.Errorf("ListByUser with zero limit = %d jobs, err %v; want a default page", len(js), err)
	}
	// Listed jobs are complete, not just ids.
	if len(js) > 0 {
		assertJob(t, js[0], SampleJob("a6", "alice", base.Add(6*time.Minute)))
	}
}

func jobsListFilters(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	mk := func(id, user string, min int, st domain.JobStatus, rs domain.ResultState) {
		j := SampleJob(id, user, base.Add(time.Duration(min)*time.Minute))
		j.Status, j.ResultState = st, rs
		if err := s.Create(ctx, j); err != nil {
			t.Fatalf("Create %s: %v", id, err)
		}
	}
	mk("j1", "alice", 1, domain.StatusCompleted, domain.ResultArchived)
	mk("j2", "bob", 2, domain.StatusCompleted, domain.ResultAvailable)
	mk("j3", "alice", 3, domain.StatusFailed, "")
	mk("j4", "bob", 4, domain.StatusCompleted, domain.ResultArchived)
	mk("j5", "alice", 5, domain.StatusRunning, "")
	mk("j6", "alice", 6, domain.StatusCompleted, domain.ResultArchived)

	cases := []struct {
		name string
		f    domain.JobFilter
		want []string
	}{
		{"all", domain.JobFilter{}, []string{"j6", "j5", "j4", "j3", "j2", "j1"}},
		{"user", domain.JobFilter{UserID: "bob"}, []string{"j4", "j2"}},
		{"status", domain.JobFilter{Status: domain.StatusCompleted}, []string{"j6", "j4", "j2", "j1"}},
		{"resultState", domain.JobFilter{ResultState: domain.ResultArchived}, []string{"j6", "j4", "j1"}},
		{"userAndState", domain.JobFilter{UserID: "alice", ResultState: domain.ResultArchived}, []string{"j6", "j1"}},
		{"allThree", domain.JobFilter{UserID: "alice", Status: domain.StatusCompleted, ResultState: domain.ResultArchived}, []string{"j6", "j1"}},
		{"none", domain.JobFilter{UserID: "carol"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := jobIDs(ListAll(t, 2, func(p domain.Page) ([]domain.Job, string, error) { return s.List(ctx, c.f, p) }))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ids = %v, want %v", got, c.want)
			}
		})
	}
}

// jobsUpdateFilters: a store that indexes status, result state or owner must
// move the job between listings when Update changes them.
func jobsUpdateFilters(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	j := SampleJob("m1", "alice", base)
	if err := s.Create(ctx, j); err != nil {
		t.Fatalf("Create: %v", err)
	}
	later := base.Add(time.Hour)
	if _, err := s.Update(ctx, "m1", func(j *domain.Job) error {
		j.Status, j.ResultState, j.UserID, j.SubmittedAt = domain.StatusFailed, domain.ResultArchived, "bob", later
		return nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	ids := func(f domain.JobFilter) []string {
		js, _, err := s.List(ctx, f, domain.Page{Limit: 10})
		if err != nil {
			t.Fatalf("List %+v: %v", f, err)
		}
		var out []string
		for _, j := range js {
			out = append(out, j.ID)
		}
		return out
	}
	for _, f := range []domain.JobFilter{{Status: domain.StatusCompleted}, {ResultState: domain.ResultAvailable}, {UserID: "alice"}} {
		if got := ids(f); len(got) != 0 {
			t.Errorf("List %+v = %v after the update moved the job away", f, got)
		}
	}
	for _, f := range []domain.JobFilter{{Status: domain.StatusFailed}, {ResultState: domain.ResultArchived}, {UserID: "bob"}} {
		if got := ids(f); !reflect.DeepEqual(got, []string{"m1"}) {
			t.Errorf("List %+v = %v, want [m1]", f, got)
		}
	}
	js, _, err := s.ListByUser(ctx, "bob", domain.Page{Limit: 10})
	if err != nil || len(js) != 1 || !js[0].SubmittedAt.Equal(later) {
		t.Errorf("ListByUser(bob) = %v, %v; want m1 at its new time", js, err)
	}
}

// jobsZones: the listing order is by instant, whatever zone a time was
// written in (a store that sorts formatted local times gets this wrong).
func jobsZones(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	tokyo, newYork := time.FixedZone("JST", 9*3600), time.FixedZone("EST", -5*3600)
	at := []time.Time{
		base.In(tokyo),                    // z0 oldest, written as a later wall clock
		base.Add(time.Hour).In(newYork),   // z1, written as an earlier wall clock
		base.Add(2 * time.Hour),           // z2 UTC
		base.Add(3 * time.Hour).In(tokyo), // z3 newest
	}
	for i, a := range at {
		if err := s.Create(ctx, SampleJob(fmt.Sprintf("z%d", i), "zoe", a)); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	got := jobIDs(ListAll(t, 3, func(p domain.Page) ([]domain.Job, string, error) { return s.ListByUser(ctx, "zoe", p) }))
	if want := []string{"z3", "z2", "z1", "z0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ids = %v, want %v", got, want)
	}
}

func jobsBadCursor(t *testing.T, s domain.Jobs) {
	ctx := context.Background()
	if err := s.Create(ctx, SampleJob("x", "alice", base)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, cur := range []string{"not a cursor!", "%%%", "AAAA"} {
		if _, _, err := s.ListByUser(ctx, "alice", domain.Page{Limit: 1, Cursor: cur}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ListByUser cursor %q: err = %v, want ErrInvalid", cur, err)
		}
		if _, _, err := s.List(ctx, domain.JobFilter{}, domain.Page{Limit: 1, Cursor: cur}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("List cursor %q: err = %v, want ErrInvalid", cur, err)
		}
	}
}

// mustGet reads id through a store's get, failing the test on an error.
func mustGet[T any](t *testing.T, get func(context.Context, string) (T, error), id string) T {
	t.Helper()
	v, err := get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get %s: %v", id, err)
	}
	return v
}

// assertJob compares jobs field by field, times by instant and JSON by content.
func assertJob(t *testing.T, got, want domain.Job) {
	t.Helper()
	g, w := normJob(got), normJob(want)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.MarshalIndent(g, "", " ")
		wb, _ := json.MarshalIndent(w, "", " ")
		t.Errorf("job %s differs:\ngot  %s\nwant %s", want.ID, gb, wb)
	}
}

func normJob(j domain.Job) domain.Job {
	for _, p := range []*time.Time{&j.SubmittedAt, &j.StartedAt, &j.CompletedAt, &j.ArchivedAt,
		&j.RestoreRequestedAt, &j.RestoreReadyBy, &j.RestoredAt} {
		*p = normTime(*p)
	}
	j.Summary = normJSON(j.Summary)
	return j
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

func normJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
