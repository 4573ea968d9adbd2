package webui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/httpguard"
)

const (
	sessionCookie = "gas_session"
	csrfCookie    = "gas_csrf"
	oidcCookie    = "gas_oidc"
	maxFormBytes  = 64 << 10
	// multipart framing and the csrf field around the file.
	uploadOverhead = UploadOverhead
)

// UploadOverhead is what an upload's body may hold beyond the file itself:
// multipart framing and the csrf field.
const UploadOverhead = 64 << 10

// request is what the wrappers learned about a request before the handler runs.
type request struct {
	viewer *domain.Profile // nil when signed out
	csrf   string          // the form token for this browser
}

type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

func (s *Server) setSecurityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.setCSP(w, "")
	if s.secure(r) {
		// Browsers ignore HSTS over plain HTTP; over HTTPS it pins the site
		// to HTTPS for two years, subdomains included.
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// setCSP sets the Content-Security-Policy; uploadOrigin, if set, is the
// object store a page's form and script may post to (direct uploads).
func (s *Server) setCSP(w http.ResponseWriter, uploadOrigin string) {
	// Everything is served from here; inline scripts and styles are not used.
	// Browsers apply form-action to the redirect after a POST too, so with a
	// payment provider the subscribe form may lead to its (HTTPS) checkout page.
	formAction, connect := "'self'", "'self'"
	if s.cfg.Checkout != nil {
		formAction = "'self' https:"
	}
	if uploadOrigin != "" {
		formAction += " " + uploadOrigin
		connect += " " + uploadOrigin
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src "+connect+"; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action "+formAction)
}

func (s *Server) secure(r *http.Request) bool {
	return s.cfg.SecureCookies || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// prepare resolves the session and makes sure the browser has a CSRF seed.
func (s *Server) prepare(w http.ResponseWriter, r *http.Request) (*request, error) {
	rq := &request{}
	seed := cookieValue(r, csrfCookie)
	if seed == "" {
		seed = auth.RandomString(32)
		s.setCookie(w, r, csrfCookie, seed, 0)
		// Later code reading the request's cookies sees the same seed.
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: seed})
	}
	rq.csrf = s.cfg.Auth.CSRFToken(seed)
	if c := cookieValue(r, sessionCookie); c != "" {
		p, err := s.cfg.Auth.SessionUser(r.Context(), c)
		switch {
		case err == nil:
			rq.viewer = &p
		case errors.Is(err, domain.ErrUnauthorized):
			s.setCookie(w, r, sessionCookie, "", -1) // stale cookie: forget it
		default:
			return rq, err
		}
	}
	return rq, nil
}

// page wraps a handler of a GET page: errors render as HTML error pages.
func (s *Server) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.prepare(w, r)
		if err == nil {
			err = h(w, r, rq)
		}
		if err != nil {
			s.fail(w, r, rq, err)
		}
	}
}

// form wraps a handler of a urlencoded form POST: size limit and CSRF check first.
func (s *Server) form(h handler) http.HandlerFunc {
	return s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, httpguard.ErrSlowBody) {
				return public(err) // 413, 408 (statusOf)
			}
			return public(&statusError{http.StatusBadRequest, "malformed form: " + err.Error()})
		}
		if !s.cfg.Auth.ValidCSRF(cookieValue(r, csrfCookie), r.PostForm.Get("csrf")) {
			return errCSRF
		}
		return h(w, r, rq)
	})
}

// upload wraps the multipart upload: the CSRF token comes in a header
// (XMLHttpRequest) because the body is streamed, not parsed up front.
// The plain form without JavaScript sends it as the first field, which the
// handler checks (see readUpload).
func (s *Server) upload(h handler) http.HandlerFunc {
	return s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		r.Body = http.MaxBytesReader(w, r.Body, s.bodyLimit()+uploadOverhead)
		return h(w, r, rq)
	})
}

// signedIn sends signed-out visitors to the sign-in page and back.
func (s *Server) signedIn(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if rq.viewer == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return nil
		}
		return h(w, r, rq)
	}
}

// api wraps a JSON API handler: bearer token (or, for reads and CSRF-checked
// writes, the browser session), JSON errors.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.apiAuth(r)
		if err == nil {
			err = h(w, r, rq)
		}
		if err != nil {
			s.apiFail(w, r, err)
		}
	}
}

func (s *Server) apiAuth(r *http.Request) (*request, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, domain.ErrUnauthorized
		}
		p, err := s.cfg.Auth.TokenUser(ctx, strings.TrimSpace(tok))
		if err != nil {
			return nil, err
		}
		return &request{viewer: &p}, nil
	}
	c := cookieValue(r, sessionCookie)
	if c == "" {
		return nil, domain.ErrUnauthorized
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead &&
		!s.cfg.Auth.ValidCSRF(cookieValue(r, csrfCookie), r.Header.Get("X-CSRF-Token")) {
		return nil, errCSRF
	}
	p, err := s.cfg.Auth.SessionUser(ctx, c)
	if err != nil {
		return nil, err
	}
	return &request{viewer: &p}, nil
}

// fail renders err as an HTML error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	status := statusOf(err)
	s.logError(r, status, err)
	setRetryAfter(w, err)
	if rq == nil {
		rq = &request{}
	}
	s.render(w, r, rq, status, "error", "Error", errorPage{Status: status, Title: http.StatusText(status), Message: messageOf(err, status)})
}

type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
	// Upgrade is where a free user over the cap can become premium.
	Upgrade    string `json:"upgrade,omitempty"`
	LimitBytes int64  `json:"limit_bytes,omitempty"`
}

func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	s.logError(r, status, err)
	body := apiError{Error: messageOf(err, status), Status: status}
	setRetryAfter(w, err)
	var le *domain.LimitError
	if errors.As(err, &le) && le.Role == domain.RoleFree {
		body.Upgrade = "POST /api/v1/account/upgrade (or /subscribe in the portal) raises the limit to the premium one"
	}
	var tl *tooLargeError
	if errors.As(err, &tl) {
		body.LimitBytes = tl.limit
		if tl.upgradable {
			body.Upgrade = "POST /api/v1/account/upgrade (or /subscribe in the portal) raises the limit to the premium one"
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gas"`)
	}
	writeJSON(w, status, body)
}

func (s *Server) logError(r *http.Request, status int, err error) {
	if status >= 500 {
		s.cfg.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	} else {
		s.cfg.Log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := getBuf()
	defer putBuf(buf)
	// compact: lists are read by programs (pipe through jq to read)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		// Only a value this package built can get here (an invalid raw summary, say).
		buf.Reset()
		status = http.StatusInternalServerError
		fmt.Fprintf(buf, `{"error":"internal error","status":%d}`+"\n", status)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// recoverPanic turns a handler panic into a 500 page instead of a dropped connection.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v) // the server's own signal to drop the connection
	}
	s.cfg.Log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	err := errors.New("internal error")
	if isAPI(r) {
		s.apiFail(w, r, err)
		return
	}
	s.fail(w, r, nil, err)
}

// unrouted answers a request no pattern matched: our own 404 or 405 page
// (the mux's plain-text ones would break the look and the JSON contract).
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	var err error = errNoRoute
	switch rec.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.header.Get("Allow"))
		err = errMethod
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound:
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		return
	}
	if isAPI(r) {
		s.apiFail(w, r, err)
		return
	}
	rq, _ := s.prepare(w, r)
	s.fail(w, r, rq, err)
}

// headerRecorder keeps only the status and headers the mux's fallback writes.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.header }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(status int)      { h.status = status }

// clientKey identifies the caller for rate limiting.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
