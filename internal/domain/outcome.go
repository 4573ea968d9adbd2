package domain

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ArchiveAt is when a free owner's completed result moves to the archive,
// for a workflow that waits retention after completion; zero when it will
// not. The archive step runs once, at the end of that wait: a result still
// hot well after it (its owner was premium then, or it was restored) stays
// hot. The job page's countdown and the completion email both use it.
func ArchiveAt(j Job, owner Profile, retention time.Duration, now time.Time) time.Time {
	state := j.ResultState
	if state == "" {
		state = ResultAvailable
	}
	if owner.Premium() || j.Deleted() || j.Status != StatusCompleted || state != ResultAvailable || j.CompletedAt.IsZero() ||
		!j.ArchivedAt.IsZero() || !j.RestoredAt.IsZero() || retention <= 0 {
		return time.Time{}
	}
	at := j.CompletedAt.Add(retention)
	if now.After(at.Add(time.Minute)) {
		return time.Time{}
	}
	return at
}

// Outcome is what a completed annotation did with its input: the counts of
// the job's summary (annotate.Summary, stored as JSON) that say whether
// anything was annotated, and why not.
type Outcome struct {
	Records     int64            `json:"records"`
	Annotated   int64            `json:"annotated_alleles"` // ALT alleles that got CSQ entries
	NotCovered  int64            `json:"not_covered"`       // records the reference has no bases for
	RefMismatch int64            `json:"ref_mismatch"`
	Passthrough map[string]int64 `json:"passthrough"` // ALT alleles that get no consequences, by kind
	Chromosomes []struct {
		Name    string `json:"name"`
		Covered bool   `json:"covered"`
	} `json:"chromosomes"`
	known bool
}

// JobOutcome reads the outcome from a job's summary; a job without one
// (not completed, or from before summaries) has an unknown outcome.
func JobOutcome(j Job) Outcome {
	var o Outcome
	if j.Status != StatusCompleted || len(j.Summary) == 0 || json.Unmarshal(j.Summary, &o) != nil {
		return Outcome{}
	}
	o.known = true
	return o
}

// NothingAnnotated reports a completed job none of whose ALT alleles got
// consequences: its result is the input with GAS's header lines and flags.
func (o Outcome) NothingAnnotated() bool { return o.known && o.Annotated == 0 }

// Explain says what happened when nothing was annotated, e.g. "0 of 120
// records could be annotated: 100 are on chromosomes or at positions the
// reference does not cover (chrUn_1, HLA-A), 20 have a REF that does not
// match the reference".
func (o Outcome) Explain() string {
	if o.Records == 0 {
		return "the input has no records, so there was nothing to annotate"
	}
	var why []string
	if o.NotCovered > 0 {
		s := fmt.Sprintf("%s on chromosomes or at positions the reference does not cover", are(o.NotCovered))
		var names []string
		more := 0
		for _, c := range o.Chromosomes {
			switch {
			case c.Covered:
			case len(names) < 5:
				names = append(names, c.Name)
			default:
				more++
			}
		}
		if more > 0 {
			names = append(names, fmt.Sprintf("and %d more", more))
		}
		if len(names) > 0 {
			s += " (" + strings.Join(names, ", ") + ")"
		}
		why = append(why, s)
	}
	if o.RefMismatch > 0 {
		why = append(why, fmt.Sprintf("%d %s a REF that does not match the reference (another assembly?)", o.RefMismatch, plural(o.RefMismatch, "has", "have")))
	}
	var pass int64
	for _, n := range o.Passthrough {
		pass += n
	}
	if pass > 0 {
		why = append(why, fmt.Sprintf("%d ALT %s symbolic, breakends, \"*\" or missing, which get no consequences", pass, plural(pass, "allele is", "alleles are")))
	}
	if len(why) == 0 {
		why = append(why, "no ALT allele received a consequence")
	}
	return fmt.Sprintf("0 of %d %s could be annotated: %s", o.Records, plural(o.Records, "record", "records"), strings.Join(why, "; "))
}

func are(n int64) string { return fmt.Sprintf("%d %s", n, plural(n, "is", "are")) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
