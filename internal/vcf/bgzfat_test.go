package vcf

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBGZFAtReadsEachBlock: BGZFAt gives every block's text at its offset,
// the next block's offset, io.EOF past the last, and names the offset of
// bytes that are not a whole block.
func TestBGZFAtReadsEachBlock(t *testing.T) {
	text := strings.Repeat("21\t100\t.\tA\tG\t.\t.\tCSQ=G|missense_variant\n", 6000) // several blocks
	var b bytes.Buffer
	w := NewBGZFWriter(&b)
	w.Write([]byte(text))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := b.Bytes()
	counted := &countingReaderAt{r: bytes.NewReader(file)}
	z := NewBGZFAt(counted)
	var got bytes.Buffer
	blocks := 0
	for off := int64(0); ; blocks++ {
		data, next, err := z.Block(off)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || next <= off {
			t.Fatalf("block at %d: next %d, %v", off, next, err)
		}
		got.Write(data)
		off = next
	}
	if got.String() != text || blocks < 4 {
		t.Fatalf("%d blocks gave %d bytes of %d", blocks, got.Len(), len(text))
	}
	// A scan reads larger chunks as it goes: a few reads, not one a block.
	big := make([]byte, 3<<20) // random bases: a quarter of it compressed
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = "ACGT\n"[rnd.IntN(5)]
	}
	var bb bytes.Buffer
	w = NewBGZFWriter(&bb)
	w.Write(big)
	w.Close()
	counted = &countingReaderAt{r: bytes.NewReader(bb.Bytes())}
	z2 := NewBGZFAt(counted)
	n := 0
	for off := int64(0); ; {
		data, next, err := z2.Block(off)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n, off = n+len(data), next
	}
	if n != len(big) || counted.reads > 6 {
		t.Fatalf("scan of %d compressed bytes: %d of %d bytes in %d reads, want at most 6", bb.Len(), n, len(big), counted.reads)
	}
	// The same block again comes from the cache, and a block before it too.
	if a, _, err := z.Block(0); err != nil || !strings.HasPrefix(text, string(a)) {
		t.Fatalf("block 0 again: %v", err)
	}
	for _, c := range []struct {
		name string
		file []byte
		off  int64
		want string
	}{
		{"inside a block", file, 5, "BGZF block at offset 5: not a BGZF block, or cut short"},
		{"cut short", file[:100], 0, "BGZF block at offset 0: not a BGZF block, or cut short"},
		{"plain text", []byte(text), 0, "BGZF block at offset 0: not a BGZF block"},
		{"negative", file, -1, "BGZF block at offset -1: out of range"},
	} {
		if _, _, err := NewBGZFAt(bytes.NewReader(c.file)).Block(c.off); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	bad := bytes.Clone(file)
	bad[30] ^= 0xff // inside block 0's deflate data
	if _, _, err := NewBGZFAt(bytes.NewReader(bad)).Block(0); err == nil || !strings.Contains(err.Error(), "BGZF block at offset 0") {
		t.Errorf("corrupt block: %v", err)
	}
}

// countingReaderAt counts the ReadAt calls made of it.
type countingReaderAt struct {
	r     io.ReaderAt
	reads int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}
