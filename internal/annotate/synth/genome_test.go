package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// TestWriteGenome writes a tiny genome twice (same seed, same bytes), builds
// a bundle from it, and checks the gene models: every coding transcript is
// a complete CDS (ATG, whole codons, one stop at the end), introns are
// GT..AG, and the GFF3 holds the same models as the GTF.
func TestWriteGenome(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	opts := GenomeOptions{Dir: dirA, Scale: 0.003, Seed: 3}
	st, err := WriteGenome(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Dir = dirB
	WriteGenome(opts)
	for _, f := range []string{GenomeFiles.FASTA, GenomeFiles.GTF, GenomeFiles.Known, GenomeFiles.WGS, GenomeFiles.Exome} {
		a, _ := os.ReadFile(filepath.Join(dirA, f))
		b, _ := os.ReadFile(filepath.Join(dirB, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: empty or differs between runs with the same seed", f)
		}
	}
	if st.Genes < 100 || st.Coding < 100 || st.Known < 100000 || st.WGS < 5000 || st.Exome < 500 {
		t.Errorf("stats %+v", st)
	}
	if f := float64(st.WGSKnown) / float64(st.WGS); f < 0.4 || f > 0.6 {
		t.Errorf("known share of the WGS query %.2f, want about half", f)
	}
	if f := float64(st.NBases) / float64(st.Bases); f < 0.03 || f > 0.08 {
		t.Errorf("N share %.3f, want about 5%%", f)
	}

	bundle := filepath.Join(t.TempDir(), "b")
	in := func(f string) string { return filepath.Join(dirA, f) }
	m, err := refdata.Build(context.Background(), refdata.BuildOptions{Out: bundle, Assembly: "GRCh38",
		FASTA: []string{in(GenomeFiles.FASTA)}, Genes: []string{in(GenomeFiles.GTF)}, Known: []string{in(GenomeFiles.Known)}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Transcripts != st.Transcripts || m.Counts.KnownVariants < st.Known {
		t.Errorf("bundle counts %+v, generated %+v", m.Counts, st)
	}
	b, err := refdata.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	coding := 0
	for _, e := range m.Chroms {
		c, _ := b.Chrom(e.Name)
		for _, tx := range c.AllTranscripts() {
			checkIntrons(t, c, tx)
			if !tx.Coding() {
				continue
			}
			coding++
			if tx.CDSStartNF || tx.CDSEndNF {
				t.Fatalf("%s: incomplete CDS", tx.ID)
			}
			cds := cdsSeq(t, c, tx)
			if !strings.HasPrefix(cds, "ATG") || len(cds)%3 != 0 {
				t.Fatalf("%s: CDS %.12s... length %d", tx.ID, cds, len(cds))
			}
			for i := 0; i+3 <= len(cds); i += 3 {
				if stops[cds[i:i+3]] != (i == len(cds)-3) {
					t.Fatalf("%s: codon %d %s", tx.ID, i/3+1, cds[i:i+3])
				}
			}
		}
	}
	if coding != st.Coding {
		t.Errorf("%d coding transcripts in the bundle, %d generated", coding, st.Coding)
	}

	gtf, _ := os.Open(in(GenomeFiles.GTF))
	defer gtf.Close()
	fromGTF, err := refdata.ParseGTF(gtf, "gtf")
	if err != nil {
		t.Fatal(err)
	}
	gff, _ := os.Open(in(GenomeFiles.GFF3))
	defer gff.Close()
	fromGFF, err := refdata.ParseGFF3(gff, "gff3")
	if err != nil {
		t.Fatal(err)
	}
	if len(fromGTF) != len(fromGFF) {
		t.Fatalf("GTF %d transcripts, GFF3 %d", len(fromGTF), len(fromGFF))
	}
	for i := range fromGTF {
		a, g := fromGTF[i], fromGFF[i]
		if a.ID != g.ID || !reflect.DeepEqual(a.Exons, g.Exons) || a.CodingStart != g.CodingStart || a.CodingEnd != g.CodingEnd || a.Biotype != g.Biotype {
			t.Fatalf("transcript %d differs:\nGTF  %+v\nGFF3 %+v", i, a, g)
		}
	}
}

func cdsSeq(t *testing.T, c *refdata.Chrom, tx *refdata.Transcript) string {
	var b strings.Builder
	for _, p := range tx.CDS {
		s, err := c.Seq(p.Start, p.End)
		if err != nil {
			t.Fatal(err)
		}
		if tx.Strand < 0 {
			s = revcomp(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

func revcomp(s string) string {
	b := make([]byte, len(s))
	for i := range s {
		b[len(s)-1-i] = refdata.Complement(s[i])
	}
	return string(b)
}

// checkIntrons: every intron starts with GT and ends with AG (transcript
// orientation), except where an isoform joins exons of its own.
func checkIntrons(t *testing.T, c *refdata.Chrom, tx *refdata.Transcript) {
	for i := 1; i < len(tx.Exons); i++ {
		a, b := tx.Exons[i-1], tx.Exons[i]
		lo, hi := min(a.End, b.End)+1, max(a.Start, b.Start)-1
		s, _ := c.Seq(lo, hi)
		if tx.Strand < 0 {
			s = revcomp(s)
		}
		if !strings.HasPrefix(s, "GT") || !strings.HasSuffix(s, "AG") {
			t.Fatalf("%s intron %d: %.4s...%s", tx.ID, i, s, s[max(0, len(s)-4):])
		}
	}
}
