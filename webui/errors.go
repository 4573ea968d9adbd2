package webui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/httpguard"
)

// statusOf is the one place where errors become HTTP statuses.
func statusOf(err error) int {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se.status
	case errors.Is(err, auth.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, domain.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, domain.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, domain.ErrLimit):
		return http.StatusTooManyRequests // a per-user limit over time: jobs at once or per day
	case errors.Is(err, domain.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, domain.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, domain.ErrArchived), errors.Is(err, domain.ErrRestoreInProgress), errors.Is(err, domain.ErrConflict):
		return http.StatusConflict
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	if errors.Is(err, httpguard.ErrSlowBody) {
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// public marks err as written for users (domain.ForUser), so it is shown as
// it is; other errors may carry keys and internal ids in their text and are
// shown by their status only. nil stays nil.
func public(err error) error { return domain.ForUser(err) }

// statusError is an error that carries its own status (405, 403 for auditors, ...).
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

var (
	errMethod       = &statusError{http.StatusMethodNotAllowed, "this address does not accept that method"}
	errNoRoute      = &statusError{http.StatusNotFound, "there is no page at this address"}
	errAuditorWrite = &statusError{http.StatusForbidden, "auditor accounts are read-only"}
	errNotAuditor   = &statusError{http.StatusForbidden, "only auditors may see every execution"}
	errNoBilling    = &statusError{http.StatusServiceUnavailable, "premium upgrades are not available yet: this deployment has no payment provider configured (the operator must set the Stripe keys); nothing was charged or changed"}
	errCSRF         = &statusError{http.StatusForbidden, "the form expired or came from another site; reload the page and try again"}
)

// messageOf is the text shown for err at status.
func messageOf(err error, status int) string {
	var pe *domain.UserError
	var se *statusError
	switch {
	case errors.As(err, &pe):
		return pe.Error()
	case errors.As(err, &se):
		return se.msg
	case errors.Is(err, auth.ErrRateLimited):
		return auth.ErrRateLimited.Error()
	}
	switch status {
	case http.StatusUnauthorized:
		return "sign in first (API: send Authorization: Bearer <token>)"
	case http.StatusNotFound:
		return "not found"
	case http.StatusConflict:
		switch {
		case errors.Is(err, domain.ErrArchived):
			return "the result is archived; upgrade to premium to restore it"
		case errors.Is(err, domain.ErrRestoreInProgress):
			return "the result is being restored; try again later"
		}
		return "the request conflicts with the current state; reload and try again"
	case http.StatusRequestEntityTooLarge:
		return "the request is too large"
	case http.StatusBadRequest:
		return "the request is not valid"
	case http.StatusForbidden:
		return "you may not do that"
	}
	return "something went wrong on our side; it has been logged"
}

// setRetryAfter tells the client when a per-user limit lets it try again.
func setRetryAfter(w http.ResponseWriter, err error) {
	var le *domain.LimitError
	if errors.As(err, &le) && le.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(le.RetryAfter.Round(time.Second)/time.Second)))
	}
}
