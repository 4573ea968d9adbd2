// Package variants is the per-variant index of an annotated VCF: one row per
// CSQ entry (variant × transcript), built once per job while the result is
// written and stored beside it in the blob store, then queried by filters
// (gene, consequence, impact, max_af, canonical, chrom, start, end) with
// paging, sorting and an exact total. No server: a query reads the index
// and, for the rows of its page, the result.
//
//	pw := tabix.NewPartWriter(resultBlob)  // the result, BGZF
//	b := variants.NewEntryBuilder(w)       // w receives the index
//	sum, err := engine.Run(ctx, in, pw, annotate.Options{Index: b})
//	part, err := pw.Close()
//	err = b.Close(pw.Virtual)              // where each line went in the result
//
// EntryBuilder takes the rows from the engine as it writes them; Builder
// makes the same index of any annotated VCF text written to it:
//
//	b := variants.NewBuilder(w)
//	io.Copy(b, annotatedVCF)
//	err := b.Close(variants.PlainResult)  // the result is that text
//
//	ix, err := variants.Open(readerAt, size, result) // result: the annotated VCF, as stored
//	page, err := ix.Query(q)      // q from variants.ParseQuery(url.Values)
//
// # Rows
//
// Builder reads the CSQ layout from the header's "Format:" list, so any
// VEP-style CSQ works (GAS's own, or VEP's). Per entry it keeps chrom, pos,
// id, ref, alt, allele, gene (SYMBOL, else the Gene id), gene_id, feature,
// biotype, consequence, impact, hgvsc, hgvsp, af, clin_sig and canonical.
// af is the CSQ field AF when the layout has one, else INFO/KNOWN_AF of the
// entry's ALT (matched through its VEP allele); clin_sig is CSQ CLIN_SIG,
// else INFO/KNOWN_CLNSIG. Records without CSQ (not covered, symbolic) have
// no rows.
//
// # File format (version 5)
//
// Rows keep the file's order (a sorted VCF gives position order) in blocks of
// up to 4096 rows; a block never spans two chromosomes. The file is
//
//	"GASVIX1\n"
//	block*          filter section (s2-compressed: klauspost/compress/s2,
//	                block format)
//	anchors         12 bytes per group of 128 rows, the blocks' in order
//	footer          flate-compressed JSON: dictionaries and block directory
//	footer offset   uint64 little-endian
//	"GASVIX1\n"
//
// The block directory gives each block's filter section's length and the
// offset of its first anchor. A filter section is decompressed whole when
// read (4096 rows are 68 KiB); s2 takes it to about an eighth for about 40
// instructions a row.
//
// A block's filter section holds fixed-width columns, n values each: pos
// (uint32), gene (uint32, index into the footer's gene dictionary),
// consequence (uint32, index into the dictionary of "&"-joined consequence
// lists), af (float32, 0 when unknown) and flags (uint8: impact code in bits
// 0-2, canonical in bit 3, af known in bit 4).
//
// # Anchors: the rows' text is the result's
//
// What a row shows besides the filter columns (id, ref, alt, allele,
// feature, biotype, hgvsc, hgvsp and clin_sig) is not copied into the
// index: it is read from the result the index was built of, which a query
// is given with the index (Open). Each group of 128 rows of a block has an
// anchor: the place of the line of the record holding the group's first
// row (uint64) and how many of that record's rows come before it (uint32),
// little-endian. The place is a BGZF virtual offset (the block's
// compressed offset << 16 | the offset in its text) when the result is
// BGZF, as a job's is, and the offset in the file when it is text
// (Locate). A group's rows are those the result's lines give from the
// anchor on, parsed as Builder parses them; each row's position, gene,
// consequence list, impact, canonical flag and af must be its filter
// columns', or the query fails (ErrWrongResult), and Open reads the first
// and the last row, so another result, or one cut short or recompressed,
// fails there. Each filter section has a CRC-32C in the block directory.
// A query thus reads, per group of its page, the result's bytes from the
// anchor (one BGZF block or two; a ranged read from S3). Building the text
// into the index cost about a quarter of its instructions and made 85% of
// its bytes (a whole genome's index was 257 MB, its display sections 219).
//
// Versions 2 to 4 kept that text in a display section after each filter
// section (the index needs no result; they still read): a dictionary of
// the block's strings (uint32 byte length, then uvarint-length strings;
// string k has id k), the end of each group of 128 rows (uint32 each),
// then the groups. A group decodes on its own; per row:
//
//	mask            one byte: bit k (0-4) set = repeatable[k] (id, ref,
//	                alt, allele, clin_sig) is the previous row's of the
//	                group; bit 5: hgvsc is empty, bit 6: hgvsc names the
//	                row's feature, bit 7: hgvsp is empty (version 4)
//	the repeatable fields not in mask, uvarint length + bytes each
//	feature         uvarint dictionary id
//	biotype         uvarint dictionary id
//	hgvsc, hgvsp    unless empty: the reference sequence (the text before
//	                ':') as a uvarint, 0 = none, else its dictionary id + 1
//	                (left out for an hgvsc with bit 6: the feature's); then
//	                the text after ':' (or the whole text), uvarint length
//	                + bytes
//
// The footer's block directory carries each block's summary: chromosome,
// first and last position, smallest and largest af, the genes and
// consequence lists present, an impact mask and the canonical count. A query
// skips blocks whose summary cannot match, counts blocks whose summary
// proves every row matches without reading them, and scans the fixed-width
// columns of the rest; only the rows of the page are decoded.
//
// # Joined index
//
// The sharded workflow indexes each shard's part on its own and joins them
// without reading them (Join): the joined file is the parts' files as they
// are, one after the other (each with its own magic, anchors, footer and
// trailer, which the joined index does not use), then a footer of its own
// and the trailer. That footer holds the joined dictionaries, every part's
// blocks (at their offsets in the joined file, their summaries in the
// joined ids, each naming its part) and the parts (offset, size, where the
// part's result starts in the joined result, and the translation of the
// part's gene and consequence ids into the joined ones). A block's filter
// section keeps its part's ids; the reader translates them as it reads the
// block. A part's anchors are virtual offsets into its own BGZF part of
// the result (a later shard's part has no header: its anchors are offsets
// in its text less the header's bytes); the reader adds the part's result
// offset << 16, since the joined result is the parts one after the other.
//
// Version 4 is version 5 with display sections instead of anchors, version
// 3 is version 4 with the filter section stored as it is (n × 17 bytes) and
// no mask bits 5-7 (empty HGVS fields written as 0, 0; a feature's name as
// its id + 1), version 2 is version 3 without parts. Join joins parts of
// this build's version only.
//
// # Query semantics
//
// Filters combine with AND; a comma means OR within one field. gene matches
// SYMBOL or Gene id, case-insensitively; consequence matches one SO term of
// the entry's list (missense_variant matches
// "missense_variant&splice_region_variant"); impact is HIGH, MODERATE, LOW or
// MODIFIER; max_af keeps rows whose af is at most the value, and rows with no
// known frequency (novel variants) count as 0 (NaN is refused);
// canonical=true (or 1, yes, on; any case) keeps canonical transcripts,
// false (0, no, off) or none keeps every transcript; chrom uses the bundle's
// alias rule (chr21 = 21, chrM = MT); start and end (1-based, inclusive)
// bound pos. sort is position (the file's order, default), gene, impact
// (most severe first), af or -af (rarest or most common first; unknown
// counts as 0). limit is 1-1000 (default 100); a sorted query pages up to
// row 10,000 exactly (it keeps at most 10,001 rows). total counts every
// matching row. ParseQuery refuses a parameter it does not know (the
// caller names its own, such as format), and one given twice unless it is
// gene, consequence, impact or chrom (where repeating means OR).
//
// Export gives every matching row: in file order, or in a sorted query's
// order when at most 10,000 rows match (more are refused before any row).
package variants
