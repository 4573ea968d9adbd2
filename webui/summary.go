package webui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// summaryJSON is the part of annotate.Summary (stored on the job as JSON)
// the job page shows. Decoding our own copy keeps the portal independent of
// the engine's package; unknown fields are ignored, missing ones are zero.
type summaryJSON struct {
	Reference        string `json:"reference"`
	Records          int64  `json:"records"`
	Alleles          int64  `json:"alleles"`
	NotCovered       int64  `json:"not_covered"`
	NotCoveredPos    int64  `json:"not_covered_positions"`
	RefChecked       int64  `json:"ref_checked"`
	RefMismatch      int64  `json:"ref_mismatch"`
	AnnotatedAlleles int64  `json:"annotated_alleles"`
	Warnings         []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"warnings"`
	Provenance *struct {
		GASVersion string `json:"gas_version"`
		BundleID   string `json:"bundle_id"`
		Sources    []struct {
			File    string `json:"file"`
			Release string `json:"release"`
		} `json:"sources"`
	} `json:"provenance"`
	KnownHits    int64            `json:"known_hits"`
	KnownPercent float64          `json:"known_percent"`
	MostSevere   map[string]int64 `json:"most_severe_consequence"`
	Consequences map[string]int64 `json:"consequences"`
	Impact       map[string]int64 `json:"impact"`
	Chromosomes  []struct {
		Name    string `json:"name"`
		Records int64  `json:"records"`
		Covered bool   `json:"covered"`
	} `json:"chromosomes"`
	Transitions    int64   `json:"transitions"`
	Transversions  int64   `json:"transversions"`
	TsTv           float64 `json:"ts_tv"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// summaryView is the summary table and charts of the job page.
type summaryView struct {
	Reference string
	// Warnings are the run's warnings (assembly doubts, REF mismatches).
	Warnings []warningView
	Stats    [][2]string
	Charts   []chart
}

type warningView struct{ Code, Message string }

// chart is a horizontal bar chart, laid out here and drawn as SVG by the template.
type chart struct {
	ID, Title, Note string
	Width, Height   int
	LabelW          int
	Bars            []bar
	Empty           bool
}

type bar struct {
	Label       string
	Value       int64
	Y, W, TextY int
	ValueX      int
	Class       string
}

const (
	chartLabelW = 280
	chartBarW   = 340
	chartRow    = 24
	chartBarH   = 16
	chartMaxBar = 25 // longer tails are summed into "other"
)

func parseSummary(raw []byte) (*summaryView, error) {
	var s summaryJSON
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	ref := s.Reference
	if i := strings.Index(ref, ", /"); i > 0 && strings.HasSuffix(ref, ")") {
		ref = ref[:i] + ")" // the bundle's path on the server is nobody's business
	}
	v := &summaryView{Reference: ref}
	add := func(k, val string) { v.Stats = append(v.Stats, [2]string{k, val}) }
	add("Records", strconv.FormatInt(s.Records, 10))
	add("ALT alleles", strconv.FormatInt(s.Alleles, 10))
	add("Annotated alleles", strconv.FormatInt(s.AnnotatedAlleles, 10))
	add("Known variants (dbSNP)", fmt.Sprintf("%d (%.1f%%)", s.KnownHits, s.KnownPercent))
	notCovered := strconv.FormatInt(s.NotCovered, 10)
	if s.NotCoveredPos > 0 {
		notCovered += fmt.Sprintf(" (%d at positions without reference bases)", s.NotCoveredPos)
	}
	add("Records not covered by the reference", notCovered)
	add("REF mismatches (flagged REF_MISMATCH, not annotated)", fmt.Sprintf("%d of %d checked records", s.RefMismatch, s.RefChecked))
	for _, w := range s.Warnings {
		v.Warnings = append(v.Warnings, warningView{w.Code, w.Message})
	}
	add("Transitions / transversions", fmt.Sprintf("%d / %d (Ts/Tv %.2f)", s.Transitions, s.Transversions, s.TsTv))
	if p := s.Provenance; p != nil {
		var files []string
		for _, src := range p.Sources {
			f := src.File
			if src.Release != "" {
				f += " (" + src.Release + ")"
			}
			files = append(files, f)
		}
		add("Annotated with", fmt.Sprintf("GAS %s, bundle %s: %s", p.GASVersion, p.BundleID, strings.Join(files, ", ")))
	}
	if s.ElapsedSeconds > 0 {
		add("Annotation time", fmt.Sprintf("%.2f s", s.ElapsedSeconds))
	}

	cons := s.MostSevere
	consNote := "each annotated ALT allele counted once, under its most severe consequence"
	if len(cons) == 0 {
		cons, consNote = s.Consequences, "every consequence term of every transcript"
	}
	v.Charts = append(v.Charts, barChart("consequences", "Consequences", consNote, sortedCounts(cons)))

	var impact []count
	for _, k := range []string{"HIGH", "MODERATE", "LOW", "MODIFIER"} {
		if n, ok := s.Impact[k]; ok {
			impact = append(impact, count{k, n, "imp-" + k})
		}
	}
	for k, n := range s.Impact { // any level we do not know, after the known ones
		if !slices.Contains([]string{"HIGH", "MODERATE", "LOW", "MODIFIER"}, k) {
			impact = append(impact, count{k, n, ""})
		}
	}
	v.Charts = append(v.Charts, barChart("impact", "Impact", "annotated alleles by the impact of their most severe consequence", impact))

	var chroms []count
	for _, c := range s.Chromosomes {
		class := "covered"
		if !c.Covered {
			class = "uncovered"
		}
		chroms = append(chroms, count{c.Name, c.Records, class})
	}
	v.Charts = append(v.Charts, barChart("chromosomes", "Records per chromosome", "grey: not covered by the reference (passed through unannotated)", chroms))
	return v, nil
}

type count struct {
	label string
	n     int64
	class string
}

func sortedCounts(m map[string]int64) []count {
	out := make([]count, 0, len(m))
	for k, n := range m {
		out = append(out, count{k, n, ""})
	}
	slices.SortFunc(out, func(a, b count) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.label, b.label))
	})
	return out
}

func barChart(id, title, note string, counts []count) chart {
	if len(counts) > chartMaxBar {
		var rest int64
		for _, c := range counts[chartMaxBar-1:] {
			rest += c.n
		}
		counts = append(counts[:chartMaxBar-1:chartMaxBar-1], count{"other", rest, ""})
	}
	c := chart{ID: id, Title: title, Note: note, LabelW: chartLabelW, Width: chartLabelW + chartBarW + 70}
	var max int64
	for _, k := range counts {
		max = maxOf(max, k.n)
	}
	for i, k := range counts {
		w := 0
		if max > 0 {
			w = int(float64(k.n) / float64(max) * chartBarW)
		}
		if k.n > 0 && w < 2 {
			w = 2 // a non-zero count stays visible
		}
		y := i*chartRow + 4
		c.Bars = append(c.Bars, bar{Label: k.label, Value: k.n, Y: y, W: w, TextY: y + chartBarH - 3,
			ValueX: chartLabelW + w + 6, Class: k.class})
	}
	c.Height = len(counts)*chartRow + 8
	c.Empty = len(counts) == 0
	return c
}

func maxOf(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
