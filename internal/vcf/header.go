package vcf

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Header is the meta-information of a VCF, kept byte for byte: every "##" line
// as read (without its line terminator) and the "#CHROM" column line.
type Header struct {
	Meta       [][]byte
	ColumnLine []byte
	// FileFormat is the value of ##fileformat (e.g. "VCFv4.1", "VCFv3.3"); "" if absent.
	FileFormat string
}

// Columns is the number of columns the #CHROM line announces (8, or 9 +
// samples). Trailing blanks after the last name, which some tools write,
// do not count as a column.
func (h *Header) Columns() int {
	return bytes.Count(bytes.TrimRight(h.ColumnLine, " \t"), tab) + 1
}

// Samples is the number of sample columns.
func (h *Header) Samples() int {
	if n := h.Columns() - 9; n > 0 {
		return n
	}
	return 0
}

// InfoID returns the ID of a "##INFO" line, in the VCF 4 form
// (##INFO=<ID=DP,...>) or the VCF 3.3 form (##INFO=DP,1,Integer,"..."),
// and false for other lines.
func InfoID(line []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("##INFO="))
	if !ok {
		return "", false
	}
	if r, ok := bytes.CutPrefix(rest, []byte("<")); ok {
		for _, kv := range splitTopLevel(bytes.TrimSuffix(r, []byte(">"))) {
			if id, ok := bytes.CutPrefix(kv, []byte("ID=")); ok {
				return string(id), true
			}
		}
		return "", false
	}
	id, _, _ := bytes.Cut(rest, []byte(","))
	return string(id), true
}

// splitTopLevel splits "a=1,b="x,y",c=2" on commas outside double quotes.
func splitTopLevel(b []byte) [][]byte {
	var out [][]byte
	inQuote, start := false, 0
	for i, c := range b {
		switch {
		case c == '"' && (i == 0 || b[i-1] != '\\'):
			inQuote = !inQuote
		case c == ',' && !inQuote:
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}

// HasInfo reports whether the header declares the INFO key id.
func (h *Header) HasInfo(id string) bool {
	for _, l := range h.Meta {
		if got, ok := InfoID(l); ok && got == id {
			return true
		}
	}
	return false
}

// SetInfo declares an INFO key. An existing declaration of the same key is
// replaced in place (replaced is then true); otherwise the line goes after the
// last ##INFO line, or at the end of the meta lines when there is none.
func (h *Header) SetInfo(id, number, typ, description string) (replaced bool) {
	line := []byte(fmt.Sprintf("##INFO=<ID=%s,Number=%s,Type=%s,Description=%q>",
		id, number, typ, description))
	last := -1
	for i, l := range h.Meta {
		if got, ok := InfoID(l); ok {
			if got == id {
				h.Meta[i] = line
				return true
			}
			last = i
		}
	}
	if last < 0 {
		h.Meta = append(h.Meta, line)
		return false
	}
	h.Meta = append(h.Meta, nil)
	copy(h.Meta[last+2:], h.Meta[last+1:])
	h.Meta[last+1] = line
	return false
}

// AddMeta appends a meta line such as "##GAS_reference=..."; a missing "##"
// prefix is added.
func (h *Header) AddMeta(line string) {
	if !strings.HasPrefix(line, "##") {
		line = "##" + line
	}
	h.Meta = append(h.Meta, []byte(line))
}

// WriteTo writes the header, one line per meta line then the column line,
// each ended by "\n".
func (h *Header) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, l := range h.Meta {
		b.Write(l)
		b.WriteByte('\n')
	}
	b.Write(h.ColumnLine)
	b.WriteByte('\n')
	return b.WriteTo(w)
}
