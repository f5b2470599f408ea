package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"golang.org/x/sync/errgroup"
)

// benchDimensions are the disaggregations of the benchmarked indicator.
var benchDimensions = []string{"sex", "legal_status", "municipality"}

// BenchmarkReport measures GetProjectReport for a project with a
// beneficiaries-assisted indicator broken down by sex, legal status and
// municipality, over SPONA_BENCH_ASSISTANCES assistance records (default
// 20,000; the figure is 1,000,000) of a quarter as many
// beneficiaries, bulk-loaded with COPY into the beneficiaries schema. It
// compares the whole path (REST-less: gRPC to reporting, which asks the
// beneficiaries service over gRPC, then suppresses) with the same
// aggregate queries run directly on PostgreSQL, with the same parallelism,
// in the same run, and logs the ratio.
func BenchmarkReport(b *testing.B) {
	n := 20000
	if s := os.Getenv("SPONA_BENCH_ASSISTANCES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("SPONA_BENCH_ASSISTANCES=%q is not a positive number", s)
		}
		n = v
	}
	e := start(b)
	c := e.c
	org := ids.New()
	ctx := servicetest.As(b, org)
	p, err := c.CreateProject(ctx, &pb.CreateProjectRequest{Project: minimal("BENCH")})
	if err != nil {
		b.Fatal(err)
	}
	project := p.GetProject().GetId()
	if _, err := c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: project, Indicator: &pb.Indicator{
		Code: "OP1", Titles: en("Persons assisted"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
		Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Disaggregations: benchDimensions}}); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	start := time.Now()
	if err := load(context.Background(), pool, org, project, n); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BenchmarkReport: loaded %d assistance records of %d beneficiaries in %s\n", n, max(n/4, 1), time.Since(start).Round(time.Millisecond))

	// Principals live a minute; loading may take longer.
	ctx = servicetest.As(b, org)
	// Both must agree before either is timed.
	rep, err := c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: project})
	if err != nil {
		b.Fatal(err)
	}
	totals, err := rawReport(context.Background(), pool, project)
	if err != nil {
		b.Fatal(err)
	}
	if got := rep.GetReport().GetResults()[0].GetActual().GetValue(); got != strconv.FormatInt(totals, 10) {
		b.Fatalf("service reports %s assisted, SQL counts %d", got, totals)
	}

	var perService, perSQL time.Duration
	b.Run("service", func(b *testing.B) {
		ctx := servicetest.As(b, org)
		for b.Loop() {
			if _, err := c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: project}); err != nil {
				b.Fatal(err)
			}
		}
		perService = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("raw_sql", func(b *testing.B) {
		for b.Loop() {
			if _, err := rawReport(context.Background(), pool, project); err != nil {
				b.Fatal(err)
			}
		}
		perSQL = b.Elapsed() / time.Duration(b.N)
	})
	if perSQL > 0 {
		// Printed rather than logged: a parent benchmark's log is not shown.
		fmt.Printf("BenchmarkReport: %d assistance records: report %s, raw SQL %s, ratio %.2fx\n", n,
			perService.Round(time.Millisecond), perSQL.Round(time.Millisecond), float64(perService)/float64(perSQL))
	}
}

// load bulk-loads n assistance records under the project, of n/4
// beneficiaries of org, with COPY.
func load(ctx context.Context, pool *pgxpool.Pool, org, project string, n int) error {
	r := rand.New(rand.NewPCG(7, 11))
	people := max(n/4, 1)
	sexes := []string{"female", "male", "other", "unknown"}
	statuses := []string{"asylum_seeker", "international_protection", "refugee", "subsidiary_protection", "migrant", "returnee", "stateless"}
	places := make([]string, 40)
	for i := range places {
		places[i] = fmt.Sprintf("Municipality %02d", i)
	}
	benIDs := make([]uuid.UUID, people)
	i := 0
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "beneficiaries"},
		[]string{"id", "organisation_id", "given_name", "sex", "birth_year", "legal_status", "municipality", "country"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == people {
				return nil, nil
			}
			benIDs[i] = uuid.New()
			row := []any{benIDs[i], org, "Person " + strconv.Itoa(i), sexes[r.IntN(len(sexes))], 1950 + r.IntN(70),
				statuses[r.IntN(len(statuses))], places[r.IntN(len(places))], "RS"}
			i++
			return row, nil
		}))
	if err != nil {
		return fmt.Errorf("copy beneficiaries: %w", err)
	}
	types := []string{"psychosocial_counselling", "legal_counselling", "information", "social_work", "material_aid"}
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	j := 0
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "assistances"},
		[]string{"id", "beneficiary_id", "organisation_id", "project_id", "type", "date"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if j == n {
				return nil, nil
			}
			j++
			return []any{uuid.New(), benIDs[r.IntN(people)], org, project, types[r.IntN(len(types))],
				first.AddDate(0, 0, r.IntN(366))}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy assistances: %w", err)
	}
	_, err = pool.Exec(ctx, "ANALYZE beneficiaries.beneficiaries; ANALYZE beneficiaries.assistances")
	return err
}

// rawReport runs the report's aggregate as plain SQL: per dimension, the
// unique beneficiaries assisted under the project in its period, grouped,
// with the total; as many queries at once as the service runs. It returns
// the total.
func rawReport(ctx context.Context, pool *pgxpool.Pool, project string) (int64, error) {
	totals := make([]int64, len(benchDimensions))
	g, gctx := errgroup.WithContext(ctx)
	for i, dim := range benchDimensions {
		col := map[string]string{"sex": "b.sex", "legal_status": "NULLIF(b.legal_status, '')", "municipality": "NULLIF(b.municipality, '')"}[dim]
		g.Go(func() error {
			rows, err := pool.Query(gctx, `SELECT `+col+`, GROUPING(`+col+`) <> 0, count(DISTINCT a.beneficiary_id)
				FROM beneficiaries.assistances a JOIN beneficiaries.beneficiaries b ON b.id = a.beneficiary_id
				WHERE a.project_id = $1 AND a.date >= $2 AND a.date <= $3
				GROUP BY GROUPING SETS ((`+col+`), ())`, project, "2024-01-01", "2024-12-31")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var label *string
				var total bool
				var count int64
				if err := rows.Scan(&label, &total, &count); err != nil {
					return err
				}
				if total {
					totals[i] = count
				}
			}
			return rows.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return totals[0], nil
}
