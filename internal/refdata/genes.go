package refdata

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The GTF and GFF3 parsers collect rows into txDraft values; finish turns a
// draft into a Transcript the same way for both formats, so the two agree.

type span struct {
	start, end int
	phase      int // CDS only; -1 when the source gives "."
}

type txDraft struct {
	t          *Transcript
	line       int // first line mentioning the transcript, for errors
	seqid      string
	strand     byte // '+', '-', or 0 when not seen yet
	exons      []span
	cds        []span
	utrs       []span
	startCodon []span
	stopCodon  []span
}

// setLocus records chromosome and strand, checking every row of a transcript agrees.
func (d *txDraft) setLocus(source string, line int, seqid string, strand byte) error {
	if d.seqid == "" {
		d.seqid = seqid
	} else if d.seqid != seqid {
		return parseErr(source, line, "transcript %s is on %s and %s", d.t.ID, d.seqid, seqid)
	}
	if strand != '+' && strand != '-' {
		return nil // checked in finish: some feature rows carry "."
	}
	if d.strand == 0 {
		d.strand = strand
	} else if d.strand != strand {
		return parseErr(source, line, "transcript %s has features on both strands", d.t.ID)
	}
	return nil
}

func (d *txDraft) finish(source string) error {
	t := d.t
	switch d.strand {
	case '+':
		t.Strand = 1
	case '-':
		t.Strand = -1
	default:
		return parseErr(source, d.line, "transcript %s has no strand (+ or -)", t.ID)
	}
	t.Chrom = CanonicalChrom(d.seqid)
	t.CodonTable = codonTableFor(t.Chrom)

	// GTF (and GENCODE GFF3) CDS rows exclude the stop codon; the model includes it.
	cds := slices.Clone(d.cds)
	for _, s := range d.stopCodon {
		cds = addStopCodon(cds, s)
	}
	exons := d.exons
	if len(exons) == 0 {
		// Some sources (viral, custom) give only CDS/UTR rows: they are the exons.
		all := slices.Concat(d.cds, d.utrs, d.startCodon, d.stopCodon)
		for i := range all {
			all[i].phase = 0
		}
		exons = mergeSpans(all)
	}
	if len(exons) == 0 {
		return nil // caller drops transcripts without structure
	}
	transcriptOrder(exons, t.Strand)
	t.Exons = make([]Exon, len(exons))
	t.Start, t.End = exons[0].start, exons[0].end
	for i, e := range exons {
		t.Exons[i] = Exon{Start: e.start, End: e.end, Number: i + 1}
		t.Start, t.End = min(t.Start, e.start), max(t.End, e.end)
	}

	if len(cds) > 0 {
		transcriptOrder(cds, t.Strand)
		t.CDS = make([]CDSPart, len(cds))
		t.CodingStart, t.CodingEnd = cds[0].start, cds[0].end
		for i, c := range cds {
			ph := c.phase
			if ph < 0 { // "." in the source, or a GTF stop codon in its own exon
				ph = 0
				if i > 0 {
					prev := t.CDS[i-1]
					ph = (3 - (prev.End-prev.Start+1-prev.Phase)%3) % 3
				}
			}
			t.CDS[i] = CDSPart{Start: c.start, End: c.end, Phase: ph}
			t.CodingStart, t.CodingEnd = min(t.CodingStart, c.start), max(t.CodingEnd, c.end)
		}
		for _, c := range slices.Concat(d.startCodon, d.stopCodon) {
			t.CodingStart, t.CodingEnd = min(t.CodingStart, c.start), max(t.CodingEnd, c.end)
		}
		t.StartPhase = t.CDS[0].Phase
		if t.StartPhase != 0 {
			t.CDSStartNF = true // a 5'-incomplete model, whether or not it is tagged
		}
	}
	for _, tag := range t.Tags {
		switch tag {
		case "cds_start_NF":
			t.CDSStartNF = true
		case "cds_end_NF":
			t.CDSEndNF = true
		case "mRNA_start_NF":
			t.MRNAStartNF = true
		case "mRNA_end_NF":
			t.MRNAEndNF = true
		case "Ensembl_canonical", "is_canonical", "canonical":
			t.Canonical = true
		}
	}
	return nil
}

// addStopCodon extends the CDS segment a stop codon touches, or adds it as a
// segment of its own (a stop codon split by an intron). Overlapping CDS rows
// (ribosomal slippage) are left as they are.
func addStopCodon(cds []span, stop span) []span {
	for i, c := range cds {
		if stop.start >= c.start && stop.end <= c.end {
			return cds // already inside (Ensembl GFF3)
		}
		if stop.start <= c.end+1 && stop.end >= c.start-1 {
			cds[i].start, cds[i].end = min(c.start, stop.start), max(c.end, stop.end)
			return cds
		}
	}
	return append(cds, span{stop.start, stop.end, -1})
}

// mergeSpans sorts spans and merges overlapping or adjacent ones, keeping the
// phase of the first of each merged run.
func mergeSpans(in []span) []span {
	if len(in) == 0 {
		return in
	}
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	out := s[:1]
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if x.start <= last.end+1 {
			last.end = max(last.end, x.end)
			continue
		}
		out = append(out, x)
	}
	return out
}

// collect finishes drafts in input order and sorts the result by chromosome
// (first appearance), start, end and id.
func collect(source string, order []*txDraft) ([]*Transcript, error) {
	chromRank := map[string]int{}
	out := make([]*Transcript, 0, len(order))
	for _, d := range order {
		if err := d.finish(source); err != nil {
			return nil, err
		}
		if len(d.t.Exons) == 0 {
			continue
		}
		if _, ok := chromRank[d.t.Chrom]; !ok {
			chromRank[d.t.Chrom] = len(chromRank)
		}
		out = append(out, d.t)
	}
	markSoleTranscriptsCanonical(out)
	slices.SortStableFunc(out, func(a, b *Transcript) int {
		return cmp.Or(cmp.Compare(chromRank[a.Chrom], chromRank[b.Chrom]),
			cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// markSoleTranscriptsCanonical marks the only transcript of a gene canonical
// when the source carries no canonical tags at all (the NCBI-typed chrM
// models): Ensembl tags exactly one canonical transcript per gene, so a gene's
// sole transcript is necessarily it, and VEP reports CANONICAL=YES there.
// Genes with several transcripts stay unmarked: choosing among them would be a guess.
func markSoleTranscriptsCanonical(ts []*Transcript) {
	perGene := map[string]int{}
	for _, t := range ts {
		if t.Canonical {
			return
		}
		perGene[t.GeneID]++
	}
	for _, t := range ts {
		if t.GeneID != "" && perGene[t.GeneID] == 1 {
			t.Canonical = true
		}
	}
}

// splitVersion separates "ENST00000456328.2" into id and version when the
// source has no separate version attribute (GENCODE style). Only Ensembl-style
// ids are split: other ids ("C41D11.1a.1") legitimately contain dots.
func splitVersion(id string) (string, string) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 || !strings.HasPrefix(id, "ENS") {
		return id, ""
	}
	if _, err := strconv.Atoi(id[i+1:]); err != nil {
		return id, ""
	}
	return id[:i], id[i+1:]
}

func parseCoords(source string, line int, startS, endS string) (int, int, error) {
	start, err1 := strconv.Atoi(startS)
	end, err2 := strconv.Atoi(endS)
	if err1 != nil || err2 != nil {
		return 0, 0, parseErr(source, line, "start/end %q/%q are not integers", startS, endS)
	}
	if start < 1 || end < start {
		return 0, 0, parseErr(source, line, "bad interval %d-%d (need 1 <= start <= end)", start, end)
	}
	return start, end, nil
}

func parsePhase(source string, line int, s string) (int, error) {
	switch s {
	case ".":
		return -1, nil
	case "0", "1", "2":
		return int(s[0] - '0'), nil
	}
	return 0, parseErr(source, line, "bad CDS phase %q (need 0, 1, 2 or .)", s)
}

// GeneFormat tells GTF from GFF3 by the file name, then by the content's first lines.
func GeneFormat(path string, head []byte) string {
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".gz")
	switch {
	case strings.HasSuffix(base, ".gff3"), strings.HasSuffix(base, ".gff"):
		return "gff3"
	case strings.HasSuffix(base, ".gtf"):
		return "gtf"
	}
	if strings.Contains(string(head), "##gff-version") || strings.Contains(string(head), "ID=") {
		return "gff3"
	}
	return "gtf"
}

// ParseGenesFile parses a GTF or GFF3 file (plain, gzip or BGZF), choosing the
// parser with GeneFormat.
func ParseGenesFile(path string) ([]*Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := Decompress(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(4096)
	if GeneFormat(path, head) == "gff3" {
		return ParseGFF3(br, path)
	}
	return ParseGTF(br, path)
}

// FlagIncompleteCDS sets CDSEndNF when the annotated CDS of t does not end in
// a stop codon of its table, and CDSStartNF when it starts out of frame.
// chrom is the whole chromosome sequence (chrom[0] is position 1, uppercase).
// Sources do not always carry the cds_end_NF tag (the mini reference's GTF and
// GFF3 do not), but VEP's cache does, and consequences depend on it. A
// mitochondrial CDS ending in T or TA is complete: polyadenylation makes TAA.
// Transcripts outside chrom are left alone.
func FlagIncompleteCDS(t *Transcript, chrom []byte) {
	if !t.Coding() || t.CodingEnd > len(chrom) || t.CDSEndNF {
		return
	}
	if t.StartPhase != 0 {
		t.CDSStartNF = true
	}
	n := 0
	for _, c := range t.CDS {
		n += c.End - c.Start + 1
	}
	n -= t.StartPhase
	rem := n % 3
	if rem != 0 && t.CodonTable != 2 {
		t.CDSEndNF = true
		return
	}
	// The last (3-rem) coding bases in transcript order, padded with A.
	want := 3
	if rem != 0 {
		want = rem
	}
	var codon []byte
	for i := len(t.CDS) - 1; i >= 0 && len(codon) < want; i-- {
		c := t.CDS[i]
		if t.Strand > 0 {
			for p := c.End; p >= c.Start && len(codon) < want; p-- {
				codon = append([]byte{chrom[p-1]}, codon...)
			}
		} else {
			for p := c.Start; p <= c.End && len(codon) < want; p++ {
				codon = append([]byte{Complement(chrom[p-1])}, codon...)
			}
		}
	}
	for len(codon) < 3 {
		codon = append(codon, 'A')
	}
	if !isStop(codon, t.CodonTable) {
		t.CDSEndNF = true
	}
}

// transcriptOrder sorts spans 5' to 3' along the strand: by start, reversed
// on the minus strand. The sort is stable, so equal starts keep the order
// of the source's rows.
func transcriptOrder(spans []span, strand int8) {
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	if strand < 0 {
		slices.Reverse(spans)
	}
}

// Complement is the complementary base of b (case kept); any other byte
// (N, IUPAC ambiguity codes) gives 'N'. The one complement of the project.
func Complement(b byte) byte { return complements[b] }

// complements is Complement as a table: it runs for every base of every
// minus-strand transcript sequence.
var complements = func() (t [256]byte) {
	for i := range t {
		t[i] = 'N'
	}
	for _, p := range [...]string{"AT", "CG", "GC", "TA", "at", "cg", "gc", "ta"} {
		t[p[0]] = p[1]
	}
	return t
}()

// isStop reports whether a (transcript-strand) codon is a stop in NCBI table 1 or 2.
func isStop(c []byte, table int) bool {
	s := string(c)
	switch s {
	case "TAA", "TAG":
		return true
	case "TGA":
		return table != 2
	case "AGA", "AGG":
		return table == 2
	}
	return false
}
