// Package vcf reads and writes VCF files as a stream, record by record.
//
// Reading: NewReader accepts plain text, gzip or BGZF (sniffed from the first
// bytes; BGZF blocks are inflated in parallel, one goroutine per CPU; Close
// stops them), VCF 4.0-4.3 and the older 3.3 header style (##INFO=ID,Number,Type,"..."),
// with "\n" or "\r\n" line ends. The header is kept byte for byte (Header.Meta,
// Header.ColumnLine); a Record keeps its line and points into it, and FORMAT
// with the sample columns stays one raw string (Record.Rest), so records are
// re-emitted unchanged apart from the columns an annotator replaces
// (Record.AppendWith). Output lines always end in "\n".
//
// Bad input is a *ParseError (errors.As) naming the line and the reason, and
// wrapping one kind (errors.Is): ErrNotVCF, ErrBinary, ErrTruncated,
// ErrColumns, ErrPos, ErrRef, ErrNoHeader, ErrLineTooLong (over MaxLineBytes).
// NewReaderLimits also enforces a tier's domain.Limits while streaming; the
// first one reached is a *domain.LimitError. A leading UTF-8 BOM is skipped.
//
// Writing: Create returns an Output that writes to a temporary file beside the
// destination and renames it on Commit, so a failed run leaves nothing at the
// path; a name ending in ".gz" is written as BGZF (with the EOF block), which
// `tabix -p vcf` can index. An existing device or FIFO (/dev/null, /dev/stdout)
// is written in place rather than replaced.
package vcf
