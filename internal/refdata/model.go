package refdata

// The gene model shared by the bundle builder, the loader and the consequence
// engine. All coordinates are 1-based, inclusive, on the forward strand of the
// chromosome, whatever the transcript's strand.

// Exon is one exon of a transcript.
type Exon struct {
	Start, End int
	Number     int // 1-based, in transcript order (5'->3' of the transcript)
}

// Transcript is one transcript with its exons and coding region.
type Transcript struct {
	ID          string // stable id without version, e.g. ENST00000352957
	Version     string // "5" ("" when the source has none)
	GeneID      string // ENSG...
	GeneName    string // HGNC symbol when known
	GeneBiotype string
	Biotype     string // transcript biotype: protein_coding, nonsense_mediated_decay, lncRNA, miRNA, Mt_tRNA, ...
	Chrom       string // canonical chromosome name of the bundle (e.g. "21", "MT")
	Strand      int8   // +1 or -1
	Start       int    // first base of the first exon in genomic order
	End         int    // last base of the last exon in genomic order

	// Exons in transcript order: ascending Start on the + strand, descending on the - strand.
	Exons []Exon

	// Coding region in genomic coordinates, INCLUDING the stop codon when the
	// source annotates one (GTF CDS excludes it: the builder adds stop_codon).
	// Zero when the transcript has no CDS.
	CodingStart, CodingEnd int
	// StartPhase is the phase of the 5'-most CDS segment in transcript order (0,1,2),
	// non-zero only for 5'-incomplete models (cds_start_NF).
	StartPhase int

	CDSStartNF             bool // cds_start_NF: 5' end of the CDS is not complete
	CDSEndNF               bool // cds_end_NF: 3' end of the CDS is not complete
	MRNAStartNF, MRNAEndNF bool
	Canonical              bool // Ensembl_canonical (or is_canonical) tag
	Tags                   []string

	// CDS lists the coding segments in transcript order, with the stop codon
	// included as for CodingStart/End. Usually the exons clipped to the coding
	// region; it differs when a source annotates ribosomal slippage (overlapping
	// segments). Empty when the transcript has no CDS.
	CDS []CDSPart

	Name      string // transcript name, e.g. "AP001342.1-001" ("" when the source has none)
	ProteinID string // ENSP..., without version ("" when none)

	// Mature miRNA regions (genomic), for miRNA transcripts when the source has them.
	MatureMiRNA [][2]int

	// CodonTable is the NCBI translation table id: 1 standard, 2 vertebrate mitochondrial.
	CodonTable int
}

// CDSPart is one coding segment of a transcript (1-based inclusive, genomic).
type CDSPart struct {
	Start, End int
	Phase      int // bases to skip at the segment's 5' end (transcript order) to reach a codon start
}

// Coding reports whether the transcript has a CDS.
func (t *Transcript) Coding() bool { return t.CodingStart > 0 }

// FullID is ID.Version, as VEP writes Feature when versions are known.
func (t *Transcript) FullID() string {
	if t.Version == "" {
		return t.ID
	}
	return t.ID + "." + t.Version
}

// KnownVariant is one record of a known-variants source such as dbSNP,
// split per ALT allele and stored minimally represented (see Normalize in the builder).
type KnownVariant struct {
	Pos     int     // 1-based position of the first REF base after trimming
	Ref     string  // trimmed REF ("" for a pure insertion; Pos is then the base after the insertion point)
	Alt     string  // trimmed ALT
	ID      string  // rs id
	Freq    float64 // allele frequency of Alt (GMAF or AF); negative when unknown
	ClinSig string  // e.g. "pathogenic", "likely_benign"; "" when none
}

// KnownMatch is a known variant found at a position with given alleles
// (Chrom.AppendKnownMatches): the values a match adds to an annotation.
type KnownMatch struct {
	ID      []byte  // rs id ("" when none); points into the KnownReader, valid until its next lookup
	Freq    float64 // allele frequency of the ALT; negative when unknown
	ClinSig string  // "" when none
}

// Band is one cytogenetic band.
type Band struct {
	Start, End int    // 1-based inclusive
	Name       string // e.g. "q21.3"
	Stain      string // gneg, gpos50, acen, ...
}
