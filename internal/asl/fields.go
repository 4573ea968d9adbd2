package asl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// fields reads the members of one JSON object of the definition, with
// errors that name the state and field.
type fields struct {
	raw    map[string]json.RawMessage
	state  string
	prefix string
}

func (f fields) errf(field, msg string) error {
	return &LoadError{State: f.state, Field: f.prefix + field, Msg: msg}
}

func (f fields) has(name string) (json.RawMessage, bool) {
	v, ok := f.raw[name]
	return v, ok
}

func (f fields) only(allowed ...string) error {
	var unknown []string
	for k := range f.raw {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return f.errf(unknown[0], "unknown or unsupported field")
	}
	return nil
}

func (f fields) str(name string, dst *string, required bool) error {
	raw, ok := f.raw[name]
	if !ok {
		if required {
			return f.errf(name, "missing")
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return f.errf(name, "must be a string")
	}
	if required && *dst == "" {
		return f.errf(name, "must not be empty")
	}
	return nil
}

// exactly reads the required string name, which must be want; msg says
// what is supported otherwise.
func (f fields) exactly(name, want, msg string) error {
	var s string
	if err := f.str(name, &s, true); err != nil {
		return err
	}
	if s != want {
		return f.errf(name, msg)
	}
	return nil
}

// object reads the member name (which must be there) as a nested object
// that may hold only the allowed fields.
func (f fields) object(name string, allowed ...string) (fields, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(f.raw[name], &raw); err != nil {
		return fields{}, f.errf(name, "must be an object")
	}
	sub := fields{raw: raw, state: f.state, prefix: f.prefix + name + "."}
	return sub, sub.only(allowed...)
}

// objects reads the member name (which must be there) as an array of
// objects, one fields each; msg is the error for anything else, and for an
// empty array when nonEmpty.
func (f fields) objects(name, msg string, nonEmpty bool) ([]fields, error) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(f.raw[name], &raw); err != nil || nonEmpty && len(raw) == 0 {
		return nil, f.errf(name, msg)
	}
	out := make([]fields, len(raw))
	for i, r := range raw {
		out[i] = fields{raw: r, state: f.state, prefix: fmt.Sprintf("%s%s[%d].", f.prefix, name, i)}
	}
	return out, nil
}

func (f fields) number(name string, dst *float64, min float64, integer bool) error {
	raw, ok := f.raw[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil || *dst < min || (integer && *dst != float64(int64(*dst))) {
		kind := "a number"
		if integer {
			kind = "an integer"
		}
		return f.errf(name, fmt.Sprintf("must be %s >= %g", kind, min))
	}
	return nil
}

func (f fields) optPath(name string, reference bool) (optPath, error) {
	raw, ok := f.raw[name]
	if !ok {
		return optPath{}, nil
	}
	if string(raw) == "null" {
		return optPath{null: true}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return optPath{}, f.errf(name, "must be a path string or null")
	}
	var p *path
	var err error
	if reference {
		p, err = parseReferencePath(s)
	} else {
		p, err = parsePath(s)
	}
	if err != nil {
		return optPath{}, f.errf(name, err.Error())
	}
	return optPath{p: p}, nil
}

func (f fields) template(name string) (*template, error) {
	raw, ok := f.raw[name]
	if !ok {
		return nil, nil
	}
	v, err := decode(raw)
	if err != nil {
		return nil, f.errf(name, "is not JSON")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, f.errf(name, "must be an object")
	}
	t, err := compileTemplate(v, name)
	if err != nil {
		return nil, &LoadError{State: f.state, Field: f.prefix + name, Msg: err.Error()}
	}
	return t, nil
}

func (f fields) errorEquals(last bool) ([]string, error) {
	raw, ok := f.raw["ErrorEquals"]
	var names []string
	if !ok || json.Unmarshal(raw, &names) != nil || len(names) == 0 {
		return nil, f.errf("ErrorEquals", "must be a non-empty array of error names")
	}
	if slices.Contains(names, ErrAll) && (len(names) > 1 || !last) {
		return nil, f.errf("ErrorEquals", "States.ALL must be the only name, in the last retrier or catcher")
	}
	for _, n := range names {
		if strings.HasPrefix(n, "States.") && !slices.Contains(knownErrors, n) {
			return nil, f.errf("ErrorEquals", fmt.Sprintf("%q is not a States error name", n))
		}
	}
	return names, nil
}
