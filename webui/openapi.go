package webui

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of /api/v1, checked against the routes
// by TestOpenAPIDocumentsEveryRoute.
//
//go:embed openapi.json
var openAPI []byte

// apiDocument answers GET /api/v1/openapi.json (no sign-in needed).
func apiDocument(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

// apiDocs is the page the footer links: what the API offers, and its document.
func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "apidocs", "The JSON API", nil)
	return nil
}
