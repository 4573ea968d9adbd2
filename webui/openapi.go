package webui

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// openAPI is the OpenAPI 3 document of /api/v1, checked against the routes
// by TestOpenAPIDocumentsEveryRoute, its schemas against the Go types by
// TestOpenAPISchemasMatchTheJSON.
//
//go:embed openapi.json
var openAPI []byte

// apiDocument answers GET /api/v1/openapi.json (no sign-in needed).
func apiDocument(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

// apiDocs is the page the footer links: what the API offers (every
// operation of the document, with its summary), and the document.
func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "apidocs", "The JSON API", apiOps())
	return nil
}

// apiOp is one operation of the document, as the docs page lists it.
type apiOp struct{ Method, Path, Summary string }

// apiOps are the document's operations, by path, then method (GET, PUT,
// POST, PATCH, DELETE), read on first use: not at the start of every gas
// command (the document is 25 KB of JSON).
var apiOps = sync.OnceValue(func() []apiOp {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		panic("webui: openapi.json: " + err.Error())
	}
	var ops []apiOp
	for path, methods := range doc.Paths {
		for _, m := range []string{"get", "put", "post", "patch", "delete"} {
			raw, ok := methods[m]
			if !ok {
				continue
			}
			var op struct {
				Summary string `json:"summary"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				panic("webui: openapi.json: " + m + " " + path + ": " + err.Error())
			}
			ops = append(ops, apiOp{strings.ToUpper(m), path, op.Summary})
		}
	}
	slices.SortStableFunc(ops, func(a, b apiOp) int { return strings.Compare(a.Path, b.Path) })
	return ops
})
