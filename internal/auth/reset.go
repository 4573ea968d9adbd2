package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/gasproject/gas/internal/domain"
)

// pendingReset is what a reset link carries. Print is a MAC of the password
// hash the account had when the link was made, so the link stops working
// once a password is set (used once).
type pendingReset struct {
	UserID  string `json:"u"`
	Email   string `json:"e"`
	Print   string `json:"f"`
	Expires int64  `json:"exp"`
}

// RequestReset answers the "forgot your password" form like SignUp answers
// sign-up: the same for every valid address, counted against client's limit
// (ErrRateLimited), and mailed: a link to choose a new password to an
// account's address, a note that there is no account to any other.
func (s *Service) RequestReset(ctx context.Context, email, client string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if s.cfg.Mailer == nil {
		return ErrNoMailer
	}
	if err := s.limit(ctx, "reset:client:"+client, s.cfg.SignUpLimit, s.cfg.SignUpWindow); err != nil {
		return err
	}
	p, found, err := s.accountFor(ctx, email)
	if err != nil {
		return err
	}
	// Both paths read a password hash, so they take as long as each other.
	hash, err := s.currentHash(ctx, p.ID)
	if err != nil {
		return err
	}
	if !found {
		return s.mailAddress(ctx, domain.Message{To: email, Subject: "Password reset for GAS", Text: fmt.Sprintf(
			"Someone asked to reset the password of a GAS account for this address, but there is no\n"+
				"account for it. To create one: %s/signup\n\nIf it was not you, ignore this message.\n", s.cfg.BaseURL)})
	}
	link := s.cfg.BaseURL + "/signin/reset?t=" + s.sealLink("reset", pendingReset{
		UserID: p.ID, Email: p.Email, Print: s.hashPrint(hash), Expires: s.cfg.Now().Add(s.cfg.LinkTTL).Unix(),
	})
	return s.mailAddress(ctx, domain.Message{To: email, Subject: "Choose a new GAS password", Text: fmt.Sprintf(
		"Someone, we hope you, asked to reset the password of your GAS account.\n\n"+
			"To choose a new one, open this link within %s (it works once):\n\n%s\n\n"+
			"If it was not you, ignore this message: your password stays as it is.\n",
		linkTTLText(s.cfg.LinkTTL), link)})
}

// currentHash is the user's password hash, "" when they have none (an OIDC
// account, or no such user: an id that matches nothing is still one read).
func (s *Service) currentHash(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		userID = "u-none"
	}
	hash, err := s.store.PasswordHash(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("password of %s: %w", userID, err)
	}
	return hash, nil
}

func (s *Service) hashPrint(hash string) string { return encodeMAC(s.mac("reset-print", hash)[:16]) }

// PendingReset reads a reset link's token and returns the account's email;
// ErrLinkInvalid when it is not one, has expired or was used.
func (s *Service) PendingReset(ctx context.Context, token string) (domain.Profile, error) {
	var pr pendingReset
	if err := s.openLink("reset", token, &pr); err != nil {
		return domain.Profile{}, err
	}
	p, err := s.profiles.Get(ctx, pr.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Profile{}, ErrLinkInvalid
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", pr.UserID, err)
	}
	hash, err := s.currentHash(ctx, p.ID)
	if err != nil {
		return domain.Profile{}, err
	}
	if p.Email != pr.Email || s.hashPrint(hash) != pr.Print {
		return domain.Profile{}, ErrLinkInvalid // the address or the password changed since
	}
	return p, nil
}

// ResetPassword sets the password of a reset link's account.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (domain.Profile, error) {
	p, err := s.PendingReset(ctx, token)
	if err != nil {
		return domain.Profile{}, err
	}
	hash, err := s.hashNew(password)
	if err != nil {
		return domain.Profile{}, err
	}
	if err := s.store.SetPasswordHash(ctx, p.ID, hash); err != nil {
		return domain.Profile{}, fmt.Errorf("store password of %s: %w", p.ID, err)
	}
	// Whoever knew the old password may hold a session: end them all (the
	// portal starts a new one for the browser that reset it).
	if err := s.store.DeleteUserSessions(ctx, p.ID); err != nil {
		return domain.Profile{}, fmt.Errorf("sign %s out everywhere: %w", p.ID, err)
	}
	return p, nil
}
