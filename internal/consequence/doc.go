// Package consequence predicts the effect of a variant allele on transcripts
// the way Ensembl VEP does, and formats it as one VEP CSQ entry per
// transcript (CSQFormat).
//
// # API
//
//	Predict(v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry
//	PredictAppend(dst []Entry, v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry
//	(*Predictor).Append(dst []Entry, v Variant, transcripts []*refdata.Transcript, seq Sequence) []Entry
//	(*Predictor).AppendCSQ(dst []byte, v Variant, transcripts []*refdata.Transcript, seq Sequence, existing string, each func(*Entry, []byte, int)) []byte
//
// v is one ALT of a VCF record as written (REF and ALT may share a leading
// base); set Variant.AllAlts to every ALT of a multi-allelic record so the
// first-base stripping and VARIANT_CLASS follow the whole record as VEP's do.
// transcripts are those overlapping pos±5 kb; seq reads the forward strand.
// The result has an entry per transcript within 5 kb, or one
// intergenic_variant entry; symbolic and '*' ALTs give nil (pass them through).
// Entry.AppendCSQ writes the entry in CSQFormat order with VEP's escaping;
// VEPAllele, VariantClass and RecordClass give the Allele and VARIANT_CLASS
// fields; Impact, Rank and WorstConsequence expose VEP's severity table.
// PredictAppend is Predict appending to a caller's slice (reuse dst[:0] per
// variant to avoid an allocation per call). Predict is safe for concurrent use; per-transcript data (exon offsets,
// spliced sequence, translation) is computed once and kept in a bounded cache.
// A Predictor (one per goroutine) is PredictAppend for variants in position
// order: it finds the last variant's transcripts' data without that cache.
// Its AppendCSQ writes the entries' CSQ text (what Entry.AppendCSQ writes for
// each entry Append makes, ',' between them) without making the entries.
//
// # VEP conventions followed
//
//   - Input: an indel record loses its first base only when every allele shares
//     it; other REF/ALT pairs are used as given (no trimming, no left-alignment),
//     so splice and UTR calls cover the whole REF span. Allele "-" is a deletion.
//   - Upstream/downstream within Variant.Distance (5 kb by default; 0: none, as
//     VEP's --distance 0), DISTANCE as VEP's distance_to_transcript.
//   - Splice terms from VEP's _intron_effects on the bases where REF and ALT
//     differ: donor/acceptor are intron bases 1-2 at either end; splice_region
//     is intron bases 3-8 or exon bases 1-3 next to an intron (plus VEP's
//     insertion special cases) unless donor/acceptor apply; donor 5th base
//     (+5) and donor region (+3..+6, not when +5 applies) replace
//     splice_region_variant (as VEP does since release 105), the
//     polypyrimidine tract (-3..-17) is added to it; intron_variant needs intron bases
//     3..len-2. Introns of 12 bp or less are frameshift introns and get none.
//     REF/ALT of 2+ bases each are compared base by base as VEP's
//     _get_differing_regions does (a longer ALT reaches past REF's end);
//     the polypyrimidine tract counts an insertion with either flank in it.
//   - Coding calls from the codons VEP builds (REF/ALT spliced into the CDS):
//     a variant only partly in the CDS or crossing an intron has no codon and
//     is coding_sequence_variant (plus start/stop loss when it reaches them);
//     inframe_insertion needs the reference peptide kept at one end, otherwise
//     protein_altering_variant; a partial last codon is
//     incomplete_terminal_codon_variant.
//   - 5'/3' UTR follow VEP's _before_coding/_after_coding: a variant with an
//     exonic part that overlaps the genomic span between transcript and CDS
//     ends (insertions next to the CDS ends included).
//   - Coding predicates are VEP's: start_lost also when codon 1 changes
//     residue or (with a 5' UTR) no longer reads ATG; start/stop_retained for
//     indels that keep the UTR+CDS or the stop (a frameshift that keeps the
//     start codon in place is start_retained); missense only without a length
//     change; inframe_deletion by codon matching.
//   - Consequences are listed in VEP's severity order; IMPACT is the worst.
//   - HGVSc: c. for coding, n. for non-coding transcripts, intronic offsets
//     (the middle base of an odd intron counts from the upstream exon), c.-N
//     and c.*N in UTRs; indels are shifted 3' in transcript orientation along
//     the genome (up to 1 kb, across exon/intron boundaries as VEP's
//     _return_3prime does); an insertion repeating the preceding bases is a
//     dup; del/dup omit the bases; MNVs are minimised and written delins, or
//     inv when ALT is the reverse complement. None for variants reaching
//     outside the transcript or shifted past its 3' end, and no dup when the
//     repeated bases lie partly outside it (VEP's hgvs_transcript reads them
//     from the transcript's slice). An intron position after an exon that
//     ends with the stop codon is written c.*N, as VEP's _get_cDNA_position
//     does.
//   - HGVSp (prefixed with the protein id, else the transcript id): three-letter
//     codes, Ter never '*', p.Ala2= for synonymous and p.Ter313= for stop
//     retained, p.Met1? for start loss (p.Met1_?2 when it spans two codons;
//     the codon's residue: Ile1? for the ATT
//     start of MT-ND2), p.Ala2ArgfsTer36 counting the new
//     frame through the 3' UTR (fsTer? without a stop), p.Ter313GlnextTer13
//     for stop loss (p.Ter354delextTer23 when the stop is deleted), in-frame del/dup/ins/delins clipped and 3'-shifted along
//     the protein as VEP's TranscriptVariationAllele does (peptides are
//     clipped before the residues after a new stop are dropped: C>*D is
//     p.Cys335delinsTer, C>*C p.Glu334_Cys335insTer).
//   - Mitochondria: translation table 2 (refdata CodonTable); ATT/ATC/ATA/ATG/GTG
//     count as initiator codons for start_lost/start_retained (Amino_acids keep
//     the codon's own residue, as VEP's do); a CDS ending in T or TA is
//     completed to TAA by polyadenylation (so T>C at ND1 c.955 is stop_lost).
//   - CDS and protein positions of 5'-incomplete CDSs include the start phase
//     padding, as VEP's TranscriptVariation does; so does the HGVSc of an SNV
//     inside such a CDS (VEP takes it from cds_start), while other HGVSc
//     positions are unpadded.
//   - Cross-checked against snpEff 5.1 on the mini reference: the classes of
//     disagreement and who is right are the cases in snpeff_test.go;
//     SNPEFF_ANN runs the comparison (see TestCrossCheckSnpEff).
//
// # Known gaps
//
// Ribosomal slippage (overlapping CDS parts) is not modelled; the protein id
// has no version (the gene model has none); structural variants are not
// annotated.
package consequence
