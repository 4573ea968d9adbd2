package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gasproject/gas/internal/billing"
)

// Webhooks is the billing.ProcessedEvents adapter. It keeps the ids of the
// Stripe events whose effects are done in the auth table (see AuthStore):
//
//	pk                 sk   what
//	webhook#<event id> -    a processed event: its type and when
//
// Items expire after WebhookRetention through the table's TTL: Stripe stops
// redelivering an event after three days, and the effects are idempotent, so
// a later replay would be harmless anyway.
type Webhooks struct {
	db    API
	table string
}

var _ billing.ProcessedEvents = (*Webhooks)(nil)

// WebhookRetention is how long a processed event id is kept.
const WebhookRetention = 30 * 24 * time.Hour

// NewWebhooks returns the store over the portal table.
func NewWebhooks(db API, portalTable string) *Webhooks { return &Webhooks{db: db, table: portalTable} }

func (w *Webhooks) key(eventID string) string { return "webhook#" + eventID }

// Processed reports whether the event id was recorded.
func (w *Webhooks) Processed(ctx context.Context, eventID string) (bool, error) {
	out, err := w.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(w.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{KeyPK: strAttr(w.key(eventID)), KeySK: strAttr(noSort)},
	})
	if err != nil {
		return false, fmt.Errorf("webhook event %s: %w", eventID, err)
	}
	return len(out.Item) > 0, nil
}

// MarkProcessed records the event id (a repeat overwrites the same item).
func (w *Webhooks) MarkProcessed(ctx context.Context, eventID, eventType string, at time.Time) error {
	item := map[string]types.AttributeValue{
		KeyPK:          strAttr(w.key(eventID)),
		KeySK:          strAttr(noSort),
		"type":         strAttr(eventType),
		"processed_ns": numAttr(at.UnixNano()),
		KeyExpiresAt:   numAttr(at.Add(WebhookRetention).Unix()),
	}
	if _, err := w.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(w.table), Item: item}); err != nil {
		return fmt.Errorf("record webhook event %s: %w", eventID, err)
	}
	return nil
}
