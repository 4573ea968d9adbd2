package webui_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsEveryRoute compares the routes server.go registers
// under /api/v1 with the served OpenAPI document: every route documented,
// every documented operation a route.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, m := range regexp.MustCompile(`HandleFunc\("([A-Z]+) (/api/v1/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		routes = append(routes, m[1]+" "+m[2])
	}
	h := newHarness(t)
	r := h.api("GET", "/api/v1/openapi.json", "", nil, "") // no token needed
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v %q", err, doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	if len(routes) < 10 || !slices.Equal(routes, documented) {
		t.Fatalf("routes and document differ:\nroutes:     %v\ndocumented: %v", routes, documented)
	}
	b := h.browser()
	p := b.get("/docs/api")
	if p.status != 200 || !strings.Contains(p.body, `href="/api/v1/openapi.json"`) || !strings.Contains(p.body, `<a href="/docs/api">API</a>`) {
		t.Errorf("docs page: %d", p.status)
	}
	for _, r := range routes { // the page lists every call
		if !strings.Contains(p.body, "<code>"+r+"</code>") {
			t.Errorf("the docs page does not list %s", r)
		}
	}
}
