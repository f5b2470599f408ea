package adapters

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// subscribed is an organisation with an active subscription to
// referral.received on a fresh database, and the application over it.
func subscribed(t *testing.T) (*pgxpool.Pool, *Postgres, *app.App, string, *domain.Subscription) {
	pool, repo := benchRepo(t)
	org := ids.New()
	s := &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: time.Now()}
	if _, err := repo.CreateSubscription(context.Background(), s, ""); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(repo, nil, nil, app.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return pool, repo, a, org, s
}

// TestRedeliveryRetriesSoon: a dead-lettered delivery, redelivered, that
// fails once is tried again within seconds, as a new delivery is: the
// redelivery's attempt count is stored with it and read by the claim.
// Before, the backoff counted every attempt since the delivery was made:
// given up after 35 attempts, it waited 2 to 4 hours after one failure.
func TestRedeliveryRetriesSoon(t *testing.T) {
	ctx := context.Background()
	pool, repo, a, org, s := subscribed(t)
	queueReferrals(t, pool, a, org, 1)
	var id string
	if err := pool.QueryRow(ctx, `UPDATE deliveries SET status = 'dead_lettered', attempts = 35, next_attempt_time = NULL,
		last_code = 503, last_attempt_time = now() - interval '1 day' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Redeliver(ctx, auth.Principal{OrganisationID: org}, s.ID, id); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims, err := repo.Claim(ctx, app.ClaimRequest{Now: now, Limit: 10, PerTarget: 8, InFlight: map[string]int{}, Lease: time.Minute})
	if err != nil || len(claims) != 1 {
		t.Fatalf("claimed %d, %v", len(claims), err)
	}
	c := claims[0]
	domain.DefaultRetryPolicy.AfterFailure(c.Delivery, domain.Attempt{Code: 502}, now, 0.5)
	if _, err := repo.Record(ctx, c, c.Delivery, app.SubscriptionHealth{At: now, FailingSince: now}); err != nil {
		t.Fatal(err)
	}
	var attempts int
	var next time.Time
	if err := pool.QueryRow(ctx, `SELECT attempts, next_attempt_time FROM deliveries WHERE id = $1`, id).Scan(&attempts, &next); err != nil {
		t.Fatal(err)
	}
	if wait := next.Sub(now); attempts != 36 || wait > 5*time.Second {
		t.Errorf("redelivered, failed once: %d attempts, next attempt in %s; want 36, within 5 s", attempts, wait.Round(time.Second))
	}
}

// TestBulkRedeliverQueuesFailedInWindow: POST /v1/webhooks/{id}:redeliver
// (App.RedeliverFailed) queues again, in a new retry window, the
// subscription's deliveries created in the window that failed: those
// dead-lettered (attempted or not) and those waiting for a retry after a
// failure. It leaves the rest as they are: older ones, those succeeded,
// not attempted yet or under a dispatcher's lease, and those of a type the
// subscription no longer has. A repeated call queues nothing; at most
// app.RedeliverLimit are queued per call, with more set while others
// remain. Another organisation's call is NotFound and changes nothing.
// Before, there was no such call: a partner whose endpoint was down
// redelivered each delivery by its id.
func TestBulkRedeliverQueuesFailedInWindow(t *testing.T) {
	ctx := context.Background()
	pool, _, a, org, s := subscribed(t)
	queueReferrals(t, pool, a, org, 8)
	var byCase []string
	rows, err := pool.Query(ctx, `SELECT id FROM deliveries ORDER BY seq`)
	if err == nil {
		byCase, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(byCase) != 8 {
		t.Fatalf("%d deliveries, %v", len(byCase), err)
	}
	for i, set := range []string{
		`status = 'dead_lettered', attempts = 3, next_attempt_time = NULL, create_time = now() - interval '2 days'`, // before the window
		`status = 'dead_lettered', attempts = 3, next_attempt_time = NULL, last_code = 503`,                         // queued again
		`status = 'dead_lettered', attempts = 0, next_attempt_time = NULL`,                                          // given up unattempted (disabled): queued again
		`attempts = 2, last_code = 500, next_attempt_time = now() + interval '3 hours'`,                             // waiting for a retry: queued again
		`attempts = 0`, // not attempted yet
		`status = 'succeeded', attempts = 1, last_code = 200, deliver_time = now(), next_attempt_time = NULL`,
		`attempts = 1, last_code = 500, lease_id = gen_random_uuid(), lease_until = now() + interval '1 minute'`, // being attempted
		`status = 'dead_lettered', attempts = 3, next_attempt_time = NULL, event_type = 'referral.accepted'`,     // no longer subscribed
	} {
		if _, err := pool.Exec(ctx, `UPDATE deliveries SET `+set+` WHERE id = $1`, byCase[i]); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		Status          string
		Attempts, Start int
		Next            time.Time // the epoch when unset
	}
	state := func() []row {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT status, attempts, retry_start_attempts,
			coalesce(next_attempt_time, 'epoch') FROM deliveries ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := state()
	start := time.Now().Add(-24 * time.Hour)

	other := auth.Principal{OrganisationID: ids.New()}
	if _, _, err := a.RedeliverFailed(ctx, other, s.ID, start, time.Time{}); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("another organisation's bulk redelivery: %v, want NotFound", err)
	}
	p := auth.Principal{OrganisationID: org}
	for _, bad := range []struct{ start, end time.Time }{{time.Time{}, time.Time{}}, {start, start}, {start, start.Add(-time.Hour)}} {
		if _, _, err := a.RedeliverFailed(ctx, p, s.ID, bad.start, bad.end); errs.KindOf(err) != errs.KindInvalidArgument {
			t.Errorf("window %v..%v: %v, want InvalidArgument", bad.start, bad.end, err)
		}
	}
	if got := state(); !slices.Equal(got, before) {
		t.Fatalf("refused calls changed deliveries: %+v, was %+v", got, before)
	}

	queued, more, err := a.RedeliverFailed(ctx, p, s.ID, start, time.Time{})
	if err != nil || queued != 3 || more {
		t.Fatalf("bulk redelivery: %d queued, more %v, %v; want 3, false", queued, more, err)
	}
	after := state()
	for i, r := range after {
		requeued := i >= 1 && i <= 3
		switch {
		case requeued && (r.Status != domain.DeliveryPending || r.Start != r.Attempts || time.Until(r.Next) > time.Second || time.Since(r.Next) > time.Minute):
			t.Errorf("case %d not queued again now: %+v", i, r)
		case !requeued && r != before[i]:
			t.Errorf("case %d changed: %+v, was %+v", i, r, before[i])
		}
	}
	if queued, more, err := a.RedeliverFailed(ctx, p, s.ID, start, time.Time{}); err != nil || queued != 0 || more {
		t.Fatalf("repeated: %d queued, more %v, %v; want 0", queued, more, err)
	}

	// Bounded: app.RedeliverLimit per call, more while others remain (the
	// new ones, with the two unattempted above, given up).
	queueReferrals(t, pool, a, org, app.RedeliverLimit+20)
	if _, err := pool.Exec(ctx, `UPDATE deliveries SET status = 'dead_lettered', attempts = 1, next_attempt_time = NULL
		WHERE status = 'pending' AND attempts = 0`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		n    int
		more bool
	}{{app.RedeliverLimit, true}, {22, false}, {0, false}} {
		queued, more, err := a.RedeliverFailed(ctx, p, s.ID, start, time.Time{})
		if err != nil || queued != want.n || more != want.more {
			t.Fatalf("bounded: %d queued, more %v, %v; want %d, %v", queued, more, err, want.n, want.more)
		}
	}

	if _, err := pool.Exec(ctx, `UPDATE subscriptions SET state = 'disabled' WHERE id = $1`, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.RedeliverFailed(ctx, p, s.ID, start, time.Time{}); errs.KindOf(err) != errs.KindFailedPrecondition {
		t.Fatalf("bulk redelivery to a disabled webhook: %v, want FailedPrecondition", err)
	}
}

// TestRedeliverWhileAttemptedConverges: POST
// /v1/webhooks/{id}/deliveries/{delivery_id}:redeliver of a delivery a
// dispatcher is attempting right now (under its lease) is refused, 409
// ABORTED DELIVERY_IN_PROGRESS, and changes nothing: the attempt records
// its outcome, and a redelivery after that is queued at once. A lease that
// has run out is cleared by the redelivery, so its attempt, recording late,
// no longer overwrites the new retry window. Before, the redelivery was
// answered as queued and the attempt's record then put back the failed
// attempt's next retry (up to hours away) over it.
func TestRedeliverWhileAttemptedConverges(t *testing.T) {
	ctx := context.Background()
	pool, repo, a, org, s := subscribed(t)
	p := auth.Principal{OrganisationID: org}
	queueReferrals(t, pool, a, org, 1)
	// The delivery has failed many times: its next retry is hours away.
	if _, err := pool.Exec(ctx, `UPDATE deliveries SET attempts = 20, retry_start_attempts = 0`); err != nil {
		t.Fatal(err)
	}
	claim := func() app.Claimed {
		t.Helper()
		claims, err := repo.Claim(ctx, app.ClaimRequest{Now: time.Now(), Limit: 10, PerTarget: 8, InFlight: map[string]int{}, Lease: time.Minute})
		if err != nil || len(claims) != 1 {
			t.Fatalf("claimed %d, %v", len(claims), err)
		}
		return claims[0]
	}
	fail := func(c app.Claimed) {
		t.Helper()
		now := time.Now()
		domain.DefaultRetryPolicy.AfterFailure(c.Delivery, domain.Attempt{Code: 503}, now, 0.5)
		if _, err := repo.Record(ctx, c, c.Delivery, app.SubscriptionHealth{At: now, FailingSince: now}); err != nil {
			t.Fatal(err)
		}
	}
	nextIn := func() time.Duration {
		t.Helper()
		var next time.Time
		if err := pool.QueryRow(ctx, `SELECT next_attempt_time FROM deliveries`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		return time.Until(next)
	}

	c := claim()
	_, err := a.Redeliver(ctx, p, s.ID, c.Delivery.ID)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindAborted || e.Reason != app.ReasonDeliveryInProgress {
		t.Fatalf("redeliver while attempted: %v, want Aborted %s", err, app.ReasonDeliveryInProgress)
	}
	fail(c)
	if wait := nextIn(); wait < time.Minute {
		t.Fatalf("after the attempt failed: next attempt in %s, want the backoff's hours", wait)
	}
	if _, err := a.Redeliver(ctx, p, s.ID, c.Delivery.ID); err != nil {
		t.Fatalf("redeliver after the attempt: %v", err)
	}
	if wait := nextIn(); wait > time.Second {
		t.Fatalf("redelivered after the attempt: next attempt in %s, want now", wait)
	}

	// A lease run out: the redelivery goes ahead, and the late record of
	// the attempt that held it changes nothing.
	c = claim()
	if _, err := pool.Exec(ctx, `UPDATE deliveries SET lease_until = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Redeliver(ctx, p, s.ID, c.Delivery.ID); err != nil {
		t.Fatalf("redeliver after the lease ran out: %v", err)
	}
	fail(c)
	if wait := nextIn(); wait > time.Second {
		t.Fatalf("redelivered, then the attempt of a lease run out recorded: next attempt in %s, want now", wait)
	}
}
