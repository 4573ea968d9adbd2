package annotate

import (
	"errors"
	"sync"

	"github.com/gasproject/gas/internal/refdata"
)

// DefaultResidentChromosomes bounds the chromosomes a run keeps loaded.
// Position-sorted input needs one or two at a time (a batch may straddle a
// boundary); unsorted input keeps the most recently used ones and reloads
// the others when they come back, trading time for flat memory.
const DefaultResidentChromosomes = 3

// residency shares loaded chromosomes between a run's workers: each
// chromosome is loaded once and read by all, and when more than limit are
// loaded, the least recently used one that no worker holds is released
// (reference.release), so memory stays flat however many chromosomes the
// input covers. Workers hold a chromosome for the batch they work on.
type residency struct {
	ref   reference
	limit int

	mu     sync.Mutex
	loaded map[string]*resident // by canonical name
	clock  uint64
}

type resident struct {
	c        chromosome // nil: not covered
	users    int
	lastUsed uint64
}

func newResidency(ref reference, limit int) *residency {
	if limit <= 0 {
		limit = DefaultResidentChromosomes
	}
	return &residency{ref: ref, limit: limit, loaded: map[string]*resident{}}
}

// acquire returns chromosome name (nil when the bundle does not cover it),
// loaded if needed; the caller must call release(canon) when done with it.
func (r *residency) acquire(name string) (c chromosome, canon string, err error) {
	canon = refdata.CanonicalChrom(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	if e := r.loaded[canon]; e != nil {
		e.users++
		e.lastUsed = r.clock
		return e.c, canon, nil
	}
	c, err = r.ref.chrom(name)
	if errors.Is(err, refdata.ErrNotCovered) {
		c, err = nil, nil
	}
	if err != nil {
		return nil, canon, err
	}
	r.loaded[canon] = &resident{c: c, users: 1, lastUsed: r.clock}
	r.evict()
	return c, canon, nil
}

// release ends one use of chromosome canon.
func (r *residency) release(canon string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.loaded[canon]; e != nil {
		e.users--
		r.evict()
	}
}

// evict drops least recently used, unheld chromosomes beyond the limit
// (not-covered names cost nothing but are dropped the same way).
func (r *residency) evict() {
	for len(r.loaded) > r.limit {
		victim, oldest := "", uint64(0)
		for name, e := range r.loaded {
			if e.users == 0 && (victim == "" || e.lastUsed < oldest) {
				victim, oldest = name, e.lastUsed
			}
		}
		if victim == "" {
			return // all held: over the limit until a worker lets go
		}
		if r.loaded[victim].c != nil {
			r.ref.release(victim)
		}
		delete(r.loaded, victim)
	}
}

// releaseAll drops every chromosome at the end of a run.
func (r *residency) releaseAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, e := range r.loaded {
		if e.c != nil {
			r.ref.release(name)
		}
		delete(r.loaded, name)
	}
}
