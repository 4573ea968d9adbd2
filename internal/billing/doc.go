// Package billing sells the premium plan through Stripe: it creates Checkout
// Sessions for a recurring price and applies Stripe's webhook events to the
// users' roles. Without Stripe keys nothing here runs and the portal's
// upgrade is a labelled test mode; both paths end in the same use case,
// service.Upgrade, which makes the user premium and starts the restore
// execution restore-<user>-<n>.
//
//	svc, err := billing.New(cfg, billing.Ports{Profiles: p, Users: service, Events: db.Webhooks(), Mailer: m})
//	url, err := svc.CheckoutURL(ctx, user, successURL, cancelURL) // webui.Checkout
//	http.Handle("POST /webhooks/stripe", svc.Webhook())           // webui.Config.Webhook
//
// # Checkout
//
// A session in subscription mode with one line item, Config.PriceID; the
// user id travels as client_reference_id and as metadata gas_user_id on the
// session and on the subscription it creates, so every later subscription
// and invoice event names the user. A returning subscriber reuses their
// Stripe customer. A premium user gets domain.ErrConflict.
//
// # Webhook
//
// Each delivery is verified with webhook.ConstructEvent (signature over the
// body with the endpoint's signing secret, five minutes of clock tolerance,
// an event of the library's API release train); anything else is a 400.
// Then:
//
//	checkout.session.completed (and .async_payment_succeeded)
//	    link customer and subscription to the user, then service.Upgrade
//	    (premium_user + restore). A session still unpaid waits for the async event.
//	customer.subscription.created/.updated/.deleted/.paused/.resumed
//	    read the subscription back from Stripe (deliveries may come out of
//	    order; the API has the current state) and map its status:
//	    active, trialing      premium (service.Upgrade if the user was free);
//	                          cancel_at_period_end records PremiumUntil and keeps premium
//	    past_due              no change: Stripe is retrying the payment
//	    canceled, unpaid, incomplete_expired, paused
//	                          free_user (Stripe sends .deleted at the period end)
//	    incomplete            no change (the checkout's completion upgrades)
//	    Only the subscription linked to the user counts: events of a replaced
//	    one, or of a new one whose checkout has not completed yet (Stripe sends
//	    .created first), are ignored, so one purchase starts one restore.
//	invoice.payment_failed
//	    the role does not change (the subscription is past_due while Stripe
//	    retries); the user gets an email with the invoice's payment link.
//	anything else
//	    acknowledged and ignored.
//
// Idempotency: an event id is recorded (ProcessedEvents) only after all its
// effects succeeded; a recorded id is answered 200 "duplicate" and changes
// nothing. If anything fails — the profile store, starting the restore,
// Stripe's API, the mail, recording the id — the webhook answers 500 and
// Stripe redelivers the event (for up to three days); every effect is
// idempotent, so a redelivery after a partial success is harmless.
// Events naming no GAS user (a payment link made outside GAS) are logged and
// acknowledged, since no retry can fix them; a payment for a user id that does
// not exist is a 500, left for an operator to see in Stripe's dashboard.
//
// Known limit: two deliveries of the same event at the same moment may both
// apply it (effects are idempotent; at most one extra restore execution, which
// finds nothing left to restore).
//
// # Back to free
//
// The role is read when each step runs: jobs finishing after the downgrade
// are archived after the retention time as for any free user, including ones
// submitted while premium that are still waiting; results that are hot when
// the subscription ends stay hot (GAS never archives a finished job again).
package billing
