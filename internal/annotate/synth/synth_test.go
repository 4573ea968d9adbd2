package synth

import (
	"bytes"
	"strings"
	"testing"
)

// fakeSeq is a repeating sequence, position-dependent so REF can be checked.
type fakeSeq struct{}

func (fakeSeq) Seq(chrom string, start, end int) (string, error) {
	var b strings.Builder
	for p := start; p <= end; p++ {
		b.WriteByte("ACGGTCAT"[p%8])
	}
	return b.String(), nil
}

func TestWrite(t *testing.T) {
	regions := []Region{{"21", 1001, 6000}, {"MT", 1, 500}}
	var a, b bytes.Buffer
	if err := Write(&a, fakeSeq{}, regions, 10000, 7); err != nil {
		t.Fatal(err)
	}
	Write(&b, fakeSeq{}, regions, 10000, 7)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different output")
	}
	var n, snv, multi, mt int
	lastPos := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(a.String()), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		n++
		var pos int
		for _, c := range f[1] {
			pos = pos*10 + int(c-'0')
		}
		if pos < lastPos[f[0]] {
			t.Fatalf("not sorted at %s", l)
		}
		lastPos[f[0]] = pos
		want, _ := fakeSeq{}.Seq(f[0], pos, pos+len(f[3])-1)
		if f[3] != want {
			t.Fatalf("REF %s at %d, reference says %s", f[3], pos, want)
		}
		if strings.Contains(f[4], ",") {
			multi++
		} else if len(f[3]) == 1 && len(f[4]) == 1 {
			snv++
		}
		if f[0] == "MT" {
			mt++
		}
	}
	if n != 10000 || snv < 7500 || snv > 8800 || multi < 100 || mt < 500 {
		t.Errorf("records %d, SNV %d, multi-allelic %d, MT %d", n, snv, multi, mt)
	}
}
