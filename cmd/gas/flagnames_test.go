package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFlagValueNames: a flag's usage names its value with a back-quoted
// word (flag.UnquoteUsage), shown in -h as "-data DIR". A back-quoted phrase
// such as `gas serve` would be shown as the value's name instead
// ("-data gas serve"), so every back-quoted part of a usage in this command
// must be one word.
func TestFlagValueNames(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	word := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)
	fset := token.NewFileSet()
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !isFlagDefiner(sel.Sel.Name) {
				return true
			}
			lit, ok := call.Args[len(call.Args)-1].(*ast.BasicLit) // a usage built by + is not checked
			if !ok || lit.Kind != token.STRING {
				return true
			}
			usage, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			checked++
			if parts := strings.Split(usage, "`"); len(parts) >= 3 && !word.MatchString(parts[1]) {
				t.Errorf("%s: the usage %q names the flag's value %q: back-quote one word", fset.Position(lit.Pos()), usage, parts[1])
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("checked %d flag usages: the scan missed the flag definitions", checked)
	}
}

func isFlagDefiner(name string) bool {
	switch name {
	case "String", "StringVar", "Int", "IntVar", "Int64", "Int64Var", "Uint", "UintVar", "Bool", "BoolVar",
		"Duration", "DurationVar", "Float64", "Float64Var", "Var", "Func", "BoolFunc", "TextVar":
		return true
	}
	return false
}
