package annotate

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/consequence"
)

// Summary is what a run found, for people (WriteText) and for the portal's
// charts (as JSON). Counts are per record or per ALT allele as named.
type Summary struct {
	// Reference describes the bundle used, e.g. "GRCh38 (bundle format 1, built 2026-11-27T12:00:00Z)".
	Reference string `json:"reference"`
	// Provenance is GAS's version, the bundle id and its sources (the
	// ##GAS header line says the same).
	Provenance *Provenance `json:"provenance,omitempty"`
	// Records is the number of data lines read.
	Records int64 `json:"records"`
	// Alleles is the number of ALT alleles over all records ("." counts none).
	Alleles int64 `json:"alleles"`
	// NotCovered counts records written unchanged because the reference
	// holds no bases for them: on chromosomes the bundle does not hold, or
	// (NotCoveredPositions of them) on a covered chromosome but past its
	// sequence or where it holds only N (unstored padding).
	NotCovered          int64 `json:"not_covered"`
	NotCoveredPositions int64 `json:"not_covered_positions"`
	// RefChecked counts records whose REF was compared with the reference
	// (every record at a covered position); RefMismatch those whose REF
	// differs (an N matches any base). A mismatching record gets the INFO
	// flag REF_MISMATCH and no CSQ.
	RefChecked  int64 `json:"ref_checked"`
	RefMismatch int64 `json:"ref_mismatch"`
	// AnnotatedAlleles counts ALT alleles that got CSQ entries.
	AnnotatedAlleles int64 `json:"annotated_alleles"`
	// KnownHits counts annotated alleles matching a known variant (same
	// position and trimmed alleles); KnownPercent is KnownHits/AnnotatedAlleles*100.
	KnownHits    int64   `json:"known_hits"`
	KnownPercent float64 `json:"known_percent"`
	// MostSevere counts each annotated allele once, under its most severe
	// consequence over all transcripts (VEP's order), e.g. "missense_variant": 12.
	MostSevere map[string]int64 `json:"most_severe_consequence"`
	// Consequences counts every term of every CSQ entry (an allele hitting 3
	// transcripts counts up to 3 times).
	Consequences map[string]int64 `json:"consequences"`
	// Impact counts annotated alleles by the IMPACT of their most severe
	// consequence (HIGH, MODERATE, LOW, MODIFIER).
	Impact map[string]int64 `json:"impact"`
	// VariantClass counts annotated alleles by VEP's VARIANT_CLASS (SNV, insertion, ...).
	VariantClass map[string]int64 `json:"variant_class"`
	// Chromosomes counts records per chromosome, as named in the input.
	Chromosomes []ChromCount `json:"chromosomes"`
	// Transitions and Transversions count SNV alleles (REF and ALT one of
	// A,C,G,T) over all records, covered or not; TsTv is their ratio (0 when
	// there is no transversion).
	Transitions   int64   `json:"transitions"`
	Transversions int64   `json:"transversions"`
	TsTv          float64 `json:"ts_tv"`
	// Passthrough counts ALT alleles written without consequences, by kind:
	// "*" (upstream deletion), "symbolic" (<DEL>, <NON_REF>, ...), "breakend",
	// "missing" ("."), "other" (letters outside ACGTN).
	Passthrough map[string]int64 `json:"passthrough"`
	// Notes are the first few passthrough alleles, REF mismatches and
	// uncovered positions, each with its line, for the log.
	Notes []string `json:"notes,omitempty"`
	// Warnings are problems with the input as a whole (assembly doubts,
	// REF mismatches), for the log, the job page and the CLI's stderr.
	Warnings []Warning `json:"warnings"`
	// ElapsedSeconds is the wall time of the run.
	ElapsedSeconds float64 `json:"elapsed_seconds"`

	chromIndex map[string]int // index in Chromosomes, so add stays linear in distinct names
}

// Warning is one problem with the input as a whole. Code is stable for
// programs: "contig_length" (a ##contig length differs from the
// reference's), "assembly" (##reference or ##assembly names another
// assembly), "ref_mismatch" (some REF differ from the reference),
// "other_assembly" (more than 5% of the checked records do).
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// otherAssemblyPercent is the share of REF mismatches above which the file is
// probably on another assembly.
const otherAssemblyPercent = 5

// ChromCount is one chromosome's record count and whether the bundle covers it.
type ChromCount struct {
	Name    string `json:"name"`
	Records int64  `json:"records"`
	Covered bool   `json:"covered"`
}

const maxNotes = 20

// tally is one batch's counts, merged into the Summary in input order.
type tally struct {
	records, alleles, notCovered, annotated, known int64
	uncoveredPos, refChecked, refMismatch          int64
	ts, tv                                         int64
	consequences, passthrough                      map[string]int64
	// counts counts entries per distinct consequence list, found by its
	// first element (the lists are shared) in lists; Summary.add folds them
	// into Consequences.
	lists   map[*string]int // index in counts
	counts  []termCount
	lastKey *string // the list counted last, counts[lastIdx]
	lastIdx int
	// worst and classes count alleles by most severe term and by variant
	// class: a handful of distinct values, found faster by a linear scan
	// (mostly pointer-equal strings) than by hashing. Summary.add folds them
	// into the Summary's MostSevere, Impact and VariantClass.
	worst, classes smallCounts
	chroms         []ChromCount // in first-seen order, consecutive runs merged
	notes          []string
}

func (t *tally) reset() {
	*t = tally{
		consequences: reuse(t.consequences), passthrough: reuse(t.passthrough), chroms: t.chroms[:0], notes: t.notes[:0],
		lists: t.lists, counts: t.counts[:0], worst: t.worst[:0], classes: t.classes[:0],
	}
	if t.lists == nil {
		t.lists = map[*string]int{}
	}
	clear(t.lists)
}

// note keeps a note for the log while there are fewer than maxNotes.
func (t *tally) note(n string) {
	if len(t.notes) < maxNotes {
		t.notes = append(t.notes, n)
	}
}

// allele counts one annotated allele's most severe term and class ("" for none).
func (t *tally) allele(worst, class string) {
	if worst != "" {
		t.worst.inc(worst)
	}
	if class != "" {
		t.classes.inc(class)
	}
}

type keyCount struct {
	key string
	n   int64
}

// smallCounts counts a few distinct keys. A key counted moves one place
// forward, so the frequent ones are found first.
type smallCounts []keyCount

func (c *smallCounts) inc(key string) {
	s := *c
	for i := range s {
		if s[i].key == key {
			s[i].n++
			if i > 0 {
				s[i-1], s[i] = s[i], s[i-1]
			}
			return
		}
	}
	*c = append(s, keyCount{key, 1})
}

// termCount is how many entries had one consequence list, and its worst term.
type termCount struct {
	terms []string
	n     int64
	worst string
	rank  int
}

// countTerms counts one entry's consequences and returns the most severe
// (rank -1 for none). Entries share a few lists, so this costs one map
// access per entry rather than one per term.
func (t *tally) countTerms(terms []string) (worst string, rank int) {
	if len(terms) == 0 {
		return "", -1
	}
	key := &terms[0]
	// Consecutive entries often share their list: check the last one first.
	if key == t.lastKey && len(t.counts[t.lastIdx].terms) == len(terms) {
		c := &t.counts[t.lastIdx]
		c.n++
		return c.worst, c.rank
	}
	if t.lists == nil {
		t.lists = map[*string]int{}
	}
	i, ok := t.lists[key]
	if ok && len(t.counts[i].terms) != len(terms) {
		// same first element, different length: count this one directly
		for _, term := range terms {
			t.consequences[term]++
		}
		return worstOf(terms)
	}
	if !ok {
		c := termCount{terms: terms}
		c.worst, c.rank = worstOf(terms)
		i = len(t.counts)
		t.counts = append(t.counts, c)
		t.lists[key] = i
	}
	t.lastKey, t.lastIdx = key, i
	c := &t.counts[i]
	c.n++
	return c.worst, c.rank
}

func worstOf(terms []string) (string, int) {
	worst, rank := "", -1
	for _, term := range terms {
		if r := consequence.Rank(term); rank < 0 || r < rank {
			worst, rank = term, r
		}
	}
	return worst, rank
}

func reuse(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	clear(m)
	return m
}

func (t *tally) chrom(name []byte, covered bool) {
	if n := len(t.chroms); n > 0 && t.chroms[n-1].Name == string(name) {
		t.chroms[n-1].Records++
		return
	}
	t.chroms = append(t.chroms, ChromCount{Name: string(name), Records: 1, Covered: covered})
}

func newSummary() *Summary {
	return &Summary{
		MostSevere: map[string]int64{}, Consequences: map[string]int64{}, Impact: map[string]int64{},
		VariantClass: map[string]int64{}, Passthrough: map[string]int64{}, Warnings: []Warning{},
	}
}

// add merges one batch's tally.
func (s *Summary) add(t *tally) {
	s.Records += t.records
	s.Alleles += t.alleles
	s.NotCovered += t.notCovered
	s.NotCoveredPositions += t.uncoveredPos
	s.RefChecked += t.refChecked
	s.RefMismatch += t.refMismatch
	s.AnnotatedAlleles += t.annotated
	s.KnownHits += t.known
	s.Transitions += t.ts
	s.Transversions += t.tv
	for _, c := range t.worst {
		s.MostSevere[c.key] += c.n
		s.Impact[impactOf(c.key)] += c.n
	}
	for _, c := range t.classes {
		s.VariantClass[c.key] += c.n
	}
	for _, c := range t.counts {
		for _, term := range c.terms {
			s.Consequences[term] += c.n
		}
	}
	addCounts(s.Consequences, t.consequences)
	addCounts(s.Passthrough, t.passthrough)
	for _, c := range t.chroms {
		s.addChrom(c)
	}
	for _, n := range t.notes {
		if len(s.Notes) < maxNotes {
			s.Notes = append(s.Notes, n)
		}
	}
}

// addChrom counts c's records under its (clipped) name, in first-seen order.
func (s *Summary) addChrom(c ChromCount) {
	if s.chromIndex == nil {
		s.chromIndex = map[string]int{}
	}
	c.Name = clipChrom(c.Name)
	if i, ok := s.chromIndex[c.Name]; ok {
		s.Chromosomes[i].Records += c.Records
		return
	}
	s.chromIndex[c.Name] = len(s.Chromosomes)
	s.Chromosomes = append(s.Chromosomes, c)
}

// maxChromName bounds a name in the summary: the contig limit bounds their
// number, this their size, so the summary stored on the job stays small.
const maxChromName = 64

func clipChrom(name string) string {
	if len(name) <= maxChromName {
		return name
	}
	return strings.ToValidUTF8(name[:maxChromName], "") + "…"
}

func addCounts(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// finish computes the derived fields.
func (s *Summary) finish() {
	if s.AnnotatedAlleles > 0 {
		s.KnownPercent = float64(s.KnownHits) * 100 / float64(s.AnnotatedAlleles)
	}
	if s.Transversions > 0 {
		s.TsTv = float64(s.Transitions) / float64(s.Transversions)
	}
	s.Warnings = slices.DeleteFunc(s.Warnings, func(w Warning) bool { return w.Code == "ref_mismatch" || w.Code == "other_assembly" })
	if s.RefMismatch > 0 {
		pct := float64(s.RefMismatch) * 100 / float64(s.RefChecked)
		s.Warnings = append(s.Warnings, Warning{Code: "ref_mismatch", Message: fmt.Sprintf(
			"%d of %d checked records (%.1f%%) have a REF that does not match the reference: they got %s and no consequences",
			s.RefMismatch, s.RefChecked, pct, InfoRefMismatch)})
		if pct > otherAssemblyPercent {
			s.Warnings = append(s.Warnings, Warning{Code: "other_assembly", Message: fmt.Sprintf(
				"more than %d%% of the checked records mismatch the reference: the file is probably on another assembly than %s",
				otherAssemblyPercent, s.assemblyName())})
		}
	}
}

// assemblyName is the assembly part of Reference ("GRCh38 (bundle ...)").
func (s *Summary) assemblyName() string {
	name, _, _ := strings.Cut(s.Reference, " ")
	if name == "" {
		return "the reference"
	}
	return name
}

// WriteText writes the summary as a plain-text log for people.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "GAS annotation summary\n")
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "WARNING (%s): %s\n", w.Code, w.Message)
	}
	fmt.Fprintf(&b, "reference:          %s\n", s.Reference)
	if p := s.Provenance; p != nil {
		fmt.Fprintf(&b, "GAS version:        %s\nbundle:             %s\n", p.GASVersion, p.BundleID)
		for _, src := range p.Sources {
			fmt.Fprintf(&b, "  %-9s %s sha256:%s", src.Kind, src.File, src.SHA256)
			if src.Release != "" {
				fmt.Fprintf(&b, " (%s)", src.Release)
			}
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "records:            %d\n", s.Records)
	fmt.Fprintf(&b, "ALT alleles:        %d\n", s.Alleles)
	fmt.Fprintf(&b, "not covered:        %d records (%d at positions without reference bases, the rest on chromosomes the reference does not hold; written unchanged)\n", s.NotCovered, s.NotCoveredPositions)
	fmt.Fprintf(&b, "REF mismatches:     %d of %d checked records (flagged %s, no consequences)\n", s.RefMismatch, s.RefChecked, InfoRefMismatch)
	fmt.Fprintf(&b, "annotated alleles:  %d (alleles with consequences)\n", s.AnnotatedAlleles)
	fmt.Fprintf(&b, "known variants:     %d (%.1f%% of annotated alleles)\n", s.KnownHits, s.KnownPercent)
	fmt.Fprintf(&b, "Ts/Tv:              %.3f (%d transitions, %d transversions)\n", s.TsTv, s.Transitions, s.Transversions)
	fmt.Fprintf(&b, "elapsed:            %.2f s\n", s.ElapsedSeconds)
	writeCounts(&b, "most severe consequence per allele", s.MostSevere)
	writeCounts(&b, "impact (of the most severe consequence)", s.Impact)
	writeCounts(&b, "variant class", s.VariantClass)
	writeCounts(&b, "all consequences (every transcript)", s.Consequences)
	if len(s.Chromosomes) > 0 {
		fmt.Fprintf(&b, "\nrecords by chromosome:\n")
		for _, c := range s.Chromosomes {
			cov := ""
			if !c.Covered {
				cov = "  (not covered)"
			}
			fmt.Fprintf(&b, "  %-24s %10d%s\n", c.Name, c.Records, cov)
		}
	}
	writeCounts(&b, "alleles passed through without consequences", s.Passthrough)
	if len(s.Notes) > 0 {
		fmt.Fprintf(&b, "\nnotes (first %d):\n", maxNotes)
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCounts lists a count map, largest first (ties by name).
func writeCounts(b *strings.Builder, title string, m map[string]int64) {
	if len(m) == 0 {
		return
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(x, y string) int {
		if m[x] != m[y] {
			if m[x] > m[y] {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(b, "  %-44s %10d\n", k, m[k])
	}
}
