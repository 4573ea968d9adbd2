package domain

import (
	"testing"
	"time"
)

func TestOutcomeExplain(t *testing.T) {
	for _, tc := range []struct {
		name, summary string
		nothing       bool
		want          string
	}{
		{"annotated", `{"records":3,"annotated_alleles":2}`, false, ""},
		{"no records", `{"records":0,"annotated_alleles":0}`, true, "the input has no records, so there was nothing to annotate"},
		{"uncovered and mismatched", `{"records":120,"annotated_alleles":0,"not_covered":100,"ref_mismatch":20,
			"chromosomes":[{"name":"chrUn_1","covered":false},{"name":"21","covered":true},{"name":"HLA-A","covered":false}]}`, true,
			"0 of 120 records could be annotated: 100 are on chromosomes or at positions the reference does not cover (chrUn_1, HLA-A); 20 have a REF that does not match the reference (another assembly?)"},
		{"seven uncovered", `{"records":7,"annotated_alleles":0,"not_covered":7,"chromosomes":[{"name":"1","covered":false},
			{"name":"2","covered":false},{"name":"3","covered":false},{"name":"21","covered":true},{"name":"4","covered":false},
			{"name":"5","covered":false},{"name":"6","covered":false},{"name":"7","covered":false}]}`, true,
			"0 of 7 records could be annotated: 7 are on chromosomes or at positions the reference does not cover (1, 2, 3, 4, 5, and 2 more)"},
		{"one symbolic", `{"records":1,"annotated_alleles":0,"passthrough":{"symbolic":1}}`, true,
			`0 of 1 record could be annotated: 1 ALT allele is symbolic, breakends, "*" or missing, which get no consequences`},
		{"no reason known", `{"records":2,"annotated_alleles":0}`, true, "0 of 2 records could be annotated: no ALT allele received a consequence"},
	} {
		o := JobOutcome(Job{Status: StatusCompleted, Summary: []byte(tc.summary)})
		if o.NothingAnnotated() != tc.nothing {
			t.Errorf("%s: NothingAnnotated = %v", tc.name, o.NothingAnnotated())
		}
		if tc.nothing && o.Explain() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, o.Explain(), tc.want)
		}
	}
	// No summary (running, or an old job): unknown, never "nothing annotated".
	for _, j := range []Job{{Status: StatusRunning}, {Status: StatusCompleted}, {Status: StatusCompleted, Summary: []byte("{bad")}} {
		if JobOutcome(j).NothingAnnotated() {
			t.Errorf("%+v: nothing annotated", j)
		}
	}
}

func TestArchiveAtNeedsARetention(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	j := Job{Status: StatusCompleted, CompletedAt: now}
	if got := ArchiveAt(j, Profile{Role: RoleFree}, 0, now); !got.IsZero() {
		t.Errorf("no retention: %v", got)
	}
	if got := ArchiveAt(j, Profile{Role: RoleFree}, time.Minute, now); !got.Equal(now.Add(time.Minute)) {
		t.Errorf("a minute: %v", got)
	}
}

func TestDurationWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "1 second", 2 * time.Second: "2 seconds", 59 * time.Second: "59 seconds", time.Minute: "1 minute",
		3 * time.Minute: "3 minutes", 89 * time.Minute: "1 hour", 4*time.Hour + 20*time.Minute: "4 hours",
		47 * time.Hour: "47 hours", 5 * 24 * time.Hour: "5 days",
	} {
		if got := DurationWords(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
