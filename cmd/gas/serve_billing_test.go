package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gasproject/gas/internal/billing"
	"github.com/gasproject/gas/internal/testshared"
)

func TestServeRefusesHalfAStripeConfig(t *testing.T) {
	t.Setenv(billing.EnvSecretKey, "sk_test_1")
	err := runServe(context.Background(), []string{"--data", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), billing.EnvPrice) || !strings.Contains(err.Error(), billing.EnvWebhookSecret) {
		t.Errorf("serve with only a secret key: %v", err)
	}
}

func TestServeMountsTheStripeWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole service")
	}
	t.Setenv(billing.EnvSecretKey, "sk_test_1")
	t.Setenv(billing.EnvWebhookSecret, "whsec_serve")
	t.Setenv(billing.EnvPrice, "price_1")
	shared := testshared.Dir(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, []string{"--addr", addr, "--data", t.TempDir(), "--shared", shared}) }()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not come up")
		}
	}
	post := func(body, signature string) int {
		req, _ := http.NewRequest("POST", base+"/webhooks/stripe", strings.NewReader(body))
		req.Header.Set("Stripe-Signature", signature)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	event := `{"id":"evt_serve","object":"event","type":"customer.created","api_version":"` + stripe.APIVersion + `","data":{"object":{}}}`
	if code := post(event, "t=1,v1=00"); code != http.StatusBadRequest {
		t.Errorf("bad signature: %d, want 400", code)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(event), Secret: "whsec_serve"}).Header
	if code := post(event, signed); code != http.StatusOK {
		t.Errorf("signed event: %d, want 200", code)
	}
}
