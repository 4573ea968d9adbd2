package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// mapObjects are stored files in memory: key -> bytes, and which are in GLACIER.
type mapObjects struct {
	data    map[string]string
	glacier map[string]bool
	reads   int64 // bytes read through Get
}

func (m *mapObjects) Head(_ context.Context, key string) (domain.ObjectInfo, error) {
	d, ok := m.data[key]
	if !ok {
		return domain.ObjectInfo{}, fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	}
	class := domain.ClassStandard
	if m.glacier[key] {
		class = domain.ClassGlacier
	}
	return domain.ObjectInfo{Key: key, Size: int64(len(d)), StorageClass: class}, nil
}

func (m *mapObjects) Get(_ context.Context, key string) (io.ReadCloser, error) {
	d, ok := m.data[key]
	switch {
	case !ok:
		return nil, fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	case m.glacier[key]:
		return nil, fmt.Errorf("%s: %w", key, domain.ErrArchived)
	}
	m.reads += int64(len(d))
	return io.NopCloser(strings.NewReader(d)), nil
}

func deletableJob() domain.Job {
	return domain.Job{ID: "j1", UserID: "u1", Status: domain.StatusCompleted, InputKey: "inputs/u1/j1/a.vcf",
		ResultKey: "results/u1/j1/a.annotated.vcf.gz", LogKey: "results/u1/j1/a.log"}
}

// GIVEN a job's files WHEN they are hashed before a delete THEN each readable
// one within the budget has its sha256, and the others their size, storage
// class and a note saying why not (a file in GLACIER never blocks it).
func TestHashBeforeDelete(t *testing.T) {
	j := deletableJob()
	rf := domain.ResultFiles(j.ResultKey)
	files := map[string]string{j.InputKey: "input!", rf[0]: "result bytes", rf[1]: "tbi", j.LogKey: "log"}
	tests := []struct {
		name    string
		budget  int64
		glacier []string
		want    map[string]string // role -> sha256 of these bytes, or "note: <substring>"
	}{
		{"all within the budget", 1 << 20, nil,
			map[string]string{"input": "input!", "result": "result bytes", "tabix": "tbi", "variants": "note: missing when deleted", "log": "log"}},
		{"the result over what is left", 12, nil,
			map[string]string{"input": "input!", "result": "note: not hashed when deleted: 12 bytes, over the 6 bytes left", "tabix": "tbi", "variants": "note: missing when deleted", "log": "log"}},
		{"archived result without a recorded sum", 1 << 20, []string{rf[0]},
			map[string]string{"input": "input!", "result": "note: archived (GLACIER), not readable when deleted", "tabix": "tbi", "variants": "note: missing when deleted", "log": "log"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := &mapObjects{data: files, glacier: map[string]bool{}}
			for _, k := range tc.glacier {
				objs.glacier[k] = true
			}
			got, err := HashBeforeDelete(context.Background(), objs, j, tc.budget)
			if err != nil {
				t.Fatal(err)
			}
			if objs.reads > tc.budget {
				t.Errorf("read %d bytes, budget %d", objs.reads, tc.budget)
			}
			checkObjects(t, got, tc.want)
			for _, o := range got {
				if d, ok := files[o.Key]; ok && o.Size != int64(len(d)) {
					t.Errorf("%s: size %d, want %d", o.Role, o.Size, len(d))
				}
			}
		})
	}
}

// GIVEN a job deleted with its files' sums recorded WHEN its record is
// exported (the files are gone) THEN the objects are those sums, noted
// with when and by whom the job was deleted.
func TestRecordOfADeletedJobHasTheSumsTakenAtTheDelete(t *testing.T) {
	j := deletableJob()
	rf := domain.ResultFiles(j.ResultKey)
	objs := &mapObjects{data: map[string]string{j.InputKey: "input!", rf[0]: "result bytes", rf[1]: "tbi", j.LogKey: "log"}}
	sums, err := HashBeforeDelete(context.Background(), objs, j, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	j.DeletedAt, j.DeletedBy, j.DeletedFiles = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), "u1", sums
	gone := &mapObjects{}
	got, err := HashJobFiles(context.Background(), gone, j)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, map[string]string{"input": "input!", "result": "result bytes", "tabix": "tbi", "log": "log",
		"variants": "note: deleted 2026-12-06T10:00:00Z by u1; missing when deleted"})
	for _, o := range got {
		if !strings.HasPrefix(o.Note, "deleted 2026-12-06T10:00:00Z by u1") || (o.SHA256 != "" && o.StorageClass != domain.ClassStandard) {
			t.Errorf("%s: %+v", o.Role, o)
		}
	}

	// A job deleted before deletes recorded sums: its files are missing.
	j.DeletedFiles = nil
	got, _ = HashJobFiles(context.Background(), gone, j)
	checkObjects(t, got, map[string]string{"input": "note: missing when exported", "result": "note: missing when exported",
		"tabix": "note: missing when exported", "variants": "note: missing when exported", "log": "note: missing when exported"})

	var b strings.Builder
	if err := WriteCSV(&b, Record{Format: 1, Job: &j}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "; deleted 2026-12-06T10:00:00Z by u1\n") {
		t.Errorf("CSV job row lacks the delete:\n%s", b.String())
	}
	// Its state column says DELETED, as the API does, whatever was stored.
	if !strings.Contains(b.String(), ","+string(j.Status)+",DELETED,") {
		t.Errorf("CSV job row's state is not DELETED:\n%s", b.String())
	}
}

func checkObjects(t *testing.T, got []Object, want map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, o := range got {
		seen[o.Role] = true
		w, ok := want[o.Role]
		switch {
		case !ok:
			t.Errorf("unexpected object %+v", o)
		case strings.HasPrefix(w, "note: "):
			if o.SHA256 != "" || !strings.Contains(o.Note, strings.TrimPrefix(w, "note: ")) {
				t.Errorf("%s: %+v, want no sha256 and a note with %q", o.Role, o, strings.TrimPrefix(w, "note: "))
			}
		case o.SHA256 != SHA256Hex([]byte(w)):
			t.Errorf("%s: sha256 %q (note %q), want that of %q", o.Role, o.SHA256, o.Note, w)
		}
	}
	for role := range want {
		if !seen[role] {
			t.Errorf("no %s object in %+v", role, got)
		}
	}
}
