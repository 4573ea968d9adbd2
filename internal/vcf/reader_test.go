package vcf

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/testshared"
)

const small = "##fileformat=VCFv4.2\n" +
	"##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n" +
	"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n" +
	"21\t100\trs1\tA\tG,T\t50\tPASS\tDP=3\tGT\t0/1\n" +
	"21\t200\t.\tAC\tA\t.\t.\t.\tGT\t1/1\n"

// readAll reads every record and returns the first error.
func readAll(in io.Reader) (*Reader, int, error) {
	r, err := NewReader(in)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			return r, n, nil
		}
		if err != nil {
			return r, n, err
		}
		n++
	}
}

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBadInput(t *testing.T) {
	hdr8 := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	whole := gz(t, small+strings.Repeat("21\t300\t.\tA\tC\t.\t.\t.\tGT\t0/1\n", 5000))
	tests := []struct {
		name     string
		input    []byte
		kind     error
		line     int
		inReason string
	}{
		{"not a VCF", []byte("hello world\nsecond line\n"), ErrNotVCF, 1, "first line"},
		{"empty", nil, ErrNotVCF, 0, "empty"},
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrBinary, 1, "binary"},
		{"binary inside gzip", gz(t, "\x00\x01\x02\x03garbage"), ErrBinary, 1, "binary"},
		{"NUL in a record", []byte(hdr8 + strings.Repeat("21\t1\t.\tA\tC\t.\t.\t.\n", 1000) + "21\t1\t.\tA\tC\t.\t.\tX=\x00\n"), ErrBinary, 1003, "NUL"},
		{"truncated gzip", whole[:len(whole)/2], ErrTruncated, 0, "truncated"},
		{"gzip cut in its header", whole[:6], ErrTruncated, 0, "gzip"},
		{"too few columns", []byte(hdr8 + "21\t1\t.\tA\tC\t.\t.\n"), ErrColumns, 3, "7 columns"},
		{"more columns than the header", []byte(hdr8 + "21\t1\t.\tA\tC\t.\t.\t.\tGT\t0/1\n"), ErrColumns, 3, "10 columns, the header announces 8"},
		{"space separated", []byte(hdr8 + "21 1 . A C . . .\n"), ErrColumns, 3, "tabs"},
		{"non-numeric POS", []byte(hdr8 + "21\t12a\t.\tA\tC\t.\t.\t.\n"), ErrPos, 3, `"12a"`},
		{"negative POS", []byte(hdr8 + "21\t-5\t.\tA\tC\t.\t.\t.\n"), ErrPos, 3, "POS"},
		{"REF outside ACGTN", []byte(hdr8 + "21\t1\t.\tAXG\tC\t.\t.\t.\n"), ErrRef, 3, "AXG"},
		{"empty REF", []byte(hdr8 + "21\t1\t.\t\tC\t.\t.\t.\n"), ErrRef, 3, "empty REF"},
		{"no #CHROM line", []byte("##fileformat=VCFv4.2\n##source=x\n"), ErrNoHeader, 2, "#CHROM"},
		{"data before #CHROM", []byte("##fileformat=VCFv4.2\n21\t1\t.\tA\tC\t.\t.\t.\n"), ErrNoHeader, 2, "before the #CHROM"},
		{"malformed #CHROM", []byte("##fileformat=VCFv4.2\n#CHROM POS ID REF ALT QUAL FILTER INFO\n"), ErrNoHeader, 2, "tabs"},
		{"line over 1 MB", []byte(hdr8 + "21\t1\t.\tA\tC\t.\t.\tX=" + strings.Repeat("a", MaxLineBytes) + "\n"), ErrLineTooLong, 3, "longer than"},
		{"header line over 1 MB", []byte("##fileformat=VCFv4.2\n##x=" + strings.Repeat("a", 3*MaxLineBytes) + "\n"), ErrLineTooLong, 2, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(bytes.NewReader(tc.input))
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want kind %v", err, tc.kind)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is not a *ParseError", err)
			}
			if tc.line > 0 && pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
			if tc.line > 0 && !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("message %q does not start with the line number", err)
			}
			if !strings.Contains(err.Error(), tc.inReason) {
				t.Errorf("message %q does not contain %q", err, tc.inReason)
			}
		})
	}
}

func TestTruncatedGzipNamesALine(t *testing.T) {
	whole := gz(t, small+strings.Repeat("21\t300\t.\tA\tC\t.\t.\t.\tGT\t0/1\n", 50000))
	_, n, err := readAll(bytes.NewReader(whole[:len(whole)*3/4]))
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want a truncation ParseError", err)
	}
	if pe.Line < n || pe.Line == 0 {
		t.Errorf("line %d, but %d records were read before the error", pe.Line, n)
	}
}

func TestRecordFields(t *testing.T) {
	r, err := NewReader(strings.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header().Samples(); got != 1 {
		t.Errorf("samples = %d, want 1", got)
	}
	rec, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{string(rec.Chrom()), string(rec.ID()), string(rec.Ref()), string(rec.Alt()),
		string(rec.Qual()), string(rec.Filter()), string(rec.Info()), string(rec.Rest())}
	want := []string{"21", "rs1", "A", "G,T", "50", "PASS", "DP=3", "GT\t0/1"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
	if rec.Pos != 100 || len(rec.Alts()) != 2 || string(rec.Alts()[1]) != "T" {
		t.Errorf("pos %d alts %q", rec.Pos, rec.Alts())
	}
	if line := rec.AppendWith(nil, []byte("rs1;rs9"), []byte("DP=3;X=1")); string(line) != "21\t100\trs1;rs9\tA\tG,T\t50\tPASS\tDP=3;X=1\tGT\t0/1" {
		t.Errorf("AppendWith = %q", line)
	}
	if r.LineNumber() != 4 {
		t.Errorf("line number %d, want 4", r.LineNumber())
	}
}

func TestHeaderTrailingTab(t *testing.T) {
	in := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\t\n21\t1\t.\tA\tC\t.\t.\t.\n"
	r, n, err := readAll(strings.NewReader(in))
	if err != nil || n != 1 || r.Header().Columns() != 8 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	var out bytes.Buffer
	r.Header().WriteTo(&out)
	if !strings.Contains(out.String(), "INFO\t\n") {
		t.Error("the #CHROM line was not kept byte for byte")
	}
}

func TestCRLF(t *testing.T) {
	in := strings.ReplaceAll(small, "\n", "\r\n")
	r, n, err := readAll(strings.NewReader(in))
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	var out bytes.Buffer
	r.Header().WriteTo(&out)
	if strings.Contains(out.String(), "\r") {
		t.Errorf("header keeps a CR: %q", out.String())
	}
	if r.Header().Samples() != 1 {
		t.Errorf("samples = %d", r.Header().Samples())
	}
}

func TestVCF33Header(t *testing.T) {
	f, err := os.Open(testshared.Path(t, "vcf", "premium_3.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, n, err := readAll(f)
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.FileFormat != "VCFv3.3" || !h.HasInfo("DP") || !h.HasInfo("AA") || h.HasInfo("CSQ") {
		t.Errorf("fileformat %q, DP %v AA %v", h.FileFormat, h.HasInfo("DP"), h.HasInfo("AA"))
	}
	if n != 3431 || h.Samples() != 107 {
		t.Errorf("records %d samples %d", n, h.Samples())
	}
}

func TestSetInfo(t *testing.T) {
	h := &Header{Meta: [][]byte{
		[]byte("##fileformat=VCFv4.2"),
		[]byte(`##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth, total">`),
		[]byte("##contig=<ID=21>"),
	}}
	if h.SetInfo("CYTOBAND", "1", "String", "Cytogenetic band") {
		t.Error("new key reported as replaced")
	}
	if string(h.Meta[2]) != `##INFO=<ID=CYTOBAND,Number=1,Type=String,Description="Cytogenetic band">` {
		t.Errorf("new line at %q", h.Meta[2])
	}
	if !h.SetInfo("DP", "1", "Integer", "x") || len(h.Meta) != 4 {
		t.Errorf("existing key not replaced: %q", h.Meta)
	}
	if id, ok := InfoID([]byte(`##INFO=<Number=1,Description="ID=no",ID=AF>`)); !ok || id != "AF" {
		t.Errorf("InfoID = %q %v", id, ok)
	}
}

// TestPreservesBytes re-emits every shared VCF unchanged through the Reader
// and AppendWith and compares byte for byte: plain, gzip and BGZF.
func TestPreservesBytes(t *testing.T) {
	files, _ := filepath.Glob(testshared.Path(t, "vcf", "*.vcf"))
	if len(files) == 0 {
		t.Fatal("no shared VCF files")
	}
	for _, name := range files {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"plain", "gzip", "bgzf"} {
			in := want
			switch mode {
			case "gzip":
				in = gz(t, string(want))
			case "bgzf":
				in = bgzf(t, string(want))
			}
			got := reemit(t, bytes.NewReader(in))
			if !bytes.Equal(got, want) {
				t.Errorf("%s (%s): output differs from input (%d vs %d bytes)", filepath.Base(name), mode, len(got), len(want))
			}
		}
	}
}

func reemit(t *testing.T, in io.Reader) []byte {
	t.Helper()
	r, err := NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.Header().WriteTo(&out)
	var line []byte
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out.Bytes()
		}
		if err != nil {
			t.Fatal(err)
		}
		line = rec.AppendWith(line[:0], rec.ID(), rec.Info())
		out.Write(append(line, '\n'))
	}
}

func TestIsSymbolic(t *testing.T) {
	for alt, want := range map[string]bool{
		"A": false, "acgtn": false, "*": true, "<DEL>": true, "<NON_REF>": true, ".": true,
		"G]17:198982]": true, ".A": true, "A.": true, "": true, "R": true,
	} {
		if got := IsSymbolic([]byte(alt)); got != want {
			t.Errorf("IsSymbolic(%q) = %v, want %v", alt, got, want)
		}
	}
}

func BenchmarkParseRecord(b *testing.B) {
	line := []byte("21\t25585733\trs142513484\tC\tT,G\t50\tPASS\tAC=1;AN=2;DP=30\tGT:DP\t0|1:12")
	var rec Record
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := ParseRecord(line, 10, &rec); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOffset: after each line the reader returns, Offset is where the rest
// of the text starts, so the text between two offsets is exactly the lines
// read in between (with their terminators and the empty lines skipped).
func TestOffset(t *testing.T) {
	tests := []struct {
		name, in string
		gzip     bool
	}{
		{"plain", small, false},
		{"CRLF", strings.ReplaceAll(small, "\n", "\r\n"), false},
		{"BOM, empty lines, no final newline", "\xef\xbb\xbf" + small + "\n\r\n21\t300\t.\tA\tC\t.\t.\t.\tGT\t0/1", false},
		{"gzip counts the text", small, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := io.Reader(strings.NewReader(tc.in))
			if tc.gzip {
				src = bytes.NewReader(gz(t, tc.in))
			}
			r, err := NewReader(src)
			if err != nil {
				t.Fatal(err)
			}
			if r.Compressed() != tc.gzip {
				t.Errorf("Compressed() = %v", r.Compressed())
			}
			off := r.Offset()
			if head := tc.in[:off]; !strings.HasSuffix(head, "S1\n") && !strings.HasSuffix(head, "S1\r\n") {
				t.Fatalf("header ends at %d: %q", off, head)
			}
			for {
				line, _, err := r.ReadLine()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got := strings.Trim(tc.in[off:r.Offset()], "\r\n")
				if got != string(line) {
					t.Errorf("text %d..%d is %q, want the line %q", off, r.Offset(), tc.in[off:r.Offset()], line)
				}
				off = r.Offset()
			}
			if off != int64(len(tc.in)) {
				t.Errorf("offset at EOF %d, want %d", off, len(tc.in))
			}
		})
	}
}

// TestAppendLinesIsReadLine: AppendLines, asked for batches of assorted
// sizes, gives the lines, line numbers, offsets and errors of a ReadLine
// loop, on input of several read buffers with CRLF and empty lines, lines
// across the buffer's end, and at the line, record and contig limits.
func TestAppendLinesIsReadLine(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var text bytes.Buffer
	text.WriteString("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	for i := 0; text.Len() < 3*readBufSize; i++ {
		switch rng.Intn(20) {
		case 0:
			text.WriteString("\n")
		case 1:
			text.WriteString("\r\n")
		default:
			fmt.Fprintf(&text, "%d\t%d\t.\tA\tC\t.\t.\tX=%s", 1+rng.Intn(3), i, strings.Repeat("y", rng.Intn(300)))
			if rng.Intn(3) == 0 {
				text.WriteString("\r")
			}
			text.WriteString("\n")
		}
	}
	text.WriteString("2\t7\t.\tA\tC\t.\t.\t.") // no final newline
	for _, lim := range []domain.Limits{{}, {LineBytes: 300}, {Records: 2000}, {Contigs: 2}} {
		type got struct {
			lines    []string
			nos      []int
			err      error
			line     int
			off      int64
			finalErr error
		}
		want := got{}
		r, err := NewReaderLimits(bytes.NewReader(text.Bytes()), lim)
		if err != nil {
			t.Fatal(err)
		}
		for {
			line, n, err := r.ReadLine()
			if err != nil {
				want.err = err
				break
			}
			want.lines, want.nos = append(want.lines, string(line)), append(want.nos, n)
		}
		want.line, want.off = r.LineNumber(), r.Offset()
		_, _, want.finalErr = r.ReadLine()
		var le *domain.LimitError
		if (lim != domain.Limits{}) != errors.As(want.err, &le) {
			t.Fatalf("limits %+v: ReadLine stopped with %v", lim, want.err)
		}

		have := got{}
		r, err = NewReaderLimits(bytes.NewReader(text.Bytes()), lim)
		if err != nil {
			t.Fatal(err)
		}
		for have.err == nil {
			var buf []byte
			var ends, nos []int
			buf, ends, nos, have.err = r.AppendLines(buf, ends, nos, 1+rng.Intn(1500), 1+rng.Intn(200<<10))
			for i, end := range ends {
				start := 0
				if i > 0 {
					start = ends[i-1]
				}
				have.lines, have.nos = append(have.lines, string(buf[start:end])), append(have.nos, nos[i])
			}
		}
		have.line, have.off = r.LineNumber(), r.Offset()
		_, _, have.finalErr = r.ReadLine()
		if !slices.Equal(have.lines, want.lines) || !slices.Equal(have.nos, want.nos) || fmt.Sprint(have.err) != fmt.Sprint(want.err) ||
			have.line != want.line || have.off != want.off || fmt.Sprint(have.finalErr) != fmt.Sprint(want.finalErr) {
			t.Errorf("limits %+v: AppendLines gave %d lines (last number %v), error %v, line %d, offset %d, then %v; ReadLine %d (%v), %v, %d, %d, %v",
				lim, len(have.lines), have.nos[len(have.nos)-1:], have.err, have.line, have.off, have.finalErr,
				len(want.lines), want.nos[len(want.nos)-1:], want.err, want.line, want.off, want.finalErr)
		}
	}
}
