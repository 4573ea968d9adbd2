package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A path is a parsed JSONPath as ASL uses it: "$" (state data) or "$$"
// (context object) followed by fields, indexes and [*] wildcards. Filters,
// slices and recursive descent are rejected at load time.
type path struct {
	src     string
	context bool // $$
	segs    []segment
}

type segment struct {
	field    string
	index    int
	isIndex  bool
	wildcard bool
}

func parsePath(s string) (*path, error) {
	p := &path{src: s}
	rest := s
	switch {
	case strings.HasPrefix(s, "$$"):
		p.context, rest = true, s[2:]
	case strings.HasPrefix(s, "$"):
		rest = s[1:]
	default:
		return nil, fmt.Errorf("path %q must start with $", s)
	}
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			return nil, fmt.Errorf("path %q: recursive descent (..) is not supported", s)
		case strings.HasPrefix(rest, ".*"):
			p.segs = append(p.segs, segment{wildcard: true})
			rest = rest[2:]
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, fmt.Errorf("path %q: empty field name", s)
			}
			p.segs = append(p.segs, segment{field: name})
			rest = rest[1+end:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", s)
			}
			inner := rest[1:end]
			switch {
			case inner == "*":
				p.segs = append(p.segs, segment{wildcard: true})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				p.segs = append(p.segs, segment{field: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("path %q: [%s] is not supported (only [n], [*] and ['name'])", s, inner)
				}
				p.segs = append(p.segs, segment{index: n, isIndex: true})
			}
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", s, rest)
		}
	}
	return p, nil
}

// parseReferencePath parses a path that names one node (ResultPath, ItemsPath...).
func parseReferencePath(s string) (*path, error) {
	p, err := parsePath(s)
	if err != nil {
		return nil, err
	}
	if p.context {
		return nil, fmt.Errorf("path %q: the context object is not allowed here", s)
	}
	for _, sg := range p.segs {
		if sg.wildcard {
			return nil, fmt.Errorf("path %q: a reference path cannot use wildcards", s)
		}
	}
	return p, nil
}

func (p *path) definite() bool {
	for _, sg := range p.segs {
		if sg.wildcard {
			return false
		}
	}
	return true
}

// get evaluates p against data (or ctxObj for $$). A definite path yields its
// one value; a path with wildcards yields the array of matches.
func (p *path) get(data, ctxObj any) (any, error) {
	root := data
	if p.context {
		root = ctxObj
	}
	if p.definite() {
		cur := root
		for _, sg := range p.segs {
			next, ok := step(cur, sg)
			if !ok {
				return nil, fmt.Errorf("the JSONPath %q could not be found in the input %s", p.src, abbrev(data))
			}
			cur = next
		}
		return cur, nil
	}
	cur := []any{root}
	for _, sg := range p.segs {
		var next []any
		for _, v := range cur {
			if sg.wildcard {
				switch t := v.(type) {
				case []any:
					next = append(next, t...)
				case map[string]any:
					for _, k := range sortedKeys(t) {
						next = append(next, t[k])
					}
				}
				continue
			}
			if n, ok := step(v, sg); ok {
				next = append(next, n)
			}
		}
		cur = next
	}
	if cur == nil {
		cur = []any{}
	}
	return cur, nil
}

func step(v any, sg segment) (any, bool) {
	if sg.isIndex {
		a, ok := v.([]any)
		if !ok || sg.index >= len(a) {
			return nil, false
		}
		return a[sg.index], true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	n, ok := m[sg.field]
	return n, ok
}

// set returns data with the node at reference path p replaced by val,
// creating missing objects on the way (ResultPath semantics). data is copied
// along the path, never mutated.
func (p *path) set(data, val any) (any, error) {
	return setAt(data, p.segs, val, p.src)
}

func setAt(cur any, segs []segment, val any, src string) (any, error) {
	if len(segs) == 0 {
		return val, nil
	}
	sg := segs[0]
	if sg.isIndex {
		a, ok := cur.([]any)
		if !ok || sg.index >= len(a) {
			return nil, fmt.Errorf("unable to apply ResultPath %q: index %d does not exist", src, sg.index)
		}
		child, err := setAt(a[sg.index], segs[1:], val, src)
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), a...)
		out[sg.index] = child
		return out, nil
	}
	var m map[string]any
	switch t := cur.(type) {
	case map[string]any:
		m = t
	case nil:
		m = map[string]any{}
	default:
		return nil, fmt.Errorf("unable to apply ResultPath %q: %s is not an object", src, abbrev(cur))
	}
	child, err := setAt(m[sg.field], segs[1:], val, src)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[sg.field] = child
	return out, nil
}

// decode parses JSON keeping numbers exact.
func decode(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func encode(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Values come from decode or from this package: always encodable.
		panic(fmt.Sprintf("asl: encode %T: %v", v, err))
	}
	return b
}

func abbrev(v any) string {
	s := string(encode(v))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
