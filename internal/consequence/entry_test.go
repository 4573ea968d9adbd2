package consequence

import (
	"strconv"
	"strings"
	"testing"
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
}

// TestUpperHelpers checks upperBases and equalUpper against the
// strings.ToUpper they stand for.
func TestUpperHelpers(t *testing.T) {
	for _, s := range []string{"", "A", "ACGTN", "acgtn", "AcGt", "ACGR", "acgr", "<DEL>", "*", "ANa", "é"} {
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
