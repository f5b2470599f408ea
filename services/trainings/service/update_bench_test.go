package service_test

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	reporting "github.com/spona/spona/services/reporting/service"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// BenchmarkUpdateTrainingEvent times a PATCH of a training event with 40
// participants marked at 5 sessions (half of them complete it), tagged
// with a project, over gRPC on loopback, the real reporting service
// answering the project check (cached for PROJECT_CHECK_TTL, 30 s, as in
// production): "title" renames it (no figure moves), "project" moves it to
// the organiser's other project and back, one move per call.
func BenchmarkUpdateTrainingEvent(b *testing.B) {
	url := pgtest.NewDatabase(b)
	conn, ctx, projects, e := taggedBenchEvent(b, url, url, "2019-03-05")
	c := pb.NewTrainingServiceClient(conn)
	var marks []*pb.AttendanceMark
	for i := range 40 {
		p := register(b, c, ctx, e.GetId(), professional(fmt.Sprintf("G%d", i), "Petrović", "", "", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
		marks = append(marks, &pb.AttendanceMark{ParticipantId: p.GetId(), Present: i%2 == 0})
	}
	for d := 1; d <= 5; d++ {
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: fmt.Sprintf("2019-03-%02d", d)}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(), Marks: marks}); err != nil {
			b.Fatal(err)
		}
	}
	tag := etagOf(b, c, ctx, e.GetId())
	update := func(patch *pb.TrainingEvent, path string) {
		patch.Id, patch.Etag = e.GetId(), tag
		r, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{TrainingEvent: patch, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{path}}})
		if err != nil {
			b.Fatal(err)
		}
		tag = r.GetTrainingEvent().GetEtag()
	}
	b.Run("title", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			update(&pb.TrainingEvent{Title: fmt.Sprintf("T%d", n)}, "title")
		}
	})
	b.Run("project", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			update(&pb.TrainingEvent{ProjectId: projects[n%2]}, "project_id")
		}
	})
}

// taggedBenchEvent starts the trainings service on trainingsURL (the
// database dbURL, or a way to it) and the reporting service on dbURL, and
// creates, as a caller of an organisation of its own, a training from
// 2019-03-01 to end tagged with the first of two projects of that
// organisation; it returns the trainings service's connection, the
// caller's context, the projects and the event.
func taggedBenchEvent(b *testing.B, dbURL, trainingsURL, end string) (*grpc.ClientConn, context.Context, [2]string, *pb.TrainingEvent) {
	rep := servicetest.Defer(b)
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, trainingsURL),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: rep.Addr}))
	repConn := rep.Start(b, reporting.New(reporting.Config{Config: servicetest.Platform(b, dbURL),
		BeneficiariesAddr: "127.0.0.1:1", ReferralsAddr: "127.0.0.1:1", TrainingsAddr: conn.Target()}))
	ctx := servicetest.As(b, ids.New())
	projects := [2]string{projecttest.Create(b, repConn, ctx, nil, nil), projecttest.Create(b, repConn, ctx, nil, nil)}
	r, err := pb.NewTrainingServiceClient(conn).CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{
		ProjectId: projects[0], Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2019-03-01", EndDate: end}})
	if err != nil {
		b.Fatal(err)
	}
	return conn, ctx, projects, r.GetTrainingEvent()
}
