package memstore

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

// Auth is an in-memory auth.Store (sessions, API tokens, password hashes,
// rate-limit windows): it passes authtest.StoreContract and serves handler
// tests. It forgets everything on restart.
type Auth struct {
	mu        sync.Mutex
	sessions  map[string]auth.Session
	tokens    map[string]auth.Token // by hash
	passwords map[string]string
	hits      map[string]authWindow
}

type authWindow struct {
	start time.Time
	n     int
}

var _ auth.Store = (*Auth)(nil)

// NewAuth returns an empty Auth.
func NewAuth() *Auth {
	return &Auth{
		sessions: map[string]auth.Session{}, tokens: map[string]auth.Token{},
		passwords: map[string]string{}, hits: map[string]authWindow{},
	}
}

func (m *Auth) CreateSession(_ context.Context, s auth.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return insert(m.sessions, s.IDHash, s, "session")
}

func (m *Auth) GetSession(_ context.Context, idHash string, now time.Time) (auth.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[idHash]
	if !ok || !now.Before(s.ExpiresAt) {
		return auth.Session{}, fmt.Errorf("session: %w", domain.ErrNotFound)
	}
	return s, nil
}

func (m *Auth) DeleteSession(_ context.Context, idHash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, idHash)
	return nil
}

func (m *Auth) DeleteUserSessions(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	maps.DeleteFunc(m.sessions, func(_ string, s auth.Session) bool { return s.UserID == userID })
	return nil
}

func (m *Auth) CreateToken(_ context.Context, t auth.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return insert(m.tokens, t.Hash, t, "token")
}

func (m *Auth) GetTokenByHash(_ context.Context, hash string) (auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return lookup(m.tokens, hash, "token")
}

func (m *Auth) ListTokens(_ context.Context, userID string) ([]auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []auth.Token
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

func (m *Auth) DeleteToken(_ context.Context, userID, id string) error {
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

func (m *Auth) SetPasswordHash(_ context.Context, userID, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.passwords[userID] = hash
	return nil
}

func (m *Auth) PasswordHash(_ context.Context, userID string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return lookup(m.passwords, userID, "password of "+userID)
}

func (m *Auth) Hit(_ context.Context, key string, window time.Duration, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.hits[key]
	if w.n == 0 || !now.Before(w.start.Add(window)) {
		w = authWindow{start: now}
	}
	w.n++
	m.hits[key] = w
	return w.n, nil
}
