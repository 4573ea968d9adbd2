package refdata

import (
	"bytes"
	"io"
)

// ReadFASTA streams the records of a FASTA file (plain, gzip or BGZF) to fn,
// one whole sequence at a time. name is the first word of the header, desc the
// rest; seq is uppercased and only valid during the call. source names the
// input in errors.
func ReadFASTA(r io.Reader, source string, fn func(name, desc string, seq []byte) error) error {
	lr, err := openLines(r, source)
	if err != nil {
		return err
	}
	var (
		name, desc string
		seq        []byte
		inRecord   bool
	)
	flush := func() error {
		if !inRecord {
			return nil
		}
		return fn(name, desc, seq)
	}
	for {
		line, ok := lr.next()
		if !ok {
			break
		}
		if len(line) > 0 && line[0] == '>' {
			if err := flush(); err != nil {
				return err
			}
			header := bytes.TrimSpace(line[1:])
			n, d, _ := bytes.Cut(header, []byte{' '})
			if i := bytes.IndexByte(n, '\t'); i >= 0 { // some headers use a tab
				n, d = header[:i], header[i+1:]
			}
			if len(n) == 0 {
				return lr.errorf("FASTA header without a sequence name")
			}
			name, desc = string(n), string(bytes.TrimSpace(d))
			seq = seq[:0]
			inRecord = true
			continue
		}
		line = bytes.TrimRight(line, " \t")
		if len(line) == 0 || line[0] == ';' {
			continue
		}
		if !inRecord {
			return lr.errorf("sequence data before the first '>' header (not a FASTA file?)")
		}
		for i, c := range line { // uppercase in place: the line buffer is ours until the next read
			switch {
			case c >= 'A' && c <= 'Z':
			case c >= 'a' && c <= 'z':
				line[i] = c - ('a' - 'A')
			case c == '*', c == '-':
			default:
				return lr.errorf("invalid sequence character %q at column %d", c, i+1)
			}
		}
		seq = append(seq, line...)
	}
	if err := lr.err(); err != nil {
		return err
	}
	if !inRecord {
		return parseErr(source, 0, "no FASTA records")
	}
	return flush()
}
