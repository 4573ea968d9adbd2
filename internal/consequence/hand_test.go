package consequence

import (
	"strings"
	"testing"
)

// handCase is one variant on one transcript of the grch38-mini reference with
// the fields worked out by hand (the comment of each case gives the
// reasoning). Empty expectation fields are not checked.
type handCase struct {
	name                         string
	v                            Variant
	tx                           string
	csq, impact, exon, intron    string
	hgvsc, hgvsp                 string
	cdna, cds, prot, aas, codons string
	distance, flags              string
}

// JAM2 ENST00000400532.5 is on the + strand: exon 1 is 25639272-25639888
// (cDNA 1-617), the CDS starts at 25639822 (cDNA 551, ATG GCG AGG AGG AGC
// ...), exon 2 starts at 25683883, and the stop codon TAG is 25714303-305
// (c.937-939, protein of 312 residues + Ter313).
// MRPL39 ENST00000352957.8 is on the - strand; its cases are VEP's own
// expected output for rs142513484 in the ensembl-vep test suite (same
// transcript models), including the MNV and the deletion variants of it.
var handCases = []handCase{
	// 25639800 is 22 bases before the A of ATG (cDNA 529 = 551-22): 5' UTR.
	{name: "5'UTR", v: snv(25639800, "A", "G"), tx: "ENST00000400532",
		csq: "5_prime_UTR_variant", impact: "MODIFIER", exon: "1/10", cdna: "529",
		hgvsc: "ENST00000400532.5:c.-22A>G"},
	// A of ATG -> GTG: the initiator is gone.
	{name: "start_lost +", v: snv(25639822, "A", "G"), tx: "ENST00000400532",
		csq: "start_lost", impact: "HIGH", cdna: "551", cds: "1", prot: "1", aas: "M/V", codons: "Atg/Gtg",
		hgvsc: "ENST00000400532.5:c.1A>G", hgvsp: "ENSP00000383376:p.Met1?"},
	// codon 2 GCG (Ala) -> GCA (Ala).
	{name: "synonymous +", v: snv(25639827, "G", "A"), tx: "ENST00000400532",
		csq: "synonymous_variant", impact: "LOW", cds: "6", prot: "2", aas: "A", codons: "gcG/gcA",
		hgvsc: "ENST00000400532.5:c.6G>A", hgvsp: "ENSP00000383376:p.Ala2="},
	// codon 2 GCG (Ala) -> CCG (Pro).
	{name: "missense +", v: snv(25639825, "G", "C"), tx: "ENST00000400532",
		csq: "missense_variant", impact: "MODERATE", aas: "A/P", codons: "Gcg/Ccg",
		hgvsc: "ENST00000400532.5:c.4G>C", hgvsp: "ENSP00000383376:p.Ala2Pro"},
	// codon 16 TAC (Tyr, c.46-48 = 25639867-869) -> TAA.
	{name: "stop_gained", v: snv(25639869, "C", "A"), tx: "ENST00000400532",
		csq: "stop_gained", impact: "HIGH", prot: "16", aas: "Y/*", codons: "taC/taA",
		hgvsc: "ENST00000400532.5:c.48C>A", hgvsp: "ENSP00000383376:p.Tyr16Ter"},
	// Exon 1 ends at c.67 (cDNA 617); 25639889 is intron 1 base +1 (G of GT).
	{name: "splice_donor", v: snv(25639889, "G", "A"), tx: "ENST00000400532",
		csq: "splice_donor_variant", impact: "HIGH", intron: "1/9", hgvsc: "ENST00000400532.5:c.67+1G>A"},
	// +5 (G of GTAAGT): 5th base; since VEP 105 it replaces splice_region.
	{name: "donor 5th base", v: snv(25639893, "G", "A"), tx: "ENST00000400532",
		csq: "splice_donor_5th_base_variant&intron_variant", impact: "LOW",
		hgvsc: "ENST00000400532.5:c.67+5G>A"},
	// +3: donor region (+3..+6), which replaces splice_region (VEP 105+
	// prints e.g. splice_donor_region_variant&intron_variant for c.-21+3G>T).
	{name: "donor region", v: snv(25639891, "A", "G"), tx: "ENST00000400532",
		csq:   "splice_donor_region_variant&intron_variant",
		hgvsc: "ENST00000400532.5:c.67+3A>G"},
	// +7 (T of GTAAGTTG): splice region only.
	{name: "intronic splice region", v: snv(25639895, "T", "C"), tx: "ENST00000400532",
		csq: "splice_region_variant&intron_variant", impact: "LOW", hgvsc: "ENST00000400532.5:c.67+7T>C"},
	// Last exon base c.67 is the first base of codon 23 (TAT Tyr, finished by
	// c.68-69 in exon 2): T>C gives CAT (His); exonic splice region.
	{name: "exonic splice region", v: snv(25639888, "T", "C"), tx: "ENST00000400532",
		csq: "missense_variant&splice_region_variant", exon: "1/10", prot: "23", aas: "Y/H", codons: "Tat/Cat",
		hgvsc: "ENST00000400532.5:c.67T>C", hgvsp: "ENSP00000383376:p.Tyr23His"},
	// Exon 2 starts at 25683883 (c.68); 25683881 is the A of the AG acceptor (-2).
	{name: "splice_acceptor", v: snv(25683881, "A", "G"), tx: "ENST00000400532",
		csq: "splice_acceptor_variant", impact: "HIGH", intron: "1/9", hgvsc: "ENST00000400532.5:c.68-2A>G"},
	// -10 lies in the polypyrimidine tract (-3..-17) but outside the splice region (-3..-8).
	{name: "polypyrimidine", v: snv(25683873, "A", "G"), tx: "ENST00000400532",
		csq: "splice_polypyrimidine_tract_variant&intron_variant", impact: "LOW",
		hgvsc: "ENST00000400532.5:c.68-10A>G"},
	// -5: both splice region and polypyrimidine tract.
	{name: "acceptor region", v: snv(25683878, "T", "C"), tx: "ENST00000400532",
		csq:   "splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant",
		hgvsc: "ENST00000400532.5:c.68-5T>C"},
	// Intron 1 is 25639889-25683882; 25660000 is 20112 bases after the donor
	// and 23883 before the acceptor, so it is written from exon 1.
	{name: "intron", v: snv(25660000, "C", "T"), tx: "ENST00000400532",
		csq: "intron_variant", impact: "MODIFIER", intron: "1/9", hgvsc: "ENST00000400532.5:c.67+20112C>T"},
	// 272 bases before the transcript start on the + strand.
	{name: "upstream", v: snv(25639000, "G", "A"), tx: "ENST00000400532",
		csq: "upstream_gene_variant", distance: "272"},
	// 427 bases after the transcript end (25714573).
	{name: "downstream", v: snv(25715000, "C", "T"), tx: "ENST00000400532",
		csq: "downstream_gene_variant", distance: "427"},
	// 95 bases after the stop codon; exon 10 starts at cDNA 1415.
	{name: "3'UTR", v: snv(25714400, "A", "G"), tx: "ENST00000400532",
		csq: "3_prime_UTR_variant", exon: "10/10", cdna: "1584", hgvsc: "ENST00000400532.5:c.*95A>G"},
	// TAG -> CAG (Gln); translating on through the 3' UTR
	// (CAG ACC AGC ... QTSLANMVKPHLY*) reaches a stop 13 residues later.
	{name: "stop_lost", v: snv(25714303, "T", "C"), tx: "ENST00000400532",
		csq: "stop_lost", impact: "HIGH", prot: "313", aas: "*/Q", codons: "Tag/Cag",
		hgvsc: "ENST00000400532.5:c.937T>C", hgvsp: "ENSP00000383376:p.Ter313GlnextTer13"},
	// TAG -> TAA.
	{name: "stop_retained", v: snv(25714305, "G", "A"), tx: "ENST00000400532",
		csq: "stop_retained_variant", impact: "LOW", aas: "*", codons: "taG/taA",
		hgvsc: "ENST00000400532.5:c.939G>A", hgvsp: "ENSP00000383376:p.Ter313="},
	// Deleting the G of codon 2 (c.4): ATG CGA GGA GGA GCC ... reads
	// M R G G A A T A S S C C C C A T W W S P W A I I R P M G F L P Q K T N K *:
	// first change Ala2>Arg, stop at residue 37 = 36th of the new frame.
	{name: "frameshift", v: Variant{Chrom: "21", Pos: 25639824, Ref: "GG", Alt: "G"}, tx: "ENST00000400532",
		csq: "frameshift_variant", impact: "HIGH", cds: "4", prot: "2", aas: "A/X", codons: "Gcg/cg",
		hgvsc: "ENST00000400532.5:c.4del", hgvsp: "ENSP00000383376:p.Ala2ArgfsTer36"},
	// Deleting codon 3 (AGG) of ...GCG AGG AGG AGC...: DNA 3'-shifts through
	// AGGAGGAG to c.12_14; the protein loses one of Arg3-Arg4, the 3' one.
	{name: "inframe_deletion", v: Variant{Chrom: "21", Pos: 25639827, Ref: "GAGG", Alt: "G"}, tx: "ENST00000400532",
		csq: "inframe_deletion", impact: "MODERATE", cds: "7-9", prot: "3", aas: "R/-", codons: "AGG/-",
		hgvsc: "ENST00000400532.5:c.12_14del", hgvsp: "ENSP00000383376:p.Arg4del"},
	// Inserting AGG between codons 3 and 4: a duplication at both levels.
	{name: "inframe_insertion dup", v: Variant{Chrom: "21", Pos: 25639830, Ref: "G", Alt: "GAGG"}, tx: "ENST00000400532",
		csq: "inframe_insertion", impact: "MODERATE", cds: "9-10", prot: "3-4", aas: "-/R", codons: "-/AGG",
		hgvsc: "ENST00000400532.5:c.12_14dup", hgvsp: "ENSP00000383376:p.Arg4dup"},
	// lincRNA ENST00000424017 (+): exon 1 is cDNA 1-50 (ends 25055584);
	// 25055600 is intron 1 base +16.
	{name: "non-coding intron", v: snv(25055600, "C", "T"), tx: "ENST00000424017",
		csq: "intron_variant&non_coding_transcript_variant", hgvsc: "ENST00000424017.1:n.50+16C>T"},
	// exon 2 starts at 25061626 = n.51, so 25061650 is n.75.
	{name: "non-coding exon", v: snv(25061650, "A", "G"), tx: "ENST00000424017",
		csq: "non_coding_transcript_exon_variant", exon: "2/4", cdna: "75", hgvsc: "ENST00000424017.1:n.75A>G"},

	// VEP's expected output (ensembl-vep t/OutputFactory_VCF.t), - strand.
	{name: "VEP missense -", v: snv(25585733, "C", "T"), tx: "ENST00000352957",
		csq: "missense_variant", exon: "10/10", cdna: "1033", cds: "991", prot: "331", aas: "A/T", codons: "Gca/Aca",
		hgvsc: "ENST00000352957.8:c.991G>A", hgvsp: "ENSP00000284967:p.Ala331Thr"},
	{name: "VEP 3'UTR -", v: snv(25585733, "C", "T"), tx: "ENST00000307301",
		csq: "3_prime_UTR_variant", exon: "11/11", cdna: "1122", hgvsc: "ENST00000307301.11:c.*18G>A"},
	{name: "VEP upstream -", v: snv(25585733, "C", "T"), tx: "ENST00000567517",
		csq: "upstream_gene_variant", distance: "2407"},
	{name: "VEP MNV -", v: Variant{Chrom: "21", Pos: 25585733, Ref: "CATG", Alt: "TACG"}, tx: "ENST00000352957",
		csq: "missense_variant", cdna: "1030-1033", cds: "988-991", prot: "330-331", aas: "HA/RT", codons: "CATGca/CGTAca"},
	{name: "VEP MNV 3'UTR -", v: Variant{Chrom: "21", Pos: 25585733, Ref: "CATG", Alt: "TACG"}, tx: "ENST00000307301",
		csq: "3_prime_UTR_variant", cdna: "1119-1122"},
	{name: "VEP deletion -", v: Variant{Chrom: "21", Pos: 25585732, Ref: "GC", Alt: "G"}, tx: "ENST00000352957",
		csq: "frameshift_variant", cdna: "1033", cds: "991", prot: "331", aas: "A/X", codons: "Gca/ca"},
	// VEP's --minimal expansion of 21:25741665 CAGAAGAAAG>TAGAAGAAAG,C on
	// GABPA ENST00000400075 (+), ensembl-vep t/OutputFactory.t; written here
	// as the two single-ALT records VEP tested.
	{name: "VEP inframe deletion +", v: Variant{Chrom: "21", Pos: 25741665, Ref: "CAGAAGAAAG", Alt: "C"}, tx: "ENST00000400075",
		csq: "inframe_deletion&splice_region_variant", cdna: "289-297", cds: "68-76", prot: "23-26",
		aas: "KKKG/S", codons: "aAGAAGAAAGgc/agc"},
	{name: "VEP missense +", v: snv(25741665, "C", "T"), tx: "ENST00000400075",
		csq: "missense_variant", cdna: "288", cds: "67", prot: "23", aas: "P/S", codons: "Cca/Tca"},
	// VEP shifts 21:25592985 A>ATAAA to g.25592986_25592989dup on the forward
	// strand (t/OutputFactory.t). On MRPL39 (- strand) the shift runs the
	// other way through ...A(978)AAAT(982)AAAT(986)AAA...: the insertion
	// ends between 978 and 979 and duplicates 979-982, which lie 14-17 bases
	// before exon 8 (c.768).
	{name: "VEP insertion shift -", v: Variant{Chrom: "21", Pos: 25592985, Ref: "A", Alt: "ATAAA"}, tx: "ENST00000352957",
		csq: "intron_variant", hgvsc: "ENST00000352957.8:c.768-17_768-14dup"},
	// MRPL39 c.1-3 = 25607475-473 (ATG on the - strand): c.2 T>C.
	{name: "start_lost -", v: snv(25607474, "A", "G"), tx: "ENST00000352957",
		csq: "start_lost", codons: "aTg/aCg", hgvsc: "ENST00000352957.8:c.2T>C", hgvsp: "ENSP00000284967:p.Met1?"},
	// JAM2 NMD transcript, 5'-incomplete CDS.
	{name: "NMD", v: snv(25693825, "C", "T"), tx: "ENST00000460679",
		csq: "missense_variant&NMD_transcript_variant", flags: "cds_start_NF"},

	// chrM, table 2. MT-ND1 (+) starts with ATA, Met in table 2: ACA is Thr.
	{name: "MT start_lost", v: Variant{Chrom: "chrM", Pos: 3308, Ref: "T", Alt: "C"}, tx: "MT-ND1-201",
		csq: "start_lost", aas: "M/T", codons: "aTa/aCa", hgvsc: "MT-ND1-201:c.2T>C"},
	// ND1 codon 86 is TGA, Trp in table 2 (a stop in table 1): TGA -> TGG is synonymous.
	{name: "MT TGA=Trp", v: Variant{Chrom: "MT", Pos: 3564, Ref: "A", Alt: "G"}, tx: "MT-ND1-201",
		csq: "synonymous_variant", aas: "W", codons: "tgA/tgG", hgvsp: "MT-ND1-201:p.Trp86="},
	// ND1 ends 4261-4262 with TA, completed to TAA by poly-A: T>C makes CAA
	// (Gln); there is no 3' UTR to find a new stop in.
	{name: "MT incomplete stop lost", v: Variant{Chrom: "MT", Pos: 4261, Ref: "T", Alt: "C"}, tx: "MT-ND1-201",
		csq: "stop_lost", prot: "319", aas: "*/Q", codons: "Taa/Caa",
		hgvsc: "MT-ND1-201:c.955T>C", hgvsp: "MT-ND1-201:p.Ter319GlnextTer?"},
	// MT-ND6 is on the - strand: codon 4 GCT is c.10-12 = 14664-14662.
	{name: "MT synonymous -", v: Variant{Chrom: "MT", Pos: 14662, Ref: "A", Alt: "G"}, tx: "MT-ND6-201",
		csq: "synonymous_variant", codons: "gcT/gcC", hgvsc: "MT-ND6-201:c.12T>C", hgvsp: "MT-ND6-201:p.Ala4="},
	{name: "MT missense -", v: Variant{Chrom: "MT", Pos: 14664, Ref: "C", Alt: "T"}, tx: "MT-ND6-201",
		csq: "missense_variant", aas: "A/T", codons: "Gct/Act", hgvsc: "MT-ND6-201:c.10G>A", hgvsp: "MT-ND6-201:p.Ala4Thr"},
}

func snv(pos int, ref, alt string) Variant { return Variant{Chrom: "21", Pos: pos, Ref: ref, Alt: alt} }

func TestHandChecked(t *testing.T) {
	runHandCases(t, handCases)
}

func runHandCases(t *testing.T, cases []handCase) {
	m := loadMini(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, m.entry(t, c.v, c.tx))
		})
	}
}

// check compares e's fields with the case's non-empty expectations.
func (c handCase) check(t *testing.T, e Entry) {
	t.Helper()
	check := func(field, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	check("Consequence", strings.Join(e.Consequences, "&"), c.csq)
	check("IMPACT", e.Impact, c.impact)
	check("EXON", e.Exon, c.exon)
	check("INTRON", e.Intron, c.intron)
	check("HGVSc", e.HGVSc, c.hgvsc)
	check("HGVSp", e.HGVSp, c.hgvsp)
	check("cDNA_position", e.CDNAPosition, c.cdna)
	check("CDS_position", e.CDSPosition, c.cds)
	check("Protein_position", e.ProteinPosition, c.prot)
	check("Amino_acids", e.AminoAcids, c.aas)
	check("Codons", e.Codons, c.codons)
	check("DISTANCE", e.Distance, c.distance)
	check("FLAGS", e.Flags, c.flags)
}
