package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// Profiles is the domain.Profiles adapter.
type Profiles struct {
	db    *sql.DB
	reads *stmtCache                // reads outside transactions (stmts.go)
	docs  *docCache[domain.Profile] // decoded docs (doccache.go)
}

var _ domain.Profiles = (*Profiles)(nil)

// emailKey is the form emails are compared in: case and surrounding space ignored.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Create stores a new profile; ErrConflict if the id or the email exists.
func (s *Profiles) Create(ctx context.Context, p domain.Profile) error {
	if p.ID == "" || emailKey(p.Email) == "" {
		return fmt.Errorf("create profile %q: id and email are required: %w", p.ID, domain.ErrInvalid)
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("create profile %s: encode: %w", p.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO profiles (id, email_key, doc) VALUES (?, ?, ?)`,
		p.ID, emailKey(p.Email), string(doc))
	if isConstraint(err) {
		return fmt.Errorf("create profile %s: id or email %s already registered: %w", p.ID, p.Email, domain.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create profile %s: %w", p.ID, err)
	}
	return nil
}

// Get returns the profile; ErrNotFound if absent.
func (s *Profiles) Get(ctx context.Context, id string) (domain.Profile, error) {
	p, err := getCached(ctx, s.reads, s.docs, "profile", `SELECT id, doc FROM profiles WHERE id = ?`, id)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("get profile %s: %w", id, err)
	}
	return p, nil
}

// GetByEmail finds a profile by email, ignoring case; ErrNotFound if none.
func (s *Profiles) GetByEmail(ctx context.Context, email string) (domain.Profile, error) {
	p, err := getCached(ctx, s.reads, s.docs, "profile", `SELECT id, doc FROM profiles WHERE email_key = ?`, emailKey(email))
	if err != nil {
		return domain.Profile{}, fmt.Errorf("get profile by email %s: %w", email, err)
	}
	return p, nil
}

func getProfile(ctx context.Context, q queryRower, query string, arg string) (domain.Profile, error) {
	return getDoc[domain.Profile](ctx, q, "profile", query, arg)
}

// Update changes a profile inside one write transaction; ErrConflict if the
// new email belongs to another profile. If fn fails nothing is written.
func (s *Profiles) Update(ctx context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	var out domain.Profile
	err := withTx(ctx, s.db, func(tx *sql.Tx) error {
		p, err := getProfile(ctx, tx, `SELECT doc FROM profiles WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		if p.ID != id {
			return fmt.Errorf("the update changed the id to %q: %w", p.ID, domain.ErrInvalid)
		}
		if emailKey(p.Email) == "" {
			return fmt.Errorf("email is required: %w", domain.ErrInvalid)
		}
		doc, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE profiles SET email_key = ?, doc = ? WHERE id = ?`,
			emailKey(p.Email), string(doc), id)
		if isConstraint(err) {
			return fmt.Errorf("email %s already registered: %w", p.Email, domain.ErrConflict)
		}
		if err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return domain.Profile{}, fmt.Errorf("update profile %s: %w", id, err)
	}
	return out, nil
}
