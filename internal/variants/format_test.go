package variants

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestVersion3StillReads: an index written in version 3 (filter sections
// not compressed; testdata holds one a version-3 build made of the annotated VCF
// beside it) answers every query as the index this build makes of the
// same VCF.
func TestVersion3StillReads(t *testing.T) {
	old, err := os.ReadFile("testdata/v3-chr21_vep_test.idx")
	if err != nil {
		t.Fatal(err)
	}
	v3, err := Open(bytes.NewReader(old), int64(len(old)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/v3-chr21_vep_test.vcf.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	vcf, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	v4 := build(t, vcf)
	if v3.f.Version != 3 || v4.f.Version != version || v3.Rows() != v4.Rows() || v3.Rows() == 0 {
		t.Fatalf("versions %d and %d, %d and %d rows", v3.f.Version, v4.f.Version, v3.Rows(), v4.Rows())
	}
	for _, qs := range queryCases {
		vals, _ := url.ParseQuery(qs)
		q, err := ParseQuery(vals)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1000, 7} {
			q.Limit = limit
			got, gotTotals := allPages(t, v3, q, 0)
			want, wantTotals := allPages(t, v4, q, 0)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotTotals, wantTotals) || len(wantTotals) == 0 {
				t.Fatalf("%q limit %d: version 3 gives %d rows (totals %v), version %d %d (%v)", qs, limit, len(got), gotTotals, version, len(want), wantTotals)
			}
		}
	}
}

// TestCorruptSectionsFailTheQuery: a filter section that does not
// decompress to what the block directory says, or a display section that
// does not decode, fails the query that reads it, naming the block.
func TestCorruptSectionsFailTheQuery(t *testing.T) {
	var idx bytes.Buffer
	b := NewBuilder(&idx)
	if _, err := b.Write(annotated(t, "test.vcf")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	blk := b.Part().Footer.Blocks[0]
	cases := []struct {
		name  string
		at    int64  // where the bytes go
		bytes []byte // over the section's start
		query string
		want  string
	}{
		{"filter of another length", blk.Off, []byte{0}, "sort=gene", "variant index: block 0: filter data is corrupt"},
		{"filter not s2", blk.Off + 3, []byte{0xff, 0xff, 0xff}, "sort=gene", "variant index: block 0: filter data is corrupt"},
		{"display dictionary too long", blk.Off + int64(blk.FilterLen), []byte{0xff, 0xff, 0xff, 0x0f}, "", "variant index: block 0: display data is corrupt"},
	}
	for _, c := range cases {
		bad := bytes.Clone(idx.Bytes())
		copy(bad[c.at:], c.bytes)
		ix, err := Open(bytes.NewReader(bad), int64(len(bad)))
		if err != nil {
			t.Fatal(err)
		}
		vals, _ := url.ParseQuery(c.query)
		q, err := ParseQuery(vals)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Query(q); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}
