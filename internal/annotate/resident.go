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
//
// Loading happens outside the lock, so a worker loading one chromosome does
// not stop the others, and the reader announces each chromosome it meets
// (prefetch), so that on sorted input the next chromosome is usually loaded
// by the time a worker reaches it.
type residency struct {
	ref   reference
	limit int

	mu     sync.Mutex
	loaded map[string]*resident // by canonical name
	clock  uint64
	loads  sync.WaitGroup // loads in flight
}

type resident struct {
	ready    chan struct{} // closed when c and err are set
	c        chromosome    // nil: not covered
	err      error
	users    int
	lastUsed uint64
}

func (e *resident) isReady() bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

func newResidency(ref reference, limit int) *residency {
	if limit <= 0 {
		limit = DefaultResidentChromosomes
	}
	return &residency{ref: ref, limit: limit, loaded: map[string]*resident{}}
}

// acquire returns chromosome name (nil when the bundle does not cover it),
// loaded if needed; unless it fails, the caller must call release(canon)
// when done with it.
func (r *residency) acquire(name string) (c chromosome, canon string, err error) {
	canon = refdata.CanonicalChrom(name)
	r.mu.Lock()
	r.clock++
	e := r.loaded[canon]
	if e == nil {
		e = r.start(name, canon)
	}
	e.users++
	e.lastUsed = r.clock
	r.mu.Unlock()
	<-e.ready
	if e.err != nil {
		r.mu.Lock()
		e.users--
		r.mu.Unlock()
		return nil, canon, e.err
	}
	return e.c, canon, nil
}

// prefetch starts loading chromosome name in the background when it is not
// loaded and there is room for it within the limit.
func (r *residency) prefetch(name string) {
	canon := refdata.CanonicalChrom(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded[canon] != nil {
		return
	}
	r.evict(r.limit - 1)
	if len(r.loaded) < r.limit {
		r.clock++
		r.start(name, canon).lastUsed = r.clock
	}
}

// start registers chromosome canon and loads it in a new goroutine; r.mu is held.
func (r *residency) start(name, canon string) *resident {
	e := &resident{ready: make(chan struct{})}
	r.loaded[canon] = e
	r.loads.Add(1)
	go func() {
		defer r.loads.Done()
		e.c, e.err = r.ref.chrom(name)
		if errors.Is(e.err, refdata.ErrNotCovered) {
			e.c, e.err = nil, nil
		}
		close(e.ready)
		r.mu.Lock()
		defer r.mu.Unlock()
		if e.err != nil && r.loaded[canon] == e {
			delete(r.loaded, canon) // a later acquire tries again
		}
		r.evict(r.limit)
	}()
	return e
}

// release ends one use of chromosome canon.
func (r *residency) release(canon string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.loaded[canon]; e != nil {
		e.users--
		r.evict(r.limit)
	}
}

// evict drops least recently used, unheld, loaded chromosomes until at most
// keep remain (not-covered names cost nothing but are dropped the same way);
// r.mu is held.
func (r *residency) evict(keep int) {
	for len(r.loaded) > keep {
		victim, oldest := "", uint64(0)
		for name, e := range r.loaded {
			if e.users == 0 && e.isReady() && (victim == "" || e.lastUsed < oldest) {
				victim, oldest = name, e.lastUsed
			}
		}
		if victim == "" {
			return // all held or loading: over the limit until a worker lets go
		}
		if r.loaded[victim].c != nil {
			r.ref.release(victim)
		}
		delete(r.loaded, victim)
	}
}

// releaseAll waits for the loads in flight and drops every chromosome at
// the end of a run.
func (r *residency) releaseAll() {
	r.loads.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, e := range r.loaded {
		if e.c != nil {
			r.ref.release(name)
		}
		delete(r.loaded, name)
	}
}
