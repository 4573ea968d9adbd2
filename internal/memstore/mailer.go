package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// Mailer is domain.Mailer in memory: it keeps what it sends.
type Mailer struct {
	mu   sync.Mutex
	sent []domain.Message
	fail error
}

var _ domain.Mailer = (*Mailer)(nil)

func (m *Mailer) Send(_ context.Context, msg domain.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return fmt.Errorf("send to %s: %w", msg.To, m.fail)
	}
	m.sent = append(m.sent, msg)
	return nil
}

// Fail makes every Send fail with err (nil heals it), as an unreachable mail server would.
func (m *Mailer) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// Sent returns the messages sent so far, in order.
func (m *Mailer) Sent() []domain.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}
