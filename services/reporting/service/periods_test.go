package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestCountPeriodsDoNotOverlap: the targets and values of an indicator
// that adds up (a count) are summed over the report period, so no two of
// its periods may share a day: a yearly target with quarterly milestones
// (or cumulative ones, Q1 and H1) reported a target of their sum, and an
// end given as exclusive (2024-04-01 ending the first quarter, starting
// the second) counted a day twice. Such a target, value or change of
// measure is INVALID_ARGUMENT naming the period; a correction of a value
// for the same period, and overlapping periods of a percentage or an
// average (never summed), stay accepted.
func TestCountPeriodsDoNotOverlap(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("OVL"))
	year, q1, q2 := period("2024-01-01", "2024-12-31"), period("2024-01-01", "2024-03-31"), period("2024-04-01", "2024-06-30")
	h1 := period("2024-01-01", "2024-06-30")
	targetOf := func(code string) string {
		t.Helper()
		r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range r.GetReport().GetResults() {
			if res.GetCode() == code {
				return res.GetTarget()
			}
		}
		return "none"
	}
	for _, tc := range []struct {
		name    string
		targets []*pb.Target
	}{
		{"a year and its first quarter", []*pb.Target{{Period: year, Value: "100"}, {Period: q1, Value: "25"}}},
		{"cumulative milestones", []*pb.Target{{Period: q1, Value: "25"}, {Period: h1, Value: "50"}}},
		{"exclusive ends", []*pb.Target{{Period: period("2024-01-01", "2024-04-01"), Value: "25"}, {Period: period("2024-04-01", "2024-07-01"), Value: "25"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := "T" + ids.New()[28:]
			r, err := e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: &pb.Indicator{
				Code: code, Titles: en("Persons assisted"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
				Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Targets: tc.targets}})
			if err == nil {
				t.Fatalf("accepted (%s): the report's target is %s", r.GetIndicator().GetCode(), targetOf(code))
			}
			statustest.Want(t, err, codes.InvalidArgument, "overlapping targets")
			if v := statustest.Violations(err); len(v) != 1 || v[0] != "indicator.targets[1].period" {
				t.Errorf("violations %v, want indicator.targets[1].period", v)
			}
		})
	}

	// Values of a manual count.
	cnt := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "CNT", Titles: en("Cases handled"), Unit: "cases",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: q1, Value: "20"}, {Period: q2, Value: "20"}}})
	record := func(in *pb.Indicator, v *pb.IndicatorValue) (*pb.Indicator, error) {
		r, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(), Value: v})
		return r.GetIndicator(), err
	}
	for _, v := range []*pb.IndicatorValue{{Period: q1, Value: "18"}, {Period: q1, Value: "19"}, {Period: q2, Value: "25"}} {
		if _, err := record(cnt, v); err != nil {
			t.Fatalf("value %v: %v", v, err)
		}
	}
	if _, err := record(cnt, &pb.IndicatorValue{Period: h1, Value: "44"}); err == nil {
		r, _ := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
		for _, res := range r.GetReport().GetResults() {
			if res.GetCode() == "CNT" {
				t.Errorf("a value for the half year beside its quarters' was accepted: the report's actual is %s", res.GetActual().GetValue())
			}
		}
	} else {
		statustest.Want(t, err, codes.InvalidArgument, "overlapping value")
		if v := statustest.Violations(err); len(v) != 1 || v[0] != "value.period" {
			t.Errorf("violations %v, want value.period", v)
		}
	}

	// Values recorded before this rule, overlapping, do not stop other
	// changes of the count (none of them can be changed but by recording
	// its period again).
	conn, err := pgx.Connect(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `INSERT INTO reporting.indicator_values (indicator_id, period_start, period_end, value, comment)
		VALUES ($1, '2024-01-01', '2024-06-30', '44', '')`, cnt.GetId()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE reporting.indicators SET targets = targets || '[{"start": "2024-01-01", "end": "2024-12-31", "value": "80"}]'
		WHERE id = $1`, cnt.GetId()); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: cnt.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: cnt.GetId(), ProjectId: p.GetId(), Etag: got.GetIndicator().GetEtag(), Titles: en("Cases handled by the centre")},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"titles"}}}); err != nil {
		t.Errorf("a count with values and targets stored before the rule cannot be renamed: %v", err)
	}
	// Its targets changed are checked.
	got, err = e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: cnt.GetId()})
	if err != nil || len(got.GetIndicator().GetTargets()) != 3 {
		t.Fatalf("stored targets %v %v", got, err)
	}
	_, err = e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator: &pb.Indicator{Id: cnt.GetId(), ProjectId: p.GetId(), Etag: got.GetIndicator().GetEtag(),
			Targets: append(got.GetIndicator().GetTargets(), &pb.Target{Period: period("2025-01-01", "2025-03-31"), Value: "5"})},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"targets"}}})
	statustest.Want(t, err, codes.InvalidArgument, "targets changed, still overlapping")
	if v := statustest.Violations(err); len(v) != 1 || v[0] != "indicator.targets[2].period" {
		t.Errorf("violations %v, want indicator.targets[2].period", v)
	}

	// An average: overlapping periods are its own figures, never summed;
	// it cannot become a count while they overlap.
	avg := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "AVG", Titles: en("Average days to a first appointment"), Unit: "days",
		Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE, Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: h1, Value: "10"}, {Period: q2, Value: "9"}}})
	for _, v := range []*pb.IndicatorValue{{Period: q2, Value: "11"}, {Period: period("2024-04-01", "2024-04-30"), Value: "12.5"}} {
		if avg, _ = record(avg, v); avg == nil {
			t.Fatalf("value %v of an average refused", v)
		}
	}
	_, err = e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: avg.GetId(), ProjectId: p.GetId(), Etag: avg.GetEtag(), Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"measure"}}})
	statustest.Want(t, err, codes.InvalidArgument, "an average with overlapping periods made a count")
	if d := statustest.Descriptions(err); d["indicator.targets[1].period"] == "" || d["indicator.values[1].period"] == "" {
		t.Errorf("violations %v, want indicator.targets[1].period and indicator.values[1].period", d)
	}
}

// TestConcurrentValuesDoNotOverlap: two people record values of one
// manual count at the same moment, for the first quarter and for the half
// year. Each call checked the other periods as it read them, before
// either was stored, so both were stored and the half year's report
// summed the quarter twice. The test holds the indicator's row until both
// calls wait for it, then lets them go: one is stored, the other is
// checked again against it and refused as when the two come one after
// the other.
func TestConcurrentValuesDoNotOverlap(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("RACE"))
	cnt := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "CNT", Titles: en("Cases handled"), Unit: "cases",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL})
	bg := context.Background()
	conn, err := pgx.Connect(bg, e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(bg)
	hold, err := conn.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(bg) //nolint:errcheck // committed below
	if _, err := hold.Exec(bg, `SELECT 1 FROM reporting.indicators WHERE id = $1 FOR UPDATE`, cnt.GetId()); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 2)
	for _, v := range []*pb.IndicatorValue{
		{Period: period("2024-01-01", "2024-03-31"), Value: "20"},
		{Period: period("2024-01-01", "2024-06-30"), Value: "45"},
	} {
		go func() {
			_, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: cnt.GetId(), Value: v})
			errc <- err
		}()
	}
	// Both calls have read the indicator and wait for its row.
	watch, err := pgx.Connect(bg, e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(bg)
	for {
		var waiting int
		if err := watch.QueryRow(bg, `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND a.query LIKE 'UPDATE indicators%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 2 {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("a call ended before both waited for the row: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := hold.Commit(bg); err != nil {
		t.Fatal(err)
	}
	var refused int
	for range 2 {
		if err := <-errc; err != nil {
			statustest.Want(t, err, codes.InvalidArgument, "the second value, overlapping the first")
			refused++
		}
	}
	got, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: cnt.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetIndicator().GetValues()); n != 1 || refused != 1 {
		t.Fatalf("%d values stored, %d calls refused, want 1 and 1: %v", n, refused, got.GetIndicator().GetValues())
	}
}
