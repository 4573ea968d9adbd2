package domain

import "errors"

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
