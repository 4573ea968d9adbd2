package vcf

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/gasproject/gas/internal/domain"
)

// MaxLineBytes is the longest line accepted (without its terminator),
// whatever the limits.
const MaxLineBytes = 1 << 20

// utf8BOM is skipped at the start of the (decompressed) input: some editors
// on Windows write it, and VCF readers such as bcftools tolerate it.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

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

	lim     domain.Limits // zero fields: no limit
	maxLine int           // min(lim.LineBytes, MaxLineBytes)
	records int64
	contigs map[string]struct{} // distinct CHROM names, when lim.Contigs is set
	chrom   []byte              // CHROM of the last data line
	off     int64               // text bytes (decompressed) up to the end of the last line read
}

// NewReader sniffs the input, reads the header and returns a Reader positioned
// at the first data line. Bad input is reported as a *ParseError.
func NewReader(in io.Reader) (*Reader, error) { return NewReaderLimits(in, domain.Limits{}) }

// NewReaderLimits is NewReader enforcing lim's InputBytes (after
// decompression), HeaderBytes, HeaderLines, LineBytes, Records and Contigs
// while it streams: the first line over a limit is a *domain.LimitError, and
// so is every read after it. Zero fields are not enforced.
func NewReaderLimits(in io.Reader, lim domain.Limits) (*Reader, error) {
	r, err := open(in, lim)
	if err != nil {
		return nil, err
	}
	if err := r.sniff(); err != nil {
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// sniffBytes is how much of the (possibly compressed) input Sniff reads: at
// least one whole BGZF block, and far more than a gzip header.
const sniffBytes = 64 << 10

// Sniff applies the checks NewReader makes before it reads the header to the
// head of in (up to 64 KiB), without consuming it: compressed input (gzip or
// BGZF, told by IsGzip) must be readable, and the text, a UTF-8 BOM skipped,
// must not be binary and must start with ##fileformat=VCF or #CHROM. It
// returns a reader of the whole, untouched stream; its errors are
// NewReader's *ParseError, or the error of reading in. The portal checks
// uploads with it, so what it accepts the engine reads.
func Sniff(in io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(in, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err // the source failed (a cap, a network error)
	}
	r, err := open(bytes.NewReader(head), domain.Limits{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := r.sniff(); err != nil {
		return nil, err
	}
	return br, nil
}

// IsGzip reports whether head starts with the gzip magic bytes (gzip or BGZF).
func IsGzip(head []byte) bool { return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b }

// open sets up decompression (gzip or BGZF, from the first bytes), the
// input limit and the line limit, and skips a UTF-8 BOM.
func open(in io.Reader, lim domain.Limits) (*Reader, error) {
	br := bufio.NewReaderSize(in, readBufSize)
	r := &Reader{br: br, lim: lim, maxLine: MaxLineBytes}
	if lim.LineBytes > 0 && lim.LineBytes < MaxLineBytes {
		r.maxLine = int(lim.LineBytes)
	}
	if lim.Contigs > 0 {
		r.contigs = map[string]struct{}{}
	}
	var text io.Reader = br
	if head, _ := br.Peek(18); IsBGZF(head) {
		z := newBGZFReader(br)
		r.closer = z
		text = z
	} else if IsGzip(head) {
		// Plain gzip, possibly several members: gzip.Reader continues
		// across members by default.
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, parseErr(0, ErrTruncated, "gzip input: %v", err)
		}
		r.closer = gz
		text = compressedErrReader{gz}
	}
	if lim.InputBytes > 0 {
		text = &inputLimiter{r: text, left: lim.InputBytes, max: lim.InputBytes}
	}
	if text != io.Reader(br) {
		r.br = bufio.NewReaderSize(text, readBufSize)
	}
	if head, _ := r.br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		r.br.Discard(len(utf8BOM))
		r.off = int64(len(utf8BOM))
	}
	return r, nil
}

// Header is the header read by NewReader.
func (r *Reader) Header() *Header { return r.hdr }

// LineNumber is the 1-based number of the last line returned.
func (r *Reader) LineNumber() int { return r.line }

// Offset is where the text after the last line returned starts: the bytes
// of the (decompressed) input up to that line's terminator, a UTF-8 BOM and
// skipped empty lines included. After the header it is the header's size;
// at io.EOF, the text's. For plain input it is a byte offset of the file:
// the lines between two offsets are a VCF body a reader can take on its own.
func (r *Reader) Offset() int64 { return r.off }

// Compressed reports whether the input is gzip or BGZF (Offset then counts
// decompressed bytes, not the file's).
func (r *Reader) Compressed() bool { return r.closer != nil }

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
	var headerBytes int64
	for {
		line, err := r.next()
		if err == io.EOF {
			return parseErr(r.line, ErrNoHeader, "no #CHROM header line before the end of the input")
		}
		if err != nil {
			return err
		}
		headerBytes += int64(len(line)) + 1
		switch {
		case r.lim.HeaderLines > 0 && int64(r.line) > r.lim.HeaderLines:
			return r.limit(domain.LimitHeaderLines, r.lim.HeaderLines)
		case r.lim.HeaderBytes > 0 && headerBytes > r.lim.HeaderBytes:
			return r.limit(domain.LimitHeaderBytes, r.lim.HeaderBytes)
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
		if len(line) == 0 {
			continue
		}
		if err := r.count(line); err != nil {
			return nil, r.line, err
		}
		return line, r.line, nil
	}
}

// AppendLines reads data lines as ReadLine does, appending each to buf
// and the end of it in buf and its line number to ends and nos, until it
// has appended maxLines or buf holds maxBytes or more, and returns the
// error ReadLine gives after them (io.EOF at the end of the input). The
// lines already in the read buffer are taken from there in one pass, not
// one ReadLine call each; anything else (a line the buffer does not hold
// whole, a long one, an error) is left to ReadLine.
func (r *Reader) AppendLines(buf []byte, ends, nos []int, maxLines, maxBytes int) ([]byte, []int, []int, error) {
	for len(ends) < maxLines && len(buf) < maxBytes {
		if r.err == nil {
			data, _ := r.br.Peek(r.br.Buffered())
			used := 0
			for len(ends) < maxLines && len(buf) < maxBytes {
				i := bytes.IndexByte(data[used:], '\n')
				if i < 0 || i > r.maxLine { // not whole, or maybe too long: ReadLine says
					break
				}
				line := data[used : used+i]
				used += i + 1
				r.off += int64(i + 1)
				r.line++
				if i > 0 && line[i-1] == '\r' {
					line = line[:i-1]
				}
				if len(line) == 0 {
					continue
				}
				if err := r.count(line); err != nil {
					r.br.Discard(used)
					return buf, ends, nos, err
				}
				buf = append(buf, line...)
				ends, nos = append(ends, len(buf)), append(nos, r.line)
			}
			r.br.Discard(used)
			if len(ends) == maxLines || len(buf) >= maxBytes {
				break
			}
		}
		line, n, err := r.ReadLine()
		if err != nil {
			return buf, ends, nos, err
		}
		buf = append(buf, line...)
		ends, nos = append(ends, len(buf)), append(nos, n)
	}
	return buf, ends, nos, nil
}

// count enforces the Records and Contigs limits on a data line.
func (r *Reader) count(line []byte) error {
	r.records++
	if r.lim.Records > 0 && r.records > r.lim.Records {
		return r.limit(domain.LimitRecords, r.lim.Records)
	}
	if r.contigs == nil {
		return nil
	}
	chrom, _, _ := bytes.Cut(line, []byte("\t"))
	if bytes.Equal(chrom, r.chrom) {
		return nil
	}
	r.chrom = append(r.chrom[:0], chrom...)
	if _, ok := r.contigs[string(chrom)]; ok {
		return nil
	}
	if int64(len(r.contigs)) >= r.lim.Contigs {
		return r.limit(domain.LimitContigs, r.lim.Contigs)
	}
	r.contigs[string(chrom)] = struct{}{}
	return nil
}

// limit makes a *domain.LimitError at the current line the sticky error.
func (r *Reader) limit(name string, max int64) error {
	r.err = &domain.LimitError{Name: name, Max: max, Line: r.line}
	return r.err
}

// inputLimiter fails once more than max bytes come out of the decompressor.
type inputLimiter struct {
	r         io.Reader
	left, max int64
}

func (l *inputLimiter) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &domain.LimitError{Name: domain.LimitInput, Max: l.max}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte more tells "exactly max" from "over"
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n - 1, &domain.LimitError{Name: domain.LimitInput, Max: l.max}
	}
	return n, err
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
			if len(r.long) > r.maxLine+2 {
				return nil, r.tooLong(r.line + 1)
			}
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && err != io.EOF {
		var ce compressedErr
		var le *domain.LimitError
		if errors.As(err, &le) {
			le.Line = r.line + 1
			r.err = le
		} else if errors.As(err, &ce) {
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
	r.off += int64(len(line))
	r.line++
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > r.maxLine {
		return nil, r.tooLong(r.line)
	}
	return line, nil
}

// tooLong reports line n over the line limit: the tier's, or MaxLineBytes.
func (r *Reader) tooLong(n int) error {
	if r.maxLine < MaxLineBytes {
		r.err = &domain.LimitError{Name: domain.LimitLineBytes, Max: int64(r.maxLine), Line: n}
	} else {
		r.err = parseErr(n, ErrLineTooLong, "line longer than %d bytes", MaxLineBytes)
	}
	return r.err
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
