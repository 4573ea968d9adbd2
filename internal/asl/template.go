package asl

import (
	"fmt"
	"strings"
)

// A template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): static JSON in which every field whose name ends in ".$"
// takes its value from a path or an intrinsic function.
type template struct {
	static any                  // a value without dynamic fields
	fields map[string]*template // object: field name (without .$) -> template
	array  []*template
	expr   evaluator // a .$ field's value
}

type evaluator interface {
	eval(data, ctxObj any) (any, error)
}

func (p *path) eval(data, ctxObj any) (any, error) { return p.get(data, ctxObj) }

func compileTemplate(v any, where string) (*template, error) {
	switch t := v.(type) {
	case map[string]any:
		out := &template{fields: map[string]*template{}}
		for _, k := range sortedKeys(t) {
			val := t[k]
			name, dynamic := strings.CutSuffix(k, ".$")
			if _, dup := out.fields[name]; dup {
				return nil, fmt.Errorf("%s: field %q given both with and without .$", where, name)
			}
			if !dynamic {
				sub, err := compileTemplate(val, where+"."+k)
				if err != nil {
					return nil, err
				}
				out.fields[name] = sub
				continue
			}
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("%s: field %q ends in .$, so its value must be a path or intrinsic function string", where, k)
			}
			e, err := compileExpr(s)
			if err != nil {
				return nil, fmt.Errorf("%s: field %q: %w", where, k, err)
			}
			out.fields[name] = &template{expr: e}
		}
		return out, nil
	case []any:
		out := &template{array: []*template{}}
		for i, el := range t {
			sub, err := compileTemplate(el, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			out.array = append(out.array, sub)
		}
		return out, nil
	default:
		return &template{static: v}, nil
	}
}

// compileExpr compiles the value of a .$ field: a path or an intrinsic.
func compileExpr(s string) (evaluator, error) {
	if strings.HasPrefix(s, "$") {
		return parsePath(s)
	}
	if strings.HasPrefix(s, "States.") {
		return parseIntrinsic(s)
	}
	return nil, fmt.Errorf("%q is neither a path nor an intrinsic function", s)
}

func (t *template) apply(data, ctxObj any) (any, error) {
	switch {
	case t.expr != nil:
		return t.expr.eval(data, ctxObj)
	case t.fields != nil:
		out := make(map[string]any, len(t.fields))
		for k, sub := range t.fields {
			v, err := sub.apply(data, ctxObj)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case t.array != nil:
		return evalEach(t.array, func(sub *template) (any, error) { return sub.apply(data, ctxObj) })
	default:
		return t.static, nil
	}
}

// evalEach evaluates the elements of xs in order; the first error stops it.
func evalEach[T any](xs []T, eval func(T) (any, error)) ([]any, error) {
	out := make([]any, len(xs))
	for i, x := range xs {
		v, err := eval(x)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
