package vcf

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

const limHdr = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"

func readLimited(in io.Reader, lim domain.Limits) (int, error) {
	r, err := NewReaderLimits(in, lim)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		_, _, err := r.ReadLine()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestReaderLimits: every limit is reached at the right line, with the
// right name; exactly at the limit is still fine.
func TestReaderLimits(t *testing.T) {
	rec := "21\t1\t.\tA\tC\t.\t.\t.\n"
	body := limHdr + strings.Repeat(rec, 10)
	cases := []struct {
		name     string
		in       []byte
		lim      domain.Limits
		want     string // "" for no error
		wantLine int
	}{
		{"records at limit", []byte(body), domain.Limits{Records: 10}, "", 0},
		{"records over", []byte(body), domain.Limits{Records: 9}, domain.LimitRecords, 12},
		{"input exactly at limit", []byte(body), domain.Limits{InputBytes: int64(len(body))}, "", 0},
		{"input one over (plain)", []byte(body), domain.Limits{InputBytes: int64(len(body)) - 1}, domain.LimitInput, 0},
		{"gzip bomb", gz(t, limHdr+strings.Repeat(rec, 200_000)), domain.Limits{InputBytes: 1 << 20}, domain.LimitInput, 0},
		{"header lines", []byte(body), domain.Limits{HeaderLines: 1}, domain.LimitHeaderLines, 2},
		{"header bytes", []byte("##fileformat=VCFv4.2\n" + strings.Repeat("##x="+strings.Repeat("a", 1000)+"\n", 100) + limHdr[21:]), domain.Limits{HeaderBytes: 50_000}, domain.LimitHeaderBytes, 0},
		{"line bytes", []byte(limHdr + "21\t1\t.\tA\tC\t.\t.\t" + strings.Repeat("a", 300_000) + "\n"), domain.Limits{LineBytes: 100_000}, domain.LimitLineBytes, 3},
		{"contigs at limit", []byte(limHdr + "1\t1\t.\tA\tC\t.\t.\t.\n2\t1\t.\tA\tC\t.\t.\t.\n1\t2\t.\tA\tC\t.\t.\t.\n"), domain.Limits{Contigs: 2}, "", 0},
		{"contigs over", []byte(limHdr + "1\t1\t.\tA\tC\t.\t.\t.\n2\t1\t.\tA\tC\t.\t.\t.\n3\t2\t.\tA\tC\t.\t.\t.\n"), domain.Limits{Contigs: 2}, domain.LimitContigs, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readLimited(bytes.NewReader(c.in), c.lim)
			if c.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var le *domain.LimitError
			if !errors.As(err, &le) || le.Name != c.want {
				t.Fatalf("err = %v, want the %q limit", err, c.want)
			}
			if c.wantLine > 0 && le.Line != c.wantLine {
				t.Errorf("line %d, want %d (%v)", le.Line, c.wantLine, err)
			}
		})
	}
}

// TestHeaderMemoryBounded (B2): header lines of 1 MB each are refused by
// the free tier's line limit at once, and by the premium header limit
// (16 MiB) after 16 of them, so no more is kept.
func TestHeaderMemoryBounded(t *testing.T) {
	line := "##x=" + strings.Repeat("a", MaxLineBytes-10) + "\n"
	in := gz(t, "##fileformat=VCFv4.2\n"+strings.Repeat(line, 30)+limHdr[21:])
	for _, c := range []struct {
		lim  domain.Limits
		name string
		line int
	}{{domain.FreeLimits, domain.LimitLineBytes, 2}, {domain.PremiumLimits, domain.LimitHeaderBytes, 18}} {
		r, err := NewReaderLimits(bytes.NewReader(in), c.lim)
		if err == nil {
			r.Close()
		}
		var le *domain.LimitError
		if !errors.As(err, &le) || le.Name != c.name || le.Line != c.line {
			t.Fatalf("err = %v, want the %s limit at line %d", err, c.name, c.line)
		}
	}
}

// TestBOM (B10): a UTF-8 byte order mark before ##fileformat is skipped, in
// plain and gzip input.
func TestBOM(t *testing.T) {
	text := "\ufeff" + limHdr + "21\t1\t.\tA\tC\t.\t.\t.\n"
	for _, in := range [][]byte{[]byte(text), gz(t, text)} {
		r, err := NewReader(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		if r.Header().FileFormat != "VCFv4.2" {
			t.Errorf("fileformat %q", r.Header().FileFormat)
		}
		if rec, err := r.Read(); err != nil || string(rec.Chrom()) != "21" {
			t.Errorf("record %v", err)
		}
		r.Close()
	}
}
