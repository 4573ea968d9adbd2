package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/gasproject/gas/internal/billing/billingtest"
)

func TestWebhooksContract(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "gas.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	billingtest.TestProcessedEvents(t, db.Webhooks())
}
