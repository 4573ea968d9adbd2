package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// The stores are memstore's; fakeWorkflow is the one port only these tests fake.

// blobData returns the bytes stored at key ("" when absent).
func (f *fixture) blobData(key string) []byte {
	data, _ := f.blob.Data(key)
	return data
}

func (f *fixture) putBlob(t *testing.T, key, body string) {
	t.Helper()
	if err := f.blob.Put(context.Background(), key, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) addJob(t *testing.T, j domain.Job) {
	t.Helper()
	if err := f.jobs.Create(context.Background(), j); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) profile(t *testing.T, id string) domain.Profile {
	t.Helper()
	return domaintest.Stored(t, f.prof.Get, id)
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
