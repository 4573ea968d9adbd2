package refdata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/gasproject/gas/internal/vcf"
)

// ParseError is a bad-input error: it names the source, the line and the reason.
type ParseError struct {
	Source string // file name (or "-" / a label for readers)
	Line   int    // 1-based line number, 0 when not line-specific
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Msg)
}

func parseErr(source string, line int, format string, args ...any) error {
	return &ParseError{Source: source, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// maxLine bounds one input line; reference lines (GTF attributes, VCF INFO) are far shorter.
// FASTA reads lines the same way: a single-line chromosome would exceed it and gets a clear error.
const maxLine = 64 << 20

// Decompress returns a reader of r's content, transparently gunzipping gzip
// and BGZF (multi-member gzip) input, detected by the magic bytes (the VCF
// reader's rule, vcf.IsGzip).
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if vcf.IsGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// lineReader yields lines without their terminator (LF or CRLF), counting them.
type lineReader struct {
	source string
	sc     *bufio.Scanner
	line   int
}

func newLineReader(r io.Reader, source string) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	return &lineReader{source: source, sc: sc}
}

// openLines reads r line by line, gunzipped when it is gzip or BGZF.
func openLines(r io.Reader, source string) (*lineReader, error) {
	dr, err := Decompress(r)
	if err != nil {
		return nil, parseErr(source, 0, "%v", err)
	}
	return newLineReader(dr, source), nil
}

// fields yields each data line split at tabs into cols (the count of
// fields), passing over blank lines and '#' comments, up to the end or to
// the line stop (when not empty). lr.err tells a read error after.
func (lr *lineReader) fields(cols [][]byte, stop string) iter.Seq[int] {
	return func(yield func(int) bool) {
		for {
			line, ok := lr.next()
			if !ok {
				return
			}
			if len(line) == 0 || line[0] == '#' {
				if stop != "" && string(line) == stop {
					return
				}
				continue
			}
			if !yield(splitTabs(line, cols)) {
				return
			}
		}
	}
}

// next returns the next line (valid until the following call) or ok=false at the end.
func (lr *lineReader) next() (line []byte, ok bool) {
	if !lr.sc.Scan() {
		return nil, false
	}
	lr.line++
	return bytes.TrimSuffix(lr.sc.Bytes(), []byte{'\r'}), true
}

// err reports a read error after next returned false, naming the line.
func (lr *lineReader) err() error {
	err := lr.sc.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return parseErr(lr.source, lr.line+1, "line longer than %d bytes", maxLine)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return parseErr(lr.source, lr.line+1, "truncated input (unexpected end of compressed data)")
	}
	return parseErr(lr.source, lr.line+1, "read: %v", err)
}

func (lr *lineReader) errorf(format string, args ...any) error {
	return parseErr(lr.source, lr.line, format, args...)
}
