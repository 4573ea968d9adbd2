package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// MemStore is an in-memory Store for this package's tests (in a _test.go
// file, so it ships in no binary; the runner's stores are internal/sqlite and
// any other asl.Store). It passes asltest.StoreContract (memstore_test.go).
type MemStore struct {
	mu     sync.Mutex
	recs   map[string]Record // by ID
	byName map[string]string // StateMachine + "\x00" + Name -> ID
	events map[string][]domain.HistoryEvent
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{recs: map[string]Record{}, byName: map[string]string{}, events: map[string][]domain.HistoryEvent{}}
}

func (s *MemStore) CreateExecution(_ context.Context, rec Record, events []domain.HistoryEvent) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := rec.StateMachine + "\x00" + rec.Name
	if id, ok := s.byName[key]; ok {
		return cloneRecord(s.recs[id]), false, nil
	}
	if _, ok := s.recs[rec.ID]; ok {
		return Record{}, false, fmt.Errorf("create execution %s: id exists: %w", rec.ID, domain.ErrConflict)
	}
	s.byName[key] = rec.ID
	s.recs[rec.ID] = cloneRecord(rec)
	s.events[rec.ID] = slices.Clone(events)
	return cloneRecord(rec), true, nil
}

func (s *MemStore) SaveExecution(_ context.Context, rec Record, events []domain.HistoryEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[rec.ID]; !ok {
		return fmt.Errorf("save execution %s: %w", rec.ID, domain.ErrNotFound)
	}
	s.recs[rec.ID] = cloneRecord(rec)
	s.events[rec.ID] = append(s.events[rec.ID], events...)
	return nil
}

func (s *MemStore) GetExecution(_ context.Context, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[id]
	if !ok {
		return Record{}, fmt.Errorf("execution %s: %w", id, domain.ErrNotFound)
	}
	return cloneRecord(rec), nil
}

func (s *MemStore) ListExecutions(_ context.Context, f domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	s.mu.Lock()
	var all []domain.Execution
	for _, r := range s.recs {
		if MatchFilter(r.Execution, f) {
			all = append(all, r.Execution)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b domain.Execution) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	start := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("list executions: bad cursor %q: %w", p.Cursor, domain.ErrInvalid)
		}
		start = min(n, len(all))
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

func (s *MemStore) UnfinishedExecutions(_ context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.recs {
		if r.Status == domain.ExecRunning {
			out = append(out, cloneRecord(r))
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *MemStore) History(_ context.Context, id string) ([]domain.HistoryEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[id]; !ok {
		return nil, fmt.Errorf("history %s: %w", id, domain.ErrNotFound)
	}
	return slices.Clone(s.events[id]), nil
}

// MatchFilter reports whether e passes f; stores may use it to filter in Go.
// Without a StateMachine only top-level executions match: a Distributed
// Map's children (machine "<parent machine>/<label>") are listed by naming
// their machine, as AWS lists them by map run.
func MatchFilter(e domain.Execution, f domain.ExecutionFilter) bool {
	switch {
	case f.StateMachine != "" && e.StateMachine != f.StateMachine,
		f.StateMachine == "" && isChild(e.StateMachine),
		f.Status != "" && e.Status != f.Status,
		f.NamePrefix != "" && !strings.HasPrefix(e.Name, f.NamePrefix),
		!f.Since.IsZero() && e.StartedAt.Before(f.Since),
		!f.Until.IsZero() && !e.StartedAt.Before(f.Until):
		return false
	}
	return true
}

func cloneRecord(r Record) Record {
	r.Input = slices.Clone(r.Input)
	r.Output = slices.Clone(r.Output)
	r.Checkpoint = slices.Clone(json.RawMessage(r.Checkpoint))
	return r
}
