package consequence

import "testing"

// snpEffCases come from cross-checking our calls with snpEff 5.1 on the mini
// reference (dbSNP 149 sample, chr21_vep_test.vcf, test.vcf). Each is a class
// where the two disagreed; the comment says who is right by VEP's rules and
// why. Cases where we were wrong are marked FIX; the others pin down the VEP
// behaviour snpEff does not share, so a later change cannot drift towards it.
var snpEffCases = []handCase{
	// FIX. MRPL39 (- strand) stop codon TAA is 25585751-753 (c.1060-1062,
	// Ter354); GTTA>G at 25585750 deletes exactly it. Reading on through the
	// 3' UTR (LKIKVKQQRNVHLPNNFLKFKYV*) the first stop is UTR codon 24, so the
	// new protein's stop is at 353+24 = 377 and VEP's _stop_loss_extra_AA
	// counts 377-1-353 = 23. VEP writes a stop-lost deletion as
	// <ref>delextTer<n> (ensembl-variation's HGVS test: c.856_858del ->
	// p.Ter286delextTer56); we wrote p.Ter354extTer23, snpEff p.Ter354del.
	{name: "stop codon deleted", v: Variant{Chrom: "21", Pos: 25585750, Ref: "GTTA", Alt: "G"}, tx: "ENST00000307301",
		csq: "stop_lost&inframe_deletion&splice_region_variant", prot: "354", aas: "*/-", codons: "TAA/-",
		hgvsc: "ENST00000307301.11:c.1060_1062del", hgvsp: "ENSP00000305682:p.Ter354delextTer23"},
}

func TestSnpEffDisagreements(t *testing.T) {
	runHandCases(t, snpEffCases)
}

// TestHGVScTranscriptEdges pins VEP's HGVSc at the transcript ends, where
// the 3' shift and the dup test run out of transcript (an empty want means
// VEP writes no HGVSc). Found as "shift leaves transcript" while checking
// every indel's HGVSc against an independent genomic 3' shift.
func TestHGVScTranscriptEdges(t *testing.T) {
	m := loadMini(t)
	cases := []struct {
		name string
		v    Variant
		tx   string
		want string
	}{
		// FIX. ENST00000492962 (+, retained intron) ends at 25710179; the A
		// inserted after 25710173 shifts 3' through the A run to
		// 25710180/181, past the end. VEP's hgvs_transcript returns undef
		// when the shifted end exceeds the transcript slice; we wrote n.*2dup.
		{"insertion shifted past the 3' end", Variant{Chrom: "21", Pos: 25710173, Ref: "T", Alt: "TA"}, "ENST00000492962", ""},
		// FIX. Same A run, deletion: shifted to 25710181, past the end.
		{"deletion shifted past the 3' end", Variant{Chrom: "21", Pos: 25710173, Ref: "TA", Alt: "T"}, "ENST00000492962", ""},
		// FIX. MRPL39 (- strand) starts at 25607517 (cDNA 1, c.-42; the A
		// of ATG is cDNA 43). The 13 bases inserted between 25607509 and
		// 25607508 (cDNA 9|10) repeat the 13 bases 25607509-521, but only 9
		// of those lie in the transcript. VEP's dup test reads them from the
		// transcript slice (hgvs_variant_notation's substr before the
		// insertion), finds no match and writes ins; we wrote
		// c.-46_-34dup, numbering 4 bases outside the transcript.
		{"dup reaching before the 5' end", Variant{Chrom: "21", Pos: 25607508, Ref: "T", Alt: "TCTCCGCCCTCCTC"}, "ENST00000307301",
			"ENST00000307301.11:c.-34_-33insGAGGAGGGCGGAG"},
		// Inside the transcript the dup stays (VEP's own expectation for
		// rs142513484's insertion variant, see handCases).
		{"dup inside", Variant{Chrom: "21", Pos: 25592985, Ref: "A", Alt: "ATAAA"}, "ENST00000352957", "ENST00000352957.8:c.768-17_768-14dup"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := m.entry(t, c.v, c.tx).HGVSc; got != c.want {
				t.Errorf("HGVSc = %q, want %q", got, c.want)
			}
		})
	}
}
