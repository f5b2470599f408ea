package service_test

import (
	"testing"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	reportingv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestWritesUnderTaggedEventNeedTheProjectRole: registrations, attendance,
// sessions and certificates at an event tagged with a project add to the
// project's figures, so only an organisation that may tag records with
// the project now (its implementing organisation or an implementing
// partner) writes them, as for the tag itself. Before, a partner whose
// role the implementing organisation changed to funder (who reads the
// project's report) kept adding registrations under its earlier event: a
// hidden cell of 2 could be made a visible 5 (issue 9's attack), and an
// organisation taken off the project changed its figures for ever.
// Deleting a registration made by mistake needs no role (af-review3:
// it is how a person's record is removed).
func TestWritesUnderTaggedEventNeedTheProjectRole(t *testing.T) {
	c, _ := startWithDirectory(t, func(cfg *service.Config) { cfg.ProjectCheckTTL = time.Millisecond })
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)                     // b: an implementing partner
	projects := c.reporting.Start(t, platform.Service{}) // started by c.project

	e := event(t, c, orgB, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S",
		StartDate: "2024-03-01", EndDate: "2024-03-02"})
	s1, err := c.CreateSession(orgB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2024-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	marko := register(t, c, orgB, e.GetId(), professional("Marko", "Ilić", "marko@example.org", "PU Šid", pb.Sector_SECTOR_POLICE, 0))

	// The implementing organisation changes b's role.
	setRole := func(role reportingv1.OrganisationRole) {
		t.Helper()
		projecttest.SetRole(t, projects, orgA, project, b, role)
		time.Sleep(5 * time.Millisecond) // past PROJECT_CHECK_TTL
	}
	setRole(reportingv1.OrganisationRole_ORGANISATION_ROLE_FUNDING)

	refused := func(what string, err error) {
		t.Helper()
		if status := statustest.Code(err); status != codes.PermissionDenied || statustest.Reason(err) != "PROJECT_ROLE_CANNOT_TAG" {
			t.Errorf("%s at the event of a project b now only funds: got %v (reason %q), want PermissionDenied PROJECT_ROLE_CANNOT_TAG",
				what, err, statustest.Reason(err))
		}
	}
	refused("a registration", second(c.CreateParticipant(orgB, &pb.CreateParticipantRequest{EventId: e.GetId(),
		Participant: professional("Ana", "Kovač", "ana@example.org", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)})))
	refused("a present mark", second(c.RecordAttendance(orgB, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s1.GetSession().GetId(),
		Marks: []*pb.AttendanceMark{{ParticipantId: marko.GetId(), Present: true}}})))
	refused("a session", second(c.CreateSession(orgB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2024-03-02"}})))
	refused("deleting a session", second(c.DeleteSession(orgB, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: s1.GetSession().GetId()})))
	refused("certificates", second(c.IssueCertificates(orgB, &pb.IssueCertificatesRequest{EventId: e.GetId()})))
	refused("a lower completion threshold", second(c.UpdateTrainingEvent(orgB, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), CompletionThresholdPercent: 10},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"completion_threshold_percent"}}})))
	imp := pb.NewParticipantImportServiceClient(servicetest.Dial(t, c.self, "trainings"))
	refused("a sign-in sheet", second(imp.ImportParticipants(orgB, &pb.ImportParticipantsRequest{EventId: e.GetId(),
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte("given_name,family_name,sector\nMira,Ilić,police\n")}})))

	// Reads, and what changes no figure, stay the organiser's.
	if _, err := c.GetTrainingEvent(orgB, &pb.GetTrainingEventRequest{Id: e.GetId()}); err != nil {
		t.Errorf("reading its own event: %v", err)
	}
	if _, err := c.UpdateTrainingEvent(orgB, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), Title: "Seminar (renamed)"},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"title"}}}); err != nil {
		t.Errorf("renaming its own event: %v", err)
	}
	if n := c.registered(t, orgA, project); n != 1 {
		t.Errorf("the project's professionals registered: %d, want 1", n)
	}
	// Deleting a registration made by mistake is how a professional's
	// record is removed (README): it stays the organiser's to do.
	if _, err := c.DeleteParticipant(orgB, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: marko.GetId()}); err != nil {
		t.Errorf("deleting its own registration made by mistake: %v", err)
	}

	// An implementing partner still writes: b back as one, a sheet.
	setRole(reportingv1.OrganisationRole_ORGANISATION_ROLE_IMPLEMENTING)
	op, err := imp.ImportParticipants(orgB, &pb.ImportParticipantsRequest{EventId: e.GetId(),
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte("given_name,family_name,sector\nMira,Ilić,police\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if done := importtest.Done(t, orgB, importsv1.NewImportServiceClient(servicetest.Dial(t, c.self, "trainings")), op); done.GetCounts().GetCreated() != 1 {
		t.Errorf("an implementing partner's sheet: %v", done)
	}
	if n := c.registered(t, orgA, project); n != 1 {
		t.Errorf("the project's professionals registered after the deletion and the partner's sheet: %d, want 1", n)
	}
}
