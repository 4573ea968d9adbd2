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
// # Bundle format (FormatVersion 1)
//
// A bundle is a directory written by Build (CLI: gas refdata build). Build
// works in a temporary sibling directory and renames it into place, so a
// failed build leaves nothing behind and a rebuild replaces the old bundle.
//
//	manifest.json              Manifest: format, assembly, build time, sources
//	                           (kind, path, sha256, size), counts, and per
//	                           chromosome its length, counts and file names
//	chroms/<name>.meta.json    length, stored segments, cytobands
//	chroms/<name>.seq          the stored bases, uppercase, segments back to back
//	chroms/<name>.tx.gob.gz    the chromosome's []*Transcript, gob in gzip,
//	                           sorted by Start, End, ID
//	chroms/<name>.known        known variants, see below
//
// <name> is the canonical chromosome name made file-safe. Sequence: runs of
// 1000 or more N are not stored; meta.json lists the stored segments as
// {start, end, offset} (1-based inclusive; offset into .seq), and Seq answers
// 'N' between them. Large .seq files are memory-mapped, so a whole genome
// costs only the pages used.
//
// Known variants: records split per ALT, trimmed, sorted by Pos, in blocks of
// 1024. Each block is raw DEFLATE of, per record, uvarint(Pos - previous Pos,
// 0 for the block's first), then Ref, Alt, ID, ClinSig each as uvarint length
// and bytes, then Freq as a little-endian float64 (-1 when unknown). After the
// blocks comes the index, 28 bytes per block, little-endian: first Pos int32,
// last Pos int32, offset int64, compressed size uint32, uncompressed size
// uint32, record count uint32. The file ends with a 20-byte footer: index
// offset uint64, block count uint32, "GASKIDX1". The loader reads the index
// when the chromosome is first used and decodes blocks on demand, keeping the
// last 256 decoded blocks of the whole bundle (about 30 MB).
//
// # Loading
//
// Open reads and checks the manifest only (ErrNotBundle for a missing or
// other-version bundle). Bundle.Chrom resolves aliases and loads a chromosome
// on first use, once, safely under concurrency (ErrNotCovered when absent);
// Bundle.Release drops one again, for whole-genome input read in order.
// Chrom.Seq, Transcripts, Known and Cytoband use binary searches over sorted
// slices and do not allocate per call beyond the returned value;
// AppendTranscripts, AppendSeq and KnownErr append to a caller's buffer and
// do not allocate once it has grown. Returned *Transcript values are shared
// and must not be modified; known variants are copied into the result.
//
// Manifest.ChromosomeFiles lists the files one chromosome needs; with
// ReadManifest and OpenPartial a bundle can be copied and opened one
// chromosome at a time (the sharded workflow's AnnotateShard on Lambda).
package refdata
