package sqlite

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// jobDocs remembers decoded job docs, keyed by job id together with the
// exact stored text. Decoding the JSON doc of every row was the largest cost
// of a job listing (a quarter of the CPU of GET /api/v1/jobs), while a
// user's recent jobs are listed again and again (the job list page polls for
// status) and change rarely.
//
// A hit needs the stored text to be byte-for-byte the cached one, so a
// changed job (any writer, any process) is decoded afresh: the cache can
// never return stale data, only save work. It holds at most maxJobDocs
// entries and starts over when full, which bounds memory (a few MB) without
// an eviction list.
type jobDocs struct {
	mu sync.Mutex
	m  map[string]cachedJob
}

type cachedJob struct {
	doc string
	job domain.Job
}

const maxJobDocs = 4096

func newJobDocs() *jobDocs { return &jobDocs{m: map[string]cachedJob{}} }

// decode returns the job stored as doc under id.
func (c *jobDocs) decode(id, doc string) (domain.Job, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.doc == doc {
		j := e.job
		// Callers own what they get: no shared backing array.
		j.Summary = bytes.Clone(j.Summary)
		return j, nil
	}
	var j domain.Job
	if err := json.Unmarshal([]byte(doc), &j); err != nil {
		return domain.Job{}, err
	}
	c.mu.Lock()
	if len(c.m) >= maxJobDocs {
		clear(c.m)
	}
	e = cachedJob{doc: doc, job: j}
	e.job.Summary = bytes.Clone(j.Summary)
	c.m[id] = e
	c.mu.Unlock()
	return j, nil
}
