package consequence

import (
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// TestTxInfoText: the labels and CSQ text newTxInfo makes in one string are
// each what they are field by field: EXON/INTRON labels as rangeOf writes
// them, "|SYMBOL|Gene|Transcript|Feature|BIOTYPE" escaped, the empty fields
// of a flanking entry, and STRAND, FLAGS, VARIANT_CLASS and CANONICAL
// around each class.
func TestTxInfoText(t *testing.T) {
	exons := func(n int) []refdata.Exon {
		var ex []refdata.Exon
		for i := range n {
			ex = append(ex, refdata.Exon{Start: 100 + 1000*i, End: 200 + 1000*i, Number: i + 1})
		}
		return ex
	}
	for _, c := range []struct {
		name string
		tx   refdata.Transcript
	}{
		{"one exon, plus", refdata.Transcript{ID: "T1", Version: "2", GeneID: "G1", GeneName: "ABC", Biotype: "lncRNA", Strand: 1, Exons: exons(1)}},
		{"minus, canonical, flags", refdata.Transcript{ID: "T2", GeneID: "G2", Biotype: "protein_coding", Strand: -1, Canonical: true, CDSStartNF: true, CDSEndNF: true, Exons: exons(3)}},
		{"names to escape", refdata.Transcript{ID: "T;3", Version: "1", GeneID: "G 3", GeneName: "A,B|C=D", Biotype: "mi RNA", Strand: 1, CDSEndNF: true, Exons: exons(12)}},
		{"start NF, 10 exons", refdata.Transcript{ID: "T4", GeneID: "G4", Strand: -1, CDSStartNF: true, Exons: exons(10)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := c.tx
			tx.Start, tx.End = tx.Exons[0].Start, tx.Exons[len(tx.Exons)-1].End
			if tx.Strand < 0 {
				for i, j := 0, len(tx.Exons)-1; i < j; i, j = i+1, j-1 {
					tx.Exons[i], tx.Exons[j] = tx.Exons[j], tx.Exons[i]
				}
			}
			x := newTxInfo(&tx)
			n := len(tx.Exons)
			if len(x.exonLabels) != n || len(x.intronLabels) != n-1 {
				t.Fatalf("%d exon and %d intron labels, want %d and %d", len(x.exonLabels), len(x.intronLabels), n, n-1)
			}
			for i := range n {
				if x.exonLabels[i] != rangeOf(i+1, i+1, n) {
					t.Errorf("exon label %d = %q, want %q", i, x.exonLabels[i], rangeOf(i+1, i+1, n))
				}
				if i < n-1 && x.intronLabels[i] != rangeOf(i+1, i+1, n-1) {
					t.Errorf("intron label %d = %q, want %q", i, x.intronLabels[i], rangeOf(i+1, i+1, n-1))
				}
			}
			feature := ""
			for _, f := range []string{tx.GeneName, tx.GeneID, "Transcript", tx.FullID(), tx.Biotype} {
				feature += "|" + escapeSlow(f)
			}
			strand, canonical := "1", ""
			if tx.Strand < 0 {
				strand = "-1"
			}
			if tx.Canonical {
				canonical = "YES"
			}
			want := map[string][2]string{
				"csqFeature":          {x.csqFeature, feature},
				"csqFeatureFlank":     {x.csqFeatureFlank, feature + "|||||||||"},
				"csqFeatureFlankBare": {x.csqFeatureFlankBare, feature + "|||||||||||"},
				"csqStrandFlags":      {x.csqStrandFlags, "|" + strand + "|" + flagsOf(&tx) + "|"},
				"csqCanonical":        {x.csqCanonical, "|" + canonical},
			}
			for i, cl := range variantClasses {
				want["csqTails "+cl] = [2]string{x.csqTails[i], "|" + strand + "|" + flagsOf(&tx) + "|" + cl + "|" + canonical}
				want["csqTailsBare "+cl] = [2]string{x.csqTailsBare[i], "|||" + strand + "|" + flagsOf(&tx) + "|" + cl + "|" + canonical}
			}
			for k, v := range want {
				if v[0] != v[1] {
					t.Errorf("%s = %q, want %q", k, v[0], v[1])
				}
			}
			if plain := escapeSlow(tx.FullID()) == tx.FullID(); x.fullIDPlain != plain {
				t.Errorf("fullIDPlain = %v, want %v", x.fullIDPlain, plain)
			}
		})
	}
}

// TestTranslate: translate gives translateCodon of each whole codon and an
// 'X' for a trailing partial one, in both tables, for sequences with
// lower-case bases and bases other than ACGT, appending to what dst holds.
func TestTranslate(t *testing.T) {
	const bases = "ACGTacgtNR"
	for _, table := range []int{1, 2} {
		for n := range 40 {
			seq := make([]byte, n)
			for i := range seq {
				seq[i] = bases[(i*7+n*3+i*i)%len(bases)]
			}
			want := "pre"
			for i := 0; i+3 <= n; i += 3 {
				want += string(translateCodon(string(seq[i:i+3]), table))
			}
			if n%3 != 0 {
				want += "X"
			}
			if got := string(translate([]byte("pre"), string(seq), table)); got != want {
				t.Errorf("table %d, %s: %q, want %q", table, seq, got, want)
			}
		}
	}
	// every codon of ACGT in both tables
	for _, table := range []int{1, 2} {
		var all []byte
		for _, a := range "TCAG" {
			for _, b := range "TCAG" {
				for _, c := range "TCAG" {
					all = append(all, byte(a), byte(b), byte(c))
				}
			}
		}
		want := table1AAs
		if table == 2 {
			want = table2AAs
		}
		if got := string(translate(nil, string(all), table)); got != want {
			t.Errorf("table %d: %s, want %s", table, got, want)
		}
	}
}

// TestUpperComplements: a minus-strand exon is upper-cased and complemented
// in one table lookup per base; anything but a base complements to N.
func TestUpperComplements(t *testing.T) {
	in, want := "acgtnACGTNrY*-", "TGCANTGCANNNNN"
	for i := range len(in) {
		if got := upperComplements[in[i]]; got != want[i] {
			t.Errorf("upperComplements[%q] = %q, want %q", in[i], got, want[i])
		}
	}
}

// TestDeepIntronShortcut: spliceTerms's shortcut for regions deep in an
// intron gives the terms the full tests give, for SNVs, MNVs, insertions
// and deletions at every offset from 40 bases before to 40 after each end
// of introns of 13 to 200 bases, on both strands.
func TestDeepIntronShortcut(t *testing.T) {
	for _, strand := range []int8{1, -1} {
		for _, intron := range []int{13, 20, 33, 34, 35, 36, 50, 200} {
			// exons 1001-1100 and 1101+intron..+100
			e2 := 1101 + intron
			tx := &refdata.Transcript{ID: "T", GeneID: "G", Strand: strand, Start: 1001, End: e2 + 99,
				Exons: []refdata.Exon{{Start: 1001, End: 1100, Number: 1}, {Start: e2, End: e2 + 99, Number: 2}}}
			if strand < 0 {
				tx.Exons[0], tx.Exons[1] = tx.Exons[1], tx.Exons[0]
			}
			x := newTxInfo(tx)
			for pos := 1060; pos <= e2+40; pos++ {
				for _, al := range []struct{ ref, alt string }{{"A", "C"}, {"AC", "GT"}, {"", "T"}, {"", "TTT"}, {"A", ""}, {"ACGTA", ""}, {"AC", "TTT"}} {
					a := allele{start: pos, end: pos + len(al.ref) - 1, ref: al.ref, alt: al.alt}
					j, k := x.exonWindow(min(a.start, a.end)-3, max(a.start, a.end)+3)
					var fast, full termSet
					x.spliceTerms(&a, &fast, j, k)
					saved := deepIntron
					deepIntron = 1 << 30
					x.spliceTerms(&a, &full, j, k)
					deepIntron = saved
					if fast != full {
						t.Fatalf("strand %d, intron %d, %d %q>%q: terms %v with the shortcut, %v without", strand, intron, pos, al.ref, al.alt, fast.build(), full.build())
					}
				}
			}
		}
	}
}

// appendingSeq is chromSeq that can also append bases, as a bundle
// chromosome can (the 3' shift then reads into a reused buffer).
type appendingSeq struct{ chromSeq }

func (s appendingSeq) AppendSeq(dst []byte, start, end int) ([]byte, error) {
	b, err := s.Seq(start, end)
	return append(dst, b...), err
}

// TestShiftReadsThroughAppender: HGVSc of indels, shifted 3' through
// repeats, dups included, is the same whether the sequence is read as
// strings or appended into the Predictor's buffer.
func TestShiftReadsThroughAppender(t *testing.T) {
	m := loadMini(t)
	chrom := m.seqs["21"]
	var p, q Predictor
	shifted := 0
	for _, tx := range m.txs {
		if tx.Chrom != "21" {
			continue
		}
		for _, e := range tx.Exons[:min(2, len(tx.Exons))] {
			for pos := e.Start - 5; pos <= e.Start+30; pos++ {
				ref := string(chrom[pos-1 : pos+1])
				for _, alt := range []string{ref[:1], ref + ref[1:], ref + string(chrom[pos:pos+3])} {
					v := Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: alt}
					txs := near(m.txs, "21", pos, pos+2)
					got := string(p.AppendCSQ(nil, v, txs, appendingSeq{chromSeq(chrom)}, "", nil))
					want := string(q.AppendCSQ(nil, v, txs, chromSeq(chrom), "", nil))
					if got != want {
						t.Fatalf("%d %s>%s:\n appender %s\n strings  %s", pos, ref, alt, got, want)
					}
					if strings.Contains(got, "dup") || strings.Contains(got, "del") {
						shifted++
					}
				}
			}
		}
	}
	if shifted < 100 {
		t.Fatalf("only %d indel entries with HGVSc", shifted)
	}
}
