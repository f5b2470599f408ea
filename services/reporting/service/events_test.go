package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/reporting/service"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestProjectEvents: creating, changing and deleting a project are events
// of the reporting feed, for its readers (the funder too); a retried create
// is not a second one. Before project.deleted, a funder's system following
// the feed kept a deleted project as if it still ran. A change that takes a
// reader off the project concerns it too (before, the removed funder was
// not told, as it was not a reader after the change), and later events no
// longer do.
func TestProjectEvents(t *testing.T) {
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, pgtest.NewDatabase(t)),
		BeneficiariesAddr: "127.0.0.1:1", ReferralsAddr: "127.0.0.1:1", TrainingsAddr: "127.0.0.1:1"}))
	c := pb.NewReportingServiceClient(conn)
	org, funder := ids.New(), ids.New()
	ctx := servicetest.As(t, org)
	project := &pb.Project{Code: "EV-1", Titles: []*pb.Narrative{{Text: "Events"}}, PlannedStartDate: "2024-01-01",
		PlannedEndDate: "2024-12-31", Sectors: []string{"15160"},
		ParticipatingOrganisations: []*pb.ParticipatingOrganisation{{OrganisationId: funder,
			Role: pb.OrganisationRole_ORGANISATION_ROLE_FUNDING, Names: []*pb.Narrative{{Text: "Donor"}}}}}
	var created *pb.Project
	for range 2 {
		r, err := c.CreateProject(ctx, &pb.CreateProjectRequest{Project: project, RequestId: "p-1"})
		if err != nil {
			t.Fatal(err)
		}
		created = r.GetProject()
	}
	upd, err := c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: created.GetId(), Etag: created.GetEtag(), Code: "EV-2"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"code"}}})
	if err != nil {
		t.Fatal(err)
	}
	// The funder taken off.
	if _, err := c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: created.GetId(), Etag: upd.GetProject().GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"participating_organisations"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteProject(ctx, &pb.DeleteProjectRequest{Id: created.GetId()}); err != nil {
		t.Fatal(err)
	}
	evs, _ := servicetest.Events(t, conn, "")
	var types []string
	for i, ev := range evs {
		types = append(types, ev.GetType())
		concerns := []string{org, funder}
		if i == 3 {
			concerns = []string{org} // the delete, after the funder left
		}
		if ev.GetAggregateId() != created.GetId() || !slices.Equal(ev.GetOrganisationIds(), concerns) {
			t.Errorf("event %d %s for %v, want %v", i, ev.GetType(), ev.GetOrganisationIds(), concerns)
		}
	}
	if !slices.Equal(types, []string{"project.created", "project.updated", "project.updated", "project.deleted"}) {
		t.Fatalf("events %v", types)
	}
}
