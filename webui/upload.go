package webui

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
)

// tooLargeError says a file went over the user's cap, and whether upgrading helps.
type tooLargeError struct {
	name         string
	limit        int64
	premiumLimit int64
	upgradable   bool
}

func (e *tooLargeError) Error() string {
	msg := fmt.Sprintf("%s is larger than your upload limit of %s", e.name, formatBytes(e.limit))
	if e.upgradable {
		msg += fmt.Sprintf("; premium accounts may upload up to %s — upgrade at /subscribe", formatBytes(e.premiumLimit))
	}
	return msg
}

func (e *tooLargeError) Unwrap() error { return domain.ErrTooLarge }

// sniffVCF checks, without consuming it, that r starts like a VCF (plain or
// gzip/BGZF), and returns a reader of the whole stream.
func sniffVCF(name string, r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err // includes going over the cap
	}
	if len(head) == 0 {
		return nil, public(fmt.Errorf("%s is empty: %w", name, domain.ErrInvalid))
	}
	first := head
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return nil, public(fmt.Errorf("%s looks gzip-compressed but is not readable: %w", name, domain.ErrInvalid))
		}
		first = make([]byte, 256)
		n, _ := io.ReadFull(zr, first) // a short read is fine: the head may cut the stream
		first = first[:n]
	}
	first = bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(first, []byte("##fileformat=VCF")) {
		line, _, _ := bytes.Cut(first, []byte("\n"))
		if len(line) > 40 {
			line = line[:40]
		}
		return nil, public(fmt.Errorf("%s is not a VCF file: line 1 must start with ##fileformat=VCF, found %q: %w",
			name, strings.ToValidUTF8(string(line), "?"), domain.ErrInvalid))
	}
	return br, nil
}

// sanitizeName keeps the base name a user gave, minus anything that could
// act as a path or break a header. It is only ever displayed and used in
// Content-Disposition; storage keys are made from job ids.
func sanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		// Cf: format characters, such as right-to-left overrides that make
		// "gpj.vcf" display as "fcv.jpg", and zero-width ones.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '/' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "upload.vcf"
	}
	return name
}
