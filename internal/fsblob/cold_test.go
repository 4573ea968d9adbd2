package fsblob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/writeback"
)

// TestPutColdDropsThePages: PutCold stores and replaces objects as Put does,
// and leaves none of the data file's pages in the page cache, where Put
// keeps them (the reader that follows a Put, such as Plan after an upload,
// reads from memory).
func TestPutColdDropsThePages(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := bytes.Repeat([]byte("1\t10\t.\tA\tG\t.\tPASS\t.\n"), 100_000) // 2 MB
	cached := func(key string) int {
		t.Helper()
		m, err := s.load(key)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(s.blobPath(m.Blob))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n, err := writeback.CachedPages(f)
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skip("page cache residency is not known on this system")
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.Put(ctx, "work/u/j/a.vcf", bytes.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	if cached("work/u/j/a.vcf") == 0 {
		t.Skip("no page of an object just put is in the page cache")
	}
	for _, body := range [][]byte{want, want[:1000]} { // a new object, then one replaced
		if err := s.PutCold(ctx, "work/u/j/part-00000.vcf.gz", bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if n := cached("work/u/j/part-00000.vcf.gz"); n > 0 {
			t.Errorf("%d pages of a %d-byte object put cold are in the page cache", n, len(body))
		}
		rc, err := s.Get(ctx, "work/u/j/part-00000.vcf.gz")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("read back %d bytes (%v), want the %d put", len(got), err, len(body))
		}
	}
	if info, err := s.Head(ctx, "work/u/j/part-00000.vcf.gz"); err != nil || info.Size != 1000 || info.StorageClass != domain.ClassStandard {
		t.Fatalf("Head = %+v, %v", info, err)
	}
}
