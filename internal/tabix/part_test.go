package tabix

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// partLines makes sorted VCF data lines; every 97th is symbolic with INFO/END.
func partLines(chrom string, n int) []string {
	var out []string
	for i := range n {
		pos := 1000 + i*397
		info := "DP=" + strings.Repeat("7", i%250)
		alt := "G"
		if i%97 == 0 {
			alt, info = "<DEL>", fmt.Sprintf("END=%d;%s", pos+40000, info)
		}
		out = append(out, fmt.Sprintf("%s\t%d\t.\tAC\t%s\t.\tPASS\t%s", chrom, pos, alt, info))
	}
	return out
}

// joinParts writes each part through a PartWriter (lines split across
// Writes), joins them with EOF, and indexes the parts with AppendPart.
func joinParts(t *testing.T, parts [][]string) ([]byte, *Indexer, error) {
	t.Helper()
	var all bytes.Buffer
	x := NewIndexer()
	var addErr error
	for i, lines := range parts {
		var buf bytes.Buffer
		w := NewPartWriter(&buf)
		if i == 0 {
			w.Write([]byte("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"))
		}
		for _, l := range lines {
			s := l + "\n"
			w.Write([]byte(s[:len(s)/3]))
			w.Write([]byte(s[len(s)/3:]))
		}
		p, err := w.Close()
		if err != nil {
			t.Fatal(err)
		}
		if p.Size != int64(buf.Len()) {
			t.Fatalf("part %d: Size %d, wrote %d", i, p.Size, buf.Len())
		}
		if err := AppendPart(x, p, int64(all.Len())); err != nil && addErr == nil {
			addErr = err
		}
		all.Write(buf.Bytes())
	}
	all.Write(EOF())
	return all.Bytes(), x, addErr
}

func TestJoinedPartsIndexLikeAScan(t *testing.T) {
	chr1, chr2 := partLines("chr1", 4000), partLines("chr2", 900)
	cases := map[string][][]string{
		"a chromosome over three parts": {chr1[:1500], chr1[1500:3999], slices.Concat(chr1[3999:], chr2[:5]), chr2[5:]},
		"one part":                      {slices.Concat(chr1[:10], chr2[:10])},
		"a part without data lines":     {chr1[:700], {}, chr1[700:]},
		"a part per line":               {chr1[0:1], chr1[1:2], chr1[2:3], chr2[:1]},
	}
	for name, parts := range cases {
		t.Run(name, func(t *testing.T) {
			data, x, err := joinParts(t, parts)
			if err != nil {
				t.Fatal(err)
			}
			scanned, err := ScanVCF(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for _, write := range []func(*Indexer, *bytes.Buffer) error{
				func(x *Indexer, b *bytes.Buffer) error { return x.WriteTBI(b) },
				func(x *Indexer, b *bytes.Buffer) error { return x.WriteCSI(b) },
			} {
				var got, want bytes.Buffer
				if err := write(x, &got); err != nil {
					t.Fatal(err)
				}
				if err := write(scanned, &want); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Fatalf("index of the joined parts (%d bytes) differs from a scan of the joined file (%d bytes)", got.Len(), want.Len())
				}
			}
		})
	}
}

func TestJoinedPartsRefuseUnsorted(t *testing.T) {
	line := func(chrom string, pos int) string { return fmt.Sprintf("%s\t%d\t.\tA\tG\t.\t.\t.", chrom, pos) }
	for _, c := range []struct {
		name  string
		parts [][]string
		want  string
	}{
		{"a chromosome in two parts apart", [][]string{{line("1", 500)}, {line("2", 400)}, {line("1", 600)}}, "1 appears in two separate blocks"},
		{"a chromosome twice in a part", [][]string{{line("1", 500), line("2", 400), line("1", 600)}}, "1 appears in two separate blocks"},
		{"unsorted within a part", [][]string{{line("1", 500), line("1", 400)}}, "1:400 after 1:500"},
		{"unsorted across parts", [][]string{{line("1", 500)}, {line("1", 400), line("1", 900)}}, "1:400 after 1:500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := joinParts(t, c.parts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestAppendPartRefusesACorruptIndex(t *testing.T) {
	var buf bytes.Buffer
	w := NewPartWriter(&buf)
	w.Write([]byte(strings.Join(partLines("chr1", 50), "\n") + "\n"))
	p, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range [][]byte{p.Index[:len(p.Index)-1], append(bytes.Clone(p.Index), 0), {5}, {1, 200}} {
		if err := AppendPart(NewIndexer(), &Part{Size: p.Size, Index: ix}, 0); err != ErrCorruptPart {
			t.Errorf("index % x...: err = %v, want %v", ix[:min(len(ix), 4)], err, ErrCorruptPart)
		}
	}
}

// TestBlockLogWriterPlacesLikeAPartWriter: NewBlockLogWriter writes the
// bytes a PartWriter writes and maps every offset to the same virtual
// offset, without an index.
func TestBlockLogWriterPlacesLikeAPartWriter(t *testing.T) {
	var text bytes.Buffer
	text.WriteString("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	for i := range 20000 {
		fmt.Fprintf(&text, "1\t%d\t.\tA\tG\t.\t.\tDP=%d\n", 100+i*10, i)
	}
	var a, b bytes.Buffer
	pw, bw := NewPartWriter(&a), NewBlockLogWriter(&b)
	for _, w := range []*PartWriter{pw, bw} {
		if _, err := w.Write(text.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	pp, err := pw.Close()
	if err != nil {
		t.Fatal(err)
	}
	bp, err := bw.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) || len(pp.Index) == 0 || len(bp.Index) != 0 || bp.Unsorted == "" || bp.Size != pp.Size {
		t.Fatalf("block log writer: %d bytes (part writer %d), index %d bytes, unsorted %q", b.Len(), a.Len(), len(bp.Index), bp.Unsorted)
	}
	for off := int64(0); off <= int64(text.Len()); off += 997 {
		if pv, bv := pw.Virtual(off), bw.Virtual(off); pv != bv || off > 70000 && pv>>16 == 0 {
			t.Fatalf("offset %d: %#x, %#x", off, pv, bv)
		}
	}
}
