package webui

import (
	"fmt"

	"github.com/gasproject/gas/internal/domain"
)

// tooLargeError says a file went over the user's cap, and whether upgrading helps.
type tooLargeError struct {
	name         string
	limit        int64
	premiumLimit int64
	upgradable   bool
}

func (e *tooLargeError) Error() string {
	msg := fmt.Sprintf("%s is larger than your upload limit of %s", e.name, formatBytes(e.limit))
	if e.upgradable {
		msg += fmt.Sprintf("; premium accounts may upload up to %s — upgrade at /subscribe", formatBytes(e.premiumLimit))
	}
	return msg
}

func (e *tooLargeError) Unwrap() error { return domain.ErrTooLarge }
