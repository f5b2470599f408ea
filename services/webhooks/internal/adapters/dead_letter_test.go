package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestDeadLetterReasonIsStored: each way a delivery is given up stores its
// code where the decision is made (dead_letter_reason), and last_error
// keeps the words: its retries run out (the dispatcher's record), its
// webhook disabled by the organisation or for failing (the update, and the
// attempt's record), its event type removed from the webhook, and each of
// the last two while an attempt of it is in flight and then undone (the
// webhook enabled, the type taken again) before that attempt fails: the
// delivery stays given up, for the reason stored when it was given up.
// An attempt that succeeds after all leaves no reason, and a redelivery
// clears it. Before, the reason was only in last_error's words, and the
// attempt's record read it back from their end.
func TestDeadLetterReasonIsStored(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	a, err := app.New(repo, nil, nil, app.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		status, reason, lastError string
	}
	// subscribe makes a new organisation's webhook of referral.received,
	// queues one delivery to it and returns them.
	subscribe := func(t *testing.T) (string, *domain.Subscription, string) {
		t.Helper()
		org := ids.New()
		s := &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: "https://partner.example/" + org,
			EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
			CreateTime: time.Now()}
		if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
		queueReferrals(t, pool, a, org, 1)
		var id string
		if err := pool.QueryRow(ctx, `SELECT id FROM deliveries WHERE subscription_id = $1`, s.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return org, s, id
	}
	claim := func(t *testing.T, id string) app.Claimed {
		t.Helper()
		claims, err := repo.Claim(ctx, app.ClaimRequest{Now: time.Now(), Limit: 100, PerTarget: 8, InFlight: map[string]int{}, Lease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if c.Delivery.ID == id {
				return c
			}
		}
		t.Fatalf("delivery %s not claimed (%d claimed)", id, len(claims))
		return app.Claimed{}
	}
	fail := func(t *testing.T, c app.Claimed, p domain.RetryPolicy, h app.SubscriptionHealth) {
		t.Helper()
		p.AfterFailure(c.Delivery, domain.Attempt{Code: 500}, h.At, 0.5)
		if _, err := repo.Record(ctx, c, c.Delivery, h); err != nil {
			t.Fatal(err)
		}
	}
	update := func(t *testing.T, org, id string, change func(*domain.Subscription)) {
		t.Helper()
		s, err := repo.GetSubscription(ctx, org, id)
		if err != nil {
			t.Fatal(err)
		}
		change(s)
		s.UpdateTime = time.Now()
		if _, err := repo.UpdateSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	disable := func(s *domain.Subscription) {
		s.Disable("by_organisation", domain.DisabledByOrganisation, time.Now())
	}
	unsubscribe := func(s *domain.Subscription) { s.EventTypes = []string{domain.TypeReferralCancelled} }
	resubscribe := func(s *domain.Subscription) { s.EventTypes = []string{domain.TypeReferralReceived} }
	get := func(t *testing.T, s *domain.Subscription, id string) delivery {
		t.Helper()
		d, err := repo.GetDelivery(ctx, s.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return delivery{d.Status, d.DeadLetterReason, d.LastError}
	}
	now := func() app.SubscriptionHealth { return app.SubscriptionHealth{At: time.Now(), FailingSince: time.Now()} }
	quick := domain.RetryPolicy{Base: time.Second, Max: time.Second, RetryFor: time.Millisecond, DisableAfter: time.Hour}

	for _, tc := range []struct {
		name string
		run  func(t *testing.T, org string, s *domain.Subscription, id string)
		want delivery
	}{
		{"retries run out", func(t *testing.T, _ string, _ *domain.Subscription, id string) {
			fail(t, claim(t, id), quick, now())
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterRetriesExhausted, "HTTP 500"}},
		{"a failure with retries left", func(t *testing.T, _ string, _ *domain.Subscription, id string) {
			fail(t, claim(t, id), domain.DefaultRetryPolicy, now())
		}, delivery{domain.DeliveryPending, "", "HTTP 500"}},
		{"webhook disabled", func(t *testing.T, org string, s *domain.Subscription, _ string) {
			update(t, org, s.ID, disable)
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterWebhookDisabled, "webhook disabled"}},
		{"type unsubscribed", func(t *testing.T, org string, s *domain.Subscription, _ string) {
			update(t, org, s.ID, unsubscribe)
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterUnsubscribed, "event type no longer subscribed"}},
		{"disabled for failing by this attempt", func(t *testing.T, _ string, _ *domain.Subscription, id string) {
			h := now()
			h.Disable, h.DisabledCode, h.DisabledReason = true, domain.DisabledFailing, "every delivery failed"
			fail(t, claim(t, id), domain.DefaultRetryPolicy, h)
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterWebhookDisabled, "HTTP 500; webhook disabled"}},
		{"disabled while attempted", func(t *testing.T, org string, s *domain.Subscription, id string) {
			c := claim(t, id)
			update(t, org, s.ID, disable)
			fail(t, c, domain.DefaultRetryPolicy, now())
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterWebhookDisabled, "HTTP 500; webhook disabled"}},
		{"disabled and enabled while attempted", func(t *testing.T, org string, s *domain.Subscription, id string) {
			c := claim(t, id)
			update(t, org, s.ID, disable)
			update(t, org, s.ID, (*domain.Subscription).Enable)
			fail(t, c, domain.DefaultRetryPolicy, now())
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterWebhookDisabled, "HTTP 500; webhook disabled"}},
		{"unsubscribed while attempted", func(t *testing.T, org string, s *domain.Subscription, id string) {
			c := claim(t, id)
			update(t, org, s.ID, unsubscribe)
			fail(t, c, domain.DefaultRetryPolicy, now())
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterUnsubscribed, "HTTP 500; event type no longer subscribed"}},
		{"unsubscribed and subscribed again while attempted", func(t *testing.T, org string, s *domain.Subscription, id string) {
			c := claim(t, id)
			update(t, org, s.ID, unsubscribe)
			update(t, org, s.ID, resubscribe)
			fail(t, c, domain.DefaultRetryPolicy, now())
		}, delivery{domain.DeliveryDeadLettered, domain.DeadLetterUnsubscribed, "HTTP 500; event type no longer subscribed"}},
		{"disabled while attempted, the attempt succeeded", func(t *testing.T, org string, s *domain.Subscription, id string) {
			c := claim(t, id)
			update(t, org, s.ID, disable)
			c.Delivery.AfterSuccess(domain.Attempt{Code: 204}, time.Now())
			if _, err := repo.Record(ctx, c, c.Delivery, app.SubscriptionHealth{At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}, delivery{domain.DeliverySucceeded, "", ""}},
		{"given up, then redelivered", func(t *testing.T, org string, s *domain.Subscription, id string) {
			fail(t, claim(t, id), quick, now())
			if _, err := a.Redeliver(ctx, auth.Principal{OrganisationID: org}, s.ID, id); err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := pool.QueryRow(ctx, `SELECT dead_letter_reason FROM deliveries WHERE id = $1`, id).Scan(&stored); err != nil || stored != "" {
				t.Errorf("redelivered: dead_letter_reason %q stored (%v), want none", stored, err)
			}
		}, delivery{domain.DeliveryPending, "", "HTTP 500"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org, s, id := subscribe(t)
			tc.run(t, org, s, id)
			if got := get(t, s, id); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
