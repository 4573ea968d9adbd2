package auth

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
)

// Sign-up and password reset never tell whether an address has an account:
// the form's answer is the same either way, the work behind it is the same
// (one profile read, one rate-limit hit, one email), and what differs goes
// only to the address's mailbox. A new address gets a link to choose a
// password (the account is made then, by whoever reads that mailbox); an
// address with an account gets a notice saying someone tried.

// ErrLinkInvalid is a confirmation or reset link that was forged, altered,
// used up or is older than Config.LinkTTL.
var ErrLinkInvalid = domain.UserErrorf(domain.ErrInvalid, "this link is invalid, was used already or has expired; ask for a new one")

// ErrNoMailer refuses sign-up and password reset on a Service without a
// Mailer: both need the address's mailbox to prove who is asking.
var ErrNoMailer = errors.New("auth: sign-up and password reset need Config.Mailer")

// SignUp is what the sign-up form asks for. Client identifies the caller
// (its IP) for the sign-up rate limit; Next is where to go once the account exists.
type SignUp struct {
	Email, Name, Institution string
	Next                     string
	Client                   string
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// SignUp answers a sign-up form. A valid form is counted against
// in.Client's sign-up limit (ErrRateLimited past it) and mailed: a
// confirmation link to a new address, a notice to the owner of an address
// that has an account. The answer is nil in both cases.
func (s *Service) SignUp(ctx context.Context, in SignUp) error {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	name, inst := strings.TrimSpace(in.Name), strings.TrimSpace(in.Institution)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return domain.UserErrorf(domain.ErrInvalid, "name must be 1 to 200 characters")
	}
	if utf8.RuneCountInString(inst) > 200 {
		return domain.UserErrorf(domain.ErrInvalid, "institution must be at most 200 characters")
	}
	if s.cfg.Mailer == nil {
		return ErrNoMailer
	}
	if err := s.limitSignUp(ctx, in.Client); err != nil {
		return err
	}
	p, found, err := s.accountFor(ctx, email)
	if err != nil {
		return err
	}
	msg := s.confirmMail(email, name, inst, in.Next)
	if found {
		msg = s.takenNotice(p)
	}
	return s.mailAddress(ctx, msg)
}

// accountFor reads the profile with email; found is false when there is none.
func (s *Service) accountFor(ctx context.Context, email string) (p domain.Profile, found bool, err error) {
	p, err = s.profiles.GetByEmail(ctx, email)
	switch {
	case err == nil:
		return p, true, nil
	case errors.Is(err, domain.ErrNotFound):
		return domain.Profile{}, false, nil
	}
	return domain.Profile{}, false, fmt.Errorf("look up %s: %w", email, err)
}

// mailAddress sends m unless its address has had MailLimit messages from
// sign-up and reset this window: past that the form answers the same and
// nothing is sent, so nobody can bomb a mailbox through GAS.
func (s *Service) mailAddress(ctx context.Context, m domain.Message) error {
	n, err := s.store.Hit(ctx, "mail:"+m.To, s.cfg.SignUpWindow, s.cfg.Now())
	if err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if n > s.cfg.MailLimit {
		return nil
	}
	if err := s.cfg.Mailer.Send(ctx, m); err != nil {
		return fmt.Errorf("mail %s: %w", m.To, err)
	}
	return nil
}

// pendingSignUp is what a confirmation link carries (signed, not secret:
// only the mailbox it was sent to sees it).
type pendingSignUp struct {
	Email       string `json:"e"`
	Name        string `json:"n"`
	Institution string `json:"i,omitempty"`
	Next        string `json:"x,omitempty"`
	Expires     int64  `json:"exp"`
}

func (s *Service) confirmMail(email, name, inst, next string) domain.Message {
	link := s.cfg.BaseURL + "/signup/confirm?t=" + s.sealLink("signup", pendingSignUp{
		Email: email, Name: name, Institution: inst, Next: next, Expires: s.cfg.Now().Add(s.cfg.LinkTTL).Unix(),
	})
	return domain.Message{To: email, Subject: "Confirm your GAS account", Text: fmt.Sprintf(
		"Someone, we hope you, asked for a GAS account for this address in the name of %q.\n\n"+
			"To create it, open this link within %s and choose a password:\n\n%s\n\n"+
			"If it was not you, ignore this message: no account is made without the link.\n",
		name, linkTTLText(s.cfg.LinkTTL), link)}
}

func (s *Service) takenNotice(p domain.Profile) domain.Message {
	return domain.Message{To: p.Email, Subject: "Someone tried to create a GAS account with your address", Text: fmt.Sprintf(
		"Someone tried to create a new GAS account with this address at %s. You already have one,\n"+
			"so nothing was created or changed.\n\n"+
			"If that was you, sign in at %s/signin\n"+
			"or, if you forgot your password, choose a new one at %s/signin/forgot\n\n"+
			"If it was not you, you can ignore this message.\n",
		s.cfg.Now().UTC().Format("2006-01-02 15:04 UTC"), s.cfg.BaseURL, s.cfg.BaseURL)}
}

// PendingAccount is a confirmation link's sign-up, shown on the page where
// the password is chosen.
type PendingAccount struct {
	Email, Name, Institution, Next string
}

// PendingSignUp reads a confirmation link's token: ErrLinkInvalid if it is
// not one, has expired, or its address has an account by now.
func (s *Service) PendingSignUp(ctx context.Context, token string) (PendingAccount, error) {
	var ps pendingSignUp
	if err := s.openLink("signup", token, &ps); err != nil {
		return PendingAccount{}, err
	}
	_, found, err := s.accountFor(ctx, ps.Email)
	if err != nil {
		return PendingAccount{}, err
	}
	if found { // the link was used already: only its mailbox's owner sees this
		return PendingAccount{}, ErrAccountExists
	}
	return PendingAccount{Email: ps.Email, Name: ps.Name, Institution: ps.Institution, Next: ps.Next}, nil
}

// ErrAccountExists answers a confirmation link whose address has an account
// (the link was used already). Only the mailbox's owner holds the link.
var ErrAccountExists = domain.UserErrorf(domain.ErrConflict, "this address has an account now (the link was used): sign in")

// ConfirmSignUp makes the account of a confirmation link with password.
func (s *Service) ConfirmSignUp(ctx context.Context, token, password string) (domain.Profile, string, error) {
	pa, err := s.PendingSignUp(ctx, token)
	if err != nil {
		return domain.Profile{}, "", err
	}
	hash, err := s.hashNew(password)
	if err != nil {
		return domain.Profile{}, "", err
	}
	p := domain.Profile{
		ID: NewUserID(), Name: pa.Name, Email: pa.Email, Institution: pa.Institution,
		Role: domain.RoleFree, CreatedAt: s.cfg.Now().UTC(),
	}
	if err := s.profiles.Create(ctx, p); errors.Is(err, domain.ErrConflict) {
		return domain.Profile{}, "", ErrAccountExists // the same link, twice at once
	} else if err != nil {
		return domain.Profile{}, "", fmt.Errorf("create profile %s: %w", pa.Email, err)
	}
	if err := s.store.SetPasswordHash(ctx, p.ID, hash); err != nil {
		return domain.Profile{}, "", fmt.Errorf("store password of %s: %w", p.ID, err)
	}
	return p, pa.Next, nil
}

// hashNew checks a new password's length and hashes it.
func (s *Service) hashNew(password string) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLen || len(password) > 1024 {
		return "", domain.UserErrorf(domain.ErrInvalid, "password must be %d to 1024 characters", MinPasswordLen)
	}
	return HashPassword(password, s.cfg.Argon2)
}

// sealLink signs v as a link token for purpose: base64url(JSON) "." MAC.
func (s *Service) sealLink(purpose string, v any) string {
	b, _ := json.Marshal(v) // plain structs of strings and numbers
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + encodeMAC(s.mac("link:"+purpose, body))
}

// openLink checks a link token's MAC and expiry and decodes it into v,
// which must have an `exp` field (Unix seconds).
func (s *Service) openLink(purpose, token string, v any) error {
	body, mac, ok := strings.Cut(token, ".")
	got, err := decodeMAC(mac)
	if !ok || err != nil || !hmac.Equal(got, s.mac("link:"+purpose, body)) {
		return ErrLinkInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(raw, v) != nil {
		return ErrLinkInvalid
	}
	var exp struct {
		Expires int64 `json:"exp"`
	}
	if json.Unmarshal(raw, &exp) != nil || s.cfg.Now().Unix() >= exp.Expires {
		return ErrLinkInvalid
	}
	return nil
}

func linkTTLText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}
