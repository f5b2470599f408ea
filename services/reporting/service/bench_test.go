package service_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"golang.org/x/sync/errgroup"
)

// benchDimensions are the disaggregations of the benchmarked indicator.
var benchDimensions = []string{"sex", "legal_status", "municipality"}

// deliveryDimensions are the breakdowns by the directory service that
// delivered the assistance (issue 14 §2), added to benchDimensions for the
// with_service path.
var deliveryDimensions = []string{"service", "service_category", "location"}

// benchTeams and benchPlaces: the assistance records are given by five
// psychosocial teams of the organisation, each at five locations.
const benchTeams, benchPlaces = 5, 5

// BenchmarkReport measures GetProjectReport for a project with a
// beneficiaries-assisted indicator broken down by sex, legal status and
// municipality, over SPONA_BENCH_ASSISTANCES assistance records (default
// 20,000; the figure is 1,000,000) of a quarter as many
// beneficiaries, bulk-loaded with COPY into the beneficiaries schema, each
// record given by one of five directory services (teams) at one of its
// five locations. In the same run it times these paths, interleaved (one
// round of them all per iteration; -benchtime 5x for five) so that outside
// load hits them alike, and reports their medians and ratios:
//
//   - service: the whole path (gRPC to reporting, which asks the
//     beneficiaries service over gRPC, then suppresses);
//   - with_service: the same report of a second project holding a copy of
//     the same records, whose indicator is also broken down by service,
//     service category and location (issue 14 §2): the distinct (person,
//     service) pairs and so on, and the directory calls that name the
//     cells (one GetService per team);
//   - with_location: the same of a third copy, broken down by category and
//     location but not service, so that the cells are named through one
//     more count (of locations by service);
//   - with_service_counts and locations_of_services: the two counts of
//     with_service alone (the beneficiaries service over gRPC);
//   - delivery_before_sql and delivery_sql: the SQL of the three delivery
//     breakdowns as first written and as run now (see deliveryNow);
//   - today_sql: the query the service ran before (issue 13 §3), per
//     dimension a count(DISTINCT) over the join of every record with its
//     person, with GROUPING SETS, the dimensions at once as the service
//     asked them;
//   - best_sql: the best plain SQL found for the same figures: the
//     persons assisted found once by a semi-join on the records, every
//     breakdown a grouping set of that one pass, by the current legal
//     status (as the service counted until it took the status of then);
//   - then_sql: the service's statement since: each person with the day
//     of their last record, the legal status of that day from the
//     history (two entries per person here, the current status from
//     before the period, so that the figures equal the others'): the
//     entry stored as valid on every day of the period, the day looked
//     up only for persons whose status changed within it (none here);
//   - then_picked_sql: the service's statement before the history stored
//     the days each entry is valid on: every person's last day found,
//     the entry of that day picked from the history by a sort.
func BenchmarkReport(b *testing.B) {
	n := benchenv.Int(b, "SPONA_BENCH_ASSISTANCES", 20000)
	e := start(b)
	c := e.c
	org := e.organisation(b, "Bench NGO", "")
	ctx := servicetest.As(b, org)
	teams := e.teams(b, ctx, org)
	// Three projects with the same records: the indicator broken down by
	// the person's dimensions; also by service, category and location;
	// also by category and location alone (whose location cells are named
	// through one more count, of locations by service).
	projects := make([]string, 3)
	for i, dims := range [][]string{benchDimensions, append(slices.Clone(benchDimensions), deliveryDimensions...),
		append(slices.Clone(benchDimensions), "service_category", "location")} {
		p, err := c.CreateProject(ctx, &pb.CreateProjectRequest{Project: minimal("BENCH-" + strconv.Itoa(i))})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetProject().GetId(), Indicator: &pb.Indicator{
			Code: "OP1", Titles: en("Persons assisted"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Disaggregations: dims}}); err != nil {
			b.Fatal(err)
		}
		projects[i] = p.GetProject().GetId()
	}
	project, withService, withLocation := projects[0], projects[1], projects[2]
	pool, err := pgxpool.New(context.Background(), e.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	start := time.Now()
	if err := load(context.Background(), pool, org, project, n, teams); err != nil {
		b.Fatal(err)
	}
	// The other projects hold a copy of the same records.
	for _, to := range projects[1:] {
		if _, err := pool.Exec(context.Background(), `INSERT INTO beneficiaries.assistances
			(id, beneficiary_id, organisation_id, project_id, type, date, service_id, location_id, service_category)
			SELECT gen_random_uuid(), beneficiary_id, organisation_id, $2, type, date, service_id, location_id, service_category
			FROM beneficiaries.assistances WHERE project_id = $1`, project, to); err != nil {
			b.Fatal(err)
		}
	}
	// Vacuumed now, so that autovacuum does not start on the new rows
	// while the rounds are timed.
	if _, err := pool.Exec(context.Background(), `VACUUM ANALYZE beneficiaries.assistances`); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BenchmarkReport: loaded %d assistance records of %d beneficiaries (three times, one copy per project) in %s\n", n, max(n/4, 1), time.Since(start).Round(time.Millisecond))

	// report runs a project's report through the service: its total and
	// cells by dimension=label (and, for the directory dimensions, which
	// cells the directory named).
	report := func(project string) (map[string]int64, error) {
		// Principals live a minute; loading and rounds may take longer.
		rep, err := c.GetProjectReport(servicetest.As(b, org), &pb.GetProjectReportRequest{ProjectId: project})
		if err != nil {
			return nil, err
		}
		res := rep.GetReport().GetResults()[0]
		got := map[string]int64{"": mustInt(b, res.GetActual().GetValue())}
		for _, bd := range res.GetDisaggregations() {
			for _, cell := range bd.GetCells() {
				if cell.GetSuppressed() {
					// The SQL baselines do not suppress: the figures compare
					// only when every cell is shown.
					return nil, fmt.Errorf("cell %s=%s is suppressed (small cell): %d records are too few for this benchmark, set SPONA_BENCH_ASSISTANCES higher",
						bd.GetDimension(), cell.GetLabel(), n)
				}
				got[bd.GetDimension()+"="+cell.GetLabel()] = mustInt(b, cell.GetValue())
				if cell.GetName() != "" {
					got["named "+bd.GetDimension()]++
				}
			}
		}
		return got, nil
	}
	paths := []struct {
		name string
		run  func() (map[string]int64, error)
	}{
		{"service", func() (map[string]int64, error) { return report(project) }},
		{"with_service", func() (map[string]int64, error) { return report(withService) }},
		{"with_location", func() (map[string]int64, error) { return report(withLocation) }},
		{"with_service_counts", func() (map[string]int64, error) {
			return assisted(servicetest.As(b, org, auth.ScopeAggregates), e.ben, withService, true, append(slices.Clone(benchDimensions), deliveryDimensions...)...)
		}},
		{"locations_of_services", func() (map[string]int64, error) {
			return assisted(servicetest.As(b, org, auth.ScopeAggregates), e.ben, withService, false, "service", "location")
		}},
		{"delivery_before_sql", func() (map[string]int64, error) {
			return delivery(context.Background(), pool, withService, deliveryBefore)
		}},
		{"delivery_sql", func() (map[string]int64, error) {
			return delivery(context.Background(), pool, withService, deliveryNow)
		}},
		{"today_sql", func() (map[string]int64, error) { return todayReport(context.Background(), pool, project) }},
		{"best_sql", func() (map[string]int64, error) { return bestReport(context.Background(), pool, project) }},
		{"then_sql", func() (map[string]int64, error) { return thenReport(context.Background(), pool, project) }},
		{"then_picked_sql", func() (map[string]int64, error) { return pickedReport(context.Background(), pool, project) }},
	}
	var want, with map[string]int64
	for _, path := range paths {
		got, err := path.run()
		if err != nil {
			b.Fatalf("%s: %v", path.name, err)
		}
		if want == nil {
			want = got
			continue
		}
		if path.name == "locations_of_services" {
			// The total and one group per (team, location).
			if len(got) != 1+len(teams)*benchPlaces || got[""] != want[""] {
				b.Fatalf("%s: %v", path.name, got)
			}
			continue
		}
		if strings.HasPrefix(path.name, "delivery_") {
			// The service's delivery cells, without the others.
			cells := map[string]int64{}
			for k, v := range with {
				if dim, _, _ := strings.Cut(k, "="); slices.Contains(deliveryDimensions, dim) {
					cells[k] = v
				}
			}
			if !maps.Equal(got, cells) {
				b.Fatalf("%s counts %v, the service %v", path.name, got, cells)
			}
			continue
		}
		if path.name == "with_location" {
			// The service's cells of these two dimensions, named alike.
			for k, v := range with {
				if dim, _, _ := strings.Cut(k, "="); dim == "service_category" || dim == "location" || k == "named location" {
					if got[k] != v {
						b.Fatalf("with_location: %s = %d, with_service %d", k, got[k], v)
					}
					delete(got, k)
				}
			}
			delete(got, "named location")
			if !maps.Equal(got, want) {
				b.Fatalf("with_location counts %v, service %v", got, want)
			}
			continue
		}
		if strings.HasPrefix(path.name, "with_service") {
			if path.name == "with_service" {
				with = maps.Clone(got)
			}
			checkDelivery(b, got, want, teams, path.name == "with_service")
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
		ways := make([]benchenv.Way, len(paths))
		for i, p := range paths {
			ways[i] = benchenv.Way{Name: p.name, Run: func() error { _, err := p.run(); return err }}
		}
		med, round := benchenv.Interleaved(b, ways)
		ratio := func(x, y string) float64 { return float64(med[x]) / float64(med[y]) }
		b.ReportMetric(ratio("with_service", "service"), "with_service/service")
		b.ReportMetric(ratio("with_location", "service"), "with_location/service")
		b.ReportMetric(ratio("delivery_before_sql", "delivery_sql"), "delivery_before/now")
		b.ReportMetric(ratio("today_sql", "service"), "today/service")
		b.ReportMetric(ratio("service", "best_sql"), "service/best")
		b.ReportMetric(ratio("then_sql", "best_sql"), "then/best")
		b.ReportMetric(ratio("service", "then_sql"), "service/then")
		b.ReportMetric(ratio("then_picked_sql", "then_sql"), "then_picked/then")
		ms := func(name string) time.Duration { return med[name].Round(100 * time.Microsecond) }
		// Printed rather than logged: a benchmark's log is shown only on failure.
		fmt.Printf("BenchmarkReport: %d assistance records, medians of %d interleaved rounds: report %s; "+
			"with service, category and location breakdowns %s (%.2fx; its counts %s); with category and location %s (%.2fx), "+
			"whose location cells are named through a count of locations by service, %s; "+
			"the delivery breakdowns' SQL before %s, now %s (%.2fx); "+
			"today's SQL %s (%.2fx the report), best SQL %s (the report %.2fx it); "+
			"the best SQL with the legal status of then %s (%.2fx the best SQL, of the current status; the report %.2fx it), "+
			"picking the status of then by a sort %s (%.2fx)\n",
			n, round, ms("service"), ms("with_service"), ratio("with_service", "service"), ms("with_service_counts"),
			ms("with_location"), ratio("with_location", "service"), ms("locations_of_services"),
			ms("delivery_before_sql"), ms("delivery_sql"), ratio("delivery_before_sql", "delivery_sql"),
			ms("today_sql"), ratio("today_sql", "service"), ms("best_sql"), ratio("service", "best_sql"),
			ms("then_sql"), ratio("then_sql", "best_sql"), ratio("service", "then_sql"),
			ms("then_picked_sql"), ratio("then_picked_sql", "then_sql"))
	})
}

// benchTeam is a directory service of the benchmark and its locations.
type benchTeam struct {
	id, category string
	locations    []string
}

// teams publishes benchTeams psychosocial teams of org in the directory,
// each at benchPlaces locations.
func (e *env) teams(b *testing.B, ctx context.Context, org string) []benchTeam {
	b.Helper()
	out := make([]benchTeam, benchTeams)
	for i := range out {
		svc := &refv1.Service{Name: fmt.Sprintf("Team %d", i+1), Category: refv1.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL}
		for j := range benchPlaces {
			svc.Locations = append(svc.Locations, &refv1.Location{Name: fmt.Sprintf("Team %d, place %d", i+1, j+1),
				Municipality: fmt.Sprintf("Municipality %02d", j), Country: "RS"})
		}
		r, err := e.dir.CreateService(ctx, &refv1.CreateServiceRequest{OrganisationId: org, Service: svc})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = benchTeam{id: r.GetService().GetId(), category: "psychosocial"}
		for _, l := range r.GetService().GetLocations() {
			out[i].locations = append(out[i].locations, l.GetId())
		}
	}
	return out
}

// checkDelivery checks the with_service report against the service's: the
// same total and person breakdowns, a cell per team, location and the one
// category, every team and location named from the directory.
func checkDelivery(b *testing.B, got, want map[string]int64, teams []benchTeam, named bool) {
	b.Helper()
	counts := map[string]int{}
	for k, v := range got {
		dim, _, found := strings.Cut(k, "=")
		if !found {
			continue
		}
		if slices.Contains(deliveryDimensions, dim) {
			counts[dim]++
			if v < 1 || v > want[""] {
				b.Fatalf("with_service: %s = %d (total %d)", k, v, want[""])
			}
			delete(got, k)
		}
	}
	names := map[string]int64{"service": got["named service"], "location": got["named location"]}
	delete(got, "named service")
	delete(got, "named location")
	wantCounts := map[string]int{"service": len(teams), "service_category": 1, "location": len(teams) * benchPlaces}
	wantNames := map[string]int64{"service": 0, "location": 0}
	if named {
		wantNames = map[string]int64{"service": int64(len(teams)), "location": int64(len(teams) * benchPlaces)}
	}
	if !maps.Equal(counts, wantCounts) || !maps.Equal(names, wantNames) || !maps.Equal(got, want) {
		b.Fatalf("with_service: cells %v (want %v), named %v (want %v), other counts %v (service %v)", counts, wantCounts, names, wantNames, got, want)
	}
}

// assisted asks the beneficiaries service for the count a report asks
// (each: every dimension on its own), as dimension=label.
func assisted(ctx context.Context, c benv1.BeneficiaryServiceClient, project string, each bool, dims ...string) (map[string]int64, error) {
	r, err := c.CountAssistedBeneficiaries(ctx, &benv1.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: dims, EachDimension: each,
		Period: &commonv1.DateRange{StartDate: "2024-01-01", EndDate: "2024-12-31"}})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{"": r.GetAggregate().GetTotal()}
	for _, g := range r.GetAggregate().GetGroups() {
		var key []string
		for dim, label := range g.GetLabels() {
			key = append(key, dim+"="+label)
		}
		slices.Sort(key)
		out[strings.Join(key, "&")] = g.GetCount()
	}
	return out, nil
}

func mustInt(b *testing.B, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		b.Fatalf("count %q: %v", s, err)
	}
	return v
}

// load bulk-loads n assistance records under the project, of n/4
// beneficiaries of org, with COPY, each given by one of the teams at one
// of its locations.
func load(ctx context.Context, pool *pgxpool.Pool, org, project string, n int, teams []benchTeam) error {
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
	// Each person's legal status history: another status from 2019, the
	// current one from mid-2022, so that the status on any day of the
	// benchmark's period is the current one and every path counts alike.
	if _, err := pool.Exec(ctx, `INSERT INTO beneficiaries.legal_status_history (id, beneficiary_id, legal_status, since, organisation_id)
		SELECT gen_random_uuid(), id, CASE WHEN legal_status = 'asylum_seeker' THEN 'migrant' ELSE 'asylum_seeker' END, DATE '2019-01-01', organisation_id
		FROM beneficiaries.beneficiaries WHERE organisation_id = $1
		UNION ALL
		SELECT gen_random_uuid(), id, legal_status, DATE '2022-06-01', organisation_id FROM beneficiaries.beneficiaries WHERE organisation_id = $1`, org); err != nil {
		return fmt.Errorf("legal status history: %w", err)
	}
	// The days each entry is valid on, as the service sets them when it
	// writes a second entry.
	if _, err := pool.Exec(ctx, `SELECT beneficiaries.legal_status_validity(ARRAY(
		SELECT id FROM beneficiaries.beneficiaries WHERE organisation_id = $1))`, org); err != nil {
		return fmt.Errorf("legal status validity: %w", err)
	}
	types := []string{"psychosocial_counselling", "legal_counselling", "information", "social_work", "material_aid"}
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	j := 0
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"beneficiaries", "assistances"},
		[]string{"id", "beneficiary_id", "organisation_id", "project_id", "type", "date", "service_id", "location_id", "service_category"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if j == n {
				return nil, nil
			}
			j++
			team := teams[r.IntN(len(teams))]
			return []any{uuid.New(), benIDs[r.IntN(people)], org, project, types[r.IntN(len(types))],
				first.AddDate(0, 0, r.IntN(366)), team.id, team.locations[r.IntN(len(team.locations))], team.category}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy assistances: %w", err)
	}
	_, err = pool.Exec(ctx, "ANALYZE beneficiaries.beneficiaries; ANALYZE beneficiaries.assistances; ANALYZE beneficiaries.legal_status_history")
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
// found by a semi-join on the records, each dimension a grouping set; the
// current legal status (the service's statement until the status of then
// was counted).
func bestReport(ctx context.Context, pool *pgxpool.Pool, project string) (map[string]int64, error) {
	return groupedReport(ctx, pool, project, benchColumns, `beneficiaries.beneficiaries b
		WHERE b.id IN (SELECT a.beneficiary_id FROM beneficiaries.assistances a WHERE `+benchPeriod+`)`)
}

// thenReport runs the same counts as the service does since the legal
// status is the one of then (the SQL of the beneficiaries adapters'
// assistedStatus, copied: a service's internals are not importable here):
// the history entry valid on every day of the period, else, for persons
// whose status changed within it, the entry valid on the day of their
// last record.
func thenReport(ctx context.Context, pool *pgxpool.Pool, project string) (map[string]int64, error) {
	cols := maps.Clone(benchColumns)
	cols["legal_status"] = `COALESCE(w.legal_status, c.status_then, NULLIF(b.legal_status, ''))`
	return groupedReport(ctx, pool, project, cols, `beneficiaries.beneficiaries b
		LEFT JOIN beneficiaries.legal_status_history w ON w.beneficiary_id = b.id
			AND w.valid_from <= DATE '2024-01-01' AND w.valid_until >= DATE '2025-01-01'
		LEFT JOIN (SELECT r.beneficiary_id, h.legal_status AS status_then
			FROM (SELECT a.beneficiary_id, max(a.date) AS day FROM beneficiaries.assistances a WHERE `+benchPeriod+`
				AND a.beneficiary_id IN (SELECT x.beneficiary_id FROM beneficiaries.legal_status_history x
					WHERE x.valid_from > DATE '2024-01-01' AND x.valid_from <= DATE '2024-12-31' AND x.valid_from < x.valid_until)
				GROUP BY a.beneficiary_id) r
			JOIN beneficiaries.legal_status_history h ON h.beneficiary_id = r.beneficiary_id AND r.day >= h.valid_from AND r.day < h.valid_until) c
			ON c.beneficiary_id = b.id
		WHERE b.id IN (SELECT a.beneficiary_id FROM beneficiaries.assistances a WHERE `+benchPeriod+`)`)
}

// pickedReport is thenReport as the service ran it before the history
// stored each entry's valid days: each person with the day of their last
// record, the history joined and the entry of that day picked per person
// by DISTINCT ON, after a sort.
func pickedReport(ctx context.Context, pool *pgxpool.Pool, project string) (map[string]int64, error) {
	cols := maps.Clone(benchColumns)
	cols["legal_status"] = `COALESCE(u.status_then, NULLIF(b.legal_status, ''))`
	return groupedReport(ctx, pool, project, cols, `(SELECT DISTINCT ON (r.beneficiary_id) r.*, h.legal_status AS status_then
		FROM (SELECT a.beneficiary_id, max(a.date) AS day FROM beneficiaries.assistances a WHERE `+benchPeriod+` GROUP BY a.beneficiary_id) r
		LEFT JOIN beneficiaries.legal_status_history h ON h.beneficiary_id = r.beneficiary_id
		ORDER BY r.beneficiary_id, h.since <= r.day DESC, CASE WHEN h.since <= r.day THEN h.since END DESC, h.since, h.create_time DESC, h.id DESC) u
		JOIN beneficiaries.beneficiaries b ON b.id = u.beneficiary_id`)
}

// groupedReport counts the persons of from (binding b to them) by each of
// benchDimensions (their SQL in columns) and in all, in one statement.
func groupedReport(ctx context.Context, pool *pgxpool.Pool, project string, columns map[string]string, from string) (map[string]int64, error) {
	cols := make([]string, len(benchDimensions))
	sets := make([]string, len(benchDimensions))
	for i, dim := range benchDimensions {
		cols[i] = columns[dim]
		sets[i] = "(" + cols[i] + ")"
	}
	all := strings.Join(cols, ", ")
	rows, err := pool.Query(ctx, `SELECT `+all+`, GROUPING(`+all+`), count(*)
		FROM `+from+`
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

// The statements counting persons assisted by service, category and
// location (one per breakdown, in one batch): the distinct (person, value)
// pairs of the records, counted by value. Before: the values made text
// first and the pairs joined with the persons (as the service counted
// them when these breakdowns came, issue 14 §2); now: the values as stored
// until the count, no join (the service's statements since). In between,
// one pass over the records for the three breakdowns (the distinct
// (person, service, category, location), then count(DISTINCT person) per
// grouping set) was measured in the same runs: 1.3x faster than before
// (text values), but with stored values 1.2x slower than now.
const (
	deliveryBefore = `SELECT u.d0, count(*)
		FROM (SELECT DISTINCT a.beneficiary_id, %s::text AS d0 FROM beneficiaries.assistances a WHERE ` + benchPeriod + `) u
		JOIN beneficiaries.beneficiaries b ON b.id = u.beneficiary_id
		GROUP BY u.d0`
	deliveryNow = `SELECT u.d0::text, count(*)
		FROM (SELECT DISTINCT a.beneficiary_id, %s AS d0 FROM beneficiaries.assistances a WHERE ` + benchPeriod + `) u
		GROUP BY u.d0`
)

// deliveryColumns are the SQL of deliveryDimensions.
var deliveryColumns = map[string]string{"service": "a.service_id", "service_category": "NULLIF(a.service_category, '')", "location": "a.location_id"}

// delivery runs stmt (deliveryBefore or deliveryNow) for each of
// deliveryDimensions, in one batch.
func delivery(ctx context.Context, pool *pgxpool.Pool, project, stmt string) (map[string]int64, error) {
	batch := &pgx.Batch{}
	out := map[string]int64{}
	for _, dim := range deliveryDimensions {
		batch.Queue(fmt.Sprintf(stmt, deliveryColumns[dim]), project).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var label *string
				var n int64
				if err := rows.Scan(&label, &n); err != nil {
					return err
				}
				out[dim+"="+labelOf(label)] = n
			}
			return rows.Err()
		})
	}
	return out, pool.SendBatch(ctx, batch).Close()
}

func labelOf(s *string) string {
	if s == nil || *s == "" {
		return "unknown"
	}
	return *s
}
