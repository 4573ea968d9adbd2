package service

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"a.b.c.vcf": "a.b.c.vcf", "../x.vcf": "x.vcf", "..": "upload.vcf", "": "upload.vcf", `C:\dir\y.vcf`: "y.vcf",
		"Probe ü 東京.vcf": "Probe ü 東京.vcf", "tab\there.vcf": "tab_here.vcf", "bad\xffutf8.vcf": "bad_utf8.vcf",
		`"quoted".vcf`: "_quoted_.vcf", "/abs/path/z.vcf.gz": "z.vcf.gz", "  spaced.vcf  ": "spaced.vcf",
		"nul\x00.vcf": "nul_.vcf", "bell\a.vcf": "bell_.vcf", "del\x7f.vcf": "del_.vcf",
		"invoice\u202Efdp.vcf":     "invoice_fdp.vcf", // a RIGHT-TO-LEFT OVERRIDE would show "fdp.vcf" reversed
		"a\u2066b\u2069\u200F.vcf": "a_b__.vcf", "zero\u200Bwidth.vcf": "zero_width.vcf",
		strings.Repeat("é", 250): strings.Repeat("é", 200),
	} {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
		if got := CleanFileName(CleanFileName(in)); got != CleanFileName(in) {
			t.Errorf("CleanFileName is not idempotent on %q: %q", in, got)
		}
	}
}

func TestInputKey(t *testing.T) {
	for in, want := range map[string]string{
		"a.vcf": "a.vcf", "../../etc/passwd": "passwd", `..\..\x.vcf.gz`: "x.vcf.gz", "..": "upload.vcf",
		"ü b.vcf": "__b.vcf", ".hidden": "hidden", "": "upload.vcf", "evil\u202Egpj.vcf": "evil_gpj.vcf",
	} {
		if got, want := InputKey("u1", "j1", in), "inputs/u1/j1/"+want; got != want {
			t.Errorf("InputKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{"a.vcf": "a", "a.VCF.GZ": "a", "a.b.vcf.bgz": "a.b", "noext": "noext", ".vcf": ".vcf"} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// The portal's check and the engine agree on how a file starts: what
// CheckVCF refuses, vcf.NewReader refuses before the header; what it accepts,
// the engine reads.
func TestCheckVCFAgreesWithTheEngine(t *testing.T) {
	const body = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\t.\t.\n"
	const vcf42 = "##fileformat=VCFv4.2\n" + body
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"plain", vcf42, true},
		{"UTF-8 BOM", "\xef\xbb\xbf" + vcf42, true},
		{"starts with #CHROM", body, true},
		{"CRLF", strings.ReplaceAll(vcf42, "\n", "\r\n"), true},
		{"gzip", gz(t, vcf42), true},
		{"gzip with BOM", gz(t, "\xef\xbb\xbf"+vcf42), true},
		{"empty", "", false},
		{"text", "hello world\n", false},
		{"binary", "\x00\x01\x02PK", false},
		{"broken gzip", "\x1f\x8b\x08garbage", false},
		{"BOM then text", "\xef\xbb\xbfhello\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckVCF("x.vcf", strings.NewReader(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("CheckVCF: %v, want ok=%v", err, tc.ok)
			}
			var ue *domain.UserError
			if err != nil && (!errors.Is(err, domain.ErrInvalid) || !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "x.vcf: ")) {
				t.Errorf("error %q: want a user-facing ErrInvalid naming the file", err)
			}
			r, engineErr := vcf.NewReader(strings.NewReader(tc.in))
			if engineErr == nil {
				r.Close()
			}
			if (engineErr == nil) != tc.ok {
				t.Errorf("engine: %v, portal ok=%v", engineErr, tc.ok)
			}
		})
	}
}

func TestCheckVCFKeepsTheWholeStream(t *testing.T) {
	in := "##fileformat=VCFv4.2\n" + strings.Repeat("##x=y\n", 40000) // well past the sniffed head
	r, err := CheckVCF("x.vcf", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != in {
		t.Errorf("read back %d bytes, want %d", len(b), len(in))
	}
}
