package variants

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
)

// splitVCF cuts annotated VCF text into parts of the given record counts
// (the rest in the last), each with the header, as the sharded workflow does.
func splitVCF(vcf []byte, counts ...int) [][]byte {
	var header, body []string
	for _, l := range strings.SplitAfter(string(vcf), "\n") {
		if strings.HasPrefix(l, "#") {
			header = append(header, l)
		} else if l != "" {
			body = append(body, l)
		}
	}
	h := strings.Join(header, "")
	var parts [][]byte
	for _, n := range counts {
		n = min(n, len(body))
		parts = append(parts, []byte(h+strings.Join(body[:n], "")))
		body = body[n:]
	}
	return append(parts, []byte(h+strings.Join(body, "")))
}

// buildPart indexes one part, returning the file and its description.
func buildPart(t *testing.T, vcf []byte) ([]byte, *Part) {
	t.Helper()
	var idx bytes.Buffer
	b := NewBuilder(&idx)
	if _, err := b.Write(vcf); err != nil {
		t.Fatal(err)
	}
	if b.Part() != nil {
		t.Fatal("Part before Close is not nil")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return idx.Bytes(), b.Part()
}

// joinParts stores the parts' files one after the other, then Join's tail,
// as the sharded workflow's Merge does.
func joinParts(files [][]byte, parts []*Part) ([]byte, error) {
	tail, err := Join(parts)
	if err != nil {
		return nil, err
	}
	return append(bytes.Join(files, nil), tail...), nil
}

// TestJoinMatchesOneIndex: the index joined from parts answers every query
// case as the index of the whole file does (rows, order, totals, pages).
func TestJoinMatchesOneIndex(t *testing.T) {
	whole := append(annotated(t, "chr21_vep_test.vcf"), []byte{}...)
	mt := annotated(t, "test.vcf")
	// Two inputs' records one after the other: chr21, then MT (the MT header is dropped).
	for _, l := range strings.SplitAfter(string(mt), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			whole = append(whole, l...)
		}
	}
	one := build(t, whole)
	for _, counts := range [][]int{{0}, {50, 0, 90}, {1, 131, 100}, {5000}} {
		var files [][]byte
		var parts []*Part
		for _, p := range splitVCF(whole, counts...) {
			f, d := buildPart(t, p)
			files, parts = append(files, f), append(parts, d)
		}
		joined, err := joinParts(files, parts)
		if err != nil {
			t.Fatalf("%v: join: %v", counts, err)
		}
		ix, err := Open(bytes.NewReader(joined), int64(len(joined)))
		if err != nil {
			t.Fatalf("%v: open the joined index: %v", counts, err)
		}
		if ix.Rows() != one.Rows() || !reflect.DeepEqual(ix.Fields(), one.Fields()) {
			t.Fatalf("%v: %d rows, want %d (fields equal: %v)", counts, ix.Rows(), one.Rows(), reflect.DeepEqual(ix.Fields(), one.Fields()))
		}
		for _, qs := range queryCases {
			vals, _ := url.ParseQuery(qs)
			q, err := ParseQuery(vals)
			if err != nil {
				t.Fatal(err)
			}
			q.Limit = 37
			got, gotTotals := allPages(t, ix, q, 0)
			want, wantTotals := allPages(t, one, q, 0)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotTotals, wantTotals) {
				t.Fatalf("%v %q: joined index gives %d rows (totals %v), one index %d (totals %v)",
					counts, qs, len(got), gotTotals[:1], len(want), wantTotals[:1])
			}
		}
	}
}

// TestJoinRefusesBadParts: Join refuses descriptions it cannot join, and
// Open a joined file whose parts are not what the descriptions say.
func TestJoinRefusesBadParts(t *testing.T) {
	vcf := annotated(t, "test.vcf")
	f0, p0 := buildPart(t, splitVCF(vcf, 100)[0])
	f1, p1 := buildPart(t, splitVCF(vcf, 100)[1])
	other := *p1
	other.Footer.Fields = append([]string{"X"}, p1.Footer.Fields...)
	joined, err := joinParts([][]byte{f0, f1}, []*Part{p0, p1})
	if err != nil {
		t.Fatal(err)
	}
	joinedPart := &Part{Size: int64(len(joined))}
	if joinedPart.Footer, err = readFooterOf(joined); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		files [][]byte
		parts []*Part
		want  string
	}{
		{"no description", [][]byte{f0, f1}, []*Part{p0, nil}, "part 1 has no description"},
		{"other layout", [][]byte{f0, f1}, []*Part{p0, &other}, "part 1 has another CSQ layout"},
		{"a joined part", [][]byte{f0, joined}, []*Part{p0, joinedPart}, fmt.Sprintf("part 1 is version %d (joined: true)", version)},
		{"short part", [][]byte{f0, f1}, []*Part{p0, {Footer: p1.Footer, Size: 100}}, "part 1: block 0 out of place"},
		{"truncated", [][]byte{f0, f1[:len(f1)/2]}, []*Part{p0, p1}, "variant index: "},
		{"not an index", [][]byte{f0, []byte("hello, world")}, []*Part{p0, p1}, "variant index: "},
		{"wrong file", [][]byte{f1, f0}, []*Part{p0, p1}, "part 0 is not a GAS variant index"},
	}
	for _, c := range cases {
		b, err := joinParts(c.files, c.parts)
		if err == nil {
			_, err = Open(bytes.NewReader(b), int64(len(b)))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

// TestJoinedIndexRefusesBadIDs: a part whose filter section holds an id its
// dictionary lacks fails the query that reads it, naming the block.
func TestJoinedIndexRefusesBadIDs(t *testing.T) {
	vcf := annotated(t, "test.vcf")
	f0, p0 := buildPart(t, splitVCF(vcf, 100)[0])
	f1, p1 := buildPart(t, splitVCF(vcf, 100)[1])
	bad, p1 := withFilter(t, f1, p1, 0, func(c filterCols) {
		binary.LittleEndian.PutUint32(c.raw[4*c.n:], uint32(len(p1.Footer.Genes))) // row 0's gene
	})
	joined, err := joinParts([][]byte{f0, bad}, []*Part{p0, p1})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(bytes.NewReader(joined), int64(len(joined)))
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(url.Values{"sort": {"gene"}})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("variant index: block %d: dictionary id out of range", len(p0.Footer.Blocks))
	if _, err := ix.Query(q); err == nil || err.Error() != want {
		t.Fatalf("query: err %v, want %q", err, want)
	}
}

func readFooterOf(b []byte) (footer, error) {
	f, err := readFooter(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return footer{}, err
	}
	return *f, nil
}

// withFilter returns part file f, which p describes, with block bi's filter
// columns changed by patch, and the description of the file returned (the
// blocks after bi moved; the part's own footer is left as it was).
func withFilter(t *testing.T, f []byte, p *Part, bi int, patch func(filterCols)) ([]byte, *Part) {
	t.Helper()
	b := p.Footer.Blocks[bi]
	raw, err := s2.Decode(nil, f[b.Off:b.Off+int64(b.FilterLen)])
	if err != nil {
		t.Fatal(err)
	}
	patch(filterCols{n: b.Rows, raw: raw})
	z := s2.Encode(nil, raw)
	out := slices.Concat(f[:b.Off], z, f[b.Off+int64(b.FilterLen):])
	q := *p
	q.Size += int64(len(z) - b.FilterLen)
	q.Footer.Blocks = slices.Clone(p.Footer.Blocks)
	q.Footer.Blocks[bi].FilterLen = len(z)
	for i := bi + 1; i < len(q.Footer.Blocks); i++ {
		q.Footer.Blocks[i].Off += int64(len(z) - b.FilterLen)
	}
	return out, &q
}
