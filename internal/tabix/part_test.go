package tabix

import (
	"bytes"
	"fmt"
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
	parts := [][]string{chr1[:1500], chr1[1500:3999], append(chr1[3999:], chr2[:5]...), chr2[5:]}
	data, x, err := joinParts(t, parts)
	if err != nil {
		t.Fatal(err)
	}
	scanned, err := ScanVCF(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var got, want bytes.Buffer
	if err := x.WriteTBI(&got); err != nil {
		t.Fatal(err)
	}
	if err := scanned.WriteTBI(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("index of the joined parts (%d bytes) differs from a scan of the joined file (%d bytes)", got.Len(), want.Len())
	}
}

func TestJoinedPartsRefuseUnsorted(t *testing.T) {
	_, _, err := joinParts(t, [][]string{{"1\t500\t.\tA\tG\t.\t.\t."}, {"2\t400\t.\tA\tG\t.\t.\t."}, {"1\t600\t.\tA\tG\t.\t.\t."}})
	if err == nil || !strings.Contains(err.Error(), "two separate blocks") {
		t.Fatalf("err = %v", err)
	}
}
