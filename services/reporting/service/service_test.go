package service_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	trainv1 "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/i18n"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	benservice "github.com/spona/spona/services/beneficiaries/service"
	refservice "github.com/spona/spona/services/referrals/service"
	"github.com/spona/spona/services/reporting/service"
	trainservice "github.com/spona/spona/services/trainings/service"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is the reporting service with the real beneficiaries, referrals and
// trainings services it asks for aggregates, on one fresh database.
type env struct {
	c     pb.ReportingServiceClient
	dir   refv1.DirectoryServiceClient
	ben   benv1.BeneficiaryServiceClient
	train trainv1.TrainingServiceClient
	dbURL string
	// The other services' addresses, for a second reporting process.
	benAddr, refAddr, trainAddr string
}

func start(t testing.TB) *env {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	// The services that tag records with a project ask reporting whether
	// the organisation may, and beneficiaries and referrals call each
	// other: the addresses of reporting and referrals are reserved first.
	rep, ref := servicetest.Defer(t), servicetest.Defer(t)
	benConn := servicetest.Start(t, benservice.New(benservice.Config{Config: servicetest.Platform(t, dbURL),
		ReportingAddr: rep.Addr, ReferralsAddr: ref.Addr}))
	refConn := ref.Start(t, refservice.New(refservice.Config{Config: servicetest.Platform(t, dbURL),
		BeneficiariesAddr: benConn.Target(), ReportingAddr: rep.Addr}))
	trainConn := servicetest.Start(t, trainservice.New(trainservice.Config{Config: servicetest.Platform(t, dbURL),
		ReferralsAddr: refConn.Target(), BeneficiariesAddr: benConn.Target(), ReportingAddr: rep.Addr}))
	return &env{
		c:       startReporting(t, rep, dbURL, benConn.Target(), refConn.Target(), trainConn.Target()),
		dir:     refv1.NewDirectoryServiceClient(refConn),
		ben:     benv1.NewBeneficiaryServiceClient(benConn),
		train:   trainv1.NewTrainingServiceClient(trainConn),
		dbURL:   dbURL,
		benAddr: benConn.Target(), refAddr: refConn.Target(), trainAddr: trainConn.Target(),
	}
}

// startReporting runs the reporting service, on the address d reserved
// when it is not nil.
func startReporting(t testing.TB, d *servicetest.Deferred, dbURL, ben, ref, train string) pb.ReportingServiceClient {
	t.Helper()
	svc := service.New(service.Config{
		Config:            servicetest.Platform(t, dbURL),
		BeneficiariesAddr: ben,
		ReferralsAddr:     ref,
		TrainingsAddr:     train,
	})
	if d != nil {
		return pb.NewReportingServiceClient(d.Start(t, svc))
	}
	return pb.NewReportingServiceClient(servicetest.Start(t, svc))
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

const exampleTitle = "Improving intersectoral cooperation in the integration of persons granted international protection"

func en(s string) []*pb.Narrative { return []*pb.Narrative{{Lang: "en", Text: s}} }

// example is the project of the issue: 1 Nov 2016 - 31 Oct 2017, 140,000.00
// HRK, funded by a ministry.
func example(donor string) *pb.Project {
	return &pb.Project{
		Code:   "HR-2016-INT-01",
		Titles: append(en(exampleTitle), &pb.Narrative{Lang: "hr", Text: "Unapređenje međusektorske suradnje u integraciji osoba kojima je odobrena međunarodna zaštita"}),
		Descriptions: en("Trainings and working groups for social welfare, police, health and education professionals; " +
			"a counselling centre for persons granted international protection."),
		GeneralObjectives:          en("Better integration of persons granted international protection."),
		SpecificObjectives:         en("Professionals of all sectors trained on the rights of protected persons."),
		ReportingOrganisationNames: en("Centre for Peace Studies"),
		ReportingOrganisationType:  "22",
		ParticipatingOrganisations: []*pb.ParticipatingOrganisation{
			{OrganisationId: donor, Ref: "HR-MIN-01", Type: "10", Role: pb.OrganisationRole_ORGANISATION_ROLE_FUNDING,
				Names: en("Ministry of Labour, Pension System, Family and Social Policy")},
			{Type: "22", Role: pb.OrganisationRole_ORGANISATION_ROLE_IMPLEMENTING, Names: en("Jesuit Refugee Service")},
		},
		Budgets: []*pb.Budget{{
			Period: &commonv1.DateRange{StartDate: "2016-11-01", EndDate: "2017-10-31"},
			Value:  &pb.Money{Amount: "140000.00", CurrencyCode: "HRK"},
		}},
		PlannedStartDate:   "2016-11-01",
		PlannedEndDate:     "2017-10-31",
		ActualStartDate:    "2016-11-01",
		ActivityStatus:     pb.ActivityStatus_ACTIVITY_STATUS_IMPLEMENTATION,
		RecipientCountries: []string{"HR"},
		Municipalities:     []string{"Zagreb"},
		Sectors:            []string{"15160", "16010"},
	}
}

func minimal(code string) *pb.Project {
	return &pb.Project{Code: code, Titles: en("Project " + code), PlannedStartDate: "2024-01-01", PlannedEndDate: "2024-12-31",
		Sectors: []string{"15160"}}
}

func create(t *testing.T, c pb.ReportingServiceClient, ctx context.Context, p *pb.Project) *pb.Project {
	t.Helper()
	r, err := c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
	if err != nil {
		t.Fatalf("create %s: %v", p.GetCode(), err)
	}
	return r.GetProject()
}

// ---------------------------------------------------------------------------
// Projects.
// ---------------------------------------------------------------------------

func TestProjectLifecycle(t *testing.T) {
	e := start(t)
	org, donor := ids.New(), ids.New()
	ctx := servicetest.As(t, org)

	p := create(t, e.c, ctx, example(donor))
	want := example(donor)
	want.ImplementingOrganisationId = org
	want.Etag = `W/"1"`
	want.Budgets[0].ValueDate = "2016-11-01" // defaults to the period start
	if diff := cmp.Diff(want, p, protocmp.Transform(),
		protocmp.IgnoreFields(&pb.Project{}, "id", "create_time", "update_time")); diff != "" {
		t.Fatalf("created project (-want +got):\n%s", diff)
	}
	got, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got.GetProject(), protocmp.Transform()); diff != "" {
		t.Fatalf("get differs from create (-create +get):\n%s", diff)
	}

	// PATCH: only the masked fields change; the etag moves on.
	upd, err := e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{
		Project: &pb.Project{Id: p.GetId(), Etag: p.GetEtag(), ActivityStatus: pb.ActivityStatus_ACTIVITY_STATUS_FINALISATION,
			SuppressionThreshold: 3, Titles: en("ignored: not in the mask")},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"activity_status", "suppression_threshold"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := upd.GetProject()
	if u.GetActivityStatus() != pb.ActivityStatus_ACTIVITY_STATUS_FINALISATION || u.GetSuppressionThreshold() != 3 ||
		u.GetTitles()[0].GetText() != exampleTitle || u.GetEtag() == p.GetEtag() || len(u.GetBudgets()) != 1 {
		t.Fatalf("after update: %v", u)
	}
	// A stale etag is refused and changes nothing.
	_, err = e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{
		Project:    &pb.Project{Id: p.GetId(), Etag: p.GetEtag(), SuppressionThreshold: 10},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}},
	})
	if statustest.Code(err) != codes.Aborted {
		t.Fatalf("stale etag: %v, want Aborted", err)
	}
	// Budgets are replaced as a whole, exactly.
	upd, err = e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{
		Project: &pb.Project{Id: p.GetId(), Etag: u.GetEtag(), Budgets: []*pb.Budget{
			{Period: &commonv1.DateRange{StartDate: "2016-11-01", EndDate: "2016-12-31"}, Value: &pb.Money{Amount: "0.01", CurrencyCode: "EUR"}},
			{Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-10-31"}, Value: &pb.Money{Amount: "9999999999999999.99", CurrencyCode: "HRK"}, ValueDate: "2017-02-01"},
		}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"budgets"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var amounts []string
	for _, b := range upd.GetProject().GetBudgets() {
		amounts = append(amounts, b.GetValue().GetAmount()+" "+b.GetValue().GetCurrencyCode()+" "+b.GetValueDate())
	}
	if diff := cmp.Diff([]string{"0.01 EUR 2016-11-01", "9999999999999999.99 HRK 2017-02-01"}, amounts); diff != "" {
		t.Fatalf("budgets (-want +got):\n%s", diff)
	}
	// Unknown mask paths are the caller's mistake.
	_, err = e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"implementing_organisation_id"}}})
	if statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)["update_mask.paths[0]"] == "" {
		t.Fatalf("read-only path: %v", err)
	}

	// The donor reads it but may not change it; an unrelated organisation
	// does not see it at all.
	donorCtx := servicetest.As(t, donor)
	if _, err := e.c.GetProject(donorCtx, &pb.GetProjectRequest{Id: p.GetId()}); err != nil {
		t.Fatalf("donor get: %v", err)
	}
	if l, err := e.c.ListProjects(donorCtx, &pb.ListProjectsRequest{}); err != nil || len(l.GetProjects()) != 1 {
		t.Fatalf("donor list: %v, %v", l, err)
	}
	_, err = e.c.UpdateProject(donorCtx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), SuppressionThreshold: 1},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}}})
	if statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("donor update: %v, want PermissionDenied", err)
	}
	if _, err := e.c.DeleteProject(donorCtx, &pb.DeleteProjectRequest{Id: p.GetId()}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("donor delete: %v", err)
	}
	stranger := servicetest.As(t, ids.New())
	if _, err := e.c.GetProject(stranger, &pb.GetProjectRequest{Id: p.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger get: %v, want NotFound", err)
	}
	if l, _ := e.c.ListProjects(stranger, &pb.ListProjectsRequest{}); len(l.GetProjects()) != 0 {
		t.Fatalf("stranger lists %d projects", len(l.GetProjects()))
	}

	// Delete with a stale etag fails; with the current one it succeeds.
	if _, err := e.c.DeleteProject(ctx, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: p.GetEtag()}); statustest.Code(err) != codes.Aborted {
		t.Fatalf("delete with stale etag: %v", err)
	}
	if _, err := e.c.DeleteProject(ctx, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: upd.GetProject().GetEtag()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: p.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestListKeysetAndIdempotency(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	var want []string
	for i := range 7 {
		want = append([]string{create(t, e.c, ctx, minimal(fmt.Sprintf("P-%d", i))).GetId()}, want...)
	}
	var got []string
	tok := ""
	for {
		r, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{PageSize: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.GetProjects() {
			got = append(got, p.GetId())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("pages (-want +got):\n%s", diff)
	}
	if _, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{PageToken: "garbage"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad token: %v", err)
	}

	first, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: minimal("IDEM"), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: minimal("IDEM"), RequestId: "req-1"})
	if err != nil || again.GetProject().GetId() != first.GetProject().GetId() {
		t.Fatalf("retry: %v, %v", again, err)
	}
	if _, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: minimal("IDEM")}); statustest.Code(err) != codes.AlreadyExists {
		t.Fatalf("duplicate code: %v, want AlreadyExists", err)
	}
	// The same code in another organisation is fine.
	create(t, e.c, servicetest.As(t, ids.New()), minimal("IDEM"))
}

func TestProjectValidation(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	for _, tc := range []struct {
		name  string
		edit  func(p *pb.Project)
		field string
	}{
		{"no title", func(p *pb.Project) { p.Titles = nil }, "project.titles"},
		{"bad code", func(p *pb.Project) { p.Code = "a b" }, "project.code"},
		{"bad language", func(p *pb.Project) { p.Titles[0].Lang = "english" }, "project.titles[0].lang"},
		{"same language twice", func(p *pb.Project) { p.Titles[1].Lang = "en" }, "project.titles[1].lang"},
		{"float amount", func(p *pb.Project) { p.Budgets[0].Value.Amount = "1.5e5" }, "project.budgets[0].value.amount"},
		{"three decimals", func(p *pb.Project) { p.Budgets[0].Value.Amount = "1.005" }, "project.budgets[0].value.amount"},
		{"negative", func(p *pb.Project) { p.Budgets[0].Value.Amount = "-1.00" }, "project.budgets[0].value.amount"},
		{"currency", func(p *pb.Project) { p.Budgets[0].Value.CurrencyCode = "XYZ" }, "project.budgets[0].value.currency_code"},
		{"budget period", func(p *pb.Project) { p.Budgets[0].Period.EndDate = "2015-01-01" }, "project.budgets[0].period.end_date"},
		{"budget over a year", func(p *pb.Project) { p.Budgets[0].Period.EndDate = "2017-11-02" }, "project.budgets[0].period.end_date"},
		{"same organisation twice", func(p *pb.Project) {
			p.ParticipatingOrganisations = append(p.ParticipatingOrganisations, &pb.ParticipatingOrganisation{
				Ref: "HR-MIN-01", Role: pb.OrganisationRole_ORGANISATION_ROLE_FUNDING})
		}, "project.participating_organisations[2]"},
		{"no sector", func(p *pb.Project) { p.Sectors = nil }, "project.sectors"},
		{"actual start in the future", func(p *pb.Project) { p.ActualStartDate = time.Now().AddDate(0, 0, 3).Format(time.DateOnly) }, "project.actual_start_date"},
		{"role", func(p *pb.Project) { p.ParticipatingOrganisations[0].Role = 9 }, "project.participating_organisations[0].role"},
		{"org id", func(p *pb.Project) { p.ParticipatingOrganisations[0].OrganisationId = "x" }, "project.participating_organisations[0].organisation_id"},
		{"org type", func(p *pb.Project) { p.ParticipatingOrganisations[0].Type = "NGO" }, "project.participating_organisations[0].type"},
		{"nameless org", func(p *pb.Project) { p.ParticipatingOrganisations[1].Names = nil }, "project.participating_organisations[1].names"},
		{"country", func(p *pb.Project) { p.RecipientCountries = []string{"DE"} }, "project.recipient_countries[0]"},
		{"sector", func(p *pb.Project) { p.Sectors = []string{"151"} }, "project.sectors[0]"},
		// Codes of the right shape that IATI codelists lack: the schema lets
		// them through, an IATI validator does not (rules 9.42.1, 9.54.1,
		// 9.76.1, 9.95.1).
		{"unknown DAC sector", func(p *pb.Project) { p.Sectors = []string{"15160", "12345"} }, "project.sectors[1]"},
		{"DAC category as sector", func(p *pb.Project) { p.Sectors = []string{"15100"} }, "project.sectors[0]"},
		{"withdrawn DAC sector", func(p *pb.Project) { p.Sectors = []string{"15161"} }, "project.sectors[0]"},
		{"unknown org type", func(p *pb.Project) { p.ParticipatingOrganisations[0].Type = "12" }, "project.participating_organisations[0].type"},
		{"unknown reporting org type", func(p *pb.Project) { p.ReportingOrganisationType = "99" }, "project.reporting_organisation_type"},
		{"unknown language", func(p *pb.Project) { p.Titles[1].Lang = "xx" }, "project.titles[1].lang"},
		{"English twice", func(p *pb.Project) {
			p.Titles = []*pb.Narrative{{Text: "Title"}, {Lang: "en", Text: "Another title"}}
		}, "project.titles[1].lang"},
		{"status", func(p *pb.Project) { p.ActivityStatus = 7 }, "project.activity_status"},
		{"dates", func(p *pb.Project) { p.PlannedEndDate = "2016-01-01" }, "project.planned_end_date"},
		{"bad date", func(p *pb.Project) { p.ActualEndDate = "2017-02-30" }, "project.actual_end_date"},
		{"threshold", func(p *pb.Project) { p.SuppressionThreshold = 1000 }, "project.suppression_threshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := example("")
			p.ParticipatingOrganisations[0].OrganisationId = ""
			tc.edit(p)
			_, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
			if statustest.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want InvalidArgument", err)
			}
			if _, ok := statustest.Descriptions(err)[tc.field]; !ok {
				t.Fatalf("violations %v lack %s", statustest.Violations(err), tc.field)
			}
		})
	}
	if l, _ := e.c.ListProjects(ctx, &pb.ListProjectsRequest{}); len(l.GetProjects()) != 0 {
		t.Fatalf("rejected creates stored %d projects", len(l.GetProjects()))
	}
}

func TestAuthAndScopes(t *testing.T) {
	e := start(t)
	owner := servicetest.As(t, ids.New())
	id := create(t, e.c, owner, minimal("A")).GetId()
	bg := context.Background()
	if _, err := e.c.ListProjects(bg, &pb.ListProjectsRequest{}); statustest.Code(err) != codes.Unauthenticated {
		t.Fatalf("list without principal: %v", err)
	}
	readOnly := servicetest.As(t, ids.New(), auth.ScopeReportingRead, auth.ScopeAggregates)
	if _, err := e.c.CreateProject(readOnly, &pb.CreateProjectRequest{Project: minimal("B")}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("read-only create: %v", err)
	}
	// The report's aggregates are asked with the reporting service's own
	// delegated aggregates.read: reporting.read is all the caller needs.
	reportingOnly := servicetest.As(t, ids.New(), auth.ScopeReportingRead, auth.ScopeReportingWrite)
	own := create(t, e.c, reportingOnly, minimal("C")).GetId()
	if _, err := e.c.GetProjectReport(reportingOnly, &pb.GetProjectReportRequest{ProjectId: own}); err != nil {
		t.Fatalf("report with reporting.read alone: %v", err)
	}
	if _, err := e.c.GetProjectReport(owner, &pb.GetProjectReportRequest{ProjectId: id}); err != nil {
		t.Fatalf("report: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Indicators.
// ---------------------------------------------------------------------------

func period(s, e string) *commonv1.DateRange { return &commonv1.DateRange{StartDate: s, EndDate: e} }

func addIndicator(t *testing.T, c pb.ReportingServiceClient, ctx context.Context, project string, in *pb.Indicator) *pb.Indicator {
	t.Helper()
	r, err := c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: project, Indicator: in})
	if err != nil {
		t.Fatalf("create indicator %s: %v", in.GetCode(), err)
	}
	return r.GetIndicator()
}

func TestIndicators(t *testing.T) {
	e := start(t)
	org, donor := ids.New(), ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(donor))

	in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OP1.1", Titles: en("Professionals trained"), Unit: "persons", Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
		Baseline: &pb.Baseline{Value: "0", Date: "2016-11-01"},
		Targets:  []*pb.Target{{Period: period("2016-11-01", "2017-10-31"), Value: "40"}},
		Metric:   pb.Metric_METRIC_PROFESSIONALS_TRAINED, Disaggregations: []string{"sector", "sex"},
	})
	if in.GetProjectId() != p.GetId() || in.GetEtag() != `W/"1"` || in.GetTargets()[0].GetValue() != "40" {
		t.Fatalf("created indicator: %v", in)
	}
	manual := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{
		Code: "OC1", Titles: en("Share of trained professionals applying the protocol"), Unit: "%",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL,
		Targets: []*pb.Target{{Period: period("2017-01-01", "2017-10-31"), Value: "60.5"}},
	})

	// The donor may list; the stranger may not; only the owner may change.
	donorCtx := servicetest.As(t, donor)
	l, err := e.c.ListIndicators(donorCtx, &pb.ListIndicatorsRequest{ProjectId: p.GetId(), PageSize: 1})
	if err != nil || len(l.GetIndicators()) != 1 || l.GetIndicators()[0].GetCode() != "OC1" || l.GetNextPageToken() == "" {
		t.Fatalf("donor list page 1: %v, %v", l, err)
	}
	l, err = e.c.ListIndicators(donorCtx, &pb.ListIndicatorsRequest{ProjectId: p.GetId(), PageSize: 1, PageToken: l.GetNextPageToken()})
	if err != nil || len(l.GetIndicators()) != 1 || l.GetIndicators()[0].GetCode() != "OP1.1" || l.GetNextPageToken() != "" {
		t.Fatalf("donor list page 2: %v, %v", l, err)
	}
	if _, err := e.c.ListIndicators(servicetest.As(t, ids.New()), &pb.ListIndicatorsRequest{ProjectId: p.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger list: %v", err)
	}
	if _, err := e.c.CreateIndicator(donorCtx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: &pb.Indicator{
		Code: "X", Titles: en("x"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL}}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("donor create: %v", err)
	}

	// Validation.
	for _, tc := range []struct {
		name  string
		in    *pb.Indicator
		field string
	}{
		{"no metric", &pb.Indicator{Code: "A", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT}, "indicator.metric"},
		{"wrong dimension", &pb.Indicator{Code: "A", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED, Disaggregations: []string{"legal_status"}}, "indicator.disaggregations[0]"},
		{"no level", &pb.Indicator{Code: "A", Titles: en("a"), Metric: pb.Metric_METRIC_MANUAL}, "indicator.level"},
		{"bad target", &pb.Indicator{Code: "A", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL,
			Targets: []*pb.Target{{Period: period("2017-01-01", "2017-12-31"), Value: "1e3"}}}, "indicator.targets[0].value"},
		{"computed percentage", &pb.Indicator{Code: "A", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Measure: pb.IndicatorMeasure_INDICATOR_MEASURE_PERCENTAGE}, "indicator.measure"},
		{"unknown measure", &pb.Indicator{Code: "A", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: pb.Metric_METRIC_MANUAL, Measure: 9}, "indicator.measure"},
		{"duplicate code", &pb.Indicator{Code: "OP1.1", Titles: en("a"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL}, ""},
	} {
		_, err := e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: tc.in})
		if tc.field == "" {
			if statustest.Code(err) != codes.AlreadyExists {
				t.Errorf("%s: %v, want AlreadyExists", tc.name, err)
			}
			continue
		}
		if _, ok := statustest.Descriptions(err)[tc.field]; statustest.Code(err) != codes.InvalidArgument || !ok {
			t.Errorf("%s: %v, want a violation of %s", tc.name, err, tc.field)
		}
	}

	// Update with mask and etag.
	u, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: in.GetId(), ProjectId: p.GetId(), Etag: in.GetEtag(), Disaggregations: []string{"organisation_kind"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disaggregations"}},
	})
	if err != nil || u.GetIndicator().GetDisaggregations()[0] != "organisation_kind" || u.GetIndicator().GetTitles()[0].GetText() != "Professionals trained" {
		t.Fatalf("update: %v, %v", u, err)
	}
	_, err = e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{
		Indicator:  &pb.Indicator{Id: in.GetId(), ProjectId: p.GetId(), Etag: in.GetEtag(), Unit: "people"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"unit"}},
	})
	if statustest.Code(err) != codes.Aborted {
		t.Fatalf("stale indicator etag: %v", err)
	}

	// Manual values: recorded and replaced per period; refused for computed indicators.
	for _, v := range []string{"40", "55.25"} {
		r, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: manual.GetId(),
			Value: &pb.IndicatorValue{Period: period("2017-01-01", "2017-06-30"), Value: v}})
		if err != nil || len(r.GetIndicator().GetValues()) != 1 || r.GetIndicator().GetValues()[0].GetValue() != v {
			t.Fatalf("record %s: %v, %v", v, r, err)
		}
	}
	_, err = e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: in.GetId(),
		Value: &pb.IndicatorValue{Period: period("2017-01-01", "2017-06-30"), Value: "3"}})
	if statustest.Code(err) != codes.FailedPrecondition {
		t.Fatalf("value for computed indicator: %v", err)
	}
	if _, err := e.c.DeleteIndicator(ctx, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: manual.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: manual.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("get deleted: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Reports over the real services.
// ---------------------------------------------------------------------------

// seed records, under the project, assistance to 7 beneficiaries (4 women,
// 3 men; 6 under international protection, 1 asylum seeker) and a seminar
// with 6 police officers and 1 health worker.
func seed(t *testing.T, e *env, ctx context.Context, project string) {
	t.Helper()
	for i := range 7 {
		sex := commonv1.Sex_SEX_FEMALE
		if i >= 4 {
			sex = commonv1.Sex_SEX_MALE
		}
		status := benv1.LegalStatus_LEGAL_STATUS_INTERNATIONAL_PROTECTION
		if i == 6 {
			status = benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER
		}
		b, err := e.ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
			GivenName: fmt.Sprintf("Person %d", i), Sex: sex, LegalStatus: status, BirthYear: 1990}})
		if err != nil {
			t.Fatal(err)
		}
		for _, day := range []string{"2017-01-10", "2017-02-10"} { // twice: counted once
			if _, err := e.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: b.GetBeneficiary().GetId(),
				Assistance: &benv1.Assistance{ProjectId: project, Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: day}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ev, err := e.train.CreateTrainingEvent(ctx, &trainv1.CreateTrainingEventRequest{TrainingEvent: &trainv1.TrainingEvent{
		ProjectId: project, Type: trainv1.EventType_EVENT_TYPE_SEMINAR, Title: "Seminar", StartDate: "2017-03-15", Country: "HR"}})
	if err != nil {
		t.Fatal(err)
	}
	session, err := e.train.CreateSession(ctx, &trainv1.CreateSessionRequest{EventId: ev.GetTrainingEvent().GetId(),
		Session: &trainv1.Session{Date: "2017-03-15"}})
	if err != nil {
		t.Fatal(err)
	}
	// Seven registered (six police officers, one health worker); the first
	// police officer did not come, so six completed the seminar.
	var marks []*trainv1.AttendanceMark
	for i := range 7 {
		sector := trainv1.Sector_SECTOR_POLICE
		if i == 6 {
			sector = trainv1.Sector_SECTOR_HEALTH
		}
		r, err := e.train.CreateParticipant(ctx, &trainv1.CreateParticipantRequest{EventId: ev.GetTrainingEvent().GetId(),
			Participant: &trainv1.Participant{Person: &trainv1.Participant_Professional{Professional: &trainv1.Professional{
				GivenName: fmt.Sprintf("P%d", i), FamilyName: "Professional", Sector: sector, Sex: commonv1.Sex_SEX_FEMALE}}}})
		if err != nil {
			t.Fatal(err)
		}
		marks = append(marks, &trainv1.AttendanceMark{ParticipantId: r.GetParticipant().GetId(), Present: i > 0})
	}
	if _, err := e.train.RecordAttendance(ctx, &trainv1.RecordAttendanceRequest{EventId: ev.GetTrainingEvent().GetId(),
		SessionId: session.GetSession().GetId(), Marks: marks}); err != nil {
		t.Fatal(err)
	}
}

// cells renders a result's breakdowns as "dim:label=value" ("*" when suppressed).
func cells(r *pb.IndicatorResult) []string {
	var out []string
	for _, d := range r.GetDisaggregations() {
		for _, c := range d.GetCells() {
			v := c.GetValue()
			if c.GetSuppressed() {
				v = "*"
			}
			out = append(out, d.GetDimension()+":"+c.GetLabel()+"="+v)
		}
	}
	return out
}

func TestProjectReport(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(donor))
	seed(t, e, ctx, p.GetId())
	year := period("2016-11-01", "2017-10-31")
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP1", Titles: en("Persons supported"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED,
		Baseline: &pb.Baseline{Value: "0"}, Targets: []*pb.Target{{Period: year, Value: "8"}},
		Disaggregations: []string{"sex", "legal_status"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP2", Titles: en("Professionals trained"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED,
		Targets:         []*pb.Target{{Period: period("2016-11-01", "2017-04-30"), Value: "20"}, {Period: period("2017-05-01", "2017-10-31"), Value: "20"}},
		Disaggregations: []string{"sector"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP2R", Titles: en("Professionals registered"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_REGISTERED,
		Disaggregations: []string{"sector"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP4", Titles: en("Training events held"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_TRAINING_EVENTS, Disaggregations: []string{"event_type"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP3", Titles: en("Referrals completed"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_REFERRALS_COMPLETED, Disaggregations: []string{"category"}})
	m := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OC1", Titles: en("Protocol applied"), Unit: "%",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTCOME, Metric: pb.Metric_METRIC_MANUAL})
	for _, v := range []*pb.IndicatorValue{{Period: period("2017-01-01", "2017-06-30"), Value: "40"}, {Period: period("2017-07-01", "2017-10-31"), Value: "12.5"}} {
		if _, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: m.GetId(), Value: v}); err != nil {
			t.Fatal(err)
		}
	}

	type row struct {
		Code, Target, Actual string
		Suppressed           bool
		Cells                []string
	}
	summary := func(r *pb.ProjectReport) []row {
		var out []row
		for _, x := range r.GetResults() {
			out = append(out, row{x.GetCode(), x.GetTarget(), x.GetActual().GetValue(), x.GetActual().GetSuppressed(), cells(x)})
		}
		return out
	}
	rep, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.GetReport()
	if r.GetPeriod().GetStartDate() != "2016-11-01" || r.GetPeriod().GetEndDate() != "2017-10-31" || r.GetSuppressionThreshold() != 5 {
		t.Fatalf("report header: %v", r)
	}
	want := []row{
		// A percentage: the latest period's value (July to October), not
		// the sum of the two periods' values (40 + 12.5).
		{Code: "OC1", Actual: "12.5"},
		// 7 persons: women 4 and men 3 are both small; the 1 asylum seeker is
		// small and the 6 protected persons are suppressed too, or 7-6 would give it away.
		{Code: "OP1", Target: "8", Actual: "7", Cells: []string{"sex:female=*", "sex:male=*",
			"legal_status:asylum_seeker=*", "legal_status:international_protection=*"}},
		// Trained means completed: six of the seven registered came.
		{Code: "OP2", Target: "40", Actual: "6", Cells: []string{"sector:health=*", "sector:police=*"}},
		{Code: "OP2R", Actual: "7", Cells: []string{"sector:health=*", "sector:police=*"}},
		{Code: "OP3", Actual: "0"},
		// One event: a small count, so the total is hidden and its
		// breakdown left out (its labels would bound it).
		{Code: "OP4", Suppressed: true},
	}
	if diff := cmp.Diff(want, summary(r)); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}

	// The donor gets the same report; a stranger gets nothing.
	drep, err := e.c.GetProjectReport(servicetest.As(t, donor), &pb.GetProjectReportRequest{ProjectId: p.GetId()})
	if err != nil {
		t.Fatalf("donor report: %v", err)
	}
	if diff := cmp.Diff(want, summary(drep.GetReport())); diff != "" {
		t.Fatalf("donor report (-want +got):\n%s", diff)
	}
	if _, err := e.c.GetProjectReport(servicetest.As(t, ids.New()), &pb.GetProjectReportRequest{ProjectId: p.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger report: %v", err)
	}

	// Only the implementing organisation sees unsuppressed values, when it
	// asks: every count as counted, threshold 1 in the answer.
	raw, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: true})
	if err != nil {
		t.Fatalf("unsuppressed report: %v", err)
	}
	wantRaw := []row{
		{Code: "OC1", Actual: "12.5"},
		{Code: "OP1", Target: "8", Actual: "7", Cells: []string{"sex:female=4", "sex:male=3",
			"legal_status:asylum_seeker=1", "legal_status:international_protection=6"}},
		// Six police officers and one health worker registered; one officer
		// did not come (seed).
		{Code: "OP2", Target: "40", Actual: "6", Cells: []string{"sector:health=1", "sector:police=5"}},
		{Code: "OP2R", Actual: "7", Cells: []string{"sector:health=1", "sector:police=6"}},
		{Code: "OP3", Actual: "0"},
		{Code: "OP4", Actual: "1", Cells: []string{"event_type:seminar=1"}},
	}
	if diff := cmp.Diff(wantRaw, summary(raw.GetReport())); diff != "" || raw.GetReport().GetSuppressionThreshold() != 1 {
		t.Fatalf("unsuppressed report, threshold %d (-want +got):\n%s", raw.GetReport().GetSuppressionThreshold(), diff)
	}
	// Its json export too; an IATI file, made to be published, never.
	if _, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "json", Unsuppressed: true}); err != nil {
		t.Fatalf("unsuppressed json export: %v", err)
	}
	if _, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati", Unsuppressed: true}); statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)["unsuppressed"] == "" {
		t.Fatalf("unsuppressed iati export: %v, want a field violation naming unsuppressed", err)
	}
	// The donor may not ask, in a report or an export.
	if _, err := e.c.GetProjectReport(servicetest.As(t, donor), &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: true}); statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)["unsuppressed"] == "" {
		t.Fatalf("donor unsuppressed report: %v, want a field violation naming unsuppressed", err)
	}
	if _, err := e.c.ExportProjectReport(servicetest.As(t, donor), &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "csv", Unsuppressed: true}); statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)["unsuppressed"] == "" {
		t.Fatalf("donor unsuppressed export: %v, want a field violation naming unsuppressed", err)
	}

	// A period: only the first half-year; its target, and values within it.
	rep, err = e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), StartDate: "2016-11-01", EndDate: "2017-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	half := summary(rep.GetReport())
	if half[0].Actual != "" || half[1].Actual != "7" || half[2].Target != "" || half[2].Actual != "0" || half[3].Actual != "0" {
		t.Fatalf("first months: %+v", half)
	}

	// The threshold has a floor of 3: lower is refused, field by field.
	threshold := func(n int32) error {
		cur, _ := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: p.GetId()})
		_, err := e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: cur.GetProject().GetEtag(), SuppressionThreshold: n},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}}})
		return err
	}
	for _, n := range []int32{1, 2} {
		if err := threshold(n); statustest.Code(err) != codes.InvalidArgument || statustest.Descriptions(err)["project.suppression_threshold"] == "" {
			t.Fatalf("threshold %d: %v, want a field violation", n, err)
		}
	}
	// A lower threshold, down to the floor, shows the cells of 3 and more.
	if err := threshold(3); err != nil {
		t.Fatal(err)
	}
	cellsOf := func(ctx context.Context) (int32, []string) {
		t.Helper()
		rep, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return rep.GetReport().GetSuppressionThreshold(), summary(rep.GetReport())[1].Cells
	}
	atFloor := []string{"sex:female=4", "sex:male=3", "legal_status:asylum_seeker=*", "legal_status:international_protection=*"}
	for who, c := range map[string]context.Context{"owner": ctx, "donor": servicetest.As(t, donor)} {
		if n, got := cellsOf(c); n != 3 || !cmp.Equal(atFloor, got) {
			t.Fatalf("%s at threshold 3: %d %v, want %v", who, n, got, atFloor)
		}
	}
	// A project stored with threshold 1 before the floor existed: only the
	// implementing organisation sees its unsuppressed counts; the donor
	// still gets the floor.
	db, err := pgx.Connect(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(context.Background(), `UPDATE reporting.projects SET suppression_threshold = 1 WHERE id = $1`, p.GetId()); err != nil {
		t.Fatal(err)
	}
	if n, got := cellsOf(ctx); n != 1 || !cmp.Equal([]string{"sex:female=4", "sex:male=3", "legal_status:asylum_seeker=1", "legal_status:international_protection=6"}, got) {
		t.Fatalf("owner at a stored threshold of 1: %d %v", n, got)
	}
	if n, got := cellsOf(servicetest.As(t, donor)); n != 3 || !cmp.Equal(atFloor, got) {
		t.Fatalf("donor at a stored threshold of 1: %d %v, want the floor %v", n, got, atFloor)
	}

	// The same report as IATI 2.03 activity XML, at the default threshold
	// and at 1. An IATI file is published: at a stored threshold of 1 it
	// still holds no count under the floor, the implementing
	// organisation's own file included.
	var docs = map[string][]byte{"threshold 1": exportIATI(t, e, ctx, p.GetId())}
	if doc := string(docs["threshold 1"]); strings.Contains(doc, `<dimension name="legal_status"`) || !strings.Contains(doc, "(counts below 3,") {
		t.Fatalf("IATI export at a stored threshold of 1 publishes counts under the floor of 3:\n%s", doc)
	}
	cur, _ := e.c.GetProject(ctx, &pb.GetProjectRequest{Id: p.GetId()})
	if _, err := e.c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: cur.GetProject().GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}}}); err != nil {
		t.Fatal(err)
	}
	docs["threshold 5"] = exportIATI(t, e, ctx, p.GetId())
	docs["first months"] = exportIATI(t, e, ctx, p.GetId(), "2016-11-01", "2017-02-28")
	if !strings.Contains(string(docs["threshold 5"]), "Withheld to protect the people counted (counts below 5") {
		t.Fatalf("suppressed cells are not described:\n%s", docs["threshold 5"])
	}
	checkIATI(t, docs)

	// Bad requests.
	if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), StartDate: "2017-13-01"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad date: %v", err)
	}
	if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId(), StartDate: "2017-05-01", EndDate: "2017-01-01"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("reversed period: %v", err)
	}
	if _, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: "nope"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad id: %v", err)
	}
}

func TestReportWhenASourceIsDown(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	benConn := servicetest.Start(t, benservice.New(benservice.Config{Config: servicetest.Platform(t, dbURL), ReportingAddr: deadAddr(t),
		ReferralsAddr: deadAddr(t)}))
	// Nothing listens on the trainings and referrals addresses: the process
	// still starts (clients connect lazily) and reports say what is down.
	c := startReporting(t, nil, dbURL, benConn.Target(), deadAddr(t), deadAddr(t))
	ctx := servicetest.As(t, ids.New())
	p := create(t, c, ctx, minimal("DOWN"))
	addIndicator(t, c, ctx, p.GetId(), &pb.Indicator{Code: "T", Titles: en("Trained"),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_PROFESSIONALS_TRAINED})
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := c.GetProjectReport(cctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
	if statustest.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "trainings") {
		t.Fatalf("report with trainings down: %v, want Unavailable naming trainings", err)
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// TestCodelistViolationsLocalized: what a project's codes outside the IATI
// codelists are refused with (as the edge localizes the status) reads in
// every language a partner may ask for, not as the fallback "this value is
// not valid".
func TestCodelistViolationsLocalized(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	p := example("")
	p.ParticipatingOrganisations[0].OrganisationId = ""
	p.Titles[1].Lang = "xx"
	p.ReportingOrganisationType = "99"
	p.Sectors = []string{"12345", "15161"}
	_, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
	if len(statustest.Violations(err)) != 4 {
		t.Fatalf("create: %v", err)
	}
	for _, lang := range i18n.Languages[1:] {
		generic, _ := status.New(codes.InvalidArgument, "x").WithDetails(&errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "f", Description: "something else entirely"}}})
		want := localizedViolations(i18n.Localize(generic, lang))["f"]
		for field, got := range localizedViolations(i18n.Localize(status.Convert(err), lang)) {
			if got == "" || got == want {
				t.Errorf("%s in %s: %q", field, lang, got)
			}
		}
	}
}

// localizedViolations maps the fields of st's violations to their
// localized messages.
func localizedViolations(st *status.Status) map[string]string {
	out := map[string]string{}
	for _, d := range st.Details() {
		if b, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range b.GetFieldViolations() {
				out[fv.GetField()] = fv.GetLocalizedMessage().GetMessage()
			}
		}
	}
	return out
}

// TestReportPeriodRefusalLocalized: a funder asking for a period other
// than the project's planned span (a quarter) is told, in every language a
// partner may ask for, English included, which dates it may have and why,
// not only "This value is not valid.".
func TestReportPeriodRefusalLocalized(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	p := create(t, e.c, servicetest.As(t, org), example(donor))
	_, report := e.c.GetProjectReport(servicetest.As(t, donor), &pb.GetProjectReportRequest{ProjectId: p.GetId(),
		StartDate: "2017-01-01", EndDate: "2017-03-31"})
	_, export := e.c.ExportProjectReport(servicetest.As(t, donor), &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "xlsx",
		StartDate: "2017-01-01", EndDate: "2017-03-31"})
	generic, _ := status.New(codes.InvalidArgument, "x").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "f", Description: "something else entirely"}}})
	for name, err := range map[string]error{"report": report, "xlsx export": export} {
		if d := statustest.Descriptions(err); d["start_date"] == "" || d["end_date"] == "" {
			t.Fatalf("%s: %v, want violations of start_date and end_date", name, err)
		}
		for _, lang := range i18n.Languages {
			fallback := localizedViolations(i18n.Localize(generic, lang))["f"]
			got := localizedViolations(i18n.Localize(status.Convert(err), lang))
			for field, day := range map[string]string{"start_date": "2016-11-01", "end_date": "2017-10-31"} {
				if got[field] == "" || got[field] == fallback || !strings.Contains(got[field], day) {
					t.Errorf("%s: %s in %s: %q, want the planned date %s said", name, field, lang, got[field], day)
				}
			}
		}
	}
}

// TestUnsuppressedRefusalsLocalized: a funder asking for unsuppressed
// counts, and the implementing organisation asking for an unsuppressed IATI
// file, are told why in the language asked for, not only "This value is
// not valid.".
func TestUnsuppressedRefusalsLocalized(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(donor))
	_, iati := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati", Unsuppressed: true})
	_, funder := e.c.GetProjectReport(servicetest.As(t, donor), &pb.GetProjectReportRequest{ProjectId: p.GetId(), Unsuppressed: true})
	for name, err := range map[string]error{"iati export": iati, "funder's report": funder} {
		if statustest.Descriptions(err)["unsuppressed"] == "" {
			t.Fatalf("%s: %v, want a violation of unsuppressed", name, err)
		}
		for _, lang := range i18n.Languages[1:] {
			generic, _ := status.New(codes.InvalidArgument, "x").WithDetails(&errdetails.BadRequest{
				FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "f", Description: "something else entirely"}}})
			want := localizedViolations(i18n.Localize(generic, lang))["f"]
			if got := localizedViolations(i18n.Localize(status.Convert(err), lang))["unsuppressed"]; got == "" || got == want {
				t.Errorf("%s in %s: %q", name, lang, got)
			}
		}
	}
}

// TestIATIRefusalsLocalized: the refusals an implementing organisation
// meets first when exporting IATI (no registered identifier, not verified,
// not in the directory at all) and a budget amount typed wrong are
// explained in the language asked for, not only "This value is not valid.".
func TestIATIRefusalsLocalized(t *testing.T) {
	e := start(t)
	errors := map[string]error{}
	verified := e.organisation(t, "Udruga Veliki koraci", "")
	e.verify(t, verified)
	for name, ctx := range map[string]context.Context{
		"unverified, no identifier": servicetest.As(t, e.organisation(t, "Udruga Mali koraci", "")),
		"verified, no identifier":   servicetest.As(t, verified),
	} {
		p := create(t, e.c, ctx, minimal("IATI-1"))
		_, errors[name] = e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: p.GetId(), Format: "iati"})
	}
	p := minimal("AMOUNTS")
	p.PlannedEndDate = "2026-12-31"
	for i, amount := range []string{"140.000,00", "1500.005", "12345678901234567"} {
		p.Budgets = append(p.Budgets, &pb.Budget{Period: &commonv1.DateRange{StartDate: fmt.Sprintf("%d-01-01", 2024+i), EndDate: fmt.Sprintf("%d-12-31", 2024+i)},
			Value: &pb.Money{Amount: amount, CurrencyCode: "EUR"}})
	}
	_, errors["budget amounts"] = e.c.CreateProject(servicetest.As(t, ids.New()), &pb.CreateProjectRequest{Project: p})
	for name, err := range errors {
		if len(statustest.Descriptions(err)) == 0 {
			t.Fatalf("%s: %v, want field violations", name, err)
		}
		for _, lang := range i18n.Languages[1:] {
			generic, _ := status.New(codes.InvalidArgument, "x").WithDetails(&errdetails.BadRequest{
				FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "f", Description: "something else entirely"}}})
			want := localizedViolations(i18n.Localize(generic, lang))["f"]
			for field, got := range localizedViolations(i18n.Localize(status.Convert(err), lang)) {
				if got == "" || got == want {
					t.Errorf("%s: %s in %s: %q (%s)", name, field, lang, got, statustest.Descriptions(err)[field])
				}
			}
		}
	}
}
