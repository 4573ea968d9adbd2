package fsblob

import (
	"testing"

	"github.com/gasproject/gas/internal/audit/audittest"
)

// The local audit archive is a Store written only through PutOnce.
func TestWriteOnceContract(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	audittest.ArchiveContract(t, s)
}
