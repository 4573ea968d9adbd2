// Package refdata reads reference sources (FASTA, Ensembl/GENCODE GTF,
// Ensembl-dialect GFF3, dbSNP-style VCF, UCSC cytoBand), builds them into a
// versioned on-disk bundle and loads that bundle, one chromosome at a time,
// for the annotator and the consequence engine.
//
// # Parsers
//
// ReadFASTA, ParseGTF, ParseGFF3 (and ParseGenesFile, which picks one) accept
// plain, gzip or BGZF input, detected by the magic bytes. Bad input gives a
// *ParseError naming the source, the line and the reason. Chromosome names are
// mapped with CanonicalChrom everywhere ("chr21" -> "21", "chrM"/"M" -> "MT").
package refdata
