package adapters

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// TestClaimCostDoesNotGrowWithTheBacklog: a claim reads about as much of
// the database beside a backlog of 2 000 pending deliveries as beside 200
// (under 3 times), before the table has statistics (a new table, or one
// autovacuum has not analysed yet) and after. The claim used to check "no
// earlier pending delivery of the same ordering key" with a NOT EXISTS that
// the planner, without statistics, made an anti-join probing by
// subscription alone: every pending delivery of the subscription was read
// for each candidate (about 10 times the blocks at 10 times the backlog),
// so under load claims slowed as the backlog grew and deliveries stalled
// (make load-webhooks). Counted in blocks read (EXPLAIN ANALYZE), not time.
func TestClaimCostDoesNotGrowWithTheBacklog(t *testing.T) {
	ctx := context.Background()
	pool, repo := benchRepo(t)
	// Statistics come only from the test's ANALYZE.
	if _, err := pool.Exec(ctx, `ALTER TABLE deliveries SET (autovacuum_enabled = off)`); err != nil {
		t.Fatal(err)
	}
	org := ids.New()
	if _, err := repo.CreateSubscription(ctx, &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: "http://127.0.0.1:9/",
		EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
		CreateTime: time.Now()}, ""); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(repo, nil, nil, app.Options{}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	// queue adds n pending deliveries, one referral each (as the load sends).
	queue := func(n int) { queueReferrals(t, pool, a, org, n) }
	// blocks claims up to 16 (nothing in flight) and returns the blocks the
	// statement read; the claim is rolled back.
	blocks := func() int {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		now := time.Now()
		var raw []byte
		if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+claimSQL,
			now, 64, []string{}, ids.New(), now.Add(time.Minute), 16, []string{}, []int32{}).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var plans []struct {
			Plan struct {
				Rows int `json:"Actual Rows"`
				Hit  int `json:"Shared Hit Blocks"`
				Read int `json:"Shared Read Blocks"`
			}
		}
		if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
			t.Fatalf("EXPLAIN: %v: %s", err, raw)
		}
		if plans[0].Plan.Rows != 16 {
			t.Fatalf("claimed %d deliveries, want 16", plans[0].Plan.Rows)
		}
		return plans[0].Plan.Hit + plans[0].Plan.Read
	}
	queue(200)
	small := blocks()
	queue(1800)
	large := blocks()
	if _, err := pool.Exec(ctx, `ANALYZE deliveries`); err != nil {
		t.Fatal(err)
	}
	analyzed := blocks()
	t.Logf("blocks read by a claim of 16: backlog 200: %d; 2 000: %d; 2 000 after ANALYZE: %d", small, large, analyzed)
	for name, n := range map[string]int{"without statistics": large, "with statistics": analyzed} {
		if n > 3*small {
			t.Errorf("a claim beside 2 000 pending deliveries %s read %d blocks, beside 200 %d: the claim reads the backlog", name, n, small)
		}
	}
}
