package consequence

import (
	"sync"
	"sync/atomic"
)

// Sequence Ontology consequence terms as Ensembl VEP writes them.
const (
	TranscriptAblation         = "transcript_ablation"
	SpliceAcceptor             = "splice_acceptor_variant"
	SpliceDonor                = "splice_donor_variant"
	StopGained                 = "stop_gained"
	Frameshift                 = "frameshift_variant"
	StopLost                   = "stop_lost"
	StartLost                  = "start_lost"
	TranscriptAmplification    = "transcript_amplification"
	FeatureElongation          = "feature_elongation"
	FeatureTruncation          = "feature_truncation"
	InframeInsertion           = "inframe_insertion"
	InframeDeletion            = "inframe_deletion"
	Missense                   = "missense_variant"
	ProteinAltering            = "protein_altering_variant"
	SpliceDonor5thBase         = "splice_donor_5th_base_variant"
	SpliceRegion               = "splice_region_variant"
	SpliceDonorRegion          = "splice_donor_region_variant"
	SplicePolypyrimidineTract  = "splice_polypyrimidine_tract_variant"
	IncompleteTerminalCodon    = "incomplete_terminal_codon_variant"
	StartRetained              = "start_retained_variant"
	StopRetained               = "stop_retained_variant"
	Synonymous                 = "synonymous_variant"
	CodingSequence             = "coding_sequence_variant"
	MatureMiRNA                = "mature_miRNA_variant"
	FivePrimeUTR               = "5_prime_UTR_variant"
	ThreePrimeUTR              = "3_prime_UTR_variant"
	NonCodingTranscriptExon    = "non_coding_transcript_exon_variant"
	Intron                     = "intron_variant"
	NMDTranscript              = "NMD_transcript_variant"
	NonCodingTranscript        = "non_coding_transcript_variant"
	CodingTranscript           = "coding_transcript_variant"
	Upstream                   = "upstream_gene_variant"
	Downstream                 = "downstream_gene_variant"
	Intergenic                 = "intergenic_variant"
	sequenceVariant            = "sequence_variant"
	impactHigh, impactModerate = "HIGH", "MODERATE"
	impactLow, impactModifier  = "LOW", "MODIFIER"
)

// termOrder is VEP's severity order (most severe first), as in the table of
// consequence terms in the VEP documentation. Entries list consequences in
// this order, and the order decides the "worst" consequence of a record.
var termOrder = []struct{ term, impact string }{
	{TranscriptAblation, impactHigh},
	{SpliceAcceptor, impactHigh},
	{SpliceDonor, impactHigh},
	{StopGained, impactHigh},
	{Frameshift, impactHigh},
	{StopLost, impactHigh},
	{StartLost, impactHigh},
	{TranscriptAmplification, impactHigh},
	{FeatureElongation, impactModifier},
	{FeatureTruncation, impactModifier},
	{InframeInsertion, impactModerate},
	{InframeDeletion, impactModerate},
	{Missense, impactModerate},
	{ProteinAltering, impactModerate},
	{SpliceRegion, impactLow},
	{SpliceDonor5thBase, impactLow},
	{SpliceDonorRegion, impactLow},
	{SplicePolypyrimidineTract, impactLow},
	{IncompleteTerminalCodon, impactLow},
	{StartRetained, impactLow},
	{StopRetained, impactLow},
	{Synonymous, impactLow},
	{CodingSequence, impactModifier},
	{MatureMiRNA, impactModifier},
	{FivePrimeUTR, impactModifier},
	{ThreePrimeUTR, impactModifier},
	{NonCodingTranscriptExon, impactModifier},
	{Intron, impactModifier},
	{NMDTranscript, impactModifier},
	{NonCodingTranscript, impactModifier},
	{CodingTranscript, impactModifier},
	{Upstream, impactModifier},
	{Downstream, impactModifier},
	{Intergenic, impactModifier},
	{sequenceVariant, impactModifier},
}

var termRank = func() map[string]int {
	m := make(map[string]int, len(termOrder))
	for i, t := range termOrder {
		m[t.term] = i
	}
	return m
}()

// Rank is the position of term in VEP's severity order (0 is most severe);
// unknown terms rank last.
func Rank(term string) int {
	if r, ok := termRank[term]; ok {
		return r
	}
	return len(termOrder)
}

// Impact is VEP's IMPACT for a consequence term (HIGH, MODERATE, LOW, MODIFIER).
func Impact(term string) string {
	if r, ok := termRank[term]; ok {
		return termOrder[r].impact
	}
	return impactModifier
}

// WorstConsequence returns the most severe of the given terms ("" for none).
func WorstConsequence(terms ...string) string {
	best, bestRank := "", len(termOrder)+1
	for _, t := range terms {
		if r := Rank(t); r < bestRank {
			best, bestRank = t, r
		}
	}
	return best
}

// termSet collects consequences as a bit set over termOrder, so an entry's
// terms come out in VEP's order without sorting.
type termSet uint64

func (s *termSet) add(term string) { *s |= bitOf(term) }

// set adds precomputed bits: the hot paths use the bit* values below rather
// than a map lookup per term.
func (s *termSet) set(bits termSet) { *s |= bits }

func bitOf(term string) termSet { return 1 << uint(termRank[term]) }

var (
	bitCodingSequence            = bitOf(CodingSequence)
	bitDownstream                = bitOf(Downstream)
	bitFivePrimeUTR              = bitOf(FivePrimeUTR)
	bitIntron                    = bitOf(Intron)
	bitMatureMiRNA               = bitOf(MatureMiRNA)
	bitNMDTranscript             = bitOf(NMDTranscript)
	bitNonCodingTranscript       = bitOf(NonCodingTranscript)
	bitNonCodingTranscriptExon   = bitOf(NonCodingTranscriptExon)
	bitSpliceAcceptor            = bitOf(SpliceAcceptor)
	bitSpliceDonor               = bitOf(SpliceDonor)
	bitSpliceDonor5thBase        = bitOf(SpliceDonor5thBase)
	bitSpliceDonorRegion         = bitOf(SpliceDonorRegion)
	bitSplicePolypyrimidineTract = bitOf(SplicePolypyrimidineTract)
	bitSpliceRegion              = bitOf(SpliceRegion)
	bitThreePrimeUTR             = bitOf(ThreePrimeUTR)
	bitTranscriptAblation        = bitOf(TranscriptAblation)
	bitUpstream                  = bitOf(Upstream)
)

// termList is one distinct set of terms: the read-only slice entries share
// and its CSQ form (joined with '&'), written once instead of per entry.
type termList struct {
	set    termSet
	terms  []string
	csq    string
	impact string // of the most severe term
	// csqImpact is csq, '|' and the impact: the Consequence and IMPACT
	// fields of a CSQ entry, escaped once.
	csqImpact string
	serial    uint64 // its TextKey number, from termSerials
}

// listCache shares one termList per distinct set: entries hold the same few
// combinations millions of times. Copy-on-write keeps reads free of locks
// and allocations.
var (
	listCache   atomic.Pointer[map[termSet]*termList]
	listCacheMu sync.Mutex
)

func (s termSet) list() *termList {
	if m := listCache.Load(); m != nil {
		if l, ok := (*m)[s]; ok {
			return l
		}
	}
	listCacheMu.Lock()
	defer listCacheMu.Unlock()
	old := listCache.Load()
	next := make(map[termSet]*termList, 8)
	if old != nil {
		if l, ok := (*old)[s]; ok {
			return l
		}
		for k, v := range *old {
			next[k] = v
		}
	}
	l := newTermList(s.build(), s.impact())
	l.set = s
	next[s] = l
	listCache.Store(&next)
	return l
}

func newTermList(terms []string, impact string) *termList {
	var csq []byte
	for i, t := range terms {
		if i > 0 {
			csq = append(csq, '&')
		}
		csq = appendEscaped(csq, t)
	}
	n := len(csq)
	csq = appendEscaped(append(csq, '|'), impact)
	return &termList{terms: terms, impact: impact, csq: string(csq[:n]), csqImpact: string(csq), serial: termSerials.Add(1)}
}

// txSerials and termSerials number txInfos and termLists for TextKey from
// 1: 64-bit counters, which never wrap.
var txSerials, termSerials atomic.Uint64

func (s termSet) build() []string {
	out := make([]string, 0, 4)
	for i := range termOrder {
		if s&(1<<uint(i)) != 0 {
			out = append(out, termOrder[i].term)
		}
	}
	return out
}

// impact of the most severe term in the set.
func (s termSet) impact() string {
	for i := range termOrder {
		if s&(1<<uint(i)) != 0 {
			return termOrder[i].impact
		}
	}
	return impactModifier
}
