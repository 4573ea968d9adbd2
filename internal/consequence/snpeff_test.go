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
