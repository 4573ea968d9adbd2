package vcf

import (
	"errors"
	"fmt"
)

// The kinds of bad input. A *ParseError wraps exactly one of them, so callers
// can test the kind with errors.Is and get line and reason with errors.As.
var (
	ErrNotVCF      = errors.New("not a VCF file")
	ErrBinary      = errors.New("binary data")
	ErrTruncated   = errors.New("truncated or corrupt compressed input")
	ErrColumns     = errors.New("wrong number of columns")
	ErrPos         = errors.New("bad POS")
	ErrRef         = errors.New("bad REF")
	ErrNoHeader    = errors.New("no #CHROM header line")
	ErrLineTooLong = errors.New("line too long")
)

// ParseError reports bad input: the 1-based line number (0 when the problem is
// not tied to a line, e.g. an empty file) and why.
type ParseError struct {
	Line   int
	Kind   error  // one of the Err* values above
	Reason string // human-readable detail
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

func (e *ParseError) Unwrap() error { return e.Kind }

func parseErr(line int, kind error, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}
