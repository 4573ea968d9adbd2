package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// Minimal hand-written fakes of the ports the use cases touch.

type fakeJobs struct {
	mu   sync.Mutex
	jobs map[string]domain.Job
}

func (f *fakeJobs) Create(_ context.Context, j domain.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.jobs[j.ID]; ok {
		return domain.ErrConflict
	}
	f.jobs[j.ID] = j
	return nil
}

func (f *fakeJobs) Get(_ context.Context, id string) (domain.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return j, domain.ErrNotFound
	}
	return j, nil
}

func (f *fakeJobs) Update(_ context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return j, domain.ErrNotFound
	}
	if err := fn(&j); err != nil {
		return domain.Job{}, err
	}
	f.jobs[id] = j
	return j, nil
}

func (f *fakeJobs) ListByUser(context.Context, string, domain.Page) ([]domain.Job, string, error) {
	panic("not used")
}

func (f *fakeJobs) List(context.Context, domain.JobFilter, domain.Page) ([]domain.Job, string, error) {
	panic("not used")
}

type fakeProfiles struct{ users map[string]domain.Profile }

func (f *fakeProfiles) Create(_ context.Context, p domain.Profile) error {
	f.users[p.ID] = p
	return nil
}
func (f *fakeProfiles) Get(_ context.Context, id string) (domain.Profile, error) {
	p, ok := f.users[id]
	if !ok {
		return p, domain.ErrNotFound
	}
	return p, nil
}
func (f *fakeProfiles) GetByEmail(context.Context, string) (domain.Profile, error) {
	return domain.Profile{}, domain.ErrNotFound
}
func (f *fakeProfiles) Update(_ context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	p, ok := f.users[id]
	if !ok {
		return p, domain.ErrNotFound
	}
	if err := fn(&p); err != nil {
		return domain.Profile{}, err
	}
	f.users[id] = p
	return p, nil
}

type fakeBlobs struct{ objs map[string][]byte }

func (f *fakeBlobs) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.objs[key] = b
	return nil
}
func (f *fakeBlobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	b, ok := f.objs[key]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}
func (f *fakeBlobs) Head(_ context.Context, key string) (domain.ObjectInfo, error) {
	b, ok := f.objs[key]
	if !ok {
		return domain.ObjectInfo{}, domain.ErrNotFound
	}
	return domain.ObjectInfo{Key: key, Size: int64(len(b)), StorageClass: domain.ClassStandard}, nil
}
func (f *fakeBlobs) Delete(_ context.Context, key string) error { delete(f.objs, key); return nil }
func (f *fakeBlobs) Copy(context.Context, string, string, domain.StorageClass) error {
	panic("not used")
}
func (f *fakeBlobs) Restore(context.Context, string, domain.RestoreTier, int) error {
	panic("not used")
}

// fakeWorkflow records starts; a name starts once per machine.
type fakeWorkflow struct {
	execs  map[string]domain.Execution // by id
	events map[string][]domain.HistoryEvent
	fail   error
}

func (f *fakeWorkflow) Start(_ context.Context, machine, name string, input json.RawMessage) (string, error) {
	if f.fail != nil {
		return "", f.fail
	}
	id := machine + ":" + name
	if _, ok := f.execs[id]; !ok {
		f.execs[id] = domain.Execution{ID: id, Name: name, StateMachine: machine, Status: domain.ExecRunning, Input: input}
	}
	return id, nil
}
func (f *fakeWorkflow) Describe(_ context.Context, id string) (domain.Execution, error) {
	e, ok := f.execs[id]
	if !ok {
		return e, domain.ErrNotFound
	}
	return e, nil
}
func (f *fakeWorkflow) History(_ context.Context, id string) ([]domain.HistoryEvent, error) {
	if _, ok := f.execs[id]; !ok {
		return nil, fmt.Errorf("%s: %w", id, domain.ErrNotFound)
	}
	return f.events[id], nil
}
func (f *fakeWorkflow) List(_ context.Context, flt domain.ExecutionFilter, p domain.Page) ([]domain.Execution, string, error) {
	var out []domain.Execution
	for _, e := range f.execs {
		if (flt.StateMachine == "" || e.StateMachine == flt.StateMachine) && strings.HasPrefix(e.Name, flt.NamePrefix) {
			out = append(out, e)
		}
	}
	return out, "", nil
}
