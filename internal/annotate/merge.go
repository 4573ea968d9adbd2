package annotate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ShiftLines adds delta to the line number of every note ("line N: ..."),
// for a run over a slice of a larger input (one shard of the sharded
// workflow) whose first data line is not the input's.
func (s *Summary) ShiftLines(delta int) {
	for i, n := range s.Notes {
		rest, ok := strings.CutPrefix(n, "line ")
		if !ok {
			continue
		}
		num, tail, ok := strings.Cut(rest, ":")
		line, err := strconv.Atoi(num)
		if !ok || err != nil {
			continue
		}
		s.Notes[i] = fmt.Sprintf("line %d:%s", line+delta, tail)
	}
}

// MergeSummaries combines the summaries of runs over consecutive slices of one
// input, in input order, into the summary of the whole: counts add up, records
// per chromosome keep first-seen order, notes keep the first few, and the
// derived figures (known %, Ts/Tv) are computed again from the sums. Elapsed
// time is the caller's to set (the slices may have run in parallel).
func MergeSummaries(parts []Summary) Summary {
	s := newSummary()
	for i, p := range parts {
		if i == 0 {
			s.Reference = p.Reference
			s.Provenance = p.Provenance
		}
		s.Records += p.Records
		s.Alleles += p.Alleles
		s.NotCovered += p.NotCovered
		s.NotCoveredPositions += p.NotCoveredPositions
		s.RefChecked += p.RefChecked
		s.RefMismatch += p.RefMismatch
		for _, w := range p.Warnings {
			if !slices.Contains(s.Warnings, w) {
				s.Warnings = append(s.Warnings, w)
			}
		}
		s.AnnotatedAlleles += p.AnnotatedAlleles
		s.KnownHits += p.KnownHits
		s.Transitions += p.Transitions
		s.Transversions += p.Transversions
		addCounts(s.MostSevere, p.MostSevere)
		addCounts(s.Consequences, p.Consequences)
		addCounts(s.Impact, p.Impact)
		addCounts(s.VariantClass, p.VariantClass)
		addCounts(s.Passthrough, p.Passthrough)
		for _, c := range p.Chromosomes {
			s.addChrom(c)
		}
		for _, n := range p.Notes {
			if len(s.Notes) < maxNotes {
				s.Notes = append(s.Notes, n)
			}
		}
	}
	s.finish()
	return *s
}
