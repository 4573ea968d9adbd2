package vcf

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes is the longest line accepted (without its terminator).
const MaxLineBytes = 1 << 20

const readBufSize = 256 << 10

// Reader streams a VCF: NewReader reads the header, then ReadLine or Read
// return the data lines one at a time. Input may be plain text, gzip or BGZF
// (detected from the first bytes, not the file name). Lines may end in "\n"
// or "\r\n"; the "\r" is dropped.
type Reader struct {
	br     *bufio.Reader
	hdr    *Header
	line   int    // number of the last line returned
	long   []byte // scratch for lines longer than the bufio buffer
	rec    Record
	err    error // sticky
	closer io.Closer
}

// NewReader sniffs the input, reads the header and returns a Reader positioned
// at the first data line. Bad input is reported as a *ParseError.
func NewReader(in io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(in, readBufSize)
	r := &Reader{br: br}
	if head, _ := br.Peek(18); isBGZF(head) {
		z := newBGZFReader(br)
		r.closer = z
		r.br = bufio.NewReaderSize(z, readBufSize)
	} else if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		// Plain gzip, possibly several members: gzip.Reader continues
		// across members by default.
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, parseErr(0, ErrTruncated, "gzip input: %v", err)
		}
		r.closer = gz
		r.br = bufio.NewReaderSize(compressedErrReader{gz}, readBufSize)
	}
	if err := r.sniff(); err != nil {
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Header is the header read by NewReader.
func (r *Reader) Header() *Header { return r.hdr }

// LineNumber is the 1-based number of the last line returned.
func (r *Reader) LineNumber() int { return r.line }

// sniff rejects binary data and text that does not start like a VCF,
// before reading any line, so a wrong upload gets a clear message.
func (r *Reader) sniff() error {
	head, err := r.br.Peek(8 << 10)
	if err != nil && len(head) == 0 {
		var ce compressedErr
		if errors.As(err, &ce) {
			return parseErr(0, ErrTruncated, "compressed input is truncated or corrupt (%v)", ce.err)
		}
		if err == io.EOF {
			return parseErr(0, ErrNotVCF, "empty input")
		}
		return fmt.Errorf("read input: %w", err)
	}
	if looksBinary(head) {
		return parseErr(1, ErrBinary, "binary data, not a text VCF")
	}
	if !bytes.HasPrefix(head, []byte("##fileformat=VCF")) && !bytes.HasPrefix(head, []byte("#CHROM")) {
		first, _, _ := bytes.Cut(head, []byte("\n"))
		return parseErr(1, ErrNotVCF, "not a VCF: the first line is %q, want ##fileformat=VCFv4.x", clip(bytes.TrimRight(first, "\r")))
	}
	return nil
}

// looksBinary: a NUL byte, or more than 1 in 10 bytes being control characters
// other than tab, CR, LF.
func looksBinary(b []byte) bool {
	ctrl := 0
	for _, c := range b {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			ctrl++
		}
	}
	return ctrl*10 > len(b)
}

func (r *Reader) readHeader() error {
	h := &Header{}
	for {
		line, err := r.next()
		if err == io.EOF {
			return parseErr(r.line, ErrNoHeader, "no #CHROM header line before the end of the input")
		}
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(line, []byte("#CHROM")):
			if !bytes.HasPrefix(line, []byte("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")) {
				return parseErr(r.line, ErrNoHeader, "the #CHROM line must list CHROM POS ID REF ALT QUAL FILTER INFO separated by tabs")
			}
			h.ColumnLine = append([]byte(nil), line...)
			r.hdr = h
			return nil
		case bytes.HasPrefix(line, []byte("#")):
			if v, ok := bytes.CutPrefix(line, []byte("##fileformat=")); ok {
				h.FileFormat = string(v)
			}
			h.Meta = append(h.Meta, append([]byte(nil), line...))
		default:
			return parseErr(r.line, ErrNoHeader, "data line before the #CHROM header line")
		}
	}
}

// ReadLine returns the next non-empty data line, without its terminator, and
// its line number. The slice is valid until the next call. It returns io.EOF
// at the end of the input.
func (r *Reader) ReadLine() ([]byte, int, error) {
	for {
		line, err := r.next()
		if err != nil {
			return nil, r.line, err
		}
		if len(line) > 0 {
			return line, r.line, nil
		}
	}
}

// Read parses the next data line. The Record is reused by the next call.
func (r *Reader) Read() (*Record, error) {
	line, n, err := r.ReadLine()
	if err != nil {
		return nil, err
	}
	if err := ParseRecord(line, r.hdr.Columns(), &r.rec); err != nil {
		err.(*ParseError).Line = n
		return nil, err
	}
	return &r.rec, nil
}

// Close releases the decompressor, if any; it does not close the input.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// next returns the next line with "\n" / "\r\n" removed.
func (r *Reader) next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(r.long) > MaxLineBytes+2 {
				r.err = parseErr(r.line+1, ErrLineTooLong, "line longer than %d bytes", MaxLineBytes)
				return nil, r.err
			}
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && err != io.EOF {
		var ce compressedErr
		if errors.As(err, &ce) {
			r.err = parseErr(r.line+1, ErrTruncated, "compressed input is truncated or corrupt (%v)", ce.err)
		} else {
			r.err = fmt.Errorf("read line %d: %w", r.line+1, err)
		}
		return nil, r.err
	}
	if len(line) == 0 && err == io.EOF {
		r.err = io.EOF
		return nil, io.EOF
	}
	r.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > MaxLineBytes {
		r.err = parseErr(r.line, ErrLineTooLong, "line longer than %d bytes", MaxLineBytes)
		return nil, r.err
	}
	return line, nil
}

// compressedErrReader marks decompression failures so that they become
// ErrTruncated with a line number rather than a bare I/O error.
type compressedErrReader struct{ r io.Reader }

type compressedErr struct{ err error }

func (e compressedErr) Error() string { return e.err.Error() }

func (c compressedErrReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		var corrupt flate.CorruptInputError
		if err == io.ErrUnexpectedEOF || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt) {
			err = compressedErr{err}
		}
	}
	return n, err
}
