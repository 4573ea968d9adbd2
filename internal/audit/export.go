package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Exporter writes the Record of an execution that has ended.
type Exporter struct {
	Executions Executions
	Jobs       Jobs    // nil: no job record or objects
	Objects    Objects // nil: no object hashes
	Archive    Archive
	Now        func() time.Time // nil: time.Now
	Log        *slog.Logger     // HandleEvent's log; nil: slog.Default()
}

// ErrRunning is returned for an execution that has not ended: its history
// is not final, so it is not exported.
var ErrRunning = errors.New("execution is still running")

// Export archives the execution's record. An execution exported before
// (EventBridge delivers at least once; a restart exports again) is left as
// it is and not an error: exported reports whether this call wrote it.
func (e *Exporter) Export(ctx context.Context, executionID string) (rec Record, exported bool, err error) {
	rec, err = e.Build(ctx, executionID)
	if err != nil {
		return rec, false, err
	}
	data, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return rec, false, fmt.Errorf("export %s: encode: %w", executionID, err)
	}
	key := Key(rec.Execution.Name)
	err = e.Archive.PutOnce(ctx, key, bytes.NewReader(data))
	if errors.Is(err, domain.ErrConflict) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("export %s to %s: %w", executionID, key, err)
	}
	return rec, true, nil
}

// Build reads everything a record holds.
func (e *Exporter) Build(ctx context.Context, executionID string) (Record, error) {
	ex, err := e.Executions.Describe(ctx, executionID)
	if err != nil {
		return Record{}, fmt.Errorf("export %s: %w", executionID, err)
	}
	if ex.Status == domain.ExecRunning {
		return Record{}, fmt.Errorf("export %s: %w", executionID, ErrRunning)
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	rec := Record{Format: FormatVersion, ExportedAt: now().UTC(), Execution: ex, InputSHA256: SHA256Hex(ex.Input)}
	if rec.Events, err = e.Executions.History(ctx, executionID); err != nil {
		return Record{}, fmt.Errorf("export %s: history: %w", executionID, err)
	}
	if rec.MapRuns, err = e.mapRuns(ctx, rec.Events); err != nil {
		return Record{}, fmt.Errorf("export %s: %w", executionID, err)
	}
	if ex.StateMachine != domain.MachineAnnotation || e.Jobs == nil {
		return rec, nil
	}
	j, err := e.Jobs.Get(ctx, ex.Name) // an annotation is named after its job
	if errors.Is(err, domain.ErrNotFound) {
		return rec, nil
	}
	if err != nil {
		return Record{}, fmt.Errorf("export %s: job %s: %w", executionID, ex.Name, err)
	}
	rec.Job = &j
	if e.Objects != nil {
		if rec.Objects, err = HashJobFiles(ctx, e.Objects, j); err != nil {
			return Record{}, fmt.Errorf("export %s: %w", executionID, err)
		}
	}
	return rec, nil
}

func (e *Exporter) mapRuns(ctx context.Context, events []domain.HistoryEvent) ([]MapRun, error) {
	var runs []MapRun
	for _, ev := range events {
		if ev.Type != "MapRunStarted" {
			continue
		}
		l, err := e.Executions.MapRunChildren(ctx, ev, 0) // a record keeps every child
		if err != nil {
			return nil, fmt.Errorf("map run of state %s: %w", ev.StateName, err)
		}
		run := MapRun{ARN: l.ARN, State: ev.StateName, Children: []Child{}}
		for _, c := range l.Children {
			d, err := e.Executions.Describe(ctx, c.ID)
			if err != nil {
				return nil, fmt.Errorf("map run child %s: %w", c.ID, err)
			}
			h, err := e.Executions.History(ctx, c.ID)
			if err != nil {
				return nil, fmt.Errorf("map run child %s: history: %w", c.ID, err)
			}
			run.Children = append(run.Children, Child{Execution: d, Events: h})
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// JobFiles are a job's files by role: its input, result files and log.
func JobFiles(j domain.Job) [][2]string {
	files := [][2]string{{"input", j.InputKey}}
	if j.ResultKey != "" {
		rf := domain.ResultFiles(j.ResultKey)
		files = append(files, [2]string{"result", rf[0]}, [2]string{"tabix", rf[1]}, [2]string{"variants", rf[2]})
	}
	if j.LogKey != "" {
		files = append(files, [2]string{"log", j.LogKey})
	}
	return files
}

// ArchivedRoles are the job files archiving moves to GLACIER (domain.ResultFiles).
var ArchivedRoles = []string{"result", "tabix", "variants"}

// HashJobFiles heads each of the job's files (only those of the given
// roles, when any are given) and hashes those it can read. Missing and
// unreadable (archived) files are listed with a note. A deleted job's files
// are listed as the delete recorded them (Job.DeletedFiles), when it did.
func HashJobFiles(ctx context.Context, objs Objects, j domain.Job, roles ...string) ([]Object, error) {
	h := hasher{objs: objs, when: "exported", left: -1}
	return h.jobFiles(ctx, j, roles)
}

// HashBeforeDelete is HashJobFiles of every file of a job about to be
// deleted, for Job.DeletedFiles, reading at most budget bytes in all: a
// readable file larger than what is left of it is listed with its size and
// storage class and a note instead of its sha256, as is one in GLACIER
// (unless ArchiveIfFree recorded its sha256), so a delete never waits for a
// restore.
func HashBeforeDelete(ctx context.Context, objs Objects, j domain.Job, budget int64) ([]Object, error) {
	h := hasher{objs: objs, when: "deleted", left: budget}
	return h.jobFiles(ctx, j, nil)
}

// jobFiles lists j's files of roles (all when none), each as its delete
// recorded it or hashed now.
func (h *hasher) jobFiles(ctx context.Context, j domain.Job, roles []string) ([]Object, error) {
	var out []Object
	for _, f := range JobFiles(j) {
		if f[1] == "" || (len(roles) > 0 && !slices.Contains(roles, f[0])) {
			continue
		}
		if o, ok := deletedFile(j, f[0], f[1]); ok {
			out = append(out, o)
			continue
		}
		o, err := h.hash(ctx, f[0], f[1], j.FileSHA256[f[0]])
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// deletedFile is the file of role and key as the job's delete recorded it,
// noted with when and by whom it was deleted.
func deletedFile(j domain.Job, role, key string) (Object, bool) {
	if !j.Deleted() {
		return Object{}, false
	}
	for _, o := range j.DeletedFiles {
		if o.Role == role && o.Key == key {
			note := "deleted " + Stamp(j.DeletedAt) + " by " + j.DeletedBy
			if o.SHA256 != "" {
				note += "; size, storage class and sha256 as read just before the delete"
			}
			if o.Note != "" {
				note += "; " + o.Note
			}
			o.Note = note
			return o, true
		}
	}
	return Object{}, false
}

// hasher reads job files for their sha256.
type hasher struct {
	objs Objects
	when string // "exported", "deleted": when the files are read, for the notes
	left int64  // bytes it may still read; negative: no bound
}

// hash hashes one file; recorded is the sha256 taken before the file was
// archived, used when it cannot be read now.
func (h *hasher) hash(ctx context.Context, role, key, recorded string) (Object, error) {
	o := Object{Role: role, Key: key}
	info, err := h.objs.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		o.Note = "missing when " + h.when
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("head %s: %w", key, err)
	}
	o.Size, o.StorageClass = info.Size, info.StorageClass
	if !info.Readable(time.Now()) {
		o.Note = "archived (" + string(info.StorageClass) + "), not readable when " + h.when
		if recorded != "" {
			o.SHA256, o.Note = recorded, "archived ("+string(info.StorageClass)+"): sha256 taken by ArchiveIfFree before the move"
		}
		return o, nil
	}
	if h.left >= 0 && info.Size > h.left {
		o.Note = fmt.Sprintf("not hashed when %s: %d bytes, over the %d bytes left of the hashing budget", h.when, info.Size, h.left)
		return o, nil
	}
	rc, err := h.objs.Get(ctx, key)
	if errors.Is(err, domain.ErrArchived) || errors.Is(err, domain.ErrNotFound) {
		o.Note = "not readable when " + h.when
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, rc)
	if err != nil {
		return o, fmt.Errorf("hash %s: %w", key, err)
	}
	if h.left >= 0 {
		h.left = max(h.left-n, 0)
	}
	o.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return o, nil
}

// SHA256Hex is the hex sha256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Lister lists executions, newest first (domain.Workflow.List).
type Lister interface {
	List(ctx context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error)
}

// Sweep exports the ended executions among the newest limit that have no
// record yet: those that ended while the exporter could not run (a crash
// between an execution's last event and its export, or a data directory
// from before the archive existed). It returns how many it exported.
func (e *Exporter) Sweep(ctx context.Context, l Lister, limit int) (int, error) {
	n, seen := 0, 0
	page := domain.Page{Limit: 100}
	for seen < limit {
		execs, next, err := l.List(ctx, domain.ExecutionFilter{}, page)
		if err != nil {
			return n, fmt.Errorf("sweep: %w", err)
		}
		for _, ex := range execs {
			if seen++; seen > limit {
				break
			}
			if ex.Status == domain.ExecRunning {
				continue
			}
			rc, err := e.Archive.Get(ctx, Key(ex.Name))
			if err == nil {
				rc.Close()
				continue
			}
			if !errors.Is(err, domain.ErrNotFound) {
				return n, fmt.Errorf("sweep: %w", err)
			}
			if _, wrote, err := e.Export(ctx, ex.ID); err != nil {
				return n, fmt.Errorf("sweep: %w", err)
			} else if wrote {
				n++
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	return n, nil
}
