package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestWritesRacingProjectMove: a registration or an attendance mark made
// while the event moves to another project tells the project its figures
// count under when it commits: in the feed (commit order), each event of
// the training event carrying a project_id names the project the last
// training_event.project_changed before it moved the event to. Both races
// are made to happen (pgtest.Hold): "registration" holds the registration
// at its insert, after it read the event, while the move runs; "marks"
// holds the move at its outbox row, after it took the event's completion
// lock, while the marks read the event and wait for that lock. Before, the
// registration and the marks committed after the move, naming the
// project the event had left (the registration did not wait for the move,
// and the marks used the event as read before their transaction); a
// consumer counting by the events' project_id counted them under it.
// "session update" is held as "marks" is: a session's correction names the
// project as the event stands once it is locked, not as read before.
func TestWritesRacingProjectMove(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	feedConn := servicetest.Dial(t, c.self, "trainings")
	conn := pgtest.Connect(t, c.dbURL)
	from, to := c.project(t, ctx), c.project(t, ctx)
	move := func(ev *pb.TrainingEvent, project string) func() error {
		tag := etagOf(t, c, ctx, ev.GetId())
		return func() error {
			_, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
				TrainingEvent: &pb.TrainingEvent{Id: ev.GetId(), Etag: tag, ProjectId: project},
				UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"project_id"}}})
			return err
		}
	}
	tests := []struct {
		name string
		// hold is where the first call waits; moveFirst: the move is the
		// first call, else the write.
		hold      string
		moveFirst bool
		write     func(ev *pb.TrainingEvent, session, participant string) func() error
		want      string // the type of the write's event
	}{
		{name: "registration", hold: "INSERT ON trainings.participants", want: events.ParticipantRegistered,
			write: func(ev *pb.TrainingEvent, _, _ string) func() error {
				return func() error {
					_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: ev.GetId(),
						Participant: professional("Amra", "Hodžić", "", "", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)})
					return err
				}
			}},
		{name: "marks", hold: "INSERT ON trainings.outbox WHEN (NEW.type = 'training_event.project_changed')", moveFirst: true,
			want: events.AttendanceRecorded,
			write: func(ev *pb.TrainingEvent, session, participant string) func() error {
				return func() error {
					_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: ev.GetId(), SessionId: session,
						Marks: []*pb.AttendanceMark{{ParticipantId: participant, Present: true}}})
					return err
				}
			}},
		{name: "session update", hold: "INSERT ON trainings.outbox WHEN (NEW.type = 'training_event.project_changed')", moveFirst: true,
			want: events.SessionUpdated,
			write: func(ev *pb.TrainingEvent, session, _ string) func() error {
				return func() error {
					_, err := c.UpdateSession(ctx, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: ev.GetId(), Id: session,
						Etag: `W/"1"`, Topic: "Ispravljena tema"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"topic"}}})
					return err
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(t, c, ctx, &pb.TrainingEvent{ProjectId: from, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Rad s djecom bez pratnje",
				StartDate: "2018-04-02", EndDate: "2018-04-03"})
			s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: ev.GetId(), Session: &pb.Session{Date: "2018-04-02"}})
			if err != nil {
				t.Fatal(err)
			}
			p := register(t, c, ctx, ev.GetId(), professional("Goran", "Kovač", "", "", pb.Sector_SECTOR_EDUCATION, 0))
			_, cursor := servicetest.Events(t, feedConn, "")
			write, moved := tt.write(ev, s.GetSession().GetId(), p.GetId()), move(ev, to)
			first, second := write, moved
			if tt.moveFirst {
				first, second = moved, write
			}
			firstErr, secondErr, returned := pgtest.Interleave(t, conn, tt.hold, first, second)
			if firstErr != nil || secondErr != nil {
				t.Fatalf("first: %v; second: %v", firstErr, secondErr)
			}
			t.Logf("the second call returned while the first was held: %v", returned)
			evs, _ := servicetest.Events(t, feedConn, cursor)
			project, told := from, false
			for _, e := range evs {
				data := e.GetData().AsMap()
				if data["event_id"] != ev.GetId() {
					continue
				}
				if e.GetType() == events.TrainingEventProjectChanged {
					project, _ = data["project_id"].(string)
					continue
				}
				told = told || e.GetType() == tt.want
				if got, ok := data["project_id"]; ok && got != project {
					t.Errorf("%s names project %v, after the event moved to %s", e.GetType(), got, project)
				}
			}
			if project != to || !told {
				t.Errorf("the feed moved the event to %s (want %s) and told %s: %v", project, to, tt.want, told)
			}
		})
	}
}
