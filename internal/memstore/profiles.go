package memstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// Profiles is domain.Profiles in memory; emails are unique ignoring case.
type Profiles struct {
	mu         sync.Mutex
	profiles   map[string]domain.Profile
	failUpdate error
}

var _ domain.Profiles = (*Profiles)(nil)

// NewProfiles returns a store holding ps.
func NewProfiles(ps ...domain.Profile) *Profiles {
	return &Profiles{profiles: byID(ps, func(p domain.Profile) string { return p.ID })}
}

// FailUpdate makes every Update fail with err (nil heals the store), as a
// locked or unreachable database would.
func (s *Profiles) FailUpdate(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failUpdate = err
}

func (s *Profiles) Create(_ context.Context, p domain.Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := absent(s.profiles, p.ID, "profile "+p.ID); err != nil {
		return err
	}
	if err := s.emailFreeLocked(p); err != nil {
		return err
	}
	s.profiles[p.ID] = p
	return nil
}

func (s *Profiles) Get(_ context.Context, id string) (domain.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return lookup(s.profiles, id, "profile "+id)
}

func (s *Profiles) GetByEmail(_ context.Context, email string) (domain.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.profiles {
		if strings.EqualFold(p.Email, email) {
			return p, nil
		}
	}
	return domain.Profile{}, fmt.Errorf("profile with email %s: %w", email, domain.ErrNotFound)
}

func (s *Profiles) Update(_ context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failUpdate != nil {
		return domain.Profile{}, s.failUpdate
	}
	p, err := lookup(s.profiles, id, "profile "+id)
	if err != nil {
		return domain.Profile{}, err
	}
	if err := fn(&p); err != nil {
		return domain.Profile{}, err
	}
	if p.ID != id {
		return domain.Profile{}, fmt.Errorf("update profile %s: id changed to %s: %w", id, p.ID, domain.ErrInvalid)
	}
	if err := s.emailFreeLocked(p); err != nil {
		return domain.Profile{}, err
	}
	s.profiles[id] = p
	return p, nil
}

// emailFreeLocked fails when another profile than p has p's email (an
// empty email, which no real sign-up makes, is not checked).
func (s *Profiles) emailFreeLocked(p domain.Profile) error {
	if p.Email == "" {
		return nil
	}
	for _, q := range s.profiles {
		if q.ID != p.ID && strings.EqualFold(q.Email, p.Email) {
			return fmt.Errorf("profile %s: email %s is taken: %w", p.ID, p.Email, domain.ErrConflict)
		}
	}
	return nil
}
