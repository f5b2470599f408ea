package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/reporting/migrations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestManualPersonCountsSuppressed: the values of a manual count that
// counts persons ("children placed in foster care", counts_persons, by
// default) reach a funder as computed counts do: small-cell suppressed in
// the report, its IATI export and the indicator's recorded values (the
// one the planned span's total less the others would give back too); the
// implementing organisation reads what it recorded, and its unsuppressed
// report every figure. A count of things (counts_persons false) is shown
// as recorded.
func TestManualPersonCountsSuppressed(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx, dctx := servicetest.As(t, org), servicetest.As(t, donor)
	p := create(t, e.c, ctx, example(donor)) // threshold 5, 2016-11-01 to 2017-10-31
	manual := func(code, title string, countsPersons *bool, values ...string) *pb.Indicator {
		in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: code, Titles: en(title), Unit: "children",
			Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL, CountsPersons: countsPersons})
		quarters := [][2]string{{"2016-11-01", "2017-01-31"}, {"2017-02-01", "2017-04-30"}, {"2017-05-01", "2017-07-31"}}
		for i, v := range values {
			r, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(),
				Value: &pb.IndicatorValue{Period: period(quarters[i][0], quarters[i][1]), Value: v, Comment: "placed with family " + v}})
			if err != nil {
				t.Fatalf("%s value %s: %v", code, v, err)
			}
			in = r.GetIndicator()
		}
		return in
	}
	// 2 + 6 + 0: the 2 is small, and 8 - 6 would give it back.
	foster := manual("FC", "Children placed in foster care", nil, "2", "6", "0")
	// 2 in all: the total is small.
	reunited := manual("FR", "Unaccompanied children reunited with family", nil, "2")
	// Workshops are not persons.
	workshops := manual("WS", "Workshops held", proto.Bool(false), "2")
	for _, in := range []*pb.Indicator{foster, reunited} {
		if !in.GetCountsPersons() {
			t.Fatalf("%s: a new manual count counts persons by default: %v", in.GetCode(), in)
		}
	}

	values := func(in *pb.Indicator) []string {
		var out []string
		for _, v := range in.GetValues() {
			s := v.GetValue() + " " + v.GetComment()
			if v.GetSuppressed() {
				s = "*" + s
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out
	}
	indicators := func(ctx context.Context) map[string][]string {
		r, err := e.c.ListIndicators(ctx, &pb.ListIndicatorsRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, in := range r.GetIndicators() {
			out[in.GetCode()] = values(in)
			g, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(out[in.GetCode()], values(g.GetIndicator())); diff != "" {
				t.Errorf("%s: GetIndicator and ListIndicators differ (-list +get):\n%s", in.GetCode(), diff)
			}
		}
		return out
	}
	recorded := map[string][]string{
		"FC": {"2 placed with family 2", "6 placed with family 6", "0 placed with family 0"},
		"FR": {"2 placed with family 2"},
		"WS": {"2 placed with family 2"},
	}
	if diff := cmp.Diff(recorded, indicators(ctx)); diff != "" {
		t.Errorf("the implementing organisation's values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{
		"FC": {"*", "*", "0"},
		"FR": {"*"},
		"WS": {"2 placed with family 2"},
	}, indicators(dctx)); diff != "" {
		t.Errorf("the funder's values (-want +got):\n%s", diff)
	}

	actuals := func(ctx context.Context, unsuppressed bool) map[string]string {
		r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: unsuppressed})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, x := range r.GetReport().GetResults() {
			out[x.GetCode()] = x.GetActual().GetValue()
			if x.GetActual().GetSuppressed() {
				out[x.GetCode()] = "*"
			}
			if len(x.GetDisaggregations()) > 0 {
				t.Errorf("%s: a manual count lists no breakdown: %v", x.GetCode(), x.GetDisaggregations())
			}
		}
		return out
	}
	suppressed := map[string]string{"FC": "8", "FR": "*", "WS": "2"}
	if diff := cmp.Diff(suppressed, actuals(dctx, false)); diff != "" {
		t.Errorf("the funder's report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(suppressed, actuals(ctx, false)); diff != "" {
		t.Errorf("the implementing organisation's report to hand on (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"FC": "8", "FR": "2", "WS": "2"}, actuals(ctx, true)); diff != "" {
		t.Errorf("the implementing organisation's unsuppressed report (-want +got):\n%s", diff)
	}

	// The IATI file a funder downloads has no actual for the 2 reunited
	// children, and says why; it stays valid.
	doc := exportIATI(t, e, dctx, p.GetId())
	checkIATI(t, map[string][]byte{"funder.xml": doc})
	xml := string(doc)
	_, reunitedResult, _ := strings.Cut(xml, "Unaccompanied children reunited")
	reunitedResult, _, _ = strings.Cut(reunitedResult, "</result>")
	if reunitedResult == "" || strings.Contains(reunitedResult, "<actual") || !strings.Contains(reunitedResult, "Withheld to protect the people counted") {
		t.Errorf("IATI export gives the reunited children's 2, or does not say it is withheld:\n%s", doc)
	}
	if !strings.Contains(xml, `<actual value="8"`) {
		t.Errorf("IATI export lacks the 8 children placed:\n%s", doc)
	}
	// The CSV export: FR's total row has no value and says suppressed.
	for _, row := range exportRows(t, e, dctx, p.GetId(), "csv", "", "") {
		if row[0] == "FR" && (row[12] != "" || row[13] != "true") {
			t.Errorf("CSV export gives the reunited children's count: %v", row)
		}
	}

	// A person count is whole; a percentage counts no persons.
	_, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: foster.GetId(),
		Value: &pb.IndicatorValue{Period: period("2017-08-01", "2017-10-31"), Value: "2.5"}})
	if _, ok := statustest.Descriptions(err)["value.value"]; statustest.Code(err) != codes.InvalidArgument || !ok {
		t.Errorf("2.5 children: %v, want a violation on value.value", err)
	}
	pct := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "PCT", Titles: en("Children in school"), Unit: "%",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL})
	if pct.GetCountsPersons() || pct.CountsPersons == nil {
		t.Errorf("a percentage: counts_persons %v, want false", pct.CountsPersons)
	}
	_, err = e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: &pb.Indicator{Code: "PCT2",
		Titles: en("x"), Unit: "%", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL, CountsPersons: proto.Bool(true)}})
	if _, ok := statustest.Descriptions(err)["indicator.counts_persons"]; statustest.Code(err) != codes.InvalidArgument || !ok {
		t.Errorf("a percentage counting persons: %v, want a violation on indicator.counts_persons", err)
	}

	// The implementing organisation says workshops count persons after all:
	// the funder's 2 is hidden from then on.
	u, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: workshops.GetId(), ProjectId: p.GetId(), Etag: workshops.GetEtag(), CountsPersons: proto.Bool(true)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"counts_persons"}}})
	if err != nil || !u.GetIndicator().GetCountsPersons() {
		t.Fatalf("workshops count persons: %v %v", u, err)
	}
	if got := actuals(dctx, false)["WS"]; got != "*" {
		t.Errorf("workshops counting persons: the funder reads %q, want it suppressed", got)
	}
	// A change of its title keeps it.
	u, err = e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: workshops.GetId(), ProjectId: p.GetId(), Etag: u.GetIndicator().GetEtag(), Titles: en("Children at workshops")},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"titles"}}})
	if err != nil || !u.GetIndicator().GetCountsPersons() {
		t.Fatalf("title changed: %v %v", u, err)
	}
	// Made a percentage, it no longer counts persons.
	u, err = e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator: &pb.Indicator{Id: workshops.GetId(), ProjectId: p.GetId(), Etag: u.GetIndicator().GetEtag(),
			Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"measure"}}})
	if err != nil || u.GetIndicator().GetCountsPersons() {
		t.Fatalf("made a percentage: %v %v", u, err)
	}
}

// TestPersonCountCommentsOnlyForImplementer: the comment of a recorded
// value of an indicator that counts persons is free text a caseworker may
// fill with who was counted; it is read by the implementing organisation
// only. A funder reads the shown value without it (GetIndicator,
// ListIndicators), and no export carries it (json, csv, xlsx, IATI). A
// count of things keeps its comments for every reader.
func TestPersonCountCommentsOnlyForImplementer(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx, dctx := servicetest.As(t, org), servicetest.As(t, donor)
	p := create(t, e.c, ctx, example(donor)) // threshold 5, 2016-11-01 to 2017-10-31
	const who, workshop = "Amina H. and her two sons", "Porin reception centre"
	record := func(in *pb.Indicator, from, to, value, comment string) {
		t.Helper()
		if _, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(),
			Value: &pb.IndicatorValue{Period: period(from, to), Value: value, Comment: comment}}); err != nil {
			t.Fatalf("%s value %s: %v", in.GetCode(), value, err)
		}
	}
	// 7 + 9 = 16 children at threshold 5: every value shown.
	placed := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "FC", Titles: en("Children placed in foster care"),
		Unit: "children", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL})
	record(placed, "2016-11-01", "2017-01-31", "7", who)
	record(placed, "2017-02-01", "2017-04-30", "9", "with relatives in Sisak")
	workshops := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "WS", Titles: en("Workshops held"),
		Unit: "workshops", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL, CountsPersons: proto.Bool(false)})
	record(workshops, "2016-11-01", "2017-01-31", "6", workshop)

	read := func(ctx context.Context) map[string][]string {
		t.Helper()
		r, err := e.c.ListIndicators(ctx, &pb.ListIndicatorsRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, in := range r.GetIndicators() {
			g, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range in.GetValues() {
				got := g.GetIndicator().GetValues()[i]
				if got.GetComment() != v.GetComment() || got.GetValue() != v.GetValue() || got.GetSuppressed() || v.GetSuppressed() {
					t.Errorf("%s: GetIndicator %v, ListIndicators %v", in.GetCode(), got, v)
				}
				out[in.GetCode()] = append(out[in.GetCode()], v.GetValue()+"|"+v.GetComment())
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string][]string{
		"FC": {"7|" + who, "9|with relatives in Sisak"},
		"WS": {"6|" + workshop},
	}, read(ctx)); diff != "" {
		t.Errorf("the implementing organisation's values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{
		"FC": {"7|", "9|"},
		"WS": {"6|" + workshop},
	}, read(dctx)); diff != "" {
		t.Errorf("the funder's values (-want +got):\n%s", diff)
	}

	// No export names them, the implementing organisation's own included.
	for _, c := range []context.Context{dctx, ctx} {
		for _, format := range []string{"json", "csv", "xlsx", "iati"} {
			body, err := e.c.ExportProjectReport(c, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: format})
			if err != nil {
				t.Fatalf("export %s: %v", format, err)
			}
			text := string(body.GetData())
			if format == "xlsx" {
				var cells []string
				for _, row := range exportRows(t, e, c, p.GetId(), format, "", "") {
					cells = append(cells, row...)
				}
				text = strings.Join(cells, "\t")
			}
			if !strings.Contains(text, "16") {
				t.Errorf("%s export lacks the 16 children placed:\n%s", format, text)
			}
			if strings.Contains(text, "Amina") || strings.Contains(text, "Sisak") {
				t.Errorf("%s export names who was counted:\n%s", format, text)
			}
		}
	}
}

// TestCountsPersonsMigration: indicators stored before counts_persons are
// taken to count persons when they are manual counts whose values are
// whole numbers (the privacy-safe reading); a manual count with a decimal
// value, a percentage and a computed metric do not. Their etags stay.
func TestCountsPersonsMigration(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := create(t, e.c, ctx, minimal("MIGCP"))
	add := func(code, unit string, m pb.Metric, value string) *pb.Indicator {
		in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: code, Titles: en(code), Unit: unit,
			Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: m, CountsPersons: proto.Bool(false)})
		if value == "" {
			return in
		}
		r, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(),
			Value: &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: value}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetIndicator()
	}
	want := map[*pb.Indicator]bool{
		add("CASES", "cases", pb.Metric_METRIC_MANUAL, "3"):              true,
		add("WHOLE", "children", pb.Metric_METRIC_MANUAL, "3.0"):         true,
		add("NONE", "children", pb.Metric_METRIC_MANUAL, ""):             true,
		add("HOURS", "hours", pb.Metric_METRIC_MANUAL, "12.5"):           false,
		add("PCT", "%", pb.Metric_METRIC_MANUAL, "40"):                   false,
		add("COMP", "persons", pb.Metric_METRIC_REFERRALS_COMPLETED, ""): false,
	}
	db := pgtest.Connect(t, e.dbURL)
	pgtest.Undo(t, db, "reporting", migrations.FS, 11)
	c := startReporting(t, nil, e.dbURL, e.benAddr, e.refAddr, e.trainAddr)
	for in, cp := range want {
		r, err := c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetIndicator(); got.GetCountsPersons() != cp || got.GetEtag() != in.GetEtag() {
			t.Errorf("%s after the migration: counts_persons %v %s, want %v %s", in.GetCode(), got.GetCountsPersons(), got.GetEtag(), cp, in.GetEtag())
		}
	}

	// A replica of the previous release (during a rolling upgrade) inserts
	// without the column: a manual count it creates counts persons.
	var cols string
	if err := db.QueryRow(context.Background(), `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
		FROM information_schema.columns
		WHERE table_schema = 'reporting' AND table_name = 'indicators'
		  AND column_name NOT IN ('id', 'code', 'unit', 'metric', 'measure', 'request_id', 'counts_persons')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	for code, x := range map[string]struct {
		unit, metric, measure string
		want                  bool
	}{
		"OLDCOUNT": {"children", "manual", "count", true},
		"OLDPCT":   {"%", "manual", "percentage", false},
		"OLDCOMP":  {"persons", "referrals_made", "count", false},
	} {
		id := ids.New()
		if _, err := db.Exec(context.Background(), `INSERT INTO reporting.indicators (id, code, unit, metric, measure, `+cols+`)
			SELECT $1::uuid, $2, $3, $4, $5, `+cols+` FROM reporting.indicators WHERE code = 'NONE'`, id, code, x.unit, x.metric, x.measure); err != nil {
			t.Fatalf("%s: an insert without counts_persons: %v", code, err)
		}
		r, err := c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetIndicator().GetCountsPersons(); got != x.want {
			t.Errorf("%s inserted by an older replica: counts_persons %v, want %v", code, got, x.want)
		}
	}
}

// TestSmallBaselineSuppressed: the baseline of an indicator whose figures
// are suppressed (a manual count of persons, a computed metric) reaches a
// reader of a suppressed report, and an organisation other than the
// implementing one reading the indicator, hidden when it is small, as a
// count of its actual would be: "suppressed": true, no value, its date
// kept; in the CSV and XLSX exports an empty baseline with
// baseline_suppressed true; in the IATI file no baseline element, the
// indicator's description saying it is withheld. Before, a baseline of 2
// children in foster care was given to the funder whose report hid the
// 2 children of the actual. A count of things, a baseline of 0 or one at
// the threshold is shown; targets are never hidden; the implementing
// organisation reads what it recorded and its unsuppressed report every
// baseline.
func TestSmallBaselineSuppressed(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx, dctx := servicetest.As(t, org), servicetest.As(t, donor)
	p := create(t, e.c, ctx, example(donor)) // threshold 5, 2016-11-01 to 2017-10-31
	target := []*pb.Target{{Period: period("2016-11-01", "2017-10-31"), Value: "3"}}
	add := func(code string, metric pb.Metric, countsPersons *bool, baseline string) {
		addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: code, Titles: en("Indicator " + code), Unit: "persons",
			Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: metric, CountsPersons: countsPersons,
			Baseline: &pb.Baseline{Value: baseline, Date: "2016-10-31"}, Targets: target})
	}
	add("FC", pb.Metric_METRIC_MANUAL, nil, "2")                 // children in foster care: hidden
	add("FD", pb.Metric_METRIC_MANUAL, nil, "5")                 // at the threshold: shown
	add("FZ", pb.Metric_METRIC_MANUAL, nil, "0")                 // zero: shown
	add("WS", pb.Metric_METRIC_MANUAL, proto.Bool(false), "2")   // workshops: shown
	add("BA", pb.Metric_METRIC_BENEFICIARIES_ASSISTED, nil, "4") // computed: hidden
	add("RM", pb.Metric_METRIC_REFERRALS_MADE, nil, "12")        // computed, large: shown
	recorded := map[string]string{"BA": "4", "FC": "2", "FD": "5", "FZ": "0", "RM": "12", "WS": "2"}
	hidden := map[string]string{"BA": "* 2016-10-31", "FC": "* 2016-10-31", "FD": "5", "FZ": "0", "RM": "12", "WS": "2"}

	baseline := func(b *pb.Baseline) string {
		if b.GetSuppressed() {
			if b.GetValue() != "" {
				t.Errorf("a suppressed baseline has value %q", b.GetValue())
			}
			return "* " + b.GetDate()
		}
		return b.GetValue()
	}
	indicators := func(ctx context.Context) map[string]string {
		t.Helper()
		r, err := e.c.ListIndicators(ctx, &pb.ListIndicatorsRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, in := range r.GetIndicators() {
			out[in.GetCode()] = baseline(in.GetBaseline())
			g, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			if got := baseline(g.GetIndicator().GetBaseline()); got != out[in.GetCode()] {
				t.Errorf("%s: GetIndicator's baseline %q, ListIndicators' %q", in.GetCode(), got, out[in.GetCode()])
			}
			if tv := g.GetIndicator().GetTargets()[0].GetValue(); tv != "3" {
				t.Errorf("%s: target %q, want 3 (targets are not hidden)", in.GetCode(), tv)
			}
		}
		return out
	}
	if diff := cmp.Diff(recorded, indicators(ctx)); diff != "" {
		t.Errorf("the implementing organisation's baselines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(hidden, indicators(dctx)); diff != "" {
		t.Errorf("the funder's baselines (-want +got):\n%s", diff)
	}

	report := func(ctx context.Context, unsuppressed bool) map[string]string {
		t.Helper()
		r, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: unsuppressed})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, x := range r.GetReport().GetResults() {
			out[x.GetCode()] = baseline(x.GetBaseline())
			if x.GetTarget() != "3" {
				t.Errorf("%s: report target %q, want 3", x.GetCode(), x.GetTarget())
			}
		}
		return out
	}
	if diff := cmp.Diff(hidden, report(dctx, false)); diff != "" {
		t.Errorf("the funder's report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(hidden, report(ctx, false)); diff != "" {
		t.Errorf("the implementing organisation's report to hand on (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(recorded, report(ctx, true)); diff != "" {
		t.Errorf("the implementing organisation's unsuppressed report (-want +got):\n%s", diff)
	}

	for _, format := range []string{"csv", "xlsx"} {
		rows := exportRows(t, e, dctx, p.GetId(), format, "", "")
		col, mark, date := slices.Index(rows[0], "baseline"), slices.Index(rows[0], "baseline_suppressed"), slices.Index(rows[0], "baseline_date")
		if col < 0 || mark < 0 {
			t.Fatalf("%s header lacks baseline or baseline_suppressed: %v", format, rows[0])
		}
		got := map[string]string{}
		for _, row := range rows[1:] {
			got[row[0]] = row[col]
			if row[mark] == "true" {
				got[row[0]] = "* " + row[date]
			} else if row[mark] != "false" {
				t.Errorf("%s: baseline_suppressed %q", format, row[mark])
			}
		}
		if diff := cmp.Diff(hidden, got); diff != "" {
			t.Errorf("the funder's %s export (-want +got):\n%s", format, diff)
		}
	}

	doc := exportIATI(t, e, dctx, p.GetId())
	checkIATI(t, map[string][]byte{"funder.xml": doc})
	for code, want := range hidden {
		_, res, _ := strings.Cut(string(doc), ">Indicator "+code+"</narrative>")
		res, _, _ = strings.Cut(res, "</result>")
		if strings.HasPrefix(want, "*") {
			if strings.Contains(res, "<baseline") || !strings.Contains(res, "Withheld to protect the people counted") ||
				!strings.Contains(res, "the baseline") {
				t.Errorf("IATI %s: the baseline is given, or not said to be withheld:\n%s", code, res)
			}
		} else if !strings.Contains(res, `value="`+want+`"></baseline>`) {
			t.Errorf("IATI %s: want baseline %s in\n%s", code, want, res)
		}
	}
}
