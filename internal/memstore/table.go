package memstore

import (
	"fmt"

	"github.com/gasproject/gas/internal/domain"
)

// The stores keep their records in maps guarded by their own lock; these
// are the two answers every keyed store gives, called with the lock held.

// lookup is the record under key, or domain.ErrNotFound naming what.
func lookup[V any](m map[string]V, key, what string) (V, error) {
	v, ok := m[key]
	if !ok {
		var zero V
		return zero, fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return v, nil
}

// insert stores v under key unless the key is taken (domain.ErrConflict
// naming what).
func insert[V any](m map[string]V, key string, v V, what string) error {
	if err := absent(m, key, what); err != nil {
		return err
	}
	m[key] = v
	return nil
}

// byID indexes records by their id.
func byID[V any](vs []V, id func(V) string) map[string]V {
	m := make(map[string]V, len(vs))
	for _, v := range vs {
		m[id(v)] = v
	}
	return m
}

// absent is nil when key is free, else domain.ErrConflict naming what.
func absent[V any](m map[string]V, key, what string) error {
	if _, ok := m[key]; ok {
		return fmt.Errorf("%s: %w", what, domain.ErrConflict)
	}
	return nil
}
