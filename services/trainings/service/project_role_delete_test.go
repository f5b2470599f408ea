package service_test

import (
	"testing"
	"time"

	reportingv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestMistakenRegistrationDeletedWithoutTheProjectRole: deleting a
// registration made by mistake is how a professional's record is removed
// (nothing of them is kept: README), so it stays the organiser's to do
// after its role in the event's project ended. Before, an organiser made a
// funder (or taken off the project) got 403 PROJECT_ROLE_CANNOT_TAG and
// could not remove a wrongly registered person's name and e-mail short of
// untagging the whole event.
func TestMistakenRegistrationDeletedWithoutTheProjectRole(t *testing.T) {
	c, _ := startWithDirectory(t, func(cfg *service.Config) { cfg.ProjectCheckTTL = time.Millisecond })
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)
	projects := reportingv1.NewReportingServiceClient(c.reporting.Start(t, platform.Service{}))
	e := event(t, c, orgB, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S",
		StartDate: "2024-03-01", EndDate: "2024-03-02"})
	wrong := register(t, c, orgB, e.GetId(), professional("Marko", "Ilić", "marko@example.org", "PU Šid", pb.Sector_SECTOR_POLICE, 0))

	got, err := projects.GetProject(orgA, &reportingv1.GetProjectRequest{Id: project})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetProject()
	for _, po := range p.GetParticipatingOrganisations() {
		if po.GetOrganisationId() == b {
			po.Role = reportingv1.OrganisationRole_ORGANISATION_ROLE_FUNDING
		}
	}
	if _, err := projects.UpdateProject(orgA, &reportingv1.UpdateProjectRequest{Project: p,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"participating_organisations"}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // past PROJECT_CHECK_TTL
	// Still a write that adds to the figures: refused.
	if _, err := c.CreateParticipant(orgB, &pb.CreateParticipantRequest{EventId: e.GetId(),
		Participant: professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("a registration by a funder: %v, want PermissionDenied", err)
	}

	if _, err := c.DeleteParticipant(orgB, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: wrong.GetId()}); err != nil {
		t.Fatalf("deleting its own registration made by mistake: %v", err)
	}
	if _, err := c.GetParticipant(orgB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: wrong.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Errorf("the deleted registration: %v, want NotFound", err)
	}
}
