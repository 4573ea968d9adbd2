package asl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// rule is a Choice rule: a comparison on Variable, or And/Or/Not of rules.
// Top-level rules have a Next.
type rule struct {
	next     string
	variable *path
	op       string // comparator name without a "Path" suffix, e.g. "StringEquals"
	operand  any    // literal operand
	opPath   *path  // operand path (the ...Path comparators)
	and, or  []*rule
	not      *rule
}

var comparators = []string{
	"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals", "StringMatches",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"BooleanEquals",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals",
	"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

func (l *loader) choice(st *state, f fields) error {
	rs, err := f.objects("Choices", "must be a non-empty array of rules", true)
	if err != nil {
		return err
	}
	if err := f.str("Default", &st.defaultNext, false); err != nil {
		return err
	}
	for _, rf := range rs {
		ru, err := loadRule(rf, true)
		if err != nil {
			return err
		}
		st.choices = append(st.choices, ru)
	}
	return nil
}

// loadRule reads one Choice rule: a comparison (Variable and one
// comparator) or a boolean of nested rules (And, Or, Not); top rules also
// name their Next state.
func loadRule(f fields, top bool) (*rule, error) {
	r := &rule{}
	allowed := []string{"Variable", "And", "Or", "Not", "Comment"}
	if top {
		allowed = append(allowed, "Next")
		if err := f.str("Next", &r.next, true); err != nil {
			return nil, err
		}
	}
	opName, err := comparatorOf(f)
	if err != nil {
		return nil, err
	}
	if opName != "" {
		allowed = append(allowed, opName)
	}
	if err := f.only(allowed...); err != nil {
		return nil, err
	}
	if r.and, err = nestedRules(f, "And"); err != nil {
		return nil, err
	}
	if r.or, err = nestedRules(f, "Or"); err != nil {
		return nil, err
	}
	if raw, ok := f.has("Not"); ok {
		var sub map[string]json.RawMessage
		if json.Unmarshal(raw, &sub) != nil {
			return nil, f.errf("Not", "must be a rule object")
		}
		if r.not, err = loadRule(fields{raw: sub, state: f.state, prefix: f.prefix + "Not."}, false); err != nil {
			return nil, err
		}
	}
	kinds := 0
	for _, b := range []bool{r.and != nil, r.or != nil, r.not != nil, opName != ""} {
		if b {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, f.errf("Variable", "a rule needs exactly one of a comparator (with Variable), And, Or or Not")
	}
	if opName == "" {
		if _, ok := f.has("Variable"); ok {
			return nil, f.errf("Variable", "not allowed with And, Or or Not")
		}
		return r, nil
	}
	if err := loadComparison(f, r, opName); err != nil {
		return nil, err
	}
	return r, nil
}

// comparatorOf is the rule's one comparator field ("" when it has none).
func comparatorOf(f fields) (string, error) {
	var opName string
	for k := range f.raw {
		base := strings.TrimSuffix(k, "Path")
		if slices.Contains(comparators, k) || (k != base && slices.Contains(comparators, base) && !strings.HasPrefix(base, "Is") && base != "StringMatches") {
			if opName != "" {
				return "", f.errf(k, "a rule has exactly one comparator")
			}
			opName = k
		}
	}
	return opName, nil
}

// nestedRules reads the array of rules under name (And, Or); nil when absent.
func nestedRules(f fields, name string) ([]*rule, error) {
	if _, ok := f.has(name); !ok {
		return nil, nil
	}
	subs, err := f.objects(name, "must be a non-empty array of rules", true)
	if err != nil {
		return nil, err
	}
	var out []*rule
	for _, sf := range subs {
		sr, err := loadRule(sf, false)
		if err != nil {
			return nil, err
		}
		out = append(out, sr)
	}
	return out, nil
}

// loadComparison reads Variable and the comparator opName's operand (a
// value of the comparator's type, or a path for the ...Path forms) into r.
func loadComparison(f fields, r *rule, opName string) error {
	var v string
	if err := f.str("Variable", &v, true); err != nil {
		return err
	}
	var err error
	if r.variable, err = parsePath(v); err != nil {
		return f.errf("Variable", err.Error())
	}
	operand, err := decode(f.raw[opName])
	if err != nil {
		return f.errf(opName, "is not JSON")
	}
	r.op = opName
	if base, isPath := strings.CutSuffix(opName, "Path"); isPath && slices.Contains(comparators, base) {
		s, ok := operand.(string)
		if !ok {
			return f.errf(opName, "must be a path string")
		}
		if r.opPath, err = parsePath(s); err != nil {
			return f.errf(opName, err.Error())
		}
		r.op = base
		return nil
	}
	r.operand = operand
	ok := false
	switch {
	case strings.HasPrefix(r.op, "String"):
		_, ok = operand.(string)
	case strings.HasPrefix(r.op, "Numeric"):
		_, ok = operand.(json.Number)
	case strings.HasPrefix(r.op, "Timestamp"):
		var s string
		s, ok = operand.(string)
		if ok {
			r.operand, ok = parseTimestamp(s)
		}
	default: // BooleanEquals and the Is* tests
		_, ok = operand.(bool)
	}
	if !ok {
		return f.errf(opName, fmt.Sprintf("operand %s has the wrong type", abbrev(operand)))
	}
	return nil
}

func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// choose returns the Next of the first matching rule, or the default.
func (st *state) choose(data, ctxObj any) (string, *Error) {
	for _, r := range st.choices {
		ok, err := r.eval(data, ctxObj)
		if err != nil {
			return "", err
		}
		if ok {
			return r.next, nil
		}
	}
	if st.defaultNext != "" {
		return st.defaultNext, nil
	}
	return "", statesErr(ErrNoChoiceMatched, "no Choice rule matched and there is no Default in state %q", st.name)
}

func (r *rule) eval(data, ctxObj any) (bool, *Error) {
	switch {
	case r.and != nil:
		for _, s := range r.and {
			if ok, err := s.eval(data, ctxObj); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, s := range r.or {
			if ok, err := s.eval(data, ctxObj); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.eval(data, ctxObj)
		return !ok, err
	}
	v, verr := r.variable.get(data, ctxObj)
	if r.op == "IsPresent" {
		return (verr == nil) == r.operand.(bool), nil
	}
	if verr != nil {
		return false, statesErr(ErrRuntime, "Invalid path %q: %v", r.variable.src, verr)
	}
	if strings.HasPrefix(r.op, "Is") {
		want := r.operand.(bool)
		var is bool
		switch r.op {
		case "IsNull":
			is = v == nil
		case "IsNumeric":
			_, is = v.(json.Number)
		case "IsString":
			_, is = v.(string)
		case "IsBoolean":
			_, is = v.(bool)
		case "IsTimestamp":
			s, ok := v.(string)
			_, is = parseTimestamp(s)
			is = is && ok
		}
		return is == want, nil
	}
	operand := r.operand
	if r.opPath != nil {
		o, err := r.opPath.get(data, ctxObj)
		if err != nil {
			return false, statesErr(ErrRuntime, "Invalid path %q: %v", r.opPath.src, err)
		}
		operand = o
		if strings.HasPrefix(r.op, "Timestamp") {
			s, _ := o.(string)
			t, ok := parseTimestamp(s)
			if !ok {
				return false, nil
			}
			operand = t
		}
	}
	return compare(r.op, v, operand), nil
}

// compare applies a comparator; a value of the wrong type does not match.
func compare(op string, v, operand any) bool {
	suffix := ""
	for _, s := range []string{"GreaterThanEquals", "LessThanEquals", "GreaterThan", "LessThan", "Equals", "Matches"} {
		if strings.HasSuffix(op, s) {
			suffix = s
			break
		}
	}
	var c int
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		if suffix == "Matches" {
			return wildcardMatch(b, a)
		}
		c = strings.Compare(a, b)
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := toFloat(v)
		b, ok2 := toFloat(operand)
		if !ok1 || !ok2 {
			return false
		}
		c = cmpFloat(a, b)
	case strings.HasPrefix(op, "Boolean"):
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case strings.HasPrefix(op, "Timestamp"):
		s, ok := v.(string)
		a, ok1 := parseTimestamp(s)
		b, ok2 := operand.(time.Time)
		if !ok || !ok1 || !ok2 {
			return false
		}
		c = a.Compare(b)
	}
	switch suffix {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

func toFloat(v any) (float64, bool) { return asNumber(v, json.Number.Float64) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wildcardMatch implements StringMatches: * matches any run of characters,
// \* and \\ are literal.
func wildcardMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch {
	case pattern[0] == '*':
		for i := 0; i <= len(s); i++ {
			if wildcardMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case pattern[0] == '\\' && len(pattern) > 1:
		return s != "" && s[0] == pattern[1] && wildcardMatch(pattern[2:], s[1:])
	default:
		return s != "" && s[0] == pattern[0] && wildcardMatch(pattern[1:], s[1:])
	}
}
