package statemachines

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestDefinitionsAreJSONWithDeclaredPlaceholders(t *testing.T) {
	for _, name := range Names() {
		def, err := Definition(name)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(def) {
			t.Fatalf("%s: not JSON", name)
		}
		got, err := Placeholders(name)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range Functions[name] {
			want = append(want, f.Placeholder)
		}
		want = append(want, Buckets[name]...)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s placeholders = %v, Functions declares %v", name, got, want)
		}
	}
	if _, err := Definition("nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown machine: %v", err)
	}
}

func TestSubstitute(t *testing.T) {
	def := []byte(`{"a": "${One}", "b": "x-${Two}-y", "c": "${One}"}`)
	tests := []struct {
		name    string
		subs    map[string]string
		want    string
		wantErr string
	}{
		{"all", map[string]string{"One": "1", "Two": "arn:aws:lambda:eu-west-1:1:function:f", "Unused": "z"},
			`{"a": "1", "b": "x-arn:aws:lambda:eu-west-1:1:function:f-y", "c": "1"}`, ""},
		{"escapes quotes", map[string]string{"One": `q"q`, "Two": `b\s`}, `{"a": "q\"q", "b": "x-b\\s-y", "c": "q\"q"}`, ""},
		{"missing", map[string]string{"One": "1"}, "", "no value for Two"},
		{"none", nil, "", "no value for One, Two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Substitute(def, tt.subs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestLocalDefinitionNamesHandlers(t *testing.T) {
	for _, name := range Names() {
		def, err := LocalDefinition(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(def), "${") {
			t.Errorf("%s: placeholder left", name)
		}
		for _, f := range Functions[name] {
			if !strings.Contains(string(def), `"FunctionName": "`+f.Name+`"`) {
				t.Errorf("%s: FunctionName %q not found", name, f.Name)
			}
		}
	}
}

func TestErrorMessage(t *testing.T) {
	for cause, want := range map[string]string{
		`{"errorMessage":"line 3: bad REF","errorType":"InvalidInputError"}`: "line 3: bad REF",
		"Task timed out after 900 seconds":                                   "Task timed out after 900 seconds",
		`{"other":1}`:                                                        `{"other":1}`,
		"":                                                                   "",
	} {
		if got := ErrorMessage(cause); got != want {
			t.Errorf("ErrorMessage(%q) = %q, want %q", cause, got, want)
		}
	}
}
