package consequence

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// synthetic builds a small chromosome "S" with hand-designed transcripts for
// cases the mini reference lacks (mature miRNA, incomplete terminal codon,
// protein_altering, minus-strand shifting).
func synthetic() (chromSeq, []*refdata.Transcript) {
	rng := rand.New(rand.NewSource(7))
	seq := make([]byte, 1000)
	for i := range seq {
		seq[i] = "ACGT"[rng.Intn(4)]
	}
	put := func(pos int, s string) { copy(seq[pos-1:], s) }
	// P (+): exon 11-40, CDS 11-28 = ATG AAA TTT GGG CCC TAA.
	put(11, "ATGAAATTTGGGCCCTAA")
	// N (-, non-coding): exon 101-160; forward 120-126 = G TTTTT C.
	put(120, "GTTTTTC")
	// I (+): exon 301-330, CDS 311-320 = ATG AAA TTT G, 3'-incomplete.
	put(311, "ATGAAATTTG")
	// Q (+): exons 401-420 and 440-460, CDS 403-420 ends with exon 1.
	put(403, "ATGAAATTTGGGCCCTAA")
	tx := func(id string, strand int8, start, end, cs, ce int, biotype string) *refdata.Transcript {
		return &refdata.Transcript{ID: id, Version: "1", GeneID: "G" + id, GeneName: "GENE" + id, Biotype: biotype,
			Chrom: "S", Strand: strand, Start: start, End: end, CodingStart: cs, CodingEnd: ce, CodonTable: 1,
			Exons: []refdata.Exon{{Start: start, End: end, Number: 1}}}
	}
	p := tx("P", 1, 11, 40, 11, 28, "protein_coding")
	n := tx("N", -1, 101, 160, 0, 0, "lncRNA")
	r := tx("R", 1, 201, 280, 0, 0, "miRNA")
	r.MatureMiRNA = [][2]int{{220, 241}}
	i := tx("I", 1, 301, 330, 311, 320, "protein_coding")
	i.CDSEndNF = true
	q := tx("Q", 1, 401, 460, 403, 420, "protein_coding")
	q.Exons = []refdata.Exon{{Start: 401, End: 420, Number: 1}, {Start: 440, End: 460, Number: 2}}
	return chromSeq(seq), []*refdata.Transcript{p, n, r, i, q}
}

func TestSynthetic(t *testing.T) {
	seq, txs := synthetic()
	alt425 := "A"
	if seq[424] == 'A' {
		alt425 = "C"
	}
	cases := []handCase{
		// GGG inserted inside codon 2 (A|AA): AGG GAA = Arg Glu replaces Lys;
		// neither end keeps Lys, so VEP calls it protein_altering.
		{name: "protein_altering", tx: "P", v: Variant{Chrom: "S", Pos: 14, Ref: "A", Alt: "AGGG"},
			csq: "protein_altering_variant", hgvsc: "P.1:c.4_5insGGG", hgvsp: "P.1:p.Lys2delinsArgGlu",
			aas: "K/RE", codons: "aaa/aGGGaa", prot: "2"},
		// TAA inserted between codons 2 and 3: a new stop, in frame.
		{name: "stop by insertion", tx: "P", v: Variant{Chrom: "S", Pos: 16, Ref: "A", Alt: "ATAA"},
			csq: "stop_gained&inframe_insertion", hgvsp: "P.1:p.Lys2_Phe3insTer", aas: "-/*", codons: "-/TAA", prot: "2-3"},
		// TGA inserted after the A of ATG: ATGATG..., the last bases of
		// UTR+CDS are unchanged and the peptide keeps Met at its start, so
		// VEP calls start_retained and (by its own exclusion) no insertion.
		{name: "start retained", tx: "P", v: Variant{Chrom: "S", Pos: 11, Ref: "A", Alt: "ATGA"},
			csq: "start_retained_variant", aas: "M/MM", codons: "atg/aTGAtg"},
		// AAT inserted after the T of the stop codon: TAA becomes TAA TAA, the
		// stop is kept at the same residue.
		{name: "stop retained by insertion", tx: "P", v: Variant{Chrom: "S", Pos: 26, Ref: "T", Alt: "TAAT"},
			csq: "inframe_insertion&stop_retained_variant", hgvsp: "P.1:p.Ter6=", aas: "*/**", codons: "taa/tAATaa"},
		// One T deleted from forward TTTTT (121-125) of a - strand transcript:
		// 3'-most in transcript orientation is genomic 121 = n.(160-121+1).
		{name: "minus deletion shift", tx: "N", v: Variant{Chrom: "S", Pos: 122, Ref: "TT", Alt: "T"},
			csq: "non_coding_transcript_exon_variant", hgvsc: "N.1:n.40del"},
		// One more T in the run is a duplication of its 3'-most base.
		{name: "minus insertion dup", tx: "N", v: Variant{Chrom: "S", Pos: 125, Ref: "T", Alt: "TT"},
			csq: "non_coding_transcript_exon_variant", hgvsc: "N.1:n.40dup"},
		// 10 bases past the forward end of a - strand transcript: its upstream.
		{name: "minus upstream", tx: "N", v: Variant{Chrom: "S", Pos: 170, Ref: "A", Alt: "C"},
			csq: "upstream_gene_variant", distance: "10"},
		{name: "mature miRNA", tx: "R", v: Variant{Chrom: "S", Pos: 230, Ref: "A", Alt: "C"},
			csq: "mature_miRNA_variant"},
		{name: "miRNA outside mature", tx: "R", v: Variant{Chrom: "S", Pos: 205, Ref: "A", Alt: "C"},
			csq: "non_coding_transcript_exon_variant"},
		// Intron base +5 after an exon that ends with the stop codon: VEP
		// writes it relative to the stop as c.*5. The 19-bp intron (421-439)
		// puts it also 15 bases before the acceptor: polypyrimidine tract.
		{name: "intron after stop", tx: "Q", v: Variant{Chrom: "S", Pos: 425, Ref: string(seq[424]), Alt: alt425},
			csq: "splice_donor_5th_base_variant&splice_polypyrimidine_tract_variant&intron_variant", hgvsc: "Q.1:c.*5" + string(seq[424]) + ">" + alt425},
		// A deletion covering all of R (201-280).
		{name: "transcript ablation", tx: "R", v: Variant{Chrom: "S", Pos: 199, Ref: string(seq[198:282]), Alt: string(seq[198])},
			csq: "transcript_ablation"},
		// c.10 is the lone base of the incomplete last codon.
		{name: "incomplete terminal codon", tx: "I", v: Variant{Chrom: "S", Pos: 320, Ref: "G", Alt: "A"},
			csq: "incomplete_terminal_codon_variant&coding_sequence_variant", prot: "4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e *Entry
			for _, x := range Predict(c.v, txs, seq) {
				if x.Feature == c.tx+".1" {
					e = &x
				}
			}
			if e == nil {
				t.Fatalf("no entry for %s", c.tx)
			}
			c.check(t, *e)
		})
	}
}

// TestDistanceWindow: Variant.Distance bounds upstream and downstream as
// VEP's --distance does; 0 leaves none (nil is VEP's default, 5000), even
// for a transcript the caller passes.
func TestDistanceWindow(t *testing.T) {
	seq, txs := synthetic()
	p := txs[0] // + strand, 11-40
	before := Variant{Chrom: "S", Pos: 10, Ref: string(seq[9]), Alt: "N"}
	after := Variant{Chrom: "S", Pos: 41, Ref: string(seq[40]), Alt: "N"}
	for _, c := range []struct {
		name     string
		v        Variant
		distance *int
		want     string // consequences of P's entry and its DISTANCE; "" for no entry
	}{
		{"upstream, default", before, nil, "upstream_gene_variant 1"},
		{"upstream, 1", before, new(1), "upstream_gene_variant 1"},
		{"upstream, 0", before, new(0), ""},
		{"downstream, default", after, nil, "downstream_gene_variant 1"},
		{"downstream, 0", after, new(0), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := c.v
			v.Distance = c.distance
			got := ""
			entries := Predict(v, []*refdata.Transcript{p}, seq)
			for _, e := range entries {
				if e.Feature == "P.1" {
					got = strings.Join(e.Consequences, "&") + " " + e.Distance
				}
			}
			if got != c.want {
				t.Fatalf("P's entry %q, want %q", got, c.want)
			}
			if c.want == "" && (len(entries) != 1 || strings.Join(entries[0].Consequences, "&") != Intergenic) {
				t.Fatalf("entries %+v, want intergenic_variant only", entries)
			}
		})
	}
}

func TestIntergenic(t *testing.T) {
	seq, txs := synthetic()
	// The driver passes only transcripts within 5 kb; here there are none.
	_ = txs
	got := Predict(Variant{Chrom: "S", Pos: 900, Ref: "A", Alt: "AT"}, nil, seq)
	if len(got) != 1 || strings.Join(got[0].Consequences, "&") != Intergenic || got[0].Allele != "T" ||
		got[0].VariantClass != "insertion" || got[0].Impact != "MODIFIER" {
		t.Fatalf("got %+v", got)
	}
}

func TestSymbolicNotAnnotated(t *testing.T) {
	seq, txs := synthetic()
	for _, alt := range []string{"<DEL>", "*", "A[S:5[", ""} {
		if got := Predict(Variant{Chrom: "S", Pos: 14, Ref: "A", Alt: alt}, txs, seq); got != nil {
			t.Errorf("ALT %q: got %d entries, want none", alt, len(got))
		}
	}
}

func TestVEPAllele(t *testing.T) {
	cases := []struct {
		ref  string
		alts []string
		want []string
	}{
		{"A", []string{"G"}, []string{"G"}},
		{"A", []string{"AT"}, []string{"T"}},
		{"AT", []string{"A"}, []string{"-"}},
		// all alleles share the A: stripped
		{"AT", []string{"A", "ATT"}, []string{"-", "TT"}},
		// the SNV G does not share it: nothing is stripped
		{"A", []string{"G", "AT"}, []string{"G", "AT"}},
		// an MNV record is never stripped
		{"AT", []string{"AC"}, []string{"AC"}},
	}
	for _, c := range cases {
		for i := range c.alts {
			if got := VEPAllele(c.ref, c.alts, i); got != c.want[i] {
				t.Errorf("VEPAllele(%s, %v, %d) = %q, want %q", c.ref, c.alts, i, got, c.want[i])
			}
		}
	}
}

func TestVariantClass(t *testing.T) {
	for _, c := range []struct{ ref, alt, want string }{
		{"A", "G", "SNV"}, {"A", "AT", "insertion"}, {"AT", "A", "deletion"},
		{"AT", "GC", "substitution"}, {"A", "TC", "indel"}, {"ATG", "AC", "indel"},
		{"A", "<DEL>", "sequence_alteration"}, {"A", "*", "sequence_alteration"},
		// one base each: the fast path for upper-case bases, the general one else
		{"N", "A", "SNV"}, {"A", "A", "SNV"}, {"a", "g", "SNV"}, {"A", "n", "SNV"}, {"A", ".", "sequence_alteration"}, {"R", "A", "sequence_alteration"},
	} {
		if got := VariantClass(c.ref, c.alt); got != c.want {
			t.Errorf("VariantClass(%s, %s) = %s, want %s", c.ref, c.alt, got, c.want)
		}
	}
}

func TestRecordClass(t *testing.T) {
	for _, c := range []struct {
		ref  string
		alts []string
		want string
	}{
		{"A", []string{"G", "T"}, "SNV"}, {"AT", []string{"GC", "CC"}, "substitution"},
		{"A", []string{"G", "AT"}, "indel"}, {"AT", []string{"A", "ATT"}, "indel"},
		{"A", []string{"AT"}, "insertion"}, {"A", []string{"G", "<DEL>"}, "sequence_alteration"},
	} {
		if got := RecordClass(c.ref, c.alts); got != c.want {
			t.Errorf("RecordClass(%s, %v) = %s, want %s", c.ref, c.alts, got, c.want)
		}
	}
}

func TestAppendCSQEscapes(t *testing.T) {
	e := Entry{Allele: "T", Consequences: []string{Synonymous, NMDTranscript}, Impact: "LOW",
		HGVSp: "ENSP1:p.Leu5=", Symbol: "A B;C,D|E", Strand: "1"}
	got := string(e.AppendCSQ(nil, "rs1"))
	want := "T|synonymous_variant&NMD_transcript_variant|LOW|A_B%3BC&D&E||||||||ENSP1:p.Leu5%3D||||||rs1||1|||"
	if got != want {
		t.Errorf("AppendCSQ\n got %s\nwant %s", got, want)
	}
	if n := strings.Count(CSQFormat, "|"); n != strings.Count(got, "|") || n != len(e.Fields("rs1"))-1 {
		t.Errorf("field count mismatch: format %d, csq %d, fields %d", n, strings.Count(got, "|"), len(e.Fields("rs1"))-1)
	}
}

// TestAppendCSQHGVScEscapes: AppendCSQ copies a predicted HGVSc unchecked
// only while it is the plain text Predict made; a transcript id with a byte
// to escape, or an HGVSc changed after Predict, is escaped.
func TestAppendCSQHGVScEscapes(t *testing.T) {
	seq, txs := synthetic()
	var p, semi refdata.Transcript = *txs[0], *txs[0]
	semi.ID = "P;x"
	v := Variant{Chrom: "S", Pos: 14, Ref: "A", Alt: "C"}
	for _, c := range []struct {
		name string
		tx   *refdata.Transcript
		edit func(e *Entry)
		want string // HGVSc field as written
	}{
		{"plain", &p, func(*Entry) {}, "P.1:c.4A>C"},
		{"id with ;", &semi, func(*Entry) {}, "P%3Bx.1:c.4A>C"},
		{"changed after Predict", &p, func(e *Entry) { e.HGVSc = "P.1:c.4A>C=x y" }, "P.1:c.4A>C%3Dx_y"},
	} {
		t.Run(c.name, func(t *testing.T) {
			es := Predict(v, []*refdata.Transcript{c.tx}, seq)
			if len(es) != 1 {
				t.Fatalf("%d entries, want 1", len(es))
			}
			c.edit(&es[0])
			if got := strings.Split(string(es[0].AppendCSQ(nil, "")), "|")[10]; got != c.want {
				t.Errorf("HGVSc written %q, want %q", got, c.want)
			}
		})
	}
}

func TestWorstConsequenceAndImpact(t *testing.T) {
	if w := WorstConsequence(Intron, Missense, SpliceRegion); w != Missense {
		t.Errorf("worst = %s", w)
	}
	for term, want := range map[string]string{
		StopGained: "HIGH", Missense: "MODERATE", SpliceDonor5thBase: "LOW", SplicePolypyrimidineTract: "LOW",
		Intron: "MODIFIER", Upstream: "MODIFIER", "no_such_term": "MODIFIER",
	} {
		if got := Impact(term); got != want {
			t.Errorf("Impact(%s) = %s, want %s", term, got, want)
		}
	}
}
