package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/reporting/internal/export"
	"github.com/spona/spona/services/reporting/migrations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// iatiPeriods reads, per indicator measure and title, the periods of an
// IATI export as "start/end target=T actual=A".
func iatiPeriods(t *testing.T, doc []byte) map[string][]string {
	t.Helper()
	var f struct {
		Results []struct {
			Indicators []struct {
				Measure string `xml:"measure,attr"`
				Title   string `xml:"title>narrative"`
				Periods []struct {
					Start struct {
						Date string `xml:"iso-date,attr"`
					} `xml:"period-start"`
					End struct {
						Date string `xml:"iso-date,attr"`
					} `xml:"period-end"`
					Targets []struct {
						Value string `xml:"value,attr"`
					} `xml:"target"`
					Actuals []struct {
						Value string `xml:"value,attr"`
					} `xml:"actual"`
				} `xml:"period"`
			} `xml:"indicator"`
		} `xml:"iati-activity>result"`
	}
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatalf("IATI export: %v\n%s", err, doc)
	}
	out := map[string][]string{}
	for _, r := range f.Results {
		for _, in := range r.Indicators {
			key := "measure " + in.Measure + " " + in.Title
			for _, p := range in.Periods {
				s := p.Start.Date + "/" + p.End.Date
				for _, x := range p.Targets {
					s += " target=" + x.Value
				}
				for _, x := range p.Actuals {
					s += " actual=" + x.Value
				}
				out[key] = append(out[key], s)
			}
		}
	}
	return out
}

// exportRows exports a project's report for a period as CSV or XLSX
// through the API and reads the table back.
func exportRows(t *testing.T, e *env, ctx context.Context, project, format, from, to string) [][]string {
	t.Helper()
	body, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: project, Format: format, StartDate: from, EndDate: to})
	if err != nil {
		t.Fatalf("export %s: %v", format, err)
	}
	if format == "csv" {
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body.GetData(), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatalf("read the CSV export: %v", err)
		}
		return rows
	}
	z, err := zip.NewReader(bytes.NewReader(body.GetData()), int64(len(body.GetData())))
	if err != nil {
		t.Fatalf("read the XLSX export: %v", err)
	}
	f, err := z.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatalf("read the XLSX export: %v", err)
	}
	defer f.Close()
	var ws struct {
		Rows []struct {
			Cells []struct {
				Ref    string `xml:"r,attr"`
				V      string `xml:"v"`
				Inline string `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.NewDecoder(f).Decode(&ws); err != nil {
		t.Fatalf("read the XLSX export: %v", err)
	}
	var rows [][]string
	for _, r := range ws.Rows {
		row := make([]string, len(export.Header))
		for _, c := range r.Cells {
			row[sheet.ColumnIndex(strings.TrimRight(c.Ref, "0123456789"))] = c.V + c.Inline
		}
		rows = append(rows, row)
	}
	return rows
}

// TestPercentNotSummed: a percentage indicator with quarterly targets of
// 80 % and values of 75 % and 85 %, reported for the half year, is not
// added up to 160 % anywhere: the report gives the latest quarter's target
// and value, each named by its period, and lists both quarters; CSV and
// XLSX have a row per quarter; the IATI export (measure 2) has one period
// per quarter and validates. An average (unit days) is not added up
// either but is published as units; a manual count still adds up, and a
// computed metric with unit "%" is a count.
func TestPercentNotSummed(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, minimal("PCT"))
	q1, q2 := period("2024-01-01", "2024-03-31"), period("2024-04-01", "2024-06-30")
	record := func(in *pb.Indicator, vs ...*pb.IndicatorValue) {
		t.Helper()
		for _, v := range vs {
			if _, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(), Value: v}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pct := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OC1", Titles: en("Share of cases handled within the protocol"), Unit: "%", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME,
		Targets: []*pb.Target{{Period: q1, Value: "80"}, {Period: q2, Value: "80"}},
		Metric:  pb.Metric_METRIC_MANUAL,
	})
	record(pct, &pb.IndicatorValue{Period: q1, Value: "75"}, &pb.IndicatorValue{Period: q2, Value: "85"})
	// Waiting days: a target for the half year, values per quarter and one
	// for a month of the second quarter.
	avg := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OC2", Titles: en("Average days to a first appointment"), Unit: "days", Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE,
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: period("2024-01-01", "2024-06-30"), Value: "10"}},
	})
	record(avg, &pb.IndicatorValue{Period: q1, Value: "14"}, &pb.IndicatorValue{Period: period("2024-04-01", "2024-04-30"), Value: "12.5"},
		&pb.IndicatorValue{Period: q2, Value: "11"})
	cnt := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OP1", Titles: en("Cases handled"), Unit: "cases", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: q1, Value: "20"}, {Period: q2, Value: "20"}},
	})
	record(cnt, &pb.IndicatorValue{Period: q1, Value: "18"}, &pb.IndicatorValue{Period: q2, Value: "25"})
	computed := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OP2", Titles: en("Persons assisted"), Unit: "%", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
		Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Targets: []*pb.Target{{Period: q1, Value: "5"}, {Period: q2, Value: "5"}},
	})
	for in, want := range map[*pb.Indicator]pb.IndicatorMeasure{
		pct: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE, avg: pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE,
		cnt: pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT, computed: pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT,
	} {
		if in.GetMeasure() != want {
			t.Errorf("%s (unit %q, %v) stored as %v, want %v", in.GetCode(), in.GetUnit(), in.GetMetric(), in.GetMeasure(), want)
		}
	}

	rep, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), StartDate: "2024-01-01", EndDate: "2024-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	span := func(r *commonv1.DateRange) string {
		if r == nil {
			return ""
		}
		return r.GetStartDate() + "/" + r.GetEndDate()
	}
	got := map[string]string{}
	for _, r := range rep.GetReport().GetResults() {
		s := fmt.Sprintf("%v target %q of %q, actual %q of %q;", r.GetMeasure(), r.GetTarget(), span(r.GetTargetPeriod()),
			r.GetActual().GetValue(), span(r.GetActualPeriod()))
		for _, f := range r.GetPeriods() {
			s += fmt.Sprintf(" %s %q/%q", span(f.GetPeriod()), f.GetTarget(), f.GetActual())
		}
		got[r.GetCode()] = s
	}
	want := map[string]string{
		"OC1": `INDICATOR_MEASURE_PERCENTAGE target "80" of "2024-04-01/2024-06-30", actual "85" of "2024-04-01/2024-06-30";` +
			` 2024-01-01/2024-03-31 "80"/"75" 2024-04-01/2024-06-30 "80"/"85"`,
		"OC2": `INDICATOR_MEASURE_AVERAGE target "10" of "2024-01-01/2024-06-30", actual "11" of "2024-04-01/2024-06-30";` +
			` 2024-01-01/2024-03-31 ""/"14" 2024-01-01/2024-06-30 "10"/"" 2024-04-01/2024-04-30 ""/"12.5" 2024-04-01/2024-06-30 ""/"11"`,
		"OP1": `INDICATOR_MEASURE_COUNT target "40" of "", actual "43" of "";`,
		// Nobody was assisted in this project.
		"OP2": `INDICATOR_MEASURE_COUNT target "10" of "", actual "0" of "";`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report H1 (-want +got):\n%s", diff)
	}

	// The spreadsheets: a row per period for the figures that do not add up.
	for _, format := range []string{"csv", "xlsx"} {
		rows := exportRows(t, e, ctx, p.GetId(), format, "2024-01-01", "2024-06-30")
		col := func(name string) int {
			i := slices.Index(rows[0], name)
			if i < 0 {
				t.Fatalf("%s export: no column %s in %q", format, name, rows[0])
			}
			return i
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, strings.Join([]string{r[col("indicator_code")], r[col("measure")], r[col("target")],
				r[col("dimension")], r[col("category")], r[col("value")]}, " "))
		}
		want := []string{
			"OC1 percentage 80 period 2024-01-01/2024-03-31 75",
			"OC1 percentage 80 period 2024-04-01/2024-06-30 85",
			"OC2 average  period 2024-01-01/2024-03-31 14",
			"OC2 average 10 period 2024-01-01/2024-06-30 ",
			"OC2 average  period 2024-04-01/2024-04-30 12.5",
			"OC2 average  period 2024-04-01/2024-06-30 11",
			"OP1 count 40  total 43",
			"OP2 count 10  total 0",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s export (-want +got):\n%s", format, diff)
		}
	}

	doc := exportIATI(t, e, ctx, p.GetId(), "2024-01-01", "2024-06-30")
	wantIATI := map[string][]string{
		"measure 2 Share of cases handled within the protocol": {
			"2024-01-01/2024-03-31 target=80 actual=75",
			"2024-04-01/2024-06-30 target=80 actual=85",
		},
		"measure 1 Average days to a first appointment": {
			"2024-01-01/2024-03-31 actual=14",
			"2024-01-01/2024-06-30 target=10",
			"2024-04-01/2024-04-30 actual=12.5",
			"2024-04-01/2024-06-30 actual=11",
		},
		"measure 1 Cases handled":    {"2024-01-01/2024-06-30 target=40 actual=43"},
		"measure 1 Persons assisted": {"2024-01-01/2024-06-30 target=10 actual=0"},
	}
	if diff := cmp.Diff(wantIATI, iatiPeriods(t, doc)); diff != "" {
		t.Errorf("IATI periods (-want +got):\n%s", diff)
	}
	checkIATI(t, map[string][]byte{"percentage": doc})
}

// TestIndicatorMeasureUpdate: the measure is stored as given; an update of
// the unit alone keeps it, an update naming measure sets it, and naming it
// without a value derives it again from metric and unit.
func TestIndicatorMeasureUpdate(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("MEAS"))
	in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OC1", Titles: en("Satisfaction"), Unit: "points",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL})
	update := func(x *pb.Indicator, paths ...string) *pb.Indicator {
		t.Helper()
		x.Id, x.ProjectId, x.Etag = in.GetId(), p.GetId(), in.GetEtag()
		r, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{Indicator: x, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if err != nil {
			t.Fatalf("update %v: %v", paths, err)
		}
		in = r.GetIndicator()
		return in
	}
	steps := []struct {
		in    *pb.Indicator
		paths []string
		want  pb.IndicatorMeasure
	}{
		{&pb.Indicator{Unit: "%"}, []string{"unit"}, pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT},
		{&pb.Indicator{}, []string{"measure"}, pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE},
		{&pb.Indicator{Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE}, []string{"measure"}, pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE},
		{&pb.Indicator{Metric: pb.Metric_METRIC_REFERRALS_MADE, Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT}, []string{"metric", "measure"},
			pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT},
	}
	if in.GetMeasure() != pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT {
		t.Fatalf("created with unit points: %v", in.GetMeasure())
	}
	for _, s := range steps {
		if got := update(s.in, s.paths...).GetMeasure(); got != s.want {
			t.Errorf("after %v: %v, want %v", s.paths, got, s.want)
		}
	}
	// A computed metric counts: changing it to a percentage is refused.
	_, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: in.GetId(), ProjectId: p.GetId(), Etag: in.GetEtag(), Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"measure"}}})
	if _, ok := statustest.Descriptions(err)["indicator.measure"]; statustest.Code(err) != codes.InvalidArgument || !ok {
		t.Fatalf("percentage for a computed metric: %v", err)
	}
}

// TestIndicatorMeasureMigration: indicators stored before the measure
// existed get the one the IATI export gave them from their unit, except
// that a computed metric counts whatever its unit says; their etags stay.
func TestIndicatorMeasureMigration(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("MIGR"))
	add := func(code, unit string, m pb.Metric) *pb.Indicator {
		return addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: code, Titles: en(code), Unit: unit,
			Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: m})
	}
	want := map[*pb.Indicator]pb.IndicatorMeasure{
		add("PCT", "%", pb.Metric_METRIC_MANUAL):                           pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE,
		add("PERCENT", "Percent", pb.Metric_METRIC_MANUAL):                 pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE,
		add("CASES", "cases", pb.Metric_METRIC_MANUAL):                     pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT,
		add("COMPUTED", "%", pb.Metric_METRIC_REFERRALS_COMPLETED):         pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT,
		add("AVG", "days", pb.Metric_METRIC_MANUAL):                        pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT,
		add("NONE", "", pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_TRAINED): pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT,
	}
	// The database as it was before migration 7.
	db := pgtest.Connect(t, e.dbURL)
	pgtest.Undo(t, db, "reporting", migrations.FS, 7)
	c := startReporting(t, nil, e.dbURL, e.benAddr, e.refAddr, e.trainAddr)
	for in, m := range want {
		r, err := c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetIndicator(); got.GetMeasure() != m || got.GetEtag() != in.GetEtag() {
			t.Errorf("%s (unit %q) after the migration: %v %s, want %v %s", in.GetCode(), in.GetUnit(), got.GetMeasure(), got.GetEtag(), m, in.GetEtag())
		}
	}
}

// TestIndicatorMeasureOldWriter: during a rolling upgrade a replica of the
// previous release inserts indicators without the measure column; the
// insert works and the row gets the measure its unit gave it before.
func TestIndicatorMeasureOldWriter(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("OLDW"))
	model := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "MODEL", Titles: en("model"), Unit: "cases",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL})
	db := pgtest.Connect(t, e.dbURL)
	var cols string
	if err := db.QueryRow(context.Background(), `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
		FROM information_schema.columns
		WHERE table_schema = 'reporting' AND table_name = 'indicators'
		  AND column_name NOT IN ('id', 'code', 'unit', 'metric', 'request_id', 'measure')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	want := map[string]pb.IndicatorMeasure{}
	for code, c := range map[string]struct {
		unit, metric string
		want         pb.IndicatorMeasure
	}{
		"OLDPCT":   {"%", "manual", pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE},
		"OLDCASES": {"cases", "manual", pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT},
		"OLDCOMP":  {"Percent", "referrals_completed", pb.IndicatorMeasure_INDICATOR_MEASURE_COUNT},
	} {
		id := ids.New()
		// The previous release's insert: every column but measure.
		if _, err := db.Exec(context.Background(), `INSERT INTO reporting.indicators (id, code, unit, metric, `+cols+`)
			SELECT $2, $3, $4, $5, `+cols+` FROM reporting.indicators WHERE id = $1`, model.GetId(), id, code, c.unit, c.metric); err != nil {
			t.Fatalf("%s: an insert without the measure: %v", code, err)
		}
		want[id] = c.want
	}
	for id, m := range want {
		r, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetIndicator(); got.GetMeasure() != m {
			t.Errorf("%s (unit %q): measure %v, want %v", got.GetCode(), got.GetUnit(), got.GetMeasure(), m)
		}
	}
}

// TestIndicatorLowerIsBetter: an indicator whose fall is the improvement
// is published to IATI with ascending="0" (every indicator was ascending);
// an update naming lower_is_better sets it, one that does not keeps it.
func TestIndicatorLowerIsBetter(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, minimal("LOWER"))
	half := period("2024-01-01", "2024-06-30")
	wait := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OC2", Titles: en("Average days to a first appointment"), Unit: "days", Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_AVERAGE,
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL, LowerIsBetter: true,
		Targets: []*pb.Target{{Period: half, Value: "10"}},
	})
	cases := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OP1", Titles: en("Cases handled"), Unit: "cases", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: half, Value: "40"}},
	})
	if !wait.GetLowerIsBetter() || cases.GetLowerIsBetter() {
		t.Fatalf("stored lower_is_better: %v and %v, want true and false", wait.GetLowerIsBetter(), cases.GetLowerIsBetter())
	}
	ascending := func() map[string]string {
		t.Helper()
		doc := exportIATI(t, e, ctx, p.GetId(), "2024-01-01", "2024-06-30")
		checkIATI(t, map[string][]byte{"lower is better": doc})
		var f struct {
			Indicators []struct {
				Ascending string `xml:"ascending,attr"`
				Title     string `xml:"title>narrative"`
			} `xml:"iati-activity>result>indicator"`
		}
		if err := xml.Unmarshal(doc, &f); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, in := range f.Indicators {
			out[in.Title] = in.Ascending
		}
		return out
	}
	want := map[string]string{"Average days to a first appointment": "0", "Cases handled": "1"}
	if diff := cmp.Diff(want, ascending()); diff != "" {
		t.Errorf("IATI ascending (-want +got):\n%s", diff)
	}
	update := func(in *pb.Indicator, x *pb.Indicator, paths ...string) *pb.Indicator {
		t.Helper()
		x.Id, x.ProjectId, x.Etag = in.GetId(), p.GetId(), in.GetEtag()
		r, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{Indicator: x, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if err != nil {
			t.Fatalf("update %v: %v", paths, err)
		}
		return r.GetIndicator()
	}
	if got := update(wait, &pb.Indicator{Unit: "working days"}, "unit"); !got.GetLowerIsBetter() {
		t.Errorf("an update of the unit alone cleared lower_is_better")
	}
	update(cases, &pb.Indicator{LowerIsBetter: true}, "lower_is_better")
	want["Cases handled"] = "0"
	if diff := cmp.Diff(want, ascending()); diff != "" {
		t.Errorf("IATI ascending after the update (-want +got):\n%s", diff)
	}
}

// TestIATIRefusesIndicatorBeforeMinYear: an indicator whose baseline was
// stored in the year 0000 (before the API refused days before 1900) stops
// the IATI export with IATI_EXPORT_REFUSED naming it, instead of an export
// the IATI schema rejects (year="0").
func TestIATIRefusesIndicatorBeforeMinYear(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, minimal("OLDBASE"))
	in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OP1", Titles: en("Cases handled"), Unit: "cases", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Baseline: &pb.Baseline{Value: "3", Date: "2023-01-01"},
	})
	checkIATI(t, map[string][]byte{"current baseline": exportIATI(t, e, ctx, p.GetId())})
	db := pgtest.Connect(t, e.dbURL)
	if _, err := db.Exec(context.Background(), `UPDATE reporting.indicators SET baseline_date = '0001-06-01 BC' WHERE id = $1`, in.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"})
	if _, ok := statustest.Descriptions(err)["indicators[OP1].baseline.date"]; statustest.Code(err) != codes.FailedPrecondition ||
		statustest.Reason(err) != "IATI_EXPORT_REFUSED" || !ok {
		t.Fatalf("IATI export with a baseline in the year 0000: %v, want FAILED_PRECONDITION IATI_EXPORT_REFUSED naming indicators[OP1].baseline.date", err)
	}
}

// TestPercentageOfAComputedMetricReadable: a percentage indicator sent
// without its metric is told the metric is required, not "metric  counts;
// only a manual indicator can be a percentage" (no metric named); a
// percentage of a computed metric names the metric.
func TestPercentageOfAComputedMetricReadable(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("PCTM"))
	in := func(m pb.Metric) *pb.Indicator {
		return &pb.Indicator{Code: "I1", Titles: en("Share"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: m, Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE}
	}
	_, err := e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: in(pb.Metric_METRIC_UNSPECIFIED)})
	if d := statustest.Descriptions(err); d["indicator.metric"] == "" || d["indicator.measure"] != "" {
		t.Errorf("percentage without a metric: %v, want only indicator.metric", d)
	}
	_, err = e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: in(pb.Metric_METRIC_REFERRALS_MADE)})
	if d := statustest.Descriptions(err); d["indicator.measure"] == "" {
		t.Fatalf("percentage of referrals made: %v, want a violation of indicator.measure", err)
	}
	if d := statustest.Descriptions(err)["indicator.measure"]; !strings.Contains(d, "metric referrals_made counts") {
		t.Errorf("percentage of referrals made: %q", d)
	}
}
