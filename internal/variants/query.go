package variants

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/domain"
)

// Limits on one query, so no request can make the server collect without bound.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// MaxSortedRows is how deep a sorted query may page: sorting keeps the
	// best offset+limit rows in memory. Position order pages without limit.
	MaxSortedRows = 10_000
)

// Sort orders.
const (
	SortPosition = "position"
	SortGene     = "gene"
	SortImpact   = "impact"
	SortAF       = "af"
	SortAFDesc   = "-af"
)

var sorts = []string{SortPosition, SortGene, SortImpact, SortAF, SortAFDesc}

// Query is one request for rows. The zero value matches every row, in
// position order, DefaultLimit per page.
type Query struct {
	Genes        []string // SYMBOL or Gene id, any case
	Consequences []string // SO terms
	Impacts      []string // HIGH, MODERATE, LOW, MODIFIER
	MaxAF        *float64 // rows with af <= MaxAF (unknown af counts as 0)
	Canonical    bool     // canonical transcripts only
	Chroms       []string // aliases resolve (chr21 = 21)
	Start, End   int      // 1-based inclusive bounds on pos; 0 = none
	Sort         string   // one of the Sort* constants; "" = position
	Limit        int      // rows per page; 0 = DefaultLimit
	Cursor       string   // next_cursor of the previous page
}

// FilterParams are the filters' names in URLs (and gas variants'
// arguments), in the order a form shows them.
var FilterParams = []string{"gene", "consequence", "impact", "max_af", "canonical", "chrom", "start", "end"}

// PageParams are the other parameters ParseQuery reads: order and paging.
var PageParams = []string{"sort", "limit", "cursor"}

// The values of canonical, any case: true keeps canonical transcripts, false every transcript.
var (
	canonicalTrue  = []string{"true", "1", "yes", "on"}
	canonicalFalse = []string{"false", "0", "no", "off"}
)

// invalid is a message for the user that matches domain.ErrInvalid.
func invalid(format string, args ...any) error {
	return domain.UserErrorf(domain.ErrInvalid, format, args...)
}

// list splits a comma-separated parameter, dropping blanks.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseQuery reads a Query from URL parameters (FilterParams and
// PageParams). extra names the caller's own parameters (such as format),
// which it leaves alone; any other parameter, and a bad value, is an error
// wrapping domain.ErrInvalid that names the parameter.
func ParseQuery(v url.Values, extra ...string) (Query, error) {
	if err := knownParams(v, extra); err != nil {
		return Query{}, err
	}
	all := func(k string) string { return strings.Join(v[k], ",") } // gene=a&gene=b is gene=a,b
	q := Query{
		Genes: list(all("gene")), Consequences: list(all("consequence")),
		Chroms: list(all("chrom")), Sort: v.Get("sort"), Cursor: v.Get("cursor"),
	}
	for _, t := range q.Consequences {
		if consequence.Rank(t) == consequence.Rank("") {
			return Query{}, invalid("consequence %q is not a Sequence Ontology term VEP uses (e.g. missense_variant)", t)
		}
	}
	for _, s := range list(all("impact")) {
		u := strings.ToUpper(s)
		if impactCode(u) == impactNone {
			return Query{}, invalid("impact %q is not HIGH, MODERATE, LOW or MODIFIER", s)
		}
		q.Impacts = append(q.Impacts, u)
	}
	if s := strings.TrimSpace(v.Get("max_af")); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !decimal.MatchString(s) || !(f >= 0 && f <= 1) { // NaN too
			return Query{}, invalid("max_af %q is not a frequency between 0 and 1", s)
		}
		q.MaxAF = &f
	}
	switch c := strings.ToLower(strings.TrimSpace(v.Get("canonical"))); {
	case c == "" || slices.Contains(canonicalFalse, c):
	case slices.Contains(canonicalTrue, c):
		q.Canonical = true
	default:
		return Query{}, invalid("canonical %q is not one of %s (canonical transcripts only) or %s (every transcript)",
			v.Get("canonical"), strings.Join(canonicalTrue, ", "), strings.Join(canonicalFalse, ", "))
	}
	var err error
	if q.Start, err = position(v, "start"); err != nil {
		return Query{}, err
	}
	if q.End, err = position(v, "end"); err != nil {
		return Query{}, err
	}
	if q.Start > 0 && q.End > 0 && q.Start > q.End {
		return Query{}, invalid("start %d is after end %d", q.Start, q.End)
	}
	if q.Sort != "" && !slices.Contains(sorts, q.Sort) {
		return Query{}, invalid("sort %q is not one of %s", q.Sort, strings.Join(sorts, ", "))
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Query{}, invalid("limit %q is not a number from 1 to %d", s, MaxLimit)
		}
		q.Limit = n
	}
	if _, err := q.cursorRow(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// decimal is a number as people write one (0.01, .5, 1e-3): not Go's other
// forms that ParseFloat reads (0_001, 0x1p-3, Inf).
var decimal = regexp.MustCompile(`^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// listParams may be given more than once: gene=a&gene=b is gene=a,b.
var listParams = []string{"gene", "consequence", "impact", "chrom"}

// knownParams refuses a parameter that is neither ParseQuery's nor in
// extra, and one of a single value given twice (the first, in name order,
// so the message does not vary).
func knownParams(v url.Values, extra []string) error {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(FilterParams, k) && !slices.Contains(PageParams, k) && !slices.Contains(extra, k) {
			known := slices.Concat(FilterParams, PageParams, extra)
			return invalid("unknown parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if len(v[k]) > 1 && !slices.Contains(listParams, k) {
			return invalid("%s is given %d times: give it once (only %s may repeat, meaning OR)", k, len(v[k]), strings.Join(listParams, ", "))
		}
	}
	return nil
}

func position(v url.Values, name string) (int, error) {
	s := strings.TrimSpace(strings.ReplaceAll(v.Get(name), ",", ""))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, invalid("%s %q is not a position (1-based)", name, v.Get(name))
	}
	return n, nil
}

// Values is the query as URL parameters (without cursor and defaults), for links.
func (q Query) Values() url.Values {
	v := url.Values{}
	set := func(k string, vals []string) {
		if len(vals) > 0 {
			v.Set(k, strings.Join(vals, ","))
		}
	}
	set("gene", q.Genes)
	set("consequence", q.Consequences)
	set("impact", q.Impacts)
	if q.MaxAF != nil {
		v.Set("max_af", strconv.FormatFloat(*q.MaxAF, 'g', -1, 64))
	}
	if q.Canonical {
		v.Set("canonical", "true")
	}
	set("chrom", q.Chroms)
	if q.Start > 0 {
		v.Set("start", strconv.Itoa(q.Start))
	}
	if q.End > 0 {
		v.Set("end", strconv.Itoa(q.End))
	}
	if q.Sort != "" && q.Sort != SortPosition {
		v.Set("sort", q.Sort)
	}
	if q.Limit > 0 && q.Limit != DefaultLimit {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Filtered reports whether any filter is set.
func (q Query) Filtered() bool {
	v := q.Values()
	for _, k := range FilterParams {
		if v.Has(k) {
			return true
		}
	}
	return false
}

func (q Query) limit() int {
	if q.Limit <= 0 {
		return DefaultLimit
	}
	return min(q.Limit, MaxLimit)
}

func (q Query) sorted() bool { return q.Sort != "" && q.Sort != SortPosition }

// Sorted reports whether q asks for another order than position.
func (q Query) Sorted() bool { return q.sorted() }

// CheckExport reports whether Export can give q's total matching rows: in
// position order any number, sorted up to MaxSortedRows (an error wrapping
// domain.ErrInvalid when more match).
func (q Query) CheckExport(total int64) error {
	if q.sorted() && total > MaxSortedRows {
		return invalid("sort %s: a sorted export holds up to %d rows and %d match: narrow the filters or export in position order", q.Sort, MaxSortedRows, total)
	}
	return nil
}

// A cursor is the next row (position order) or the next offset (sorted),
// base64url-encoded so clients treat it as opaque.
func (q Query) cursorRow() (int64, error) {
	if q.Cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	kind := "p"
	if q.sorted() {
		kind = "o"
	}
	if err != nil || len(raw) < 2 || string(raw[:1]) != kind {
		return 0, invalid("cursor %q is not a next_cursor of this query's sort order", q.Cursor)
	}
	n, err := strconv.ParseInt(string(raw[1:]), 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("cursor %q is not a next_cursor of this query's sort order", q.Cursor)
	}
	if q.sorted() && n >= MaxSortedRows {
		return 0, invalid("a sorted query pages up to row %d: narrow the filters or sort by position", MaxSortedRows)
	}
	return n, nil
}

func makeCursor(kind string, n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + strconv.FormatInt(n, 10)))
}
