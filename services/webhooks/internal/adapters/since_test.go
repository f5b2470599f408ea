package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestSubscriptionTakesTypesAt: a subscription is queued an event only if
// it took the event's type at or before the event's time. A subscription
// stored without the times (by a replica from before migration 00012)
// took its types at its create_time; an update keeps that for the types it
// keeps and takes an added type at the update, by the database's clock;
// enabled again, it takes every type then. Before, every event applied was
// queued to every subscription to its type, however old the event; and
// (r22) enabled again, it kept its times.
func TestSubscriptionTakesTypesAt(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	a, err := app.New(repo, nil, nil, app.Options{}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	created := now.Add(-time.Hour)
	org := ids.New()
	s := &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: created, UpdateTime: created}
	if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE subscriptions SET event_types_since = NULL WHERE id = $1`, s.ID); err != nil {
		t.Fatal(err)
	}
	// queued applies a referrals event to org at the time given and
	// reports whether the subscription was queued a delivery of it.
	queued := func(typ string, at time.Time) bool {
		t.Helper()
		e := domain.Event{ID: ids.New(), Type: typ, AggregateType: "referral", AggregateID: ids.New(), Time: at,
			Data: map[string]any{"from_organisation_id": ids.New(), "to_organisation_id": org}}
		if err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return a.Apply(ctx, NewInbox(tx), e) }); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE event_id = $1 AND subscription_id = $2`, e.ID, s.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	for _, c := range []struct {
		typ  string
		at   time.Time
		want bool
	}{
		{"referral.sent", created.Add(-time.Microsecond), false},
		{"referral.sent", created, true},
		{"referral.sent", now.Add(-30 * time.Minute), true},
	} {
		if got := queued(c.typ, c.at); got != c.want {
			t.Errorf("stored without times: %s at %v (created %v) queued %v; want %v", c.typ, c.at, created, got, c.want)
		}
	}

	read, err := repo.GetSubscription(ctx, org, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	read.EventTypes = []string{domain.TypeReferralCancelled, domain.TypeReferralReceived}
	before := time.Now()
	if _, err := repo.UpdateSubscription(ctx, read); err != nil {
		t.Fatal(err)
	}
	var since map[string]time.Time
	if err := pool.QueryRow(ctx, `SELECT event_types_since FROM subscriptions WHERE id = $1`, s.ID).Scan(&since); err != nil {
		t.Fatal(err)
	}
	if len(since) != 2 || !since[domain.TypeReferralReceived].Equal(created) || since[domain.TypeReferralCancelled].Before(before.Add(-time.Second)) {
		t.Errorf("after adding referral.cancelled: %v; want referral.received at %v, referral.cancelled at the update (%v)", since, created, before)
	}
	for _, c := range []struct {
		typ  string
		at   time.Time
		want bool
	}{
		{"referral.sent", now.Add(-10 * time.Minute), true},
		{"referral.cancelled", now.Add(-10 * time.Minute), false},
		{"referral.cancelled", since[domain.TypeReferralCancelled], true},
	} {
		if got := queued(c.typ, c.at); got != c.want {
			t.Errorf("after the update: %s at %v queued %v; want %v (taken %v)", c.typ, c.at, got, c.want, since)
		}
	}

	// Disabled and enabled again, it takes every type at the enabling: an
	// event of before (applied late) is not queued, not even of a type it
	// kept throughout.
	for _, state := range []string{domain.StateDisabled, domain.StateActive} {
		if read, err = repo.GetSubscription(ctx, org, s.ID); err != nil {
			t.Fatal(err)
		}
		read.State = state
		if _, err := repo.UpdateSubscription(ctx, read); err != nil {
			t.Fatal(err)
		}
	}
	var enabled map[string]time.Time
	if err := pool.QueryRow(ctx, `SELECT event_types_since FROM subscriptions WHERE id = $1`, s.ID).Scan(&enabled); err != nil {
		t.Fatal(err)
	}
	at := enabled[domain.TypeReferralReceived]
	if len(enabled) != 2 || !at.After(since[domain.TypeReferralCancelled]) || !enabled[domain.TypeReferralCancelled].Equal(at) {
		t.Errorf("enabled again: %v; want both types taken at the enabling (after %v)", enabled, since)
	}
	for _, c := range []struct {
		typ  string
		at   time.Time
		want bool
	}{
		{"referral.sent", at.Add(-time.Microsecond), false},
		{"referral.cancelled", at.Add(-time.Microsecond), false},
		{"referral.sent", at.Add(time.Millisecond), true},
	} {
		if got := queued(c.typ, c.at); got != c.want {
			t.Errorf("enabled again: %s at %v queued %v; want %v (taken %v)", c.typ, c.at, got, c.want, enabled)
		}
	}
}
