package adapters

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"github.com/spona/spona/services/webhooks/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkClaim measures one claim of a delivery to a fast receiver while
// a slow one, at its cap, has a backlog of pending deliveries: the step a
// dispatcher repeats when a receiver answers.
func BenchmarkClaim(b *testing.B) {
	for _, backlog := range []int{100, 2000, 20000} {
		b.Run(fmt.Sprint("backlog=", backlog), func(b *testing.B) {
			ctx := context.Background()
			pool, repo := benchRepo(b)
			slow, fast := ids.New(), ids.New()
			for org, url := range map[string]string{slow: "http://127.0.0.1:9/", fast: "http://127.0.0.2:9/"} {
				if _, err := repo.CreateSubscription(ctx, &domain.Subscription{ID: ids.New(), OrganisationID: org, URL: url,
					EventTypes: []string{domain.TypeReferralReceived}, Secret: domain.NewSecret(), State: domain.StateActive,
					CreateTime: time.Now()}, ""); err != nil {
					b.Fatal(err)
				}
			}
			a, _ := app.New(repo, nil, nil, app.Options{}, slog.Default())
			apply := func(org string, n int) { queueReferrals(b, pool, a, org, n) }
			apply(slow, backlog)
			apply(fast, 10)
			if _, err := pool.Exec(ctx, "ANALYZE deliveries"); err != nil { // as autovacuum would
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cs, err := repo.Claim(ctx, app.ClaimRequest{Now: time.Now(), Limit: 56, PerTarget: 16,
					InFlight: map[string]int{"127.0.0.1:9": 16, "127.0.0.2:9": 15}, Lease: time.Nanosecond})
				if err != nil || len(cs) != 1 {
					b.Fatalf("claimed %d: %v", len(cs), err)
				}
			}
		})
	}
}

// BenchmarkApply measures applying events as the feed consumer does
// (batches of 100 in one transaction), each queueing a delivery to every
// subscription of the organisations it concerns and their change-feed
// entries: a referral.sent to its receiver, a participant.completed to the
// training event's organiser (the trainings feed), an
// indicator.value_recorded to the three readers of a project (the
// reporting feed), each organisation with one subscription to the type.
func BenchmarkApply(b *testing.B) {
	for _, c := range []struct {
		source, webhook, aggregate string
		orgs                       int
	}{
		{"referral.sent", domain.TypeReferralReceived, "referral", 1},
		{"participant.completed", domain.TypeParticipantCompleted, "participant", 1},
		{"indicator.value_recorded", domain.TypeIndicatorValueRecorded, "indicator", 3},
	} {
		b.Run(c.source, func(b *testing.B) {
			ctx := context.Background()
			pool, repo := benchRepo(b)
			orgs := make([]string, c.orgs)
			for i := range orgs {
				orgs[i] = ids.New()
				if _, err := repo.CreateSubscription(ctx, &domain.Subscription{ID: ids.New(), OrganisationID: orgs[i], URL: "http://127.0.0.1:9/",
					EventTypes: []string{c.webhook}, Secret: domain.NewSecret(), State: domain.StateActive,
					CreateTime: time.Now()}, ""); err != nil {
					b.Fatal(err)
				}
			}
			a, _ := app.New(repo, nil, nil, app.Options{}, slog.Default())
			b.ResetTimer()
			for i := 0; i < b.N; i += 100 {
				err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
					for j := 0; j < 100 && i+j < b.N; j++ {
						e := domain.Event{ID: ids.New(), Type: c.source, AggregateType: c.aggregate, AggregateID: ids.New(), Time: time.Now(),
							OrganisationIDs: orgs, Data: map[string]any{"from_organisation_id": ids.New(), "to_organisation_id": orgs[0],
								"event_id": ids.New(), "project_id": ids.New(), "cause": "attendance.recorded",
								"period_start": "2026-01-01", "period_end": "2026-03-31", "organisation_id": orgs[0]}}
						if err := a.Apply(ctx, NewInbox(tx), e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// queueReferrals applies n referral.sent events to org, 100 to a
// transaction as the feed consumer does: a pending delivery each to org's
// subscriptions, one referral (ordering key) each.
func queueReferrals(tb testing.TB, pool *pgxpool.Pool, a *app.App, org string, n int) {
	ctx := context.Background()
	for i := 0; i < n; i += 100 {
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			for j := 0; j < 100 && i+j < n; j++ {
				e := domain.Event{ID: ids.New(), Type: "referral.sent", AggregateType: "referral", AggregateID: ids.New(),
					Time: time.Now(), Data: map[string]any{"from_organisation_id": ids.New(), "to_organisation_id": org}}
				if err := a.Apply(ctx, NewInbox(tx), e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// benchRepo is the repository on a fresh, migrated database (closed when
// the benchmark ends).
func benchRepo(b testing.TB) (*pgxpool.Pool, *Postgres) {
	ctx := context.Background()
	pool, err := db.Open(ctx, pgtest.NewDatabase(b), "webhooks", 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "webhooks", migrations.FS, slog.Default()); err != nil {
		b.Fatal(err)
	}
	sealer, err := NewSealer("bench-secrets-key-0123456789")
	if err != nil {
		b.Fatal(err)
	}
	return pool, NewPostgres(pool, sealer)
}
