package s3blob

import (
	"testing"

	"github.com/gasproject/gas/internal/audit/audittest"
)

// The audit bucket's adapter: a record is written once (If-None-Match: *),
// never replaced, also by writers racing each other.
func TestWriteOnceContract(t *testing.T) {
	client, _, _ := newFake(t)
	audittest.ArchiveContract(t, New(client, testBucket))
}
