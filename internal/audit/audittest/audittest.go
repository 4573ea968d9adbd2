// Package audittest is the contract suite of audit.Archive: every store that
// keeps audit records (fsblob locally, s3blob on the audit bucket) runs it.
package audittest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// ArchiveContract checks write-once: the first PutOnce of a key stores it,
// any later one (also concurrent ones) fails with domain.ErrConflict and
// leaves the first bytes in place.
func ArchiveContract(t *testing.T, a audit.Archive) {
	ctx := context.Background()
	key := audit.Key("job-1")

	// GIVEN nothing archived WHEN the record is read THEN it is not found.
	if _, err := a.Get(ctx, key); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Get of an absent record: err = %v, want ErrNotFound", err)
	}
	if err := a.PutOnce(ctx, key, strings.NewReader("first")); err != nil {
		t.Fatalf("first PutOnce: %v", err)
	}
	// WHEN another write of the same key comes THEN it is refused.
	if err := a.PutOnce(ctx, key, strings.NewReader("second")); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second PutOnce: err = %v, want ErrConflict", err)
	}
	// AND concurrent writers of a new key: exactly one wins.
	key2 := audit.Key("job-2")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			errs[i] = a.PutOnce(ctx, key2, strings.NewReader("writer "+string(rune('a'+i))))
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, domain.ErrConflict):
			t.Errorf("concurrent PutOnce: %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent PutOnce calls succeeded, want 1", wins)
	}
	// THEN the first bytes stay.
	if got := read(t, a, key); got != "first" {
		t.Errorf("record after a refused overwrite = %q, want %q", got, "first")
	}
}

func read(t *testing.T, a audit.Archive, key string) string {
	t.Helper()
	return string(domaintest.Read(t, a, key))
}
