package webui

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

type homePage struct {
	MaxUpload int64
	Retention string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "home", "Genomics Annotation Service",
		homePage{MaxUpload: s.maxUpload, Retention: formatDuration(s.cfg.Service.Config().Retention)})
	return nil
}

type authPage struct {
	Next     string
	Email    string
	Name     string
	Inst     string
	Error    string
	OIDC     bool
	OIDCName string
	MinPass  int
}

func (s *Server) authPage(r *http.Request) authPage {
	name := s.cfg.OIDCName
	if name == "" {
		name = "single sign-on"
	}
	return authPage{Next: safeNext(r.FormValue("next")), OIDC: s.cfg.OIDC != nil, OIDCName: name, MinPass: auth.MinPasswordLen}
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "signup", "Sign up", s.authPage(r))
	return nil
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "signin", "Sign in", s.authPage(r))
	return nil
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, rq *request) error {
	email := r.PostForm.Get("email")
	p, err := s.cfg.Auth.SignIn(r.Context(), email, r.PostForm.Get("password"), clientKey(r))
	if err != nil {
		page := s.authPage(r)
		page.Email = email
		return s.refuse(w, r, rq, err, "signin", "Sign in", page)
	}
	return s.startSession(w, r, p, safeNext(r.PostForm.Get("next")))
}

// refuse shows a sign-in, sign-up or reset form again with err's message
// and status, keeping what was typed (in page); a server error is returned.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rq *request, err error, name, title string, page authPage) error {
	status := statusOf(err)
	if status >= 500 {
		return err
	}
	page.Error = messageOf(public(err), status)
	s.render(w, r, rq, status, name, title, page)
	return nil
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, p domain.Profile, next string) error {
	// Drop a session this browser may already hold, so it cannot be reused.
	if err := s.cfg.Auth.EndSession(r.Context(), cookieValue(r, sessionCookie)); err != nil {
		return err
	}
	c, err := s.cfg.Auth.StartSession(r.Context(), p.ID)
	if err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, c, int(s.cfg.Auth.SessionTTL().Seconds()))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.cfg.Auth.EndSession(r.Context(), cookieValue(r, sessionCookie)); err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/?flash=signed-out", http.StatusSeeOther)
	return nil
}

func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.cfg.OIDC == nil {
		return errNoRoute
	}
	redirect, cookie := s.cfg.OIDC.Begin()
	s.setCookie(w, r, oidcCookie, cookie, 600)
	http.Redirect(w, r, redirect, http.StatusFound)
	return nil
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.cfg.OIDC == nil {
		return errNoRoute
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return public(&statusError{http.StatusUnauthorized, "the identity provider refused the sign-in: " + e})
	}
	p, err := s.cfg.OIDC.Finish(r.Context(), cookieValue(r, oidcCookie), r.URL.Query().Get("state"), r.URL.Query().Get("code"), clientKey(r))
	s.setCookie(w, r, oidcCookie, "", -1)
	if err != nil {
		return err
	}
	return s.startSession(w, r, p, "/jobs")
}

// safeNext keeps post-sign-in redirects on this site.
//
// Browsers drop tabs and newlines from URLs and read "\" as "/", so
// "/\t/evil.example" or "/\\evil.example" would leave the site: any control
// or whitespace character, any backslash, and a second leading slash send
// the user to /jobs instead.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2000 {
		return "/jobs"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "/jobs"
		}
	}
	return next
}
