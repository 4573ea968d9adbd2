package webui

import (
	"errors"
	"net/http"

	"github.com/gasproject/gas/internal/auth"
)

// Sign-up and password reset answer every valid form the same way, with a
// redirect to a "check your email" page: whether the address has an account
// is told only to its mailbox (internal/auth/signup.go).

func (s *Server) signUp(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := auth.SignUp{
		Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Institution: r.PostForm.Get("institution"),
		Next: safeNext(r.PostForm.Get("next")), Client: clientKey(r),
	}
	if err := s.cfg.Auth.SignUp(r.Context(), in); err != nil {
		page := s.authPage(r)
		page.Email, page.Name, page.Inst = in.Email, in.Name, in.Institution
		return s.refuse(w, r, rq, err, "signup", "Sign up", page)
	}
	http.Redirect(w, r, "/signup/sent", http.StatusSeeOther)
	return nil
}

// mailSentPage is the "check your email" page after a sign-up or reset form.
type mailSentPage struct{ Reset bool }

func (s *Server) signUpSent(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "mailsent", "Check your email", mailSentPage{})
	return nil
}

func (s *Server) resetSent(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "mailsent", "Check your email", mailSentPage{Reset: true})
	return nil
}

// choosePage is the form behind an emailed link: choose a password.
type choosePage struct {
	Reset   bool   // a password reset, else a new account
	Token   string // the link's token, posted back with the password
	Email   string
	Name    string
	MinPass int
	Error   string
	Invalid bool // the link is no good: no form, a way to ask for a new one
	Exists  bool // a sign-up link whose account exists: sign in
}

// linkPage renders the choose-a-password page for err (nil: the form).
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, rq *request, page choosePage, err error) error {
	page.MinPass = auth.MinPasswordLen
	status := http.StatusOK
	if err != nil {
		status = statusOf(err)
		if status >= 500 {
			return err
		}
		page.Error = messageOf(public(err), status)
		page.Invalid = errors.Is(err, auth.ErrLinkInvalid) || errors.Is(err, auth.ErrAccountExists)
		page.Exists = errors.Is(err, auth.ErrAccountExists)
	}
	title := "Create your account"
	if page.Reset {
		title = "Choose a new password"
	}
	s.render(w, r, rq, status, "choose", title, page)
	return nil
}

func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := r.URL.Query().Get("t")
	pa, err := s.cfg.Auth.PendingSignUp(r.Context(), t)
	return s.linkPage(w, r, rq, choosePage{Token: t, Email: pa.Email, Name: pa.Name}, err)
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := r.PostForm.Get("t")
	p, next, err := s.cfg.Auth.ConfirmSignUp(r.Context(), t, r.PostForm.Get("password"))
	if err != nil {
		pa, _ := s.cfg.Auth.PendingSignUp(r.Context(), t)
		return s.linkPage(w, r, rq, choosePage{Token: t, Email: pa.Email, Name: pa.Name}, err)
	}
	return s.startSession(w, r, p, safeNext(next))
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "forgot", "Forgot your password", s.authPage(r))
	return nil
}

func (s *Server) forgot(w http.ResponseWriter, r *http.Request, rq *request) error {
	email := r.PostForm.Get("email")
	if err := s.cfg.Auth.RequestReset(r.Context(), email, clientKey(r)); err != nil {
		page := s.authPage(r)
		page.Email = email
		return s.refuse(w, r, rq, err, "forgot", "Forgot your password", page)
	}
	http.Redirect(w, r, "/signin/forgot/sent", http.StatusSeeOther)
	return nil
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := r.URL.Query().Get("t")
	p, err := s.cfg.Auth.PendingReset(r.Context(), t)
	return s.linkPage(w, r, rq, choosePage{Reset: true, Token: t, Email: p.Email}, err)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := r.PostForm.Get("t")
	p, err := s.cfg.Auth.ResetPassword(r.Context(), t, r.PostForm.Get("password"))
	if err != nil {
		q, _ := s.cfg.Auth.PendingReset(r.Context(), t)
		return s.linkPage(w, r, rq, choosePage{Reset: true, Token: t, Email: q.Email}, err)
	}
	return s.startSession(w, r, p, "/jobs")
}
