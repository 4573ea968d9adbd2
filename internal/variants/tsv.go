package variants

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SplitTSV writes an annotated VCF (read from r) as a table with one header
// row and one row per CSQ entry (variant × transcript): CHROM, POS, ID, REF,
// ALT, then every CSQ field of the header's Format list, each in its own
// column, an empty value written as ".". It is what
//
//	bcftools +split-vep -d -A tab -f '%CHROM\t%POS\t%ID\t%REF\t%ALT\t%CSQ\n'
//
// prints, with a header row naming the columns. Records without CSQ have no row.
func SplitTSV(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<20)
	nFields := -1
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("line %d: %w", lineNo, err)
		}
		l := bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(l, []byte("##INFO=<ID=CSQ,")):
			_, list, _ := strings.Cut(string(l), "Format: ")
			list, _, _ = strings.Cut(list, `"`)
			fields := strings.Split(strings.TrimSpace(list), "|")
			nFields = len(fields)
			bw.WriteString("CHROM\tPOS\tID\tREF\tALT\t" + strings.Join(fields, "\t") + "\n")
		case bytes.HasPrefix(l, []byte("#")) || len(l) == 0:
		case nFields < 0:
			return fmt.Errorf("line %d: a record before any CSQ declaration (##INFO=<ID=CSQ,...Format: ...>)", lineNo)
		default:
			splitRecord(bw, l, nFields)
		}
		if err == io.EOF {
			break
		}
	}
	if nFields < 0 {
		bw.WriteString("CHROM\tPOS\tID\tREF\tALT\n")
	}
	return bw.Flush()
}

func splitRecord(bw *bufio.Writer, l []byte, nFields int) {
	var cols [8][]byte
	rest := l
	for i := range cols {
		c, after, _ := bytes.Cut(rest, []byte{'\t'})
		cols[i], rest = c, after
	}
	csq, _, _ := infoValues(cols[7])
	for len(csq) > 0 {
		var e []byte
		e, csq, _ = bytes.Cut(csq, []byte{','})
		for i := range 5 {
			bw.Write(cols[i])
			bw.WriteByte('\t')
		}
		for i := range nFields {
			var f []byte
			f, e, _ = bytes.Cut(e, []byte{'|'})
			if len(f) == 0 {
				f = []byte{'.'}
			}
			bw.Write(f)
			if i < nFields-1 {
				bw.WriteByte('\t')
			}
		}
		bw.WriteByte('\n')
	}
}

// TSVHeader is the header row of WriteRowTSV's table.
const TSVHeader = "chrom\tpos\tid\tref\talt\tallele\tgene\tgene_id\tfeature\tbiotype\tconsequence\timpact\thgvsc\thgvsp\taf\tclin_sig\tcanonical\n"

// AppendTSV appends r as one row of the TSVHeader table (empty values as ".").
func (r Row) AppendTSV(dst []byte) []byte {
	af := ""
	if r.AF != nil {
		af = strconv.FormatFloat(*r.AF, 'g', -1, 64)
	}
	canon := ""
	if r.Canonical {
		canon = "YES"
	}
	for i, s := range []string{r.Chrom, strconv.Itoa(r.Pos), r.ID, r.Ref, r.Alt, r.Allele, r.Gene, r.GeneID, r.Feature,
		r.Biotype, r.Consequence, r.Impact, r.HGVSc, r.HGVSp, af, r.ClinSig, canon} {
		if i > 0 {
			dst = append(dst, '\t')
		}
		if s == "" {
			s = "."
		}
		dst = append(dst, s...)
	}
	return append(dst, '\n')
}
