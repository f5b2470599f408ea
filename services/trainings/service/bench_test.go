package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/service"
)

// BenchmarkCountTrainedProfessionals compares the aggregate RPC (gRPC,
// principal check, GROUPING SETS query) with the same count written as
// plain SQL against the same data: 400 events, 20,000 professionals and
// 100,000 registrations of one project.
func BenchmarkCountTrainedProfessionals(b *testing.B) {
	url := pgtest.NewDatabase(b)
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url), ReferralsAddr: "127.0.0.1:1",
		BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"}))
	c := pb.NewTrainingServiceClient(conn)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	project, organiser := ids.New(), ids.New()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`SET search_path = trainings`, nil},
		{`INSERT INTO training_events (id, organiser_organisation_id, project_id, type, title, start_date)
			SELECT gen_random_uuid(), $1, $2, (ARRAY['seminar','workshop','training'])[1 + i % 3], 'E' || i, DATE '2017-01-01' + (i % 365)
			FROM generate_series(1, 400) i`, []any{organiser, project}},
		{`INSERT INTO professionals (id, organiser_organisation_id, given_name, family_name, email, sector, sex, given_key, family_key, organisation_key)
			SELECT gen_random_uuid(), $1, 'G' || i, 'F' || i, CASE WHEN i % 2 = 0 THEN 'p' || i || '@example.org' END,
				(ARRAY['justice','police','social_welfare','education','health','labour','ngo'])[1 + i % 7],
				(ARRAY['female','male'])[1 + i % 2], 'g' || i, 'f' || i, 'name:'
			FROM generate_series(1, 20000) i`, []any{organiser}},
		{`INSERT INTO participants (id, event_id, professional_id, sector, organisation_kind)
			SELECT gen_random_uuid(), e.id, p.id, p.sector, (ARRAY['ngo','police','health'])[1 + (e.n + p.n) % 3]
			FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM training_events) e
			JOIN (SELECT id, sector, row_number() OVER (ORDER BY id) n FROM professionals) p ON p.n % 80 = e.n % 80
			LIMIT 100000`, nil},
		{`ANALYZE`, nil},
	} {
		if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatalf("%s: %v", st.sql, err)
		}
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM trainings.participants`).Scan(&rows); err != nil || rows != 100000 {
		b.Fatalf("seeded %d registrations (%v)", rows, err)
	}
	rctx := servicetest.As(b, ids.New())
	req := &pb.CountTrainedProfessionalsRequest{ProjectId: project, GroupBy: []string{"sector", "sex"},
		Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-12-31"}}
	want, err := c.CountTrainedProfessionals(rctx, req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rpc", func(b *testing.B) {
		for b.Loop() {
			r, err := c.CountTrainedProfessionals(rctx, req)
			if err != nil || r.GetAggregate().GetTotal() != want.GetAggregate().GetTotal() {
				b.Fatalf("%v (%v)", r, err)
			}
		}
	})
	b.Run("raw_sql", func(b *testing.B) {
		for b.Loop() {
			rs, err := db.Query(ctx, `SELECT pa.sector, pr.sex, count(DISTINCT pr.person_key)
				FROM participants pa JOIN professionals pr ON pr.id = pa.professional_id JOIN training_events e ON e.id = pa.event_id
				WHERE e.project_id = $1 AND e.start_date BETWEEN '2017-01-01' AND '2017-12-31'
				GROUP BY GROUPING SETS ((pa.sector, pr.sex), ())`, project)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rs.Next() {
				n++
			}
			rs.Close()
			if n != len(want.GetAggregate().GetGroups())+1 {
				b.Fatalf("raw SQL returned %d rows, want %d", n, len(want.GetAggregate().GetGroups())+1)
			}
		}
	})
}
