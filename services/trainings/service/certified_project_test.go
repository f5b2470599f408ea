package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestCertifiedNamesItsProject: participant.certified names the project
// the training event is tagged with (project_id), as the other events of
// its participants do, so a consumer counting certificates by project
// finds it in the event: the project the certificates count under when
// they commit. A move to another project committed while
// :issueCertificates was under way (it read the event before, then waited
// for the move's lock) is the one named. Before, participant.certified
// carried no project_id.
func TestCertifiedNamesItsProject(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	db := pgtest.Connect(t, c.dbURL)
	from, to := c.project(t, ctx), c.project(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: from, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Zaštita djece bez pratnje",
		StartDate: "2017-03-01", EndDate: "2017-03-01"})
	ev := e.GetId()
	session := sessionsOn(t, c, ctx, ev, "2017-03-01")[0]
	complete := func(name string) *pb.Participant {
		t.Helper()
		p := register(t, c, ctx, ev, professional(name, "Perić", "", "", pb.Sector_SECTOR_POLICE, 0))
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: ev, SessionId: session,
			Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: true}}}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	issue := func() error {
		r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: ev})
		if err == nil && r.GetIssuedCount() != 1 {
			t.Errorf("issued %d certificates, want 1", r.GetIssuedCount())
		}
		return err
	}
	certified := func(p *pb.Participant, project string) told {
		return told{Type: events.ParticipantCertified, ID: p.GetId(), Count: -1,
			Data: kv("participant_id", p.GetId(), "event_id", ev, "professional_id", p.GetProfessionalId(), "project_id", project)}
	}
	only := func(got []told, typ string) []told {
		var out []told
		for _, x := range got {
			if x.Type == typ {
				out = append(out, x)
			}
		}
		return out
	}

	jelena := complete("Jelena")
	_, cursor := servicetest.Events(t, conn, "")
	if err := issue(); err != nil {
		t.Fatal(err)
	}
	var got []told
	got, cursor = feed(t, conn, cursor, org, "Zaštita", "Jelena", "Perić")
	if diff := cmp.Diff([]told{certified(jelena, from)}, only(got, events.ParticipantCertified), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("certified at an event of the first project (-want +got):\n%s", diff)
	}

	// The event moves to the second project while the next certificate is
	// issued: the move holds its lock (held at its UPDATE) while the
	// issuing reads the event, then waits for it.
	dragan := complete("Dragan")
	_, cursor = servicetest.Events(t, conn, cursor)
	etag := etagOf(t, c, ctx, ev)
	move := func() error {
		_, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
			TrainingEvent: &pb.TrainingEvent{Id: ev, Etag: etag, ProjectId: to},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"project_id"}}})
		return err
	}
	moveErr, issueErr, _ := pgtest.Interleave(t, db, "UPDATE ON trainings.training_events", move, issue)
	if moveErr != nil || issueErr != nil {
		t.Fatalf("move: %v, issue: %v", moveErr, issueErr)
	}
	got, _ = feed(t, conn, cursor, org, "Zaštita", "Dragan", "Perić")
	if diff := cmp.Diff([]told{certified(dragan, to)}, only(got, events.ParticipantCertified), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("certified while the event moved (-want +got):\n%s", diff)
	}
}
