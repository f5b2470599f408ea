// Package projecttest creates reporting projects for tests of the services
// that tag records with a project (which ask the reporting service whether
// the tagging organisation takes part).
package projecttest

import (
	"context"
	"testing"

	reportingv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Create creates a project implemented by the organisation of ctx (whose
// principal needs reporting.write) and returns its id. partners take part
// with the implementing role (they may tag records too); funders with the
// funding role (they may read its reports, not tag).
func Create(t testing.TB, conn grpc.ClientConnInterface, ctx context.Context, partners, funders []string) string {
	t.Helper()
	p := &reportingv1.Project{
		Code: "T-" + ids.New(), Titles: []*reportingv1.Narrative{{Lang: "en", Text: "Test project"}},
		PlannedStartDate: "2000-01-01", PlannedEndDate: "2099-12-31", Sectors: []string{"15160"},
	}
	add := func(orgs []string, role reportingv1.OrganisationRole) {
		for _, o := range orgs {
			p.ParticipatingOrganisations = append(p.ParticipatingOrganisations, &reportingv1.ParticipatingOrganisation{
				OrganisationId: o, Role: role, Names: []*reportingv1.Narrative{{Text: "Organisation " + o}}})
		}
	}
	add(partners, reportingv1.OrganisationRole_ORGANISATION_ROLE_IMPLEMENTING)
	add(funders, reportingv1.OrganisationRole_ORGANISATION_ROLE_FUNDING)
	r, err := reportingv1.NewReportingServiceClient(conn).CreateProject(ctx, &reportingv1.CreateProjectRequest{Project: p})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	return r.GetProject().GetId()
}

// SetRole gives org the role in project (as the organisation of ctx, its
// implementing organisation), as a project's participants are changed
// over time (a partner made a funder, or an implementing partner again).
// Answers of who may tag records with the project are cached by the
// services for their PROJECT_CHECK_TTL: a test waits that long after.
func SetRole(t testing.TB, conn grpc.ClientConnInterface, ctx context.Context, project, org string, role reportingv1.OrganisationRole) {
	t.Helper()
	projects := reportingv1.NewReportingServiceClient(conn)
	got, err := projects.GetProject(ctx, &reportingv1.GetProjectRequest{Id: project})
	if err != nil {
		t.Fatalf("get project: %v", err)
	}
	p := got.GetProject()
	for _, po := range p.GetParticipatingOrganisations() {
		if po.GetOrganisationId() == org {
			po.Role = role
		}
	}
	if _, err := projects.UpdateProject(ctx, &reportingv1.UpdateProjectRequest{Project: p,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"participating_organisations"}}}); err != nil {
		t.Fatalf("update project: %v", err)
	}
}
