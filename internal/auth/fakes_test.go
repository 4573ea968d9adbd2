package auth_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// fakeProfiles is a hand-written in-memory domain.Profiles.
type fakeProfiles struct {
	mu sync.Mutex
	m  map[string]domain.Profile
}

func newFakeProfiles() *fakeProfiles { return &fakeProfiles{m: map[string]domain.Profile{}} }

func (f *fakeProfiles) Create(_ context.Context, p domain.Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.m {
		if q.ID == p.ID || q.Email == p.Email {
			return domain.ErrConflict
		}
	}
	f.m[p.ID] = p
	return nil
}

func (f *fakeProfiles) Get(_ context.Context, id string) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[id]
	if !ok {
		return p, fmt.Errorf("profile %s: %w", id, domain.ErrNotFound)
	}
	return p, nil
}

func (f *fakeProfiles) GetByEmail(_ context.Context, email string) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.m {
		if p.Email == email {
			return p, nil
		}
	}
	return domain.Profile{}, fmt.Errorf("profile %s: %w", email, domain.ErrNotFound)
}

func (f *fakeProfiles) Update(_ context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[id]
	if !ok {
		return p, domain.ErrNotFound
	}
	if err := fn(&p); err != nil {
		return domain.Profile{}, err
	}
	f.m[id] = p
	return p, nil
}
