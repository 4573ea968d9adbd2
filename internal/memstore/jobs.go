package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// defaultPage is the page size when the caller gives no limit.
const defaultPage = 50

// Jobs is domain.Jobs in memory. Update holds the store's lock while fn
// runs, so read-modify-writes never interleave.
type Jobs struct {
	// PageCap, when positive, caps every page, so a test can make callers
	// follow cursors with few jobs.
	PageCap int

	mu   sync.Mutex
	jobs map[string]domain.Job
}

var _ domain.Jobs = (*Jobs)(nil)

// NewJobs returns a store holding js.
func NewJobs(js ...domain.Job) *Jobs {
	return &Jobs{jobs: byID(js, func(j domain.Job) string { return j.ID })}
}

func (s *Jobs) Create(ctx context.Context, j domain.Job) error {
	return s.CreateWithin(ctx, j, domain.JobQuota{})
}

// CreateWithin counts and inserts under the store's lock.
func (s *Jobs) CreateWithin(_ context.Context, j domain.Job, q domain.JobQuota) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := absent(s.jobs, j.ID, "job "+j.ID); err != nil {
		return err
	}
	var open, today int64
	var oldest time.Time
	for _, o := range s.jobs {
		if o.UserID != j.UserID {
			continue
		}
		if domain.Unfinished(o.Status) {
			open++
		}
		if !o.SubmittedAt.Before(q.Since) {
			today++
			if oldest.IsZero() || o.SubmittedAt.Before(oldest) {
				oldest = o.SubmittedAt
			}
		}
	}
	switch {
	case q.PerDay > 0 && today >= q.PerDay:
		return &domain.QuotaError{Limit: domain.LimitJobsPerDay, Oldest: oldest}
	case q.Concurrent > 0 && open >= q.Concurrent:
		return &domain.QuotaError{Limit: domain.LimitConcurrentJobs}
	}
	s.jobs[j.ID] = cloneJob(j)
	return nil
}

func (s *Jobs) Get(_ context.Context, id string) (domain.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := lookup(s.jobs, id, "job "+id)
	if err != nil {
		return domain.Job{}, err
	}
	return cloneJob(j), nil
}

func (s *Jobs) Update(_ context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := lookup(s.jobs, id, "job "+id)
	if err != nil {
		return domain.Job{}, err
	}
	j = cloneJob(j) // fn must not reach the stored copy if it fails
	if err := fn(&j); err != nil {
		return domain.Job{}, err
	}
	if j.ID != id {
		return domain.Job{}, fmt.Errorf("update job %s: id changed to %s: %w", id, j.ID, domain.ErrInvalid)
	}
	s.jobs[id] = j
	return cloneJob(j), nil
}

func (s *Jobs) ListByUser(ctx context.Context, userID string, p domain.Page) ([]domain.Job, string, error) {
	return s.List(ctx, domain.JobFilter{UserID: userID}, p)
}

// List pages newest first; the cursor is the last job's submitted time and id.
func (s *Jobs) List(_ context.Context, f domain.JobFilter, p domain.Page) ([]domain.Job, string, error) {
	after, err := parseCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultPage
	}
	if s.PageCap > 0 {
		limit = min(limit, s.PageCap)
	}
	s.mu.Lock()
	var all []domain.Job
	for _, j := range s.jobs {
		if (f.UserID == "" || j.UserID == f.UserID) && (f.Status == "" || j.Status == f.Status) &&
			(f.ResultState == "" || j.ResultState == f.ResultState) &&
			(after == nil || newer(*after, j)) {
			all = append(all, cloneJob(j))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b domain.Job) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	if len(all) <= limit {
		return all, "", nil
	}
	last := all[limit-1]
	return all[:limit], strconv.FormatInt(last.SubmittedAt.UnixNano(), 10) + "." + last.ID, nil
}

// Delete drops a job, as an operator cleaning the table would (for tests of
// handlers that meet a vanished job).
func (s *Jobs) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.jobs, id)
}

// All returns every job, ordered by id.
func (s *Jobs) All() []domain.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, cloneJob(j))
	}
	slices.SortFunc(out, func(a, b domain.Job) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// newer reports whether a lists before b: later submitted, ties by id descending.
func newer(a, b domain.Job) bool {
	if c := a.SubmittedAt.Compare(b.SubmittedAt); c != 0 {
		return c > 0
	}
	return cmp.Compare(a.ID, b.ID) > 0
}

func parseCursor(c string) (*domain.Job, error) {
	if c == "" {
		return nil, nil
	}
	nanos, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, fmt.Errorf("cursor %q: %w", c, domain.ErrInvalid)
	}
	return &domain.Job{ID: id, SubmittedAt: time.Unix(0, n)}, nil
}

func cloneJob(j domain.Job) domain.Job {
	j.Summary = slices.Clone(j.Summary)
	return j
}
