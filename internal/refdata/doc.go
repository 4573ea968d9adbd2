// Package refdata reads reference sources (FASTA, Ensembl/GENCODE GTF,
// Ensembl-dialect GFF3, dbSNP-style VCF, UCSC cytoBand), builds them into a
// versioned on-disk bundle, and loads that bundle one chromosome, or one
// region of known variants, at a time for the annotator and the consequence
// engine.
//
// # Parsers
//
// ReadFASTA, ParseGTF, ParseGFF3 (ParseGenesFile picks one), ReadKnownVCF and
// ReadCytoBand accept plain, gzip or BGZF input, detected by the magic bytes,
// and CRLF line ends. Bad input gives a *ParseError naming the source, the
// line and the reason. Chromosome names go through CanonicalChrom everywhere:
// "chr21" -> "21", "chrX" -> "X", "chrM"/"M"/"chrMT" -> "MT"; other names are
// kept. Known-variant alleles are trimmed with TrimAlleles (common suffix,
// then common prefix), which the annotator must also use on its input.
//
// Gene models (see model.go) follow Ensembl: exons numbered in transcript
// order, CodingStart/CodingEnd and CDS including the stop codon (a GTF's
// stop_codon rows are added to its CDS rows), StartPhase from the 5'-most CDS
// segment, tags cds_start_NF, cds_end_NF, mRNA_start_NF, mRNA_end_NF and
// Ensembl_canonical (GFF3 also is_canonical=1) as flags, CodonTable 2 on MT.
// In GFF3 a transcript is whatever exon/CDS/UTR rows name as Parent (mRNA,
// lnc_RNA, NMD_transcript_variant, ...); "gene:"/"transcript:" prefixes are
// dropped; a transcript with only CDS rows gets them as exons. Because not
// every source tags incomplete models, the builder also sets CDSEndNF when the
// CDS does not end in a stop codon of its table (a mitochondrial T or TA
// completed by poly-A counts as a stop) and CDSStartNF when the CDS starts out
// of frame (FlagIncompleteCDS).
//
// # Bundle format (FormatVersion 2)
//
// A bundle is a directory written by Build (CLI: gas refdata build). Build
// works in a temporary sibling directory and renames it into place, so a
// failed build leaves nothing behind and a rebuild replaces the old bundle.
// Open refuses a bundle of another format with ErrNotBundle and a message
// giving the `gas refdata build` command that rebuilds it from the sources
// its manifest lists.
//
//	manifest.json              Manifest: format, assembly, build time, sources
//	                           (kind, path, sha256, size), counts, and per
//	                           chromosome its length, counts and file names
//	chroms/<name>.meta.json    length, non-ACGT runs, cytobands
//	chroms/<name>.seq          the sequence, 2 bits per base
//	chroms/<name>.tx.gob.gz    the chromosome's []*Transcript, gob in gzip,
//	                           sorted by Start, End, ID
//	chroms/<name>.known        known variants, see below
//
// # One chromosome on its own
//
// A chromosome is exactly the files its ChromEntry.Files names (meta and
// seq always; tx.gob.gz and known when it has transcripts or known
// variants), all under chroms/ with the stem <name>: the canonical
// chromosome name made file-safe (characters outside [A-Za-z0-9._-] become
// "_", a "~2" suffix keeps stems unique). No file refers to another
// chromosome's, so a worker that annotates one chromosome needs only
// manifest.json plus those files (Manifest.ChromosomeFiles lists them).
// The manifest's other chromosomes are then listed but absent: Open checks
// every listed file exists, so such a copy is opened with OpenPartial(dir,
// chroms), which checks only the named chromosomes.
//
// Sequence: the whole chromosome, base p (1-based) in byte (p-1)/4 at bits
// 2*((p-1)%4), A=0 C=1 G=2 T=3, (Length+3)/4 bytes; about 0.77 GB for
// GRCh38. Bases other than ACGT (N and IUPAC codes) are stored as 0 and
// listed in meta.json as runs {start, end, base} (1-based inclusive,
// ascending). Large .seq files are memory-mapped, so a chromosome costs
// only the pages used, and releasing it (Bundle.Release) unmaps them.
//
// Known variants: records split per ALT, trimmed, sorted by Pos, in blocks of
// 1024 with a byte-oriented columnar payload (no entropy coding: a block
// decodes in a few microseconds, where inflating DEFLATE cost far more than
// the lookups it served): seven uvarint column lengths, then the columns
// pos (uvarint delta from the previous Pos, 0 first), allele (uvarint code:
// 1+index into the allele dictionary, 0 = inline), flags (one byte per
// record: 1 frequency, 2 CLIN_SIG, 4 same id as the previous record, 8
// "rs"+number id, 16 no id; none of 4/8/16: inline id), ids (the rs numbers
// as four byte planes, most significant first), freq (uvarint code, 0 =
// inline float64), clin (uvarint code, 0 = inline), and inline (per record
// in order: REF and ALT, id, frequency as 8 bytes little-endian, CLIN_SIG;
// strings as uvarint length and bytes). After the blocks come the
// dictionaries (each a uvarint count, then the entries: alleles as REF, ALT
// strings; frequencies as float64; CLIN_SIG strings), filled first come
// first served while writing and capped (65536 alleles, 65536 frequencies,
// 4096 CLIN_SIG values; the rest is written inline), then the index, 28
// bytes per block, little-endian: first Pos int32, last Pos int32, offset
// int64, stored size uint32 (twice) and record count uint32. The file ends
// with a 28-byte footer: dictionary offset uint64, index offset uint64,
// block count uint32, "GASKRAW2". The loader reads the dictionaries and the
// index when the chromosome is first used and reads blocks on demand (pread, not mapped: a first touch of a mapped page
// cost twice a block's read on the VMs measured): a block's payload is read
// and its positions decoded; the other columns are read by a cursor in record
// order only up to the records a lookup returns (a KnownVariant is made only
// for those; Chrom.AppendKnownMatches reads the values of the records whose
// alleles match and writes their ids into the KnownReader), and records
// before them are skipped by counting flags and varint ends 8 bytes at a
// time when the block has no inline values. Blocks belong to the caller's
// KnownReader, which keeps its last 8 (about 90 KB) and reads into their
// buffers again: each annotating worker has one, so a whole-genome query
// reads each block it needs about once and allocates nothing for it. A
// lookup starts from where the reader's last one ended (its block, its
// first record, the cursor at that record), so lookups in position order
// search nothing and decode each record once.
//
// # Loading
//
// Open reads and checks the manifest only (ErrNotBundle for a missing or
// other-version bundle). Bundle.Chrom resolves aliases and loads a chromosome
// on first use, once, safely under concurrency (ErrNotCovered when absent);
// Bundle.Release drops one again, for whole-genome input read in order.
// Chrom.Seq, Transcripts, Known and Cytoband use binary searches over sorted
// slices and do not allocate per call beyond the returned value;
// AppendTranscripts, AppendSeq, KnownErr and AppendKnownMatches append to a caller's buffer and
// do not allocate once it has grown. Returned *Transcript values are shared
// and must not be modified; known variants are copied into the result.
//
// Manifest.ChromosomeFiles lists the files one chromosome needs; with
// ReadManifest and OpenPartial a bundle can be copied and opened one
// chromosome at a time (the sharded workflow's AnnotateShard on Lambda).
package refdata
