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

// TestRedeliveryRetriesSoon: a dead-lettered delivery, redelivered, that
// fails once is tried again within seconds, as a new delivery is: the
// redelivery's attempt count is stored with it and read by the claim.
// Before, the backoff counted every attempt since the delivery was made:
// given up after 35 attempts, it waited 2 to 4 hours after one failure.
func TestRedeliveryRetriesSoon(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	org := ids.New()
	s := &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: "https://partner.example/hook",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: time.Now()}
	if _, err := repo.CreateSubscription(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(repo, nil, nil, app.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
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
