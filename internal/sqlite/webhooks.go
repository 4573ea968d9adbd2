package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gasproject/gas/internal/billing"
)

// webhooksSchema keeps the ids of the Stripe events whose effects are done
// (billing.ProcessedEvents). One entry of the migrations list.
const webhooksSchema = `
CREATE TABLE webhook_events (
	id           TEXT PRIMARY KEY,  -- Stripe event id (evt_...)
	type         TEXT NOT NULL,
	processed_ns INTEGER NOT NULL
) STRICT;
`

// Webhooks is the billing.ProcessedEvents adapter.
type Webhooks struct{ db *sql.DB }

var _ billing.ProcessedEvents = (*Webhooks)(nil)

// Webhooks returns the store of processed webhook event ids.
func (db *DB) Webhooks() *Webhooks { return &Webhooks{db: db.sql} }

// Processed reports whether the event id was recorded.
func (w *Webhooks) Processed(ctx context.Context, eventID string) (bool, error) {
	var n int
	if err := w.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events WHERE id = ?`, eventID).Scan(&n); err != nil {
		return false, fmt.Errorf("webhook event %s: %w", eventID, err)
	}
	return n > 0, nil
}

// MarkProcessed records the event id; the first record wins.
func (w *Webhooks) MarkProcessed(ctx context.Context, eventID, eventType string, at time.Time) error {
	_, err := w.db.ExecContext(ctx, `INSERT INTO webhook_events (id, type, processed_ns) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		eventID, eventType, at.UnixNano())
	if err != nil {
		return fmt.Errorf("record webhook event %s: %w", eventID, err)
	}
	return nil
}
