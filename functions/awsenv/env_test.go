package awsenv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

func TestEveryWorkflowTaskHasExactlyOneBinary(t *testing.T) {
	served := map[string]string{}
	handlers := tasks.New(nil, nil, nil, nil, nil, tasks.Config{}).Handlers()
	for bin, names := range TaskBinaries {
		if _, err := os.Stat(filepath.Join("..", bin, "main.go")); err != nil {
			t.Errorf("binary %s has no functions/%s/main.go", bin, bin)
		}
		for _, n := range names {
			if other, dup := served[n]; dup {
				t.Errorf("task %s is served by both %s and %s", n, other, bin)
			}
			served[n] = bin
			if _, ok := handlers[n]; !ok {
				t.Errorf("binary %s lists %s, which internal/tasks does not handle", bin, n)
			}
		}
	}
	for _, m := range statemachines.Names() {
		for _, f := range statemachines.Functions[m] {
			if _, ok := served[f.Name]; !ok {
				t.Errorf("state machine %s calls %s (${%s}), which no binary serves", m, f.Name, f.Placeholder)
			}
		}
	}
}

func TestLookupReportsTheFirstProblem(t *testing.T) {
	env := map[string]string{"A": "x", "N": "12", "BAD": "1.5"}
	l := &Lookup{Getenv: func(k string) string { return env[k] }}
	if l.String("A") != "x" || l.Int("N") != 12 || l.Optional("MISSING") != "" || l.Err() != nil {
		t.Fatalf("good values: err %v", l.Err())
	}
	l.Int("BAD")
	l.String("MISSING")
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), "BAD") {
		t.Errorf("err = %v, want the malformed BAD first", err)
	}
	if !slices.Contains(TaskBinaries["notify"], "notify-failed") {
		t.Error("notify binary lost notify-failed")
	}
}
