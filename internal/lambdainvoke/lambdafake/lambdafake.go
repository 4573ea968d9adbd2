// Package lambdafake is an in-process AWS Lambda for tests: an http.Handler
// speaking Lambda's Invoke REST API (POST /2015-03-31/functions/<name>/
// invocations) for functions a test registers as Go handlers.
// RequestResponse runs the handler at once and answers its result or its
// error (X-Amz-Function-Error); Event queues the payload and answers 202,
// and RunQueued runs the queue when the test says, as Lambda would a little
// later.
package lambdafake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Handler is a function's code: the payload in, the result out.
type Handler func(ctx context.Context, payload []byte) (any, error)

// Invocation is one call the fake received.
type Invocation struct {
	Function, Type string // Type: RequestResponse or Event
	Payload        []byte
}

// Server is the fake.
type Server struct {
	mu        sync.Mutex
	functions map[string]Handler
	calls     []Invocation
	queued    []Invocation
}

// New returns a fake serving the given functions by name.
func New(functions map[string]Handler) *Server {
	return &Server{functions: functions}
}

// Calls are the invocations received so far, in order.
func (s *Server) Calls() []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invocation(nil), s.calls...)
}

// RunQueued runs the queued Event invocations and returns their errors.
func (s *Server) RunQueued(ctx context.Context) []error {
	s.mu.Lock()
	queued := s.queued
	s.queued = nil
	s.mu.Unlock()
	var errs []error
	for _, inv := range queued {
		_, err := s.functions[inv.Function](ctx, inv.Payload)
		errs = append(errs, err)
	}
	return errs
}

// ServeHTTP answers Invoke.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 {
		writeErr(w, http.StatusNotFound, "UnknownOperationException", "not an Invoke request")
		return
	}
	name, _ = url.PathUnescape(name)
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	typ := r.Header.Get("X-Amz-Invocation-Type")
	if typ == "" {
		typ = "RequestResponse"
	}
	s.mu.Lock()
	h, known := s.functions[name]
	if known {
		s.calls = append(s.calls, Invocation{Function: name, Type: typ, Payload: payload})
	}
	if known && typ == "Event" {
		s.queued = append(s.queued, Invocation{Function: name, Type: typ, Payload: payload})
	}
	s.mu.Unlock()
	switch {
	case !known:
		writeErr(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
	case typ == "Event":
		w.WriteHeader(http.StatusAccepted)
	case typ == "RequestResponse":
		out, err := h(r.Context(), payload)
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		if err != nil {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "error"})
			return
		}
		json.NewEncoder(w).Encode(out)
	default:
		writeErr(w, http.StatusBadRequest, "InvalidParameterValueException", "invocation type "+typ)
	}
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
