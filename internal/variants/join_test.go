package variants

import (
	"bytes"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"
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

func joinParts(files [][]byte, parts []*Part) ([]byte, error) {
	var out bytes.Buffer
	err := Join(&out, parts, func(i int) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(files[i])), nil })
	return out.Bytes(), err
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

func TestJoinRefusesBadParts(t *testing.T) {
	vcf := annotated(t, "test.vcf")
	f0, p0 := buildPart(t, splitVCF(vcf, 100)[0])
	f1, p1 := buildPart(t, splitVCF(vcf, 100)[1])
	other := *p1
	other.Footer.Fields = append([]string{"X"}, p1.Footer.Fields...)
	cases := []struct {
		name  string
		files [][]byte
		parts []*Part
		want  string
	}{
		{"no description", [][]byte{f0, f1}, []*Part{p0, nil}, "part 1 has no description"},
		{"other layout", [][]byte{f0, f1}, []*Part{p0, &other}, "part 1 has another CSQ layout"},
		{"truncated", [][]byte{f0, f1[:len(f1)/2]}, []*Part{p0, p1}, "part 1: shorter than its directory says"},
		{"not an index", [][]byte{f0, []byte("hello, world")}, []*Part{p0, p1}, "part 1: not a GAS variant index"},
		{"wrong file", [][]byte{f1, f0}, []*Part{p0, p1}, "part 0:"},
	}
	for _, c := range cases {
		_, err := joinParts(c.files, c.parts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}
