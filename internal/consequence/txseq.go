package consequence

import (
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
)

// txSeq is the transcript's spliced sequence in transcript orientation.
type txSeq struct {
	cdna string // exons, 5'->3', uppercase
	cds  string // pad Ns + coding bases (+ poly-A completion of a mitochondrial stop)
	utr3 string // cDNA after the CDS
	pep  string // translation of cds up to and including the first stop
}

// load fetches and splices the transcript sequence once.
func (x *txInfo) load(seq Sequence) (*txSeq, error) {
	x.once.Do(func() {
		var cdna []byte
		if cdna, x.err = x.splice(seq); x.err != nil {
			return
		}
		ts := &txSeq{cdna: string(cdna)}
		if x.coding {
			cds := strings.Repeat("N", x.pad) + ts.cdna[x.cdsStart-1:x.cdsEnd]
			ts.utr3 = ts.cdna[x.cdsEnd:]
			// Mitochondrial mRNAs complete a T or TA stop by polyadenylation.
			if r := len(cds) % 3; r != 0 && x.table == 2 && !x.t.CDSEndNF {
				done := cds + strings.Repeat("A", 3-r)
				if translateCodon(done[len(done)-3:], 2) == '*' {
					cds = done
				}
			}
			ts.cds = cds
			pep := translate(make([]byte, 0, len(cds)/3+1), cds[:len(cds)/3*3], x.table)
			if i := strings.IndexByte(string(pep), '*'); i >= 0 {
				pep = pep[:i+1]
			}
			if x.pad == 0 && len(cds) >= 3 && isStartCodon(cds[:3], x.table) && !x.t.CDSStartNF {
				pep[0] = 'M'
			}
			ts.pep = string(pep)
		}
		x.seq = ts
	})
	return x.seq, x.err
}

// seqAppender is a Sequence that can append bases to a buffer (as
// *refdata.Chrom does), saving a string per exon.
type seqAppender interface {
	AppendSeq(dst []byte, start, end int) ([]byte, error)
}

// splice returns the exons' bases in transcript order, upper-case, reverse
// complemented on the minus strand (any base but ACGT complements to N).
func (x *txInfo) splice(seq Sequence) ([]byte, error) {
	app, _ := seq.(seqAppender)
	b := make([]byte, 0, x.cdnaLen)
	for _, e := range x.t.Exons {
		n := len(b)
		var err error
		if app != nil {
			b, err = app.AppendSeq(b, e.Start, e.End)
		} else {
			var s string
			s, err = seq.Seq(e.Start, e.End)
			b = append(b, s...)
		}
		if err != nil {
			return nil, fmt.Errorf("sequence of %s exon %d: %w", x.t.FullID(), e.Number, err)
		}
		if len(b)-n != e.End-e.Start+1 {
			return nil, fmt.Errorf("sequence of %s exon %d: got %d bases, want %d", x.t.FullID(), e.Number, len(b)-n, e.End-e.Start+1)
		}
		ex := b[n:]
		if x.t.Strand < 0 {
			// reversed, upper-cased and complemented in one pass
			for i, j := 0, len(ex)-1; i <= j; i, j = i+1, j-1 {
				ex[i], ex[j] = upperComplements[ex[j]], upperComplements[ex[i]]
			}
			continue
		}
		for i, c := range ex {
			if 'a' <= c && c <= 'z' {
				ex[i] = c - ('a' - 'A')
			}
		}
	}
	return b, nil
}

// upperComplements[c] is refdata.Complement of c upper-cased.
var upperComplements = func() (t [256]byte) {
	for i := range t {
		t[i] = refdata.Complement(upper(byte(i)))
	}
	return t
}()
