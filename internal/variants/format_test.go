package variants

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestOldVersionsStillRead: an index written in version 3 (filter sections
// not compressed) or 4 (the rows' text in display sections; testdata holds
// one of each, built of the annotated VCF beside them) answers every query
// as the index this build makes of the same VCF, and needs no result.
func TestOldVersionsStillRead(t *testing.T) {
	for _, v := range []int{3, 4} {
		t.Run(strconv.Itoa(v), func(t *testing.T) { testOldVersion(t, v) })
	}
}

func testOldVersion(t *testing.T, v int) {
	old, err := os.ReadFile(fmt.Sprintf("testdata/v%d-chr21_vep_test.idx", v))
	if err != nil {
		t.Fatal(err)
	}
	v3, err := Open(bytes.NewReader(old), int64(len(old)), nil)
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
	if v3.f.Version != v || v4.f.Version != version || v3.Rows() != v4.Rows() || v3.Rows() == 0 {
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
				t.Fatalf("%q limit %d: version %d gives %d rows (totals %v), version %d %d (%v)", qs, limit, v, len(got), gotTotals, version, len(want), wantTotals)
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
	vcf := annotated(t, "test.vcf")
	if _, err := b.Write(vcf); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(PlainResult); err != nil {
		t.Fatal(err)
	}
	blk := b.Part().Footer.Blocks[0]
	head := bytes.Index(vcf, []byte("\n#CHROM")) + 1
	first := head + bytes.IndexByte(vcf[head:], '\n') + 1 // the first record's line
	inside := binary.LittleEndian.AppendUint64(nil, uint64(first+3))
	cases := []struct {
		name  string
		at    int64  // where the bytes go
		bytes []byte // over the section's start
		query string
		want  string
	}{
		{"filter of another length", blk.Off, []byte{0}, "sort=gene", "variant index: block 0: filter data is corrupt"},
		{"filter not s2", blk.Off + 3, []byte{0xff, 0xff, 0xff}, "sort=gene", "variant index: block 0: filter data is corrupt"},
		{"anchor elsewhere in the result", blk.AnchorOff + anchorLen, []byte{0, 0, 0, 0, 0, 0, 0, 0}, "limit=1000", "variant index: block 0, rows 128-255: a header line where a record was expected: the result does not match the index"},
		{"anchor beyond the result", blk.AnchorOff + anchorLen, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, "limit=1000", "variant index: block 0, rows 128-255: the result ends before the group's rows: the result does not match"},
		{"anchor inside a line", blk.AnchorOff, inside, "", "variant index: block 0"},
		{"anchor's skip too large", blk.AnchorOff + 8, []byte{0xff, 0xff, 0xff, 0}, "", "variant index: block 0, rows 0-127: the result ends before the group's rows"},
	}
	for _, c := range cases {
		bad := bytes.Clone(idx.Bytes())
		copy(bad[c.at:], c.bytes)
		vals, _ := url.ParseQuery(c.query)
		q, err := ParseQuery(vals)
		if err != nil {
			t.Fatal(err)
		}
		// Open reads the first and the last row: what it reads fails there.
		ix, err := Open(bytes.NewReader(bad), int64(len(bad)), bytes.NewReader(vcf))
		if err == nil {
			_, err = ix.Query(q)
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}
