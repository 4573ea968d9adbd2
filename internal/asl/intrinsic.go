package asl

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// intrinsic is a parsed call of one of the States.* intrinsic functions.
type intrinsic struct {
	name string
	args []evaluator
}

type literal struct{ v any }

func (l literal) eval(any, any) (any, error) { return l.v, nil }

// arity gives the allowed argument counts of each supported function (-1: any).
var intrinsics = map[string][2]int{
	"States.Format":       {1, -1},
	"States.StringToJson": {1, 1},
	"States.JsonToString": {1, 1},
	"States.Array":        {0, -1},
	"States.ArrayLength":  {1, 1},
	"States.ArrayGetItem": {2, 2},
	"States.MathAdd":      {2, 2},
	"States.UUID":         {0, 0},
}

func parseIntrinsic(s string) (*intrinsic, error) {
	p := &intrinsicParser{src: s}
	call, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("intrinsic %q: %w", s, err)
	}
	if p.pos != len(s) {
		return nil, fmt.Errorf("intrinsic %q: unexpected %q after the call", s, s[p.pos:])
	}
	return call, nil
}

type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *intrinsicParser) call() (*intrinsic, error) {
	open := strings.IndexByte(p.src[p.pos:], '(')
	if open < 0 {
		return nil, fmt.Errorf("missing (")
	}
	name := p.src[p.pos : p.pos+open]
	arity, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("%s is not a supported intrinsic function", name)
	}
	p.pos += open + 1
	c := &intrinsic{name: name}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			arg, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, arg)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, fmt.Errorf("missing )")
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if p.src[p.pos] != ',' {
				return nil, fmt.Errorf("expected , or ) at %q", p.src[p.pos:])
			}
			p.pos++
		}
	}
	if len(c.args) < arity[0] || (arity[1] >= 0 && len(c.args) > arity[1]) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arityText(arity), len(c.args))
	}
	if name == "States.Format" {
		if _, ok := c.args[0].(literal); !ok {
			return nil, fmt.Errorf("States.Format: the template must be a string literal")
		}
	}
	return c, nil
}

func arityText(a [2]int) string {
	switch {
	case a[1] < 0:
		return fmt.Sprintf("at least %d", a[0])
	case a[0] == a[1]:
		return strconv.Itoa(a[0])
	default:
		return fmt.Sprintf("%d to %d", a[0], a[1])
	}
}

func (p *intrinsicParser) arg() (evaluator, error) {
	rest := p.src[p.pos:]
	switch {
	case rest == "":
		return nil, fmt.Errorf("missing argument")
	case rest[0] == '\'':
		var b strings.Builder
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				if i+1 >= len(rest) {
					return nil, fmt.Errorf("dangling \\ in string")
				}
				i++
				if rest[i] == '{' || rest[i] == '}' {
					b.WriteByte('\\') // kept for States.Format, which treats \{ \} as literal braces
				}
				b.WriteByte(rest[i])
			case '\'':
				p.pos += i + 1
				return literal{b.String()}, nil
			default:
				b.WriteByte(rest[i])
			}
		}
		return nil, fmt.Errorf("unterminated string")
	case strings.HasPrefix(rest, "States."):
		return p.call()
	case rest[0] == '$':
		end := p.pathEnd(rest)
		path, err := parsePath(rest[:end])
		if err != nil {
			return nil, err
		}
		p.pos += end
		return path, nil
	default:
		end := strings.IndexAny(rest, ",)")
		if end < 0 {
			end = len(rest)
		}
		tok := strings.TrimSpace(rest[:end])
		var v any
		switch tok {
		case "true":
			v = true
		case "false":
			v = false
		case "null":
			v = nil
		default:
			if _, err := strconv.ParseFloat(tok, 64); err != nil {
				return nil, fmt.Errorf("argument %q is not a string, number, boolean, null, path or call", tok)
			}
			v = json.Number(tok)
		}
		p.pos += end
		return literal{v}, nil
	}
}

// pathEnd finds where a path argument ends: at a , or ) outside brackets.
func (p *intrinsicParser) pathEnd(rest string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ' '):
			return i
		}
	}
	return len(rest)
}

func (c *intrinsic) eval(data, ctxObj any) (any, error) {
	args, err := evalEach(c.args, func(a evaluator) (any, error) { return a.eval(data, ctxObj) })
	if err != nil {
		return nil, err
	}
	v, err := c.apply(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return v, nil
}

func (c *intrinsic) apply(args []any) (any, error) {
	switch c.name {
	case "States.Format":
		return format(args[0].(string), args[1:])
	case "States.StringToJson":
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("argument is %s, not a string", abbrev(args[0]))
		}
		v, err := decode([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("argument is not JSON: %w", err)
		}
		return v, nil
	case "States.JsonToString":
		return string(encode(args[0])), nil
	case "States.Array":
		return append([]any{}, args...), nil
	case "States.ArrayLength":
		a, ok := args[0].([]any)
		if !ok {
			return nil, fmt.Errorf("argument is %s, not an array", abbrev(args[0]))
		}
		return json.Number(strconv.Itoa(len(a))), nil
	case "States.ArrayGetItem":
		a, ok := args[0].([]any)
		i, iok := toInt(args[1])
		if !ok || !iok || i < 0 || i >= int64(len(a)) {
			return nil, fmt.Errorf("no item %s in %s", abbrev(args[1]), abbrev(args[0]))
		}
		return a[i], nil
	case "States.MathAdd":
		a, aok := toInt(args[0])
		b, bok := toInt(args[1])
		if !aok || !bok {
			return nil, fmt.Errorf("arguments %s and %s must be integers", abbrev(args[0]), abbrev(args[1]))
		}
		return json.Number(strconv.FormatInt(a+b, 10)), nil
	case "States.UUID":
		var u [16]byte
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]), nil
	}
	return nil, fmt.Errorf("not implemented") // unreachable: parseIntrinsic checks names
}

func toInt(v any) (int64, bool) { return asNumber(v, json.Number.Int64) }

// asNumber is v, a JSON number, converted by conv; false if v is not a
// number or conv fails.
func asNumber[T int64 | float64](v any, conv func(json.Number) (T, error)) (T, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	x, err := conv(n)
	return x, err == nil
}

// format fills each {} of tmpl with the next argument; \{ and \} are literal braces.
func format(tmpl string, args []any) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		switch {
		case tmpl[i] == '\\' && i+1 < len(tmpl):
			i++
			b.WriteByte(tmpl[i])
		case strings.HasPrefix(tmpl[i:], "{}"):
			if next >= len(args) {
				return "", fmt.Errorf("template %q has more {} than arguments", tmpl)
			}
			switch v := args[next].(type) {
			case string:
				b.WriteString(v)
			case map[string]any, []any:
				return "", fmt.Errorf("argument %d is %s; only strings, numbers, booleans and null can be formatted", next+1, abbrev(v))
			default:
				b.Write(encode(v))
			}
			next++
			i++
		default:
			b.WriteByte(tmpl[i])
		}
	}
	if next != len(args) {
		return "", fmt.Errorf("template %q has %d {} for %d arguments", tmpl, next, len(args))
	}
	return b.String(), nil
}
