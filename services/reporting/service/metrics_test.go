package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/reporting/migrations"
)

// TestTrainingMetricsMigration: indicators stored while
// METRIC_PROFESSIONALS_TRAINED counted registrations keep their figures
// under the name that says so (METRIC_PROFESSIONALS_REGISTERED), with a new
// etag; community_beneficiaries becomes the beneficiary-participant metric
// that counts the same. Indicators asking for trained professionals now
// count completions.
func TestTrainingMetricsMigration(t *testing.T) {
	e := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(ids.New()))
	seed(t, e, ctx, p.GetId()) // 7 professionals registered, 6 completed
	old := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OLD", Titles: en("Professionals trained"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED, Disaggregations: []string{"sex"}})
	community := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "COMM", Titles: en("Community members reached"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_COMMUNITY_BENEFICIARIES})
	// The former name is accepted and stored as the metric that says what
	// it counts.
	if community.GetMetric() != pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED {
		t.Fatalf("community_beneficiaries stored as %v", community.GetMetric())
	}

	// The database as it was before the migration: the old metric names,
	// migration 5 not yet applied (and the later ones undone by their Down
	// sections). Then the service starts again.
	db, err := pgx.Connect(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "reporting", migrations.FS, 6)
	for _, stmt := range []string{
		`UPDATE reporting.indicators SET metric = 'community_beneficiaries' WHERE id = '` + community.GetId() + `'`,
		`DELETE FROM reporting.goose_db_version WHERE version_id = 5`,
	} {
		if _, err := db.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	c := startReporting(t, nil, e.dbURL, e.benAddr, e.refAddr, e.trainAddr)

	get := func(id string) *pb.Indicator {
		t.Helper()
		r, err := c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: id})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetIndicator()
	}
	if got := get(old.GetId()); got.GetMetric() != pb.Metric_METRIC_PROFESSIONALS_REGISTERED || got.GetEtag() == old.GetEtag() ||
		!cmp.Equal(got.GetDisaggregations(), []string{"sex"}) {
		t.Fatalf("migrated indicator: %v (etag before %s)", got, old.GetEtag())
	}
	if got := get(community.GetId()); got.GetMetric() != pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED {
		t.Fatalf("migrated community indicator: %v", got)
	}
	// New indicators count completions; the migrated one still counts the 7
	// registrations it always counted.
	addIndicator(t, c, ctx, p.GetId(), &pb.Indicator{Code: "NEW", Titles: en("Professionals trained"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED})
	rep, err := c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.GetReport().GetResults() {
		got[r.GetCode()+" "+r.GetMetric().String()] = r.GetActual().GetValue()
	}
	want := map[string]string{
		"OLD METRIC_PROFESSIONALS_REGISTERED":             "7",
		"NEW METRIC_PROFESSIONALS_TRAINED":                "6",
		"COMM METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED": "0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("report after the migration (-want +got):\n%s", diff)
	}
}
