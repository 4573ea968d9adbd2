package variants

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/gasproject/gas/internal/tabix"
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

// buildPart indexes one part of the sharded workflow, returning the index
// file, its description and the part's result: the text compressed by a
// tabix.PartWriter, its header dropped unless first (as AnnotateShard
// stores it).
func buildPart(t *testing.T, vcf []byte, first bool) ([]byte, *Part, []byte) {
	t.Helper()
	var z bytes.Buffer
	pw := tabix.NewPartWriter(&z)
	skip := 0
	if !first {
		for skip < len(vcf) && vcf[skip] == '#' {
			skip += bytes.IndexByte(vcf[skip:], '\n') + 1
		}
	}
	if _, err := pw.Write(vcf[skip:]); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	var idx bytes.Buffer
	b := NewBuilder(&idx)
	if _, err := b.Write(vcf); err != nil {
		t.Fatal(err)
	}
	if b.Part() != nil {
		t.Fatal("Part before Close is not nil")
	}
	if err := b.Close(func(off int64) uint64 { return pw.Virtual(off - int64(skip)) }); err != nil {
		t.Fatal(err)
	}
	return idx.Bytes(), b.Part(), z.Bytes()
}

// joinParts stores the parts' files one after the other, then Join's tail,
// and the parts' results one after the other, then the BGZF EOF block, as
// the sharded workflow's Merge does: the joined index and result.
func joinParts(files [][]byte, parts []*Part, results [][]byte) (index, result []byte, err error) {
	var offs []int64
	for _, r := range results {
		offs = append(offs, int64(len(result)))
		result = append(result, r...)
	}
	tail, err := Join(parts, offs)
	if err != nil {
		return nil, nil, err
	}
	return append(bytes.Join(files, nil), tail...), append(result, tabix.EOF()...), nil
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
		var files, results [][]byte
		var parts []*Part
		for i, p := range splitVCF(whole, counts...) {
			f, d, r := buildPart(t, p, i == 0)
			files, parts, results = append(files, f), append(parts, d), append(results, r)
		}
		joined, result, err := joinParts(files, parts, results)
		if err != nil {
			t.Fatalf("%v: join: %v", counts, err)
		}
		ix, err := Open(bytes.NewReader(joined), int64(len(joined)), bytes.NewReader(result))
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
	f0, p0, r0 := buildPart(t, splitVCF(vcf, 100)[0], true)
	f1, p1, r1 := buildPart(t, splitVCF(vcf, 100)[1], false)
	other := *p1
	other.Footer.Fields = append([]string{"X"}, p1.Footer.Fields...)
	joined, _, err := joinParts([][]byte{f0, f1}, []*Part{p0, p1}, [][]byte{r0, r1})
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
		b, result, err := joinParts(c.files, c.parts, [][]byte{r0, r1})
		if err == nil {
			_, err = Open(bytes.NewReader(b), int64(len(b)), bytes.NewReader(result))
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
	f0, p0, r0 := buildPart(t, splitVCF(vcf, 100)[0], true)
	f1, p1, r1 := buildPart(t, splitVCF(vcf, 100)[1], false)
	bad, p1 := withFilter(t, f1, p1, 0, func(c filterCols) {
		binary.LittleEndian.PutUint32(c.raw[4*c.n:], uint32(len(p1.Footer.Genes))) // row 0's gene
	})
	joined, result, err := joinParts([][]byte{f0, bad}, []*Part{p0, p1}, [][]byte{r0, r1})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Open(bytes.NewReader(joined), int64(len(joined)), bytes.NewReader(result))
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
	q.Footer.Blocks[bi].FilterLen, q.Footer.Blocks[bi].FilterCRC = len(z), crc32.Checksum(z, castagnoli)
	for i := bi + 1; i < len(q.Footer.Blocks); i++ {
		q.Footer.Blocks[i].Off += int64(len(z) - b.FilterLen)
	}
	for i := range q.Footer.Blocks { // the anchors follow the last block
		q.Footer.Blocks[i].AnchorOff += int64(len(z) - b.FilterLen)
	}
	return out, &q
}

// TestOneIndexRefusesBadIDs: in an index of one part, a filter section's
// gene or consequence id beyond the footer's dictionaries is an error (the
// row would index past them).
func TestOneIndexRefusesBadIDs(t *testing.T) {
	f := &footer{Genes: []Gene{{Symbol: "G1"}}, Csqs: []string{"missense_variant"}}
	for k, name := range []string{"gene", "consequence"} {
		raw := make([]byte, 2*filterWidth)
		binary.LittleEndian.PutUint32(raw[4*2*(k+1)+4:], 1) // row 1's id: one past the dictionary
		if err := f.translate(&blockInfo{}, filterCols{n: 2, raw: raw}); err == nil || err.Error() != "dictionary id out of range" {
			t.Errorf("%s id out of range: %v", name, err)
		}
	}
	if err := f.translate(&blockInfo{}, filterCols{n: 2, raw: make([]byte, 2*filterWidth)}); err != nil {
		t.Errorf("ids in range: %v", err)
	}
}
