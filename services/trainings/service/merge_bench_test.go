package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/internal/adapters"
	"github.com/spona/spona/services/trainings/internal/app"
	"github.com/spona/spona/services/trainings/service"
)

// BenchmarkMoveBeneficiary times the trainings side of a beneficiary merge
// (app.MoveBeneficiary on PostgreSQL, one transaction): the merged record
// took part in 8 of 40 events (30 other participants and 5 sessions each,
// every participant marked at every session), the survivor in 5 of those
// 8, so 5 participations are combined and 3 move.
func BenchmarkMoveBeneficiary(b *testing.B) {
	url := pgtest.NewDatabase(b)
	servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url), ReferralsAddr: "127.0.0.1:1",
		BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"})) // its migrations
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = "trainings"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO training_events (id, organiser_organisation_id, type, title, start_date)
		SELECT gen_random_uuid(), $1, 'training', 'E' || i, DATE '2019-03-01' FROM generate_series(1, 40) i`, ids.New())
	exec(`INSERT INTO sessions (id, event_id, date) SELECT gen_random_uuid(), e.id, DATE '2019-03-01' + d
		FROM training_events e, generate_series(0, 4) d`)
	exec(`INSERT INTO participants (id, event_id, beneficiary_id) SELECT gen_random_uuid(), e.id, gen_random_uuid()
		FROM training_events e, generate_series(1, 30)`)
	exec(`INSERT INTO attendance (session_id, participant_id, present) SELECT s.id, p.id, random() < 0.7
		FROM sessions s JOIN participants p ON p.event_id = s.event_id`)
	exec(`ANALYZE`)
	a := app.New(adapters.NewPostgres(pool), nil, nil, nil)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		from, to := ids.New(), ids.New()
		// The events at offsets i*8 .. i*8+7 (of 40, by id): from at all
		// 8, to at the first 5.
		exec(`WITH e AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM training_events),
				pick AS (SELECT id, (n - $3::int * 8 % 40 + 40) % 40 AS k FROM e),
				ins AS (INSERT INTO participants (id, event_id, beneficiary_id)
					SELECT gen_random_uuid(), id, $1::uuid FROM pick WHERE k < 8
					UNION ALL SELECT gen_random_uuid(), id, $2::uuid FROM pick WHERE k < 5
					RETURNING id, event_id)
			INSERT INTO attendance (session_id, participant_id, present)
			SELECT s.id, ins.id, random() < 0.7 FROM ins JOIN sessions s ON s.event_id = ins.event_id`, from, to, i)
		b.StartTimer()
		if err := a.MoveBeneficiary(ctx, from, to); err != nil {
			b.Fatal(err)
		}
	}
}
