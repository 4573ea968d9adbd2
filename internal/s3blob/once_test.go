package s3blob

import (
	"testing"

	"github.com/gasproject/gas/internal/audit/audittest"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
)

// The audit bucket's adapter: a record is written once (If-None-Match: *),
// never replaced, also by writers racing each other.
func TestWriteOnceContract(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	audittest.ArchiveContract(t, New(client, testBucket))
}
