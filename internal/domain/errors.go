package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Adapters wrap them (fmt.Errorf("...: %w", ErrNotFound));
// the HTTP edge translates them to status codes in one place.
var (
	ErrNotFound             = errors.New("not found")
	ErrConflict             = errors.New("conflict")  // already exists, or a conditional update lost
	ErrForbidden            = errors.New("forbidden") // authenticated but not allowed
	ErrUnauthorized         = errors.New("unauthorized")
	ErrTooLarge             = errors.New("too large")
	ErrInvalid              = errors.New("invalid input")
	ErrArchived             = errors.New("object is archived; restore it first") // GLACIER, not restored
	ErrRestoreInProgress    = errors.New("restore already in progress")
	ErrExpeditedUnavailable = errors.New("expedited retrieval not available") // S3 GlacierExpeditedRetrievalNotAvailable
)

// UserError is an error whose text is written for the person who caused it
// (a validation message, an upload limit), so an edge may show it as it is.
// Other errors may carry storage keys and internal ids in their text and are
// shown by their kind only.
type UserError struct{ Err error }

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// ForUser marks err as written for users; nil stays nil.
func ForUser(err error) error {
	if err == nil {
		return nil
	}
	return &UserError{err}
}

// UserErrorf returns a UserError whose text is the formatted message alone
// and which matches kind (one of the Err* values) with errors.Is.
func UserErrorf(kind error, format string, args ...any) error {
	return &UserError{&kindError{msg: fmt.Sprintf(format, args...), kind: kind}}
}

type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }
