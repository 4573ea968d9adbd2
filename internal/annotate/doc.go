// Package annotate is the annotation driver: it streams a VCF through the
// reference bundle and the consequence engine and writes the annotated VCF.
//
//	e := annotate.New(bundle)                       // *refdata.Bundle
//	sum, err := e.Run(ctx, in, out, annotate.Options{})
//
// Run reads record by record (package vcf), parses and annotates batches in
// parallel workers (one per CPU) and writes them in input order; memory is
// bounded by a few batches in flight, whatever the input size. The workers
// share one loaded copy of each chromosome, and at most
// Options.ResidentChromosomes (default 3) stay loaded: the least recently
// used one no worker holds is released (refdata.Bundle.Release), so a
// position-sorted whole genome costs about one chromosome of memory;
// unsorted input stays within the bound by reloading. Bad input is
// an *InputError: errors.As gives the *vcf.ParseError (line, reason) and
// errors.Is(err, domain.ErrInvalid) holds. Run writes straight to out: use
// vcf.Create for an output that appears only on success.
//
// # What is added to each record
//
// For each ALT allele on a chromosome the bundle covers (aliases resolve:
// chr21/21, chrM/M/MT):
//
//   - ID: the rs ids of known variants matching the allele (same position,
//     same alleles after refdata.TrimAlleles on both sides), added after any
//     id already there, without duplicates.
//   - INFO/KNOWN_AF (Number=A, Float): the matched known variant's frequency
//     (dbSNP GMAF or AF), "." when none; written only when some allele has one.
//   - INFO/KNOWN_CLNSIG (Number=A, String): its clinical significance (dbSNP
//     CLIN_SIG), several joined by "&", "." when none; written only when some
//     allele has one.
//   - INFO/CYTOBAND (Number=1, String): the band at POS, e.g. "21q21.3".
//   - INFO/CSQ (Number=.): one entry per allele and transcript within 5 kb
//     (or one intergenic entry), in Ensembl VEP's layout, declared as
//     "Consequence annotations. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|
//     Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|
//     CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|
//     DISTANCE|STRAND|FLAGS|VARIANT_CLASS|CANONICAL". Existing_variation holds
//     the allele's matched rs ids joined by "&". The entries come from package
//     consequence.
//
// Every key is declared in the header (an input declaration of the same key
// is replaced, and the input's old values of it are dropped from records),
// plus a ##GAS_reference line naming the bundle. Nothing else changes: other
// header lines, columns and samples are copied byte for byte.
//
// Passed through without CSQ entries (and counted in Summary.Passthrough,
// with the first few listed in Summary.Notes): "*" alleles, symbolic alleles
// (<DEL>, <NON_REF>, ...), breakends, "." and ALTs with letters outside ACGTN.
// Records on chromosomes the bundle does not cover, or at positions it holds
// no bases for (past the sequence, N padding), are written unchanged and
// counted in Summary.NotCovered; they never fail the run. A record whose REF
// differs from the reference (N matches anything) gets INFO/REF_MISMATCH
// and no CSQ. Header and REF problems are Summary.Warnings. A VCF 3.3 header
// is rewritten as VCF 4.2 (vcf.Header.UpgradeV3).
//
// The Summary (JSON field names in its struct tags) is documented field by
// field on the type; WriteText renders the same content for people.
package annotate
