package consequence

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

// TestDebugDump prints our CSQ for every record of a shared VCF, for
// inspection: CSQ_DUMP=chr21_vep_test.vcf go test -run DebugDump -v .
func TestDebugDump(t *testing.T) {
	if os.Getenv("CSQ_DUMP") == "" {
		t.Skip()
	}
	m := loadMini(t)
	path := os.Getenv("CSQ_DUMP")
	if !filepath.IsAbs(path) {
		path = testshared.Path(t, "vcf", path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			continue
		}
		c := strings.Split(l, "\t")
		if len(c) < 5 {
			continue
		}
		pos, _ := strconv.Atoi(c[1])
		for _, alt := range strings.Split(c[4], ",") {
			v := Variant{Chrom: c[0], Pos: pos, Ref: c[3], Alt: alt, AllAlts: strings.Split(c[4], ",")}
			for _, e := range m.predict(v) {
				fmt.Println(c[0], c[1], c[3], alt, string(e.AppendCSQ(nil, "")))
			}
		}
	}
}

// TestDebugTx prints a mini-reference transcript's structure, coding
// sequence and translation: CSQ_TX=ENST00000352957 go test -run DebugTx -v .
func TestDebugTx(t *testing.T) {
	id := os.Getenv("CSQ_TX")
	if id == "" {
		t.Skip()
	}
	m := loadMini(t)
	for _, tx := range m.txs {
		if tx.ID != id {
			continue
		}
		x := infoFor(tx)
		fmt.Printf("%s %s strand %d %d-%d cds %d-%d cdna cds %d-%d len %d biotype %s phase %d nf %v %v canon %v\n", tx.FullID(), tx.GeneName, tx.Strand, tx.Start, tx.End, tx.CodingStart, tx.CodingEnd, x.cdsStart, x.cdsEnd, x.cdnaLen, tx.Biotype, tx.StartPhase, tx.CDSStartNF, tx.CDSEndNF, tx.Canonical)
		for i, e := range tx.Exons {
			fmt.Printf("  exon %d %d-%d cum %d\n", i+1, e.Start, e.End, x.cum[i])
		}
		ts, _ := x.load(chromSeq(m.seqs[tx.Chrom]))
		if ts != nil && len(ts.cds) > 0 {
			fmt.Printf("  cds %s...%s len %d\n  pep %s\n", ts.cds[:12], ts.cds[len(ts.cds)-12:], len(ts.cds), ts.pep)
		}
	}
}
