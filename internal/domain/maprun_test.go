package domain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCutChildren(t *testing.T) {
	// kids parses "a:S b:F ..." (name:status initial) into children, oldest first.
	kids := func(s string) []Execution {
		status := map[byte]string{'S': ExecSucceeded, 'F': ExecFailed, 'T': ExecTimedOut, 'A': ExecAborted, 'R': ExecRunning}
		var out []Execution
		for _, f := range strings.Fields(s) {
			name, st, _ := strings.Cut(f, ":")
			out = append(out, Execution{Name: name, Status: status[st[0]]})
		}
		return out
	}
	tests := []struct {
		in      string
		limit   int
		want    string
		wantCut bool
	}{
		{"a:S b:F c:S", 0, "a b c", false},
		{"a:S b:F c:S", 3, "a b c", false},
		{"a:F b:S c:T d:S e:R f:S", 2, "a c e f", true},
		{"a:F b:F c:F d:S e:S", 1, "c e", true},   // the newest failure of each status, then the newest
		{"a:A b:S c:S d:A e:S", 2, "a d e", true}, // aborted, up to the limit
	}
	for _, tc := range tests {
		got, cut := CutChildren(kids(tc.in), tc.limit)
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, strings.Fields(tc.want)) || cut != tc.wantCut {
			t.Errorf("CutChildren(%q, %d) = %v %v, want %q %v", tc.in, tc.limit, names, cut, tc.want, tc.wantCut)
		}
	}
	l := MapRunListing{Counts: CountChildren(kids("a:S b:F c:S d:R"))}
	if l.Started() != 4 || fmt.Sprint(l.Counts) != "map[FAILED:1 RUNNING:1 SUCCEEDED:2]" {
		t.Errorf("counts %v, started %d", l.Counts, l.Started())
	}
}
