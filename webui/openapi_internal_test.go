package webui

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/variants"
)

// TestOpenAPISchemasMatchTheJSON: each schema of the OpenAPI document names
// exactly the fields the API writes for its Go type, so a field added to a
// response (or dropped) without the document fails here.
func TestOpenAPISchemasMatchTheJSON(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{
		"Job":         jobJSON{},
		"JobLinks":    jobLinks{},
		"JobList":     jobListJSON{},
		"Account":     accountJSON{},
		"History":     historyJSON{},
		"RunOptions":  domain.RunOptions{},
		"VariantRow":  variants.Row{},
		"VariantPage": variants.Page{},
	} {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		var documented []string
		for p := range s.Properties {
			documented = append(documented, p)
		}
		slices.Sort(documented)
		written := jsonFields(reflect.TypeOf(v))
		if !slices.Equal(documented, written) {
			t.Errorf("schema %s names %v; the API writes %v", name, documented, written)
		}
	}
}

// jsonFields lists the JSON names encoding/json writes for struct type t.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case !f.IsExported() || name == "-":
			continue
		case name == "":
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
