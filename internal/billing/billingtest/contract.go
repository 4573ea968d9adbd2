// Package billingtest is the contract every billing.ProcessedEvents adapter
// passes (internal/sqlite, internal/dynamo).
package billingtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/billing"
)

// TestProcessedEvents checks an empty store: unknown ids are not processed,
// a recorded id is, recording twice is harmless and keeps other ids apart,
// and concurrent records of one id all succeed.
func TestProcessedEvents(t *testing.T, s billing.ProcessedEvents) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	is := func(id string, want bool) {
		t.Helper()
		got, err := s.Processed(ctx, id)
		if err != nil || got != want {
			t.Fatalf("Processed(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
	is("evt_1", false)
	if err := s.MarkProcessed(ctx, "evt_1", "checkout.session.completed", now); err != nil {
		t.Fatal(err)
	}
	is("evt_1", true)
	is("evt_2", false)
	is("EVT_1", false) // Stripe ids are case-sensitive
	if err := s.MarkProcessed(ctx, "evt_1", "checkout.session.completed", now.Add(time.Minute)); err != nil {
		t.Fatalf("recording an id again: %v", err)
	}
	is("evt_1", true)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			errs <- s.MarkProcessed(ctx, "evt_race", "customer.subscription.updated", now)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent record: %v", err)
		}
	}
	is("evt_race", true)
}
