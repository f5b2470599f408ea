package service_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/iati"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// organisation registers an NGO in the directory with a registered
// identifier and returns its id. With an identifier, the platform
// administrator verifies the organisation (IATI exports publish only
// verified ones); with "" it stays unverified.
func (e *env) organisation(t testing.TB, name, identifier string) string {
	t.Helper()
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	r, err := e.dir.CreateOrganisation(admin, &refv1.CreateOrganisationRequest{Organisation: &refv1.Organisation{
		Name: name, Kind: refv1.OrganisationKind_ORGANISATION_KIND_NGO, Country: "HR", OrganisationIdentifier: identifier,
		LocalizedNames: map[string]string{"en": name + " (en)", "sr-Cyrl": "Ћирилица", "hr": name}}})
	if err != nil {
		t.Fatal(err)
	}
	if identifier != "" {
		e.verify(t, r.GetOrganisation().GetId())
	}
	return r.GetOrganisation().GetId()
}

// verify has the platform administrator verify organisation org as it is.
func (e *env) verify(t testing.TB, org string) {
	t.Helper()
	platform := servicetest.As(t, auth.PlatformOrganisationID, auth.AdminScopes...)
	o, err := e.dir.GetOrganisation(servicetest.As(t, org), &refv1.GetOrganisationRequest{Id: org})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.VerifyOrganisation(platform, &refv1.VerifyOrganisationRequest{Id: org, Name: o.GetOrganisation().GetName(),
		Kind: o.GetOrganisation().GetKind(), Country: o.GetOrganisation().GetCountry(), Reason: "register extract", Etag: o.GetOrganisation().GetEtag()}); err != nil {
		t.Fatal(err)
	}
}

// exportIATI exports a project's report as IATI XML through the API
// (optionally for a period: start, end).
func exportIATI(t testing.TB, e *env, ctx context.Context, project string, period ...string) []byte {
	t.Helper()
	req := &pb.ExportProjectReportRequest{ProjectId: project, Format: "iati"}
	if len(period) == 2 {
		req.StartDate, req.EndDate = period[0], period[1]
	}
	body, err := e.c.ExportProjectReport(ctx, req)
	if err != nil {
		t.Fatalf("export %s: %v", project, err)
	}
	if body.GetContentType() != "application/xml" {
		t.Fatalf("content type %q", body.GetContentType())
	}
	return body.GetData()
}

// checkIATI validates the exports against the IATI 2.03 schema and the
// IATI rulesets' rules.
func checkIATI(t testing.TB, docs map[string][]byte) int {
	t.Helper()
	for name, doc := range docs {
		if fails := standards.IATIRuleFailures(doc, time.Now()); len(fails) > 0 {
			t.Errorf("%s breaks IATI rules:\n%s\n%s", name, strings.Join(fails, "\n"), doc)
		}
	}
	return standards.ValidateIATI(t, docs)
}

// TestIATIExportRefusals: an export IATI would reject is refused, with
// what to fix, and nothing is invented in its place.
func TestIATIExportRefusals(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Udruga", "")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, minimal("NOID"))
	_, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"})
	if statustest.Code(err) != codes.FailedPrecondition || !strings.Contains(statustest.Descriptions(err)["organisation_identifier"], "PATCH /v1/organisations/"+org) {
		t.Fatalf("export without an organisation identifier: %v", err)
	}
	// Other formats do not need it.
	if _, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "csv"}); err != nil {
		t.Fatalf("csv: %v", err)
	}
	// The organisation proposes one: not published until verified (it
	// may be another's).
	entry, err := e.dir.GetOrganisation(ctx, &refv1.GetOrganisationRequest{Id: org})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dir.UpdateOrganisation(ctx, &refv1.UpdateOrganisationRequest{
		Organisation: &refv1.Organisation{Id: org, OrganisationIdentifier: "HR-OIB-98765432109", Etag: entry.GetOrganisation().GetEtag()},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"organisation_identifier"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"})
	if v := statustest.Descriptions(err); statustest.Reason(err) != "IATI_EXPORT_REFUSED" || len(v) != 1 ||
		!strings.Contains(v["implementing_organisation_id"], "POST /v1/organisations/"+org+":verify") {
		t.Fatalf("export by an unverified organisation: %v", err)
	}
	// Once the platform administrator verified it, the export uses it.
	e.verify(t, org)
	doc := exportIATI(t, e, ctx, p.GetId())
	if !strings.Contains(string(doc), "<iati-identifier>HR-OIB-98765432109-NOID</iati-identifier>") ||
		!strings.Contains(string(doc), "<narrative>Udruga (en)</narrative>") {
		t.Fatalf("export: %s", doc)
	}
	checkIATI(t, map[string][]byte{"after the identifier was set": doc})

	// An organisation the directory does not list.
	unknown := servicetest.As(t, ids.New())
	q := create(t, e.c, unknown, minimal("UNLISTED"))
	if _, err := e.c.ExportProjectReport(unknown, &pb.ExportProjectReportRequest{ProjectId: q.GetId(), Format: "iati"}); statustest.Code(err) != codes.FailedPrecondition {
		t.Fatalf("export by an organisation not in the directory: %v", err)
	}
	// The directory is read with the reporting service's own delegated
	// directory.read: reporting.read is all the caller needs.
	noDir := servicetest.As(t, org, auth.ScopeReportingRead)
	if _, err := e.c.ExportProjectReport(noDir, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"}); err != nil {
		t.Fatalf("export with reporting.read alone: %v", err)
	}

	// A project stored before the rules (no sector, a budget over two
	// years) is refused with each problem; the API refuses both on input.
	conn, err := pgx.Connect(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE reporting.projects SET sectors = '{}' WHERE id = $1`, p.GetId()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), `INSERT INTO reporting.project_budgets (project_id, position, period_start, period_end, amount, currency, value_date)
		VALUES ($1, 0, '2024-01-01', '2025-12-31', 10, 'EUR', '2024-01-01')`, p.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"})
	v := statustest.Descriptions(err)
	if statustest.Code(err) != codes.FailedPrecondition || v["project.sectors"] == "" || v["project.budgets[0].period"] == "" || len(v) != 2 {
		t.Fatalf("export of a legacy project: %v (violations %v)", err, statustest.Violations(err))
	}
}

// TestIATIExportProperty exports a few hundred random valid API inputs
// (projects with indicators, targets and manual values) through the API;
// every export validates against the IATI 2.03 schema and rules.
func TestIATIExportProperty(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	rng := rand.New(rand.NewPCG(2026, 15))
	const n = 300
	docs := map[string][]byte{}
	for i := range n {
		p := randomProject(rng, i)
		r, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
		if err != nil {
			t.Fatalf("valid input %d refused: %v\n%v", i, err, p)
		}
		id := r.GetProject().GetId()
		for j := range rng.IntN(4) {
			in := randomIndicator(rng, j, p)
			created, err := e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: id, Indicator: in})
			if err != nil {
				t.Fatalf("valid indicator %d/%d refused: %v\n%v", i, j, err, in)
			}
			if in.GetMetric() == pb.Metric_METRIC_MANUAL {
				// Values of periods one after another: those of a count
				// add up, so they may not share a day.
				from := p.GetPlannedStartDate()
				for k := range rng.IntN(3) {
					s, end := randomPeriod(rng, from, 400)
					from = dayAfter(end)
					v := randomDecimal(rng, k)
					if created.GetIndicator().GetCountsPersons() {
						v = strconv.Itoa(rng.IntN(12)) // persons, some suppressed
					}
					if _, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: id, IndicatorId: created.GetIndicator().GetId(),
						Value: &pb.IndicatorValue{Period: period(s, end), Value: v}}); err != nil {
						t.Fatalf("value %d/%d/%d: %v", i, j, k, err)
					}
				}
			}
		}
		docs[p.GetCode()] = exportIATI(t, e, ctx, id)
	}
	start := time.Now()
	valid := checkIATI(t, docs)
	t.Logf("%d of %d random projects exported valid IATI (xmllint over all: %v)", valid, n, time.Since(start).Round(time.Millisecond))
}

// --- random valid API inputs ------------------------------------------------

var (
	textPieces = []string{"Đorđević", "Ђорђевић", "<b>bold</b>", "R&D", `"quoted" 'apos'`, "čćžšđ", "Ω≈ç√", "مرحبا", "سلام",
		"tab\there", "line\nbreak", "\x01ctrl\x1f", "\uFFFE", "😀", "]]>", "&amp;", "  padded  ", "x"}
	narrativeLangs = []string{"", "en", "sr", "hr", "bs", "de", "ar", "fa"}
	orgTypes       = []string{"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90"}
	agencies       = []string{"HR-OIB", "RS-APR", "BA-JIB", "XM-DAC", "GB-CHC"}
	currencies     = []string{"EUR", "HRK", "RSD", "BAM", "CHF", "USD"}
)

func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(4) {
		b.WriteString(textPieces[rng.IntN(len(textPieces))])
		b.WriteString(" ")
	}
	return b.String() + "end"
}

func randomNarratives(rng *rand.Rand, atLeast int) []*pb.Narrative {
	langs := slices.Clone(narrativeLangs)
	rng.Shuffle(len(langs), func(i, j int) { langs[i], langs[j] = langs[j], langs[i] })
	var out []*pb.Narrative
	english := false // no language is English: one of the two at most
	for _, l := range langs[:atLeast+rng.IntN(3)] {
		if l == "" || l == "en" {
			if english {
				continue
			}
			english = true
		}
		out = append(out, &pb.Narrative{Lang: l, Text: randomText(rng)})
	}
	return out
}

func randomDate(rng *rand.Rand, from time.Time, days int) time.Time {
	return from.AddDate(0, 0, rng.IntN(days+1))
}

// randomPeriod is a period starting within days of from and lasting up to
// a year.
func randomPeriod(rng *rand.Rand, from string, days int) (string, string) {
	f, _ := time.Parse(time.DateOnly, from)
	s := randomDate(rng, f, days)
	e := randomDate(rng, s, 364)
	return s.Format(time.DateOnly), e.Format(time.DateOnly)
}

// dayAfter is the day after d (YYYY-MM-DD).
func dayAfter(d string) string {
	t, _ := time.Parse(time.DateOnly, d)
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

func randomDecimal(rng *rand.Rand, k int) string {
	if k%3 == 0 {
		return fmt.Sprint(rng.IntN(1000))
	}
	return fmt.Sprintf("%d.%d", rng.IntN(100000), rng.IntN(100))
}

func randomProject(rng *rand.Rand, i int) *pb.Project {
	const codeChars = "ABCXYZabcxyz0189._-"
	code := []byte{"ABC"[rng.IntN(3)]}
	for range rng.IntN(12) {
		code = append(code, codeChars[rng.IntN(len(codeChars))])
	}
	start := randomDate(rng, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 365*30)
	end := randomDate(rng, start, 365*6)
	p := &pb.Project{
		Code:             fmt.Sprintf("%s-%d", code, i),
		Titles:           randomNarratives(rng, 1),
		PlannedStartDate: start.Format(time.DateOnly),
		PlannedEndDate:   end.Format(time.DateOnly),
		ActivityStatus:   pb.ActivityStatus(rng.IntN(7)),
	}
	if rng.IntN(2) == 0 {
		p.Descriptions = randomNarratives(rng, 1)
	}
	if rng.IntN(2) == 0 {
		p.GeneralObjectives = randomNarratives(rng, 0)
		p.SpecificObjectives = randomNarratives(rng, 0)
	}
	if rng.IntN(3) == 0 {
		p.ReportingOrganisationNames = randomNarratives(rng, 1)
		p.ReportingOrganisationType = orgTypes[rng.IntN(len(orgTypes))]
	}
	for j := range rng.IntN(6) {
		o := &pb.ParticipatingOrganisation{Role: pb.OrganisationRole(1 + rng.IntN(4))}
		switch rng.IntN(3) {
		case 0:
			o.Ref = fmt.Sprintf("%s-%d", agencies[rng.IntN(len(agencies))], 1000+j)
		case 1:
			o.OrganisationId = ids.New()
			o.Names = randomNarratives(rng, 1)
		default:
			o.Names = randomNarratives(rng, 1)
		}
		if rng.IntN(2) == 0 {
			o.Type = orgTypes[rng.IntN(len(orgTypes))]
		}
		p.ParticipatingOrganisations = append(p.ParticipatingOrganisations, o)
	}
	// Budgets: consecutive periods of at most a year from the start.
	bs := start
	for range rng.IntN(8) {
		be := randomDate(rng, bs, 364)
		b := &pb.Budget{Period: &commonv1.DateRange{StartDate: bs.Format(time.DateOnly), EndDate: be.Format(time.DateOnly)},
			Value: &pb.Money{Amount: randomDecimal(rng, rng.IntN(3)), CurrencyCode: currencies[rng.IntN(len(currencies))]}}
		if rng.IntN(2) == 0 {
			b.ValueDate = randomDate(rng, bs, 30).Format(time.DateOnly)
		}
		p.Budgets = append(p.Budgets, b)
		bs = be.AddDate(0, 0, 1)
	}
	// Actual dates: in the past.
	if today := time.Now().UTC(); start.Before(today) && rng.IntN(2) == 0 {
		as := randomDate(rng, start, int(today.Sub(start).Hours()/24)/2)
		p.ActualStartDate = as.Format(time.DateOnly)
		if rng.IntN(2) == 0 {
			p.ActualEndDate = randomDate(rng, as, int(today.Sub(as).Hours()/24)).Format(time.DateOnly)
		}
	}
	countries := []string{"RS", "BA", "HR"}
	rng.Shuffle(3, func(i, j int) { countries[i], countries[j] = countries[j], countries[i] })
	p.RecipientCountries = countries[:rng.IntN(4)]
	for range rng.IntN(3) {
		p.Municipalities = append(p.Municipalities, randomText(rng))
	}
	for k := range 1 + rng.IntN(8) {
		p.Sectors = append(p.Sectors, iati.Sectors[k*37+rng.IntN(30)])
	}
	if rng.IntN(2) == 0 {
		p.SuppressionThreshold = int32(3 + rng.IntN(98)) // 0 (default) or 3..100
	}
	return p
}

var computedMetrics = map[pb.Metric][]string{
	pb.Metric_METRIC_PROFESSIONALS_REGISTERED:            {"sector", "sex", "organisation_kind", "organisation", "event_type"},
	pb.Metric_METRIC_PROFESSIONALS_TRAINED:               {"sector", "sex", "organisation_kind", "organisation", "event_type"},
	pb.Metric_METRIC_PROFESSIONALS_CERTIFIED:             {"sector", "sex", "organisation_kind", "organisation", "event_type"},
	pb.Metric_METRIC_TRAINING_EVENTS:                     {"event_type", "municipality", "country"},
	pb.Metric_METRIC_BENEFICIARIES_ASSISTED:              {"sex", "age_band", "legal_status", "municipality", "assistance_type"},
	pb.Metric_METRIC_REFERRALS_MADE:                      {"category", "urgency", "status"},
	pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED: {"sex", "organisation_kind", "organisation", "event_type", "municipality", "age_band", "legal_status"},
	pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_TRAINED:    {"sex", "organisation_kind", "organisation", "event_type", "municipality", "age_band", "legal_status"},
	pb.Metric_METRIC_BENEFICIARY_PARTICIPANTS_CERTIFIED:  {"sex", "organisation_kind", "organisation", "event_type", "municipality", "age_band", "legal_status"},
}

func randomIndicator(rng *rand.Rand, j int, p *pb.Project) *pb.Indicator {
	in := &pb.Indicator{Code: fmt.Sprintf("I-%d", j), Titles: randomNarratives(rng, 1),
		Level: pb.IndicatorLevel(1 + rng.IntN(3)), Unit: []string{"", "persons", "%", "events"}[rng.IntN(4)]}
	if rng.IntN(2) == 0 {
		in.Baseline = &pb.Baseline{Value: randomDecimal(rng, j)}
		if rng.IntN(2) == 0 {
			in.Baseline.Date = p.GetPlannedStartDate()
		}
	}
	// Targets of periods one after another, as the values.
	from := p.GetPlannedStartDate()
	for k := range rng.IntN(3) {
		s, e := randomPeriod(rng, from, 200)
		in.Targets = append(in.Targets, &pb.Target{Period: period(s, e), Value: randomDecimal(rng, k)})
		from = dayAfter(e)
	}
	if rng.IntN(2) == 0 {
		in.Metric = pb.Metric_METRIC_MANUAL
		// Unset (from the unit), or given: a count, a percentage, an average.
		in.Measure = pb.IndicatorMeasure(rng.IntN(4))
		if rng.IntN(2) == 0 {
			in.CountsPersons = proto.Bool(false) // a count of things, or left unset
		}
		return in
	}
	metrics := slices.Sorted(maps.Keys(computedMetrics))
	in.Metric = metrics[rng.IntN(len(metrics))]
	dims := slices.Clone(computedMetrics[in.Metric])
	rng.Shuffle(len(dims), func(a, b int) { dims[a], dims[b] = dims[b], dims[a] })
	in.Disaggregations = dims[:rng.IntN(len(dims)+1)]
	return in
}

// TestReportPeriodBeforeMinYear: a report period the implementing
// organisation asks for starting before date.MinYear (0000-01-01, or 0024
// typed for 2024) is refused on start_date, as the project's own dates
// are, instead of exported as IATI results of a period whose start the
// IATI schema rejects (xs:date has no year 0000).
func TestReportPeriodBeforeMinYear(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Udruga", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(""))
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "ASSISTED", Titles: en("Persons assisted"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED})
	for _, format := range []string{"iati", "json"} {
		for _, tc := range []struct{ start, end, field string }{
			{"0000-01-01", "2024-12-31", "start_date"}, {"0024-01-01", "2024-12-31", "start_date"}, {"0024-01-01", "0024-12-31", "end_date"},
		} {
			_, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: format, StartDate: tc.start, EndDate: tc.end})
			if statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)[tc.field] == "" {
				t.Errorf("%s export of %s to %s: %v, want InvalidArgument on %s", format, tc.start, tc.end, err, tc.field)
			}
		}
	}
	// The latest day IATI has is a valid end.
	doc := exportIATI(t, e, ctx, p.GetId(), "2024-01-01", "9999-12-31")
	checkIATI(t, map[string][]byte{"to 9999-12-31": doc})
}

// TestIATILastUpdatedFollowsTheResults: an IATI activity's
// last-updated-datetime moves when its results do, not only when the
// project is edited (IATI consumers skip an activity whose time did not
// move). A value recorded after the project's last edit, or a target
// changed, is a change of the activity, and so is an indicator deleted
// with its values; a computed indicator's figures are
// counted when the file is made, so with one the activity is as of then.
func TestIATILastUpdatedFollowsTheResults(t *testing.T) {
	e := start(t)
	org := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901")
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, minimal("LU"))
	conn, err := pgx.Connect(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// The project was last edited a month ago.
	if _, err := conn.Exec(context.Background(), `UPDATE reporting.projects SET update_time = now() - interval '30 days' WHERE id = $1`, p.GetId()); err != nil {
		t.Fatal(err)
	}
	lastUpdated := func() (time.Time, time.Time) {
		t.Helper()
		doc := exportIATI(t, e, ctx, p.GetId())
		checkIATI(t, map[string][]byte{"export": doc})
		root, err := standards.ParseXML(doc)
		if err != nil {
			t.Fatal(err)
		}
		a := root.All("iati-activity")[0]
		lu, err1 := time.Parse(time.RFC3339, a.Attrs["last-updated-datetime"])
		gen, err2 := time.Parse(time.RFC3339, root.Attrs["generated-datetime"])
		if err1 != nil || err2 != nil {
			t.Fatalf("times: %v %v\n%s", err1, err2, doc)
		}
		return lu, gen
	}
	monthAgo := time.Now().Add(-29 * 24 * time.Hour)
	if lu, _ := lastUpdated(); !lu.Before(monthAgo) {
		t.Fatalf("project alone: last-updated %s, want the project's edit a month ago", lu)
	}

	in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP1", Titles: en("Working groups held"), Unit: "meetings",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: period("2024-01-01", "2024-12-31"), Value: "4"}}})
	r, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(),
		Value: &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	recorded := r.GetIndicator().GetUpdateTime().AsTime().Truncate(time.Second)
	if lu, _ := lastUpdated(); lu.Before(recorded) {
		t.Fatalf("after a value was recorded at %s: last-updated %s", recorded, lu)
	}

	// The indicator, with its value, recorded a week ago, is deleted now:
	// its result leaves the activity, which changed then.
	if _, err := conn.Exec(context.Background(), `UPDATE reporting.indicators SET update_time = now() - interval '7 days' WHERE id = $1`, in.GetId()); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now().Truncate(time.Second)
	if _, err := e.c.DeleteIndicator(ctx, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: in.GetId()}); err != nil {
		t.Fatal(err)
	}
	if lu, _ := lastUpdated(); lu.Before(deleted) {
		t.Fatalf("after the indicator was deleted at %s: last-updated %s", deleted, lu)
	}

	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP2", Titles: en("Professionals trained"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED,
		Targets: []*pb.Target{{Period: period("2024-01-01", "2024-12-31"), Value: "40"}}})
	if lu, gen := lastUpdated(); !lu.Equal(gen) {
		t.Fatalf("with a computed indicator: last-updated %s, generated %s", lu, gen)
	}
}

// TestIATIReportingOrgNameLanguages: the reporting organisation named
// from the directory carries each name under the language it is in. A
// narrative without xml:lang is in the activity's default language,
// English, so a Bosnian or Serbian name written without one tells a
// donor's system it is the English name; each language is named once.
func TestIATIReportingOrgNameLanguages(t *testing.T) {
	e := start(t)
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	for i, c := range []struct {
		name string
		org  *refv1.Organisation
		want string // the reporting-org's narratives, lang=text;…
	}{
		{"only its name, in Bosnia and Herzegovina", &refv1.Organisation{Name: "Udruženje Vaša prava BiH", Country: "BA",
			OrganisationIdentifier: "BA-JIB-4200000000001"}, "bs=Udruženje Vaša prava BiH"},
		{"its name in its working language and in Cyrillic", &refv1.Organisation{Name: "Centar za zaštitu", Country: "RS",
			Languages: []string{"sr-Latn", "en", "ar"}, LocalizedNames: map[string]string{"sr-Cyrl": "Центар за заштиту"},
			OrganisationIdentifier: "RS-APR-17123457"}, "sr=Centar za zaštitu"},
		{"its name as one of its localized names", &refv1.Organisation{Name: "Udruga za pomoć", Country: "HR",
			LocalizedNames:         map[string]string{"hr": "Udruga za pomoć", "sr-Latn": "Udruženje za pomoć"},
			OrganisationIdentifier: "HR-OIB-11111111119"}, "hr=Udruga za pomoć;sr=Udruženje za pomoć"},
		{"an English name", &refv1.Organisation{Name: "Centar za mirovne studije", Country: "HR", Languages: []string{"hr"},
			LocalizedNames:         map[string]string{"en": "Centre for Peace Studies", "sr-Cyrl": "Центар за мировне студије"},
			OrganisationIdentifier: "HR-OIB-22222222228"}, "=Centre for Peace Studies;hr=Centar za mirovne studije;sr=Центар за мировне студије"},
		{"working in English", &refv1.Organisation{Name: "Refugee Aid Serbia", Country: "RS", Languages: []string{"en", "sr-Latn"},
			OrganisationIdentifier: "RS-APR-17123458"}, "=Refugee Aid Serbia"},
	} {
		c.org.Kind = refv1.OrganisationKind_ORGANISATION_KIND_NGO
		r, err := e.dir.CreateOrganisation(admin, &refv1.CreateOrganisationRequest{Organisation: c.org})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		org := r.GetOrganisation().GetId()
		e.verify(t, org)
		ctx := servicetest.As(t, org)
		p := create(t, e.c, ctx, minimal(fmt.Sprintf("NAMES-%d", i)))
		doc := exportIATI(t, e, ctx, p.GetId())
		checkIATI(t, map[string][]byte{c.name: doc})
		root, err := standards.ParseXML(doc)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range root.All("iati-activity")[0].All("reporting-org")[0].All("narrative") {
			got = append(got, n.Attrs["xml:lang"]+"="+n.Text)
		}
		if strings.Join(got, ";") != c.want {
			t.Errorf("%s: reporting-org narratives %q, want %q", c.name, strings.Join(got, ";"), c.want)
		}
	}
}
