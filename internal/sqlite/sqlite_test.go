package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db := openPath(t, filepath.Join(t.TempDir(), "gas.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// openPath opens the database at path; the caller closes it.
func openPath(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	return db
}

func TestJobsContract(t *testing.T) {
	domaintest.TestJobs(t, func(t *testing.T) domain.Jobs { return openTest(t).Jobs() })
}

func TestProfilesContract(t *testing.T) {
	domaintest.TestProfiles(t, func(t *testing.T) domain.Profiles { return openTest(t).Profiles() })
}

// TestReopen: data survives closing and reopening the file, and reopening
// does not run the migrations again.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gas.db")
	db := openPath(t, path)
	job := domaintest.SampleJob("j1", "u1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err := db.Jobs().Create(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := db.Profiles().Create(ctx, domaintest.SampleProfile("p1", "a@example.org")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openPath(t, path)
	defer db.Close()
	got, err := db.Jobs().Get(ctx, "j1")
	if err != nil || got.ResultKey != job.ResultKey || !got.SubmittedAt.Equal(job.SubmittedAt) {
		t.Errorf("after reopen Get = %+v, %v", got, err)
	}
	if _, err := db.Profiles().GetByEmail(ctx, "A@example.org"); err != nil {
		t.Errorf("after reopen GetByEmail: %v", err)
	}
	var version int
	if err := db.SQL().QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
	var mode string
	if err := db.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// TestNewerSchema: a database written by a newer program is refused, not damaged.
func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gas.db")
	db := openPath(t, path)
	if _, err := db.SQL().Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open of a newer schema: err = %v, want a clear refusal naming the file", err)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		if _, err := Open(path); err == nil {
			t.Errorf("Open(%q) succeeded", path)
		}
	}
	notDB := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(notDB); err == nil || !strings.Contains(err.Error(), notDB) {
		t.Errorf("Open of a non-database: err = %v, want an error naming the file", err)
	}
}

func TestCorruptRowIsAnError(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.Jobs().Create(ctx, domain.Job{ID: "j1", UserID: "u", Status: domain.StatusPending}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`UPDATE jobs SET doc = '{broken' WHERE id = 'j1'`); err != nil {
		t.Fatal(err)
	}
	_, err := db.Jobs().Get(ctx, "j1")
	if err == nil || errors.Is(err, domain.ErrNotFound) || !strings.Contains(err.Error(), "j1") {
		t.Errorf("Get of a corrupt row: err = %v, want a decode error naming the job", err)
	}
}

// TestTwoHandlesOneFile: `gas serve` and a `gas user` command open the same
// file; their read-modify-writes still serialise.
func TestTwoHandlesOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gas.db")
	a := openPath(t, path)
	defer a.Close()
	b := openPath(t, path)
	defer b.Close()
	if err := a.Jobs().Create(ctx, domain.Job{ID: "j", UserID: "u", Status: domain.StatusPending}); err != nil {
		t.Fatal(err)
	}
	const each = 20
	done := make(chan error, 2)
	for _, db := range []*DB{a, b} {
		go func() {
			for i := 0; i < each; i++ {
				if _, err := db.Jobs().Update(ctx, "j", func(j *domain.Job) error {
					n := j.InputSize
					time.Sleep(100 * time.Microsecond)
					j.InputSize = n + 1
					return nil
				}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	got, err := b.Jobs().Get(ctx, "j")
	if err != nil || got.InputSize != 2*each {
		t.Errorf("counter = %d, %v; want %d", got.InputSize, err, 2*each)
	}
}

// TestOddPath: the path goes into a file: URI, so characters special there
// must still name the file the caller gave.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e&f=g ü")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gas.db")
	db := openPath(t, path)
	db.Close()
	if _, err := os.Stat(path); err != nil {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("database not at %s: %v (directory holds %v)", path, err, entries)
	}
}

func TestBadSummaryIsInvalid(t *testing.T) {
	ctx := context.Background()
	jobs := openTest(t).Jobs()
	bad := domain.Job{ID: "j1", UserID: "u", Status: domain.StatusPending, Summary: []byte("{not json")}
	if err := jobs.Create(ctx, bad); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Create with a bad summary: err = %v, want ErrInvalid", err)
	}
	bad.Summary = nil
	if err := jobs.Create(ctx, bad); err != nil {
		t.Fatal(err)
	}
	_, err := jobs.Update(ctx, "j1", func(j *domain.Job) error { j.Summary = []byte("[1,"); return nil })
	if !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Update to a bad summary: err = %v, want ErrInvalid", err)
	}
}
