package annotate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
)

// Transcript sets a run reports (Options.Transcripts).
const (
	TranscriptsAll       = "all"       // every transcript within the window (VEP's default)
	TranscriptsCanonical = "canonical" // only canonical transcripts are annotated
	TranscriptsPick      = "pick"      // one entry per allele (VEP's --pick_allele)
	TranscriptsPerGene   = "per_gene"  // one entry per allele and gene (VEP's --pick_allele_gene)
)

// TranscriptSets lists the accepted Options.Transcripts values.
var TranscriptSets = domain.TranscriptSets

// Distance limits (Options.Distance).
const (
	DefaultDistance = domain.DefaultDistance
	MaxDistance     = domain.MaxDistance // VEP accepts any; beyond a megabase every entry is upstream/downstream noise
)

// CheckRunOptions validates the transcript set ("" means all) and the
// distance in bases (0 is a window of no bases).
func CheckRunOptions(transcripts string, distance int) error {
	return domain.RunOptions{Transcripts: transcripts, Distance: &distance}.Check()
}

// runOptions are o's transcript set and distance as a job records them.
func (o Options) runOptions() domain.RunOptions {
	return domain.RunOptions{Transcripts: o.Transcripts, Distance: o.Distance}
}

// optionsLine is the header line recording the run options.
func optionsLine(o Options) string {
	return fmt.Sprintf("##GAS_options=%q", o.runOptions().String())
}

func (o Options) transcripts() string {
	if o.Transcripts == "" {
		return TranscriptsAll
	}
	return o.Transcripts
}

func (o Options) distance() int { return o.runOptions().Window() }

// keepCanonical drops the transcripts that are not canonical, in place.
func keepCanonical(txs []*refdata.Transcript) []*refdata.Transcript {
	return slices.DeleteFunc(txs, func(t *refdata.Transcript) bool { return !t.Canonical })
}

// pickKey orders entries as VEP's --pick does with its default --pick_order
// (mane_select, mane_plus_clinical, canonical, appris, tsl, biotype, ccds,
// rank, length, ensembl, refseq), lower first, for the criteria the bundle
// has data for: MANE Select, MANE Plus Clinical and CCDS from the GTF's tags,
// canonical, biotype (protein_coding first), rank (the entry's most severe
// consequence), length (longer translation, then longer transcript) and
// Ensembl before RefSeq ids. The bundle has no APPRIS or TSL, so they tie.
type pickKey [9]int

func keyOf(e *consequence.Entry, t *refdata.Transcript) pickKey {
	if t == nil { // the intergenic entry
		return pickKey{1, 1, 1, 1, 1, consequence.Rank(consequence.Intergenic), 0, 0, 1}
	}
	flag := func(ok bool) int {
		if ok {
			return 0
		}
		return 1
	}
	rank := consequence.Rank(consequence.Intergenic) + 1
	for _, c := range e.Consequences {
		rank = min(rank, consequence.Rank(c))
	}
	cds, tx := 0, 0
	for _, p := range t.CDS {
		cds += p.End - p.Start + 1
	}
	for _, x := range t.Exons {
		tx += x.End - x.Start + 1
	}
	return pickKey{
		flag(slices.Contains(t.Tags, "MANE_Select")),
		flag(slices.Contains(t.Tags, "MANE_Plus_Clinical")),
		flag(t.Canonical),
		flag(t.Biotype == "protein_coding"),
		flag(slices.Contains(t.Tags, "CCDS")),
		rank,
		-cds / 3,
		-tx,
		flag(strings.HasPrefix(t.ID, "ENS")),
	}
}

// pick keeps one entry per allele (perGene: per allele and gene), the best by
// pickKey, ties broken by the order Predict gave. entries are one allele's.
func pick(entries []consequence.Entry, txs []*refdata.Transcript, perGene bool) []consequence.Entry {
	if len(entries) < 2 {
		return entries
	}
	keys := make([]pickKey, len(entries))
	for i := range entries {
		keys[i] = keyOf(&entries[i], transcriptOf(&entries[i], txs))
	}
	best := map[string]int{} // gene ("" for all when !perGene) -> entry index
	for i := range entries {
		g := ""
		if perGene {
			g = entries[i].Gene
		}
		if j, ok := best[g]; !ok || slices.Compare(keys[i][:], keys[j][:]) < 0 {
			best[g] = i
		}
	}
	out := entries[:0:0]
	for i := range entries { // keep Predict's order among the kept entries
		for _, j := range best {
			if i == j {
				out = append(out, entries[i])
			}
		}
	}
	return out
}

// transcriptOf finds the transcript an entry is about (Feature is ID.version).
func transcriptOf(e *consequence.Entry, txs []*refdata.Transcript) *refdata.Transcript {
	for _, t := range txs {
		if f, ok := strings.CutPrefix(e.Feature, t.ID); ok && (f == "" || f == "."+t.Version) {
			return t
		}
	}
	return nil
}
