package consequence

import (
	"fmt"
	"strings"
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
		var b strings.Builder
		b.Grow(x.cdnaLen)
		for _, e := range x.t.Exons {
			s, err := seq.Seq(e.Start, e.End)
			if err != nil {
				x.err = fmt.Errorf("sequence of %s exon %d: %w", x.t.FullID(), e.Number, err)
				return
			}
			if len(s) != e.End-e.Start+1 {
				x.err = fmt.Errorf("sequence of %s exon %d: got %d bases, want %d", x.t.FullID(), e.Number, len(s), e.End-e.Start+1)
				return
			}
			s = strings.ToUpper(s)
			if x.t.Strand < 0 {
				s = revComp(s)
			}
			b.WriteString(s)
		}
		ts := &txSeq{cdna: b.String()}
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
