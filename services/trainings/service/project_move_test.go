package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestProjectChangeIsTold: an update that tags a training event with
// another project moves its participants' figures (registered, trained)
// from one project's report to the other's, and writes, in its
// transaction, training_event.project_changed naming the event, both
// projects, the organiser and the participants who complete the event
// (who move with it), concerning the organiser only and carrying no
// title; untagging is told alike (no project_id), and an update that
// keeps the project tells nothing. The new project is checked as on
// create: one the organiser does not take part in is refused
// (PERMISSION_DENIED NOT_A_PROJECT_PARTICIPANT), moving nothing and
// telling nothing. Before, the move changed both donors' figures and the
// feed said nothing of it.
func TestProjectChangeIsTold(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	from, to := c.project(t, ctx), c.project(t, ctx)
	others := c.project(t, servicetest.As(t, ids.New())) // the organiser takes no part in it
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: from, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Zaštita djece bez pratnje",
		StartDate: "2017-03-01", EndDate: "2017-03-02"})
	ev := e.GetId()
	s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: ev, Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	var marks []*pb.AttendanceMark
	for i, name := range []string{"Jelena", "Dragan", "Mirsad"} {
		p := register(t, c, ctx, ev, professional(name, "Perić", "", "", pb.Sector_SECTOR_POLICE, 0))
		marks = append(marks, &pb.AttendanceMark{ParticipantId: p.GetId(), Present: i < 2})
	}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: ev, SessionId: s.GetSession().GetId(), Marks: marks}); err != nil {
		t.Fatal(err)
	}
	figures := func(what string, want map[string][2]int64) {
		t.Helper()
		for project, w := range want {
			var got [2]int64
			for i, stage := range []pb.ParticipationStage{pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED, pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED} {
				r, err := c.CountParticipants(ctx, &pb.CountParticipantsRequest{ProjectId: project,
					Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: stage})
				if err != nil {
					t.Fatal(err)
				}
				got[i] = r.GetAggregate().GetTotal()
			}
			if got != w {
				t.Errorf("%s: project %s counts %v registered and trained, want %v", what, project, got, w)
			}
		}
	}
	figures("tagged with the first project", map[string][2]int64{from: {3, 2}, to: {0, 0}})

	_, cursor := servicetest.Events(t, conn, "")
	update := func(ctx context.Context, patch *pb.TrainingEvent, path string) error {
		t.Helper()
		patch.Id, patch.Etag = ev, etagOf(t, c, ctx, ev)
		_, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{TrainingEvent: patch, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{path}}})
		return err
	}
	next := func(what string, want ...told) {
		t.Helper()
		var got []told
		got, cursor = feed(t, conn, cursor, org, "Zaštita", "Jelena", "Dragan", "Mirsad", "Perić")
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", what, diff)
		}
	}
	moved := func(count int, pairs ...string) told {
		return told{Type: events.TrainingEventProjectChanged, ID: ev, Count: count,
			Data: kv(append([]string{"event_id", ev, "organisation_id", org}, pairs...)...)}
	}

	if err := update(ctx, &pb.TrainingEvent{ProjectId: to}, "project_id"); err != nil {
		t.Fatal(err)
	}
	next("moved to the second project", moved(2, "project_id", to, "from_project_id", from))
	figures("moved to the second project", map[string][2]int64{from: {0, 0}, to: {3, 2}})

	err = update(ctx, &pb.TrainingEvent{ProjectId: others}, "project_id")
	statustest.WantReason(t, err, codes.PermissionDenied, "NOT_A_PROJECT_PARTICIPANT", "a project the organiser takes no part in")
	next("refused: a project of others")
	figures("refused: a project of others", map[string][2]int64{to: {3, 2}, others: {0, 0}})

	if err := update(ctx, &pb.TrainingEvent{Title: "Zaštita djece bez pratnje II"}, "title"); err != nil {
		t.Fatal(err)
	}
	next("renamed: no figure moves")

	if err := update(ctx, &pb.TrainingEvent{}, "project_id"); err != nil {
		t.Fatal(err)
	}
	next("untagged", moved(2, "from_project_id", to))
	figures("untagged", map[string][2]int64{from: {0, 0}, to: {0, 0}})

	if err := update(ctx, &pb.TrainingEvent{ProjectId: from}, "project_id"); err != nil {
		t.Fatal(err)
	}
	next("tagged again", moved(2, "project_id", from))
	figures("tagged again", map[string][2]int64{from: {3, 2}, to: {0, 0}})
}
