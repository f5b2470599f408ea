package service_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
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
// beneficiaries, bulk-loaded with COPY into the beneficiaries schema. In
// the same run it times three things, interleaved (one round of the three
// per iteration; -benchtime 5x for five) so that outside load hits them
// alike, and reports their medians and ratios:
//
//   - service: the whole path (gRPC to reporting, which asks the
//     beneficiaries service over gRPC, then suppresses);
//   - today_sql: the query the service ran before (issue 13 §3), per
//     dimension a count(DISTINCT) over the join of every record with its
//     person, with GROUPING SETS, the dimensions at once as the service
//     asked them;
//   - best_sql: the best plain SQL found for the same figures: the
//     persons assisted found once by a semi-join on the records, every
//     breakdown a grouping set of that one pass.
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

	// All three must agree before any is timed.
	service := func() (map[string]int64, error) {
		// Principals live a minute; loading and rounds may take longer.
		rep, err := c.GetProjectReport(servicetest.As(b, org), &pb.GetProjectReportRequest{ProjectId: project})
		if err != nil {
			return nil, err
		}
		res := rep.GetReport().GetResults()[0]
		got := map[string]int64{"": mustInt(b, res.GetActual().GetValue())}
		for _, bd := range res.GetDisaggregations() {
			for _, cell := range bd.GetCells() {
				got[bd.GetDimension()+"="+cell.GetLabel()] = mustInt(b, cell.GetValue())
			}
		}
		return got, nil
	}
	paths := []struct {
		name string
		run  func() (map[string]int64, error)
	}{
		{"service", service},
		{"today_sql", func() (map[string]int64, error) { return todayReport(context.Background(), pool, project) }},
		{"best_sql", func() (map[string]int64, error) { return bestReport(context.Background(), pool, project) }},
	}
	var want map[string]int64
	for _, path := range paths {
		got, err := path.run()
		if err != nil {
			b.Fatalf("%s: %v", path.name, err)
		}
		if want == nil {
			want = got
			continue
		}
		// The service suppresses small cells; with this many records
		// every cell is large, so all three give the same figures.
		if !maps.Equal(got, want) {
			b.Fatalf("%s counts %v, service %v", path.name, got, want)
		}
	}

	// One iteration is one round of the three, in turn first; -benchtime
	// 5x runs five rounds.
	b.Run("rounds", func(b *testing.B) {
		times := make([][]time.Duration, len(paths))
		round := 0
		for b.Loop() {
			for i := range paths {
				j := (i + round) % len(paths)
				t0 := time.Now()
				if _, err := paths[j].run(); err != nil {
					b.Fatal(err)
				}
				times[j] = append(times[j], time.Since(t0))
			}
			round++
		}
		med := make([]time.Duration, len(paths))
		for i := range paths {
			slices.Sort(times[i])
			med[i] = times[i][len(times[i])/2]
			b.ReportMetric(float64(med[i])/1e6, paths[i].name+"-ms")
		}
		b.ReportMetric(float64(med[1])/float64(med[0]), "today/service")
		b.ReportMetric(float64(med[0])/float64(med[2]), "service/best")
		// Printed rather than logged: a benchmark's log is shown only on failure.
		fmt.Printf("BenchmarkReport: %d assistance records, medians of %d interleaved rounds: report %s, today's SQL %s (%.2fx the report), best SQL %s (the report %.2fx it)\n",
			n, round, med[0].Round(time.Millisecond), med[1].Round(time.Millisecond), float64(med[1])/float64(med[0]),
			med[2].Round(time.Millisecond), float64(med[0])/float64(med[2]))
	})
}

func mustInt(b *testing.B, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		b.Fatalf("count %q: %v", s, err)
	}
	return v
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

// benchColumns are the SQL of benchDimensions.
var benchColumns = map[string]string{"sex": "b.sex", "legal_status": "NULLIF(b.legal_status, '')", "municipality": "NULLIF(b.municipality, '')"}

const benchPeriod = `a.project_id = $1 AND a.date >= '2024-01-01' AND a.date <= '2024-12-31'`

// todayReport runs the report's counts as the service ran them before
// issue 13 §3: per dimension, the unique beneficiaries assisted under the
// project in its period by count(DISTINCT) over the join, with the total;
// as many queries at once as the service ran.
func todayReport(ctx context.Context, pool *pgxpool.Pool, project string) (map[string]int64, error) {
	var mu sync.Mutex
	out := map[string]int64{}
	g, gctx := errgroup.WithContext(ctx)
	for _, dim := range benchDimensions {
		col := benchColumns[dim]
		g.Go(func() error {
			rows, err := pool.Query(gctx, `SELECT `+col+`, GROUPING(`+col+`) <> 0, count(DISTINCT a.beneficiary_id)
				FROM beneficiaries.assistances a JOIN beneficiaries.beneficiaries b ON b.id = a.beneficiary_id
				WHERE `+benchPeriod+`
				GROUP BY GROUPING SETS ((`+col+`), ())`, project)
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
				mu.Lock()
				if total {
					out[""] = count
				} else {
					out[dim+"="+labelOf(label)] = count
				}
				mu.Unlock()
			}
			return rows.Err()
		})
	}
	return out, g.Wait()
}

// bestReport runs the same counts as one statement: the persons assisted
// found by a semi-join on the records, each dimension a grouping set.
func bestReport(ctx context.Context, pool *pgxpool.Pool, project string) (map[string]int64, error) {
	cols := make([]string, len(benchDimensions))
	sets := make([]string, len(benchDimensions))
	for i, dim := range benchDimensions {
		cols[i] = benchColumns[dim]
		sets[i] = "(" + cols[i] + ")"
	}
	all := strings.Join(cols, ", ")
	rows, err := pool.Query(ctx, `SELECT `+all+`, GROUPING(`+all+`), count(*)
		FROM beneficiaries.beneficiaries b
		WHERE b.id IN (SELECT a.beneficiary_id FROM beneficiaries.assistances a WHERE `+benchPeriod+`)
		GROUP BY GROUPING SETS (`+strings.Join(sets, ", ")+`, ())`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		labels := make([]*string, len(benchDimensions))
		dest := make([]any, 0, len(labels)+2)
		for i := range labels {
			dest = append(dest, &labels[i])
		}
		var mask, count int64
		if err := rows.Scan(append(dest, &mask, &count)...); err != nil {
			return nil, err
		}
		key := ""
		for i, dim := range benchDimensions {
			if mask&(1<<(len(benchDimensions)-1-i)) == 0 {
				key = dim + "=" + labelOf(labels[i])
			}
		}
		out[key] = count
	}
	return out, rows.Err()
}

func labelOf(s *string) string {
	if s == nil || *s == "" {
		return "unknown"
	}
	return *s
}
