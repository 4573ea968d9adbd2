package consequence

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// escapeSlow is appendEscaped one byte at a time, as VEP escapes.
func escapeSlow(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',', '|':
			b.WriteByte('&')
		case ';':
			b.WriteString("%3B")
		case '=':
			b.WriteString("%3D")
		case ' ', '\t', '\n', '\r':
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestAppendEscaped puts every byte value at every position of plain text
// of several lengths (word-at-a-time and byte-at-a-time parts) and checks
// appendEscaped against the byte-by-byte definition.
func TestAppendEscaped(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 16, 23} {
		plain := strings.Repeat("ENST0000123.4:c.5A>G"[:min(n, 20)], 2)[:n]
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				s := plain[:pos] + string([]byte{byte(c)}) + plain[pos+1:]
				got := string(appendEscaped([]byte("x"), s))
				if want := "x" + escapeSlow(s); got != want {
					t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
				}
			}
		}
	}
}

func TestHasEscape8(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			w := uint64(0x4141414141414141) &^ (0xff << (8 * pos)) // "AAAAAAAA" with byte pos cleared
			w |= uint64(c) << (8 * pos)
			if needsEscape[c] && !hasEscape8(w) {
				t.Errorf("byte %#x at %d: hasEscape8 false", c, pos)
			}
			if !needsEscape[c] && c >= 0x21 && hasEscape8(w) {
				t.Errorf("byte %#x at %d: hasEscape8 true", c, pos)
			}
		}
	}
}

func TestDistanceText(t *testing.T) {
	for d := -3; d <= maxDistance+3; d++ {
		if got, want := distanceText(d), strconv.Itoa(d); got != want {
			t.Fatalf("distanceText(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestAppendInt(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 99, 100, 12345, 999999999999, 1e12, 1e12 + 1, -1, -10, -987654, 1<<63 - 1, -1 << 63} {
		if got, want := string(appendInt([]byte("x"), n)), "x"+strconv.Itoa(n); got != want {
			t.Errorf("appendInt(%d) = %q, want %q", n, got, want)
		}
	}
	// every number below 20,000 (odd and even digit counts, each pair)
	// and each power of ten and its neighbours
	ns := []int{}
	for n := range 20000 {
		ns = append(ns, n)
	}
	for p := 10; p < 1e13; p *= 10 {
		ns = append(ns, p-1, p, p+1, p*7/3)
	}
	for _, n := range ns {
		if got, want := string(appendInt(nil, n)), strconv.Itoa(n); got != want {
			t.Fatalf("appendInt(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestUpperHelpers checks upperBases and equalUpper against the
// strings.ToUpper they stand for.
func TestUpperHelpers(t *testing.T) {
	one := []string{}
	for c := range 256 {
		one = append(one, string([]byte{byte(c)})) // every single byte: the SNV fast path
	}
	for _, s := range append(one, "", "A", "ACGTN", "acgtn", "AcGt", "ACGR", "acgr", "<DEL>", "*", "ANa", "é") {
		u, ok := upperBases(s)
		if want := strings.ToUpper(s); u != want || ok != isBases(want) {
			t.Errorf("upperBases(%q) = %q %v, want %q %v", s, u, ok, want, isBases(want))
		}
		for _, up := range []string{"", "A", "ACGTN", "ACGT", "ACGR"} {
			if got, want := equalUpper(s, up), strings.ToUpper(s) == up; got != want {
				t.Errorf("equalUpper(%q, %q) = %v, want %v", s, up, got, want)
			}
		}
	}
}

// TestComputedFieldsNeedNoEscape: AppendCSQ copies the fields Predict
// computes without escaping them, and a Predictor with HGVScInBuffer gives
// the same entries: for SNVs, insertions, deletions and MNVs at every exon
// edge (splice sites, UTRs, CDS, both strands, chr21 and MT) the text is the
// same as every field escaped.
func TestComputedFieldsNeedNoEscape(t *testing.T) {
	m := loadMini(t)
	var p Predictor
	q := Predictor{HGVScInBuffer: true}
	var entries, buffered []Entry
	n := 0
	for _, tx := range m.txs {
		seq := m.seqs[tx.Chrom]
		for _, ex := range tx.Exons {
			for _, pos := range []int{ex.Start - 3, ex.Start, ex.Start + 1, (ex.Start + ex.End) / 2, ex.End - 1, ex.End + 2} {
				if pos < 2 || pos+3 > len(seq) {
					continue
				}
				ref := string(seq[pos-1 : pos])
				for _, v := range []Variant{
					{Pos: pos, Ref: ref, Alt: string("ACGT"[(n+pos)%4])},
					{Pos: pos, Ref: ref, Alt: ref + "GA"},
					{Pos: pos, Ref: string(seq[pos-1 : pos+2]), Alt: ref},
					{Pos: pos, Ref: string(seq[pos-1 : pos+1]), Alt: "TT"},
				} {
					v.Chrom = tx.Chrom
					txs := near(m.txs, tx.Chrom, v.Pos, v.Pos+len(v.Ref))
					entries = p.Append(entries[:0], v, txs, chromSeq(seq))
					buffered = q.Append(buffered[:0], v, txs, chromSeq(seq))
					if len(buffered) != len(entries) {
						t.Fatalf("%+v: %d entries with HGVScInBuffer, want %d", v, len(buffered), len(entries))
					}
					for i := range entries {
						fields := entries[i].Fields("rs1")
						var want []byte
						for j, f := range fields {
							if j > 0 {
								want = append(want, '|')
							}
							want = appendEscaped(want, f)
						}
						for _, e := range []*Entry{&entries[i], &buffered[i]} {
							if got := e.AppendCSQ(nil, "rs1"); string(got) != string(want) {
								t.Fatalf("%+v %s:\n got %s\nwant %s", v, e.Feature, got, want)
							}
						}
						if got := buffered[i].Fields("rs1"); !slices.Equal(got, fields) {
							t.Fatalf("%+v %s: Fields with HGVScInBuffer\n got %q\nwant %q", v, entries[i].Feature, got, fields)
						}
						n++
					}
				}
			}
		}
	}
	if n < 10000 {
		t.Fatalf("only %d entries checked", n)
	}
}

// TestDistanceIsNearestEnds: the DISTANCE of an up- or downstream entry is
// VEP's distance_to_transcript, the smallest of the four differences
// between a variant end and a transcript end, for SNVs, deletions and
// insertions (end one before start) on both sides of a transcript,
// touching it or not.
func TestDistanceIsNearestEnds(t *testing.T) {
	tx := &refdata.Transcript{Start: 1000, End: 2000}
	abs := func(v int) int { return max(v, -v) }
	for start := 980; start <= 2020; start++ {
		for _, n := range []int{-1, 0, 1, 4} { // end - start: insertion, SNV, deletions
			a := &allele{start: start, end: start + n}
			before := a.end >= tx.Start-maxDistance && a.end < tx.Start
			after := a.start <= tx.End+maxDistance && a.start > tx.End
			if !before && !after {
				continue
			}
			want := min(abs(a.start-tx.Start), abs(a.start-tx.End), abs(a.end-tx.Start), abs(a.end-tx.End))
			if got := distance(a, tx, before); got != want {
				t.Errorf("allele %d-%d: distance %d, want %d", a.start, a.end, got, want)
			}
		}
	}
}

// TestTextKeyNamesItsText: entries with the same non-zero TextKey wrote the
// same Consequence to BIOTYPE text, whether Predictor.AppendCSQ or
// Entry.AppendCSQ wrote them; an entry whose fields no longer hold the
// precomputed values has the zero key after its next AppendCSQ.
func TestTextKeyNamesItsText(t *testing.T) {
	m := loadMini(t)
	var p Predictor
	mid := func(text []byte) string { return strings.Join(strings.Split(string(text), "|")[1:8], "|") }
	seen := map[TextKey]string{}
	note := func(v Variant, e *Entry, text []byte) {
		k := e.TextKey()
		if k == (TextKey{}) {
			t.Fatalf("%+v %s: a predicted entry without a key", v, e.Feature)
		}
		if s, ok := seen[k]; ok && s != mid(text) {
			t.Fatalf("%+v %s: key of %q wrote %q", v, e.Feature, s, mid(text))
		}
		seen[k] = mid(text)
	}
	var entries []Entry
	n := 0
	for _, tx := range m.txs {
		seq := m.seqs[tx.Chrom]
		for _, pos := range []int{tx.Start - 3000, tx.Start + 2, (tx.Start + tx.End) / 2, tx.End + 7000} {
			if pos < 2 || pos+3 > len(seq) {
				continue
			}
			ref := string(seq[pos-1 : pos])
			v := Variant{Chrom: tx.Chrom, Pos: pos, Ref: ref, Alt: string("ACGT"[(pos+1)%4])}
			txs := near(m.txs, tx.Chrom, v.Pos-5000, v.Pos+5000)
			p.AppendCSQ(nil, v, txs, chromSeq(seq), "", func(e *Entry, o []byte, start int) { note(v, e, o[start:]) })
			entries = p.Append(entries[:0], v, txs, chromSeq(seq))
			for i := range entries {
				e := &entries[i]
				note(v, e, e.AppendCSQ(nil, ""))
				n++
				for j, change := range []func(*Entry){
					func(e *Entry) { e.Symbol += "x" },
					func(e *Entry) { e.Biotype = "other" },
					func(e *Entry) { e.Consequences = append([]string{}, e.Consequences...) },
					func(e *Entry) { e.Impact += "x" },
					func(e *Entry) { e.Symbol, e.Gene, e.FeatureType, e.Feature, e.Biotype = "", "", "", "", "" }, // keeps an intergenic entry's key
				} {
					c := *e
					change(&c)
					c.AppendCSQ(nil, "")
					if k := c.TextKey(); k != (TextKey{}) && (j < 4 || e.tx != nil) {
						t.Fatalf("%+v %s: a changed entry keeps its key", v, e.Feature)
					}
				}
			}
		}
	}
	if n < 100 || len(seen) < 20 {
		t.Fatalf("%d entries, %d keys", n, len(seen))
	}
}

// TestTextKeyLimits: serials that fit give distinct keys; a term list's
// serial from 2^24 or a txInfo's from 2^40 gives the zero key (its text is
// then read), never one that another entry could have.
func TestTextKeyLimits(t *testing.T) {
	key := func(tx *txInfo, terms uint64) TextKey {
		e := Entry{keyed: true, tx: tx, cons: &termList{serial: terms}}
		return e.TextKey()
	}
	seen := map[TextKey]string{}
	for _, c := range []struct {
		name  string
		tx    *txInfo
		terms uint64
		zero  bool
	}{
		{"intergenic", nil, 1, false},
		{"intergenic, last term list", nil, 1<<24 - 1, false},
		{"transcript", &txInfo{serial: 1}, 1, false},
		{"transcript, other terms", &txInfo{serial: 1}, 2, false},
		{"last transcript", &txInfo{serial: 1<<40 - 1}, 1<<24 - 1, false},
		{"term list past 2^24", &txInfo{serial: 1}, 1 << 24, true},
		{"intergenic, term list past 2^24", nil, 1<<24 + 1, true},
		{"transcript past 2^40", &txInfo{serial: 1 << 40}, 1, true},
	} {
		k := key(c.tx, c.terms)
		if c.zero != (k == TextKey{}) {
			t.Errorf("%s: key %v", c.name, k)
		}
		if other, ok := seen[k]; ok && !c.zero {
			t.Errorf("%s: the key of %s", c.name, other)
		}
		seen[k] = c.name
	}
	if k := (&Entry{tx: &txInfo{serial: 1}, cons: &termList{serial: 1}}).TextKey(); k != (TextKey{}) {
		t.Errorf("an entry not written from its precomputed text: key %v", k)
	}
}
