package memstore

import (
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth/authtest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

func TestJobs(t *testing.T) {
	domaintest.TestJobs(t, func(*testing.T) domain.Jobs { return NewJobs() })
}

func TestAuth(t *testing.T) { authtest.StoreContract(t, NewAuth()) }

func TestProfiles(t *testing.T) {
	domaintest.TestProfiles(t, func(*testing.T) domain.Profiles { return NewProfiles() })
}

// control drives a Blobs on a fake clock for the contract suite.
type control struct {
	*Blobs
	now time.Time
}

func (c *control) Advance(d time.Duration) { c.now = c.now.Add(d) }
func (c *control) Now() time.Time          { return c.now }

func TestBlobs(t *testing.T) {
	domaintest.TestBlobs(t, func(*testing.T) (domain.Blobs, domaintest.BlobControl) {
		c := &control{now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
		c.Blobs = NewBlobs(func() time.Time { return c.now })
		return c.Blobs, c
	})
}
