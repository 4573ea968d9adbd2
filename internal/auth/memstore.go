package auth

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// MemStore is an in-memory Store: the reference for the contract tests and
// a fake for handler tests. It forgets everything on restart.
type MemStore struct {
	mu        sync.Mutex
	sessions  map[string]Session
	tokens    map[string]Token // by hash
	passwords map[string]string
	hits      map[string]memWindow
}

type memWindow struct {
	start time.Time
	n     int
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		sessions: map[string]Session{}, tokens: map[string]Token{},
		passwords: map[string]string{}, hits: map[string]memWindow{},
	}
}

func (m *MemStore) CreateSession(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.IDHash]; ok {
		return fmt.Errorf("session: %w", domain.ErrConflict)
	}
	m.sessions[s.IDHash] = s
	return nil
}

func (m *MemStore) GetSession(_ context.Context, idHash string, now time.Time) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[idHash]
	if !ok || !now.Before(s.ExpiresAt) {
		return Session{}, fmt.Errorf("session: %w", domain.ErrNotFound)
	}
	return s, nil
}

func (m *MemStore) DeleteSession(_ context.Context, idHash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, idHash)
	return nil
}

func (m *MemStore) CreateToken(_ context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.Hash]; ok {
		return fmt.Errorf("token: %w", domain.ErrConflict)
	}
	m.tokens[t.Hash] = t
	return nil
}

func (m *MemStore) GetTokenByHash(_ context.Context, hash string) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[hash]
	if !ok {
		return Token{}, fmt.Errorf("token: %w", domain.ErrNotFound)
	}
	return t, nil
}

func (m *MemStore) ListTokens(_ context.Context, userID string) ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Token
	for _, t := range m.tokens {
		if t.UserID == userID {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (m *MemStore) DeleteToken(_ context.Context, userID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, t := range m.tokens {
		if t.ID == id && t.UserID == userID {
			delete(m.tokens, h)
			return nil
		}
	}
	return fmt.Errorf("token %s: %w", id, domain.ErrNotFound)
}

func (m *MemStore) SetPasswordHash(_ context.Context, userID, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.passwords[userID] = hash
	return nil
}

func (m *MemStore) PasswordHash(_ context.Context, userID string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.passwords[userID]
	if !ok {
		return "", fmt.Errorf("password of %s: %w", userID, domain.ErrNotFound)
	}
	return h, nil
}

func (m *MemStore) Hit(_ context.Context, key string, window time.Duration, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.hits[key]
	if w.n == 0 || !now.Before(w.start.Add(window)) {
		w = memWindow{start: now}
	}
	w.n++
	m.hits[key] = w
	return w.n, nil
}
