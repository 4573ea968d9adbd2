package refdata

import (
	"io"
	"net/url"
	"strings"
)

// gff3Row is one feature row kept until parents are resolved: GFF3 allows
// children before parents. Exon/CDS/UTR rows (most of a genome's file) keep
// only what they need instead of their attribute map.
type gff3Row struct {
	line       int
	seqid, typ string
	start, end int
	strand     byte
	phase      int
	attrs      map[string]string // rows with an ID (genes, transcripts)
	parents    string            // part rows: Parent=
	proteinID  string            // CDS rows: protein_id=
}

// ParseGFF3 reads an Ensembl-dialect GFF3 (plain, gzip or BGZF) into
// transcripts sorted by chromosome (first appearance), start and id.
//
// A transcript is any feature that is the Parent of exon, CDS, UTR or codon
// rows, or whose ID starts with "transcript:", whatever its type (mRNA,
// lnc_RNA, NMD_transcript_variant, ...). Its Parent is the gene. The "gene:",
// "transcript:" prefixes are dropped from ids; version=, biotype= (or
// gene_biotype=), Name=, tag= (comma list) and is_canonical= are read. A
// transcript with only CDS/UTR rows gets them as exons. source names the
// input in errors.
func ParseGFF3(r io.Reader, source string) ([]*Transcript, error) {
	lr, err := openLines(r, source)
	if err != nil {
		return nil, err
	}
	rows, err := readGFF3(lr, source)
	if err != nil {
		return nil, err
	}
	return rows.transcripts(source)
}

// gff3Rows are the rows of a GFF3 file ParseGFF3 uses.
type gff3Rows struct {
	byID  map[string]*gff3Row // features by ID (genes, transcripts)
	parts []*gff3Row          // exon, CDS, UTR and codon rows
	txIDs []string            // transcript ids in order of first appearance
}

// readGFF3 reads the rows up to the end or a ##FASTA section.
func readGFF3(lr *lineReader, source string) (*gff3Rows, error) {
	rs := &gff3Rows{byID: map[string]*gff3Row{}}
	byID := rs.byID
	seenTx := map[string]bool{}
	addTx := func(id string) {
		if !seenTx[id] {
			seenTx[id] = true
			rs.txIDs = append(rs.txIDs, id)
		}
	}
	var err error
	var cols [9][]byte
	for n := range lr.fields(cols[:], "##FASTA") { // embedded sequence follows ##FASTA: not ours to read here
		if n < 9 {
			return nil, lr.errorf("expected 9 tab-separated columns, found %d (not a GFF3 file?)", n)
		}
		typ := string(cols[2])
		part := isPartType(typ)
		attrs := parseGFF3Attrs(strings.ReplaceAll(string(cols[8]), "\t", " "))
		id := attrs["ID"]
		if !part && id == "" {
			continue // e.g. biological_region: nothing refers to it
		}
		row := &gff3Row{line: lr.line, seqid: string(cols[0]), typ: typ, strand: strandByte(cols[6])}
		if part || strings.HasPrefix(id, "transcript:") {
			// Coordinates of rows we use must be valid; others (a "chromosome"
			// row with a negative start) are ignored whatever they say.
			row.start, row.end, err = parseCoords(source, lr.line, string(cols[3]), string(cols[4]))
			if err != nil {
				return nil, err
			}
		}
		if typ == "CDS" {
			if row.phase, err = parsePhase(source, lr.line, string(cols[7])); err != nil {
				return nil, err
			}
		}
		if part {
			row.parents, row.proteinID = attrs["Parent"], attrs["protein_id"]
			if row.parents == "" {
				return nil, lr.errorf("%s row without Parent", typ)
			}
			for _, p := range strings.Split(row.parents, ",") {
				addTx(p)
			}
			rs.parts = append(rs.parts, row)
		} else {
			row.attrs = attrs
			if byID[id] != nil {
				continue // GFF3 allows one feature over several rows; the first row defines it
			}
			byID[id] = row
			if strings.HasPrefix(id, "transcript:") {
				addTx(id)
			}
		}
	}
	if err := lr.err(); err != nil {
		return nil, err
	}
	return rs, nil
}

// transcripts assembles each transcript from its feature row and its parts.
func (rs *gff3Rows) transcripts(source string) ([]*Transcript, error) {
	byID, parts, txIDs := rs.byID, rs.parts, rs.txIDs
	drafts := make(map[string]*txDraft, len(txIDs))
	order := make([]*txDraft, 0, len(txIDs))
	for _, txID := range txIDs {
		d := &txDraft{t: &Transcript{}}
		if row := byID[txID]; row != nil {
			d.line = row.line
			d.fillGFF3(txID, row, byID)
			if err := d.setLocus(source, row.line, row.seqid, row.strand); err != nil {
				return nil, err
			}
		} else {
			d.t.ID = strings.TrimPrefix(txID, "transcript:")
		}
		drafts[txID] = d
		order = append(order, d)
	}
	for _, p := range parts {
		for _, parent := range strings.Split(p.parents, ",") {
			d := drafts[parent]
			if d.line == 0 {
				d.line = p.line
			}
			if err := d.setLocus(source, p.line, p.seqid, p.strand); err != nil {
				return nil, err
			}
			s := span{p.start, p.end, p.phase}
			switch p.typ {
			case "exon":
				d.exons = append(d.exons, s)
			case "CDS":
				d.cds = append(d.cds, s)
				if p.proteinID != "" && d.t.ProteinID == "" {
					d.t.ProteinID, _ = splitVersion(p.proteinID)
				}
			case "start_codon":
				d.startCodon = append(d.startCodon, s)
			case "stop_codon":
				d.stopCodon = append(d.stopCodon, s)
			default:
				d.utrs = append(d.utrs, s)
			}
		}
	}
	return collect(source, order)
}

func isPartType(typ string) bool {
	switch typ {
	case "exon", "CDS", "five_prime_UTR", "three_prime_UTR", "UTR", "start_codon", "stop_codon":
		return true
	}
	return false
}

// fillGFF3 sets the transcript fields from its row and its gene's row.
func (d *txDraft) fillGFF3(txID string, row *gff3Row, byID map[string]*gff3Row) {
	t, a := d.t, row.attrs
	id := strings.TrimPrefix(txID, "transcript:")
	if tid := a["transcript_id"]; tid != "" {
		id = tid
	}
	t.ID, t.Version = id, a["version"]
	if t.Version == "" {
		t.ID, t.Version = splitVersion(id)
	} else if strings.HasSuffix(t.ID, "."+t.Version) {
		t.ID = strings.TrimSuffix(t.ID, "."+t.Version)
	}
	t.Name = a["Name"]
	t.Biotype = firstNonEmpty(a["biotype"], a["transcript_biotype"], a["transcript_type"])
	if tags := a["tag"]; tags != "" {
		t.Tags = strings.Split(tags, ",")
	}
	if a["is_canonical"] == "1" || a["Ensembl_canonical"] == "1" {
		t.Canonical = true
	}
	geneKey := a["Parent"]
	if g := byID[geneKey]; g != nil {
		ga := g.attrs
		t.GeneID = firstNonEmpty(ga["gene_id"], strings.TrimPrefix(geneKey, "gene:"))
		t.GeneName = ga["Name"]
		t.GeneBiotype = firstNonEmpty(ga["biotype"], ga["gene_biotype"], ga["gene_type"])
	} else if geneKey != "" {
		t.GeneID = strings.TrimPrefix(geneKey, "gene:")
	} else {
		t.GeneID = t.ID // exons parented by a gene-like feature: it is its own gene
	}
	t.GeneID, _ = splitVersion(t.GeneID)
	if t.GeneBiotype == "" {
		t.GeneBiotype = firstNonEmpty(a["gene_biotype"], a["gene_type"])
	}
	if t.Biotype == "" {
		// Fall back on the gene's biotype, then on the feature type.
		switch row.typ {
		case "mRNA":
			t.Biotype = firstNonEmpty(t.GeneBiotype, "protein_coding")
		case "transcript":
			t.Biotype = t.GeneBiotype
		default:
			t.Biotype = firstNonEmpty(t.GeneBiotype, row.typ)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// parseGFF3Attrs parses `key=value;key=value`, percent-decoding values.
func parseGFF3Attrs(s string) map[string]string {
	m := make(map[string]string, 8)
	for _, kv := range strings.Split(s, ";") {
		kv = strings.TrimSpace(kv)
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if strings.IndexByte(v, '%') >= 0 {
			if dv, err := url.PathUnescape(v); err == nil {
				v = dv
			}
		}
		m[k] = v
	}
	return m
}
