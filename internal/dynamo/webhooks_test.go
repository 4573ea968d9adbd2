package dynamo

import (
	"testing"

	"github.com/gasproject/gas/internal/billing/billingtest"
)

func TestWebhooksContract(t *testing.T) {
	billingtest.TestProcessedEvents(t, NewWebhooks(newDB(t), "auth"))
}
