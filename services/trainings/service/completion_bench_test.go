package service_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/pgwire"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// BenchmarkCompletionWrites times, over gRPC on loopback, the writes that
// may change who completes a training event (40 participants, 5 sessions,
// each participant present at 0 to 5 of them; tagged with a project, the
// real reporting service answering the project check, cached as in
// production), with the
// trainings service connected to PostgreSQL through a counting relay
// (pkg/testkit/pgwire): besides ns/op it reports the round trips to PostgreSQL per call
// (trips/op), the statements executed (stmts/op) and the reads of who
// completes the event (completions/op). The relay adds a hop per round
// trip to ns/op.
//
//   - patch/*: the event's threshold (80 and 60 in turn), its project (the
//     organiser's two in turn), or both in one PATCH;
//   - session: a session added, then deleted (two calls);
//   - marks: one participant marked present, then absent, at a session;
//   - import: a sign-in sheet of the 40, linked to their registrations,
//     marking all present or absent at a session in turn, from upload to
//     the import's end;
//   - register: a professional registered;
//   - session/update: a session's day and topic corrected (its marks
//     kept), against session/create, a session added (and kept).
func BenchmarkCompletionWrites(b *testing.B) {
	url := pgtest.NewDatabase(b)
	counter, through := pgwire.Start(b, url)
	conn, ctx, projects, e := taggedBenchEvent(b, url, through, "2019-03-09")
	c := pb.NewTrainingServiceClient(conn)
	imp, ops := pb.NewParticipantImportServiceClient(conn), importsv1.NewImportServiceClient(conn)
	var participants []string
	sheet := [][]string{{"given_name", "family_name", "email", "sector", "2019-03-05"}}
	for i := range 40 {
		email := fmt.Sprintf("g%d@example.org", i)
		p := register(b, c, ctx, e.GetId(), professional(fmt.Sprintf("G%d", i), "Petrović", email, "", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
		participants = append(participants, p.GetId())
		sheet = append(sheet, []string{fmt.Sprintf("G%d", i), "Petrović", email, "social_welfare", ""})
	}
	var sessions []string
	for d := 1; d <= 5; d++ {
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: fmt.Sprintf("2019-03-%02d", d)}})
		if err != nil {
			b.Fatal(err)
		}
		sessions = append(sessions, s.GetSession().GetId())
		var marks []*pb.AttendanceMark
		for i, p := range participants {
			marks = append(marks, &pb.AttendanceMark{ParticipantId: p, Present: d <= i%6})
		}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(), Marks: marks}); err != nil {
			b.Fatal(err)
		}
	}
	tag := etagOf(b, c, ctx, e.GetId())
	patch := func(p *pb.TrainingEvent, paths ...string) error {
		p.Id, p.Etag = e.GetId(), tag
		r, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{TrainingEvent: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		tag = r.GetTrainingEvent().GetEtag()
		return err
	}
	sessionTag := `W/"1"`
	thresholds := [2]int32{60, 80}
	n, files := 0, 0
	calls := []struct {
		name string
		call func(i int) error
	}{
		{"patch/threshold", func(i int) error {
			return patch(&pb.TrainingEvent{CompletionThresholdPercent: thresholds[i%2]}, "completion_threshold_percent")
		}},
		{"patch/project", func(i int) error {
			return patch(&pb.TrainingEvent{ProjectId: projects[i%2]}, "project_id")
		}},
		{"patch/project+threshold", func(i int) error {
			return patch(&pb.TrainingEvent{ProjectId: projects[i%2], CompletionThresholdPercent: thresholds[i%2]}, "project_id", "completion_threshold_percent")
		}},
		{"session", func(int) error {
			s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2019-03-09"}})
			if err != nil {
				return err
			}
			_, err = c.DeleteSession(ctx, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: s.GetSession().GetId()})
			return err
		}},
		{"marks", func(i int) error {
			_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0],
				Marks: []*pb.AttendanceMark{{ParticipantId: participants[3], Present: i%2 == 0}}})
			return err
		}},
		{"import", func(i int) error {
			for _, row := range sheet[1:] {
				row[4] = map[bool]string{true: "da", false: "ne"}[i%2 == 0]
			}
			var data strings.Builder
			_ = csv.NewWriter(&data).WriteAll(sheet)
			files++
			data.WriteString(strings.Repeat("\n", files)) // another file each time, not a replay
			op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(), OnDuplicate: "link",
				File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(data.String())}})
			if err != nil {
				return err
			}
			if got := importtest.Done(b, ctx, ops, op); got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
				return fmt.Errorf("import: %v %v", got.GetState(), got.GetCounts())
			}
			return nil
		}},
		{"register", func(int) error {
			n++
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(),
				Participant: professional(fmt.Sprintf("R%d", n), "Jovanović", "", "", pb.Sector_SECTOR_HEALTH, 0)})
			return err
		}},
		{"session/update", func(i int) error {
			r, err := c.UpdateSession(ctx, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: e.GetId(), Id: sessions[4], Etag: sessionTag,
				Date: fmt.Sprintf("2019-03-%02d", 5+i%2), Topic: fmt.Sprintf("T%d", i)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"date", "topic"}}})
			sessionTag = r.GetSession().GetEtag()
			return err
		}},
		// Last: each call adds a session for good.
		{"session/create", func(int) error {
			_, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2019-03-09"}})
			return err
		}},
	}
	for _, call := range calls {
		b.Run(call.name, func(b *testing.B) {
			for i := range 4 { // each connection's statements prepared
				if err := call.call(i); err != nil {
					b.Fatal(err)
				}
			}
			counter.Reset()
			i := 0
			for b.Loop() {
				if err := call.call(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
			trips, execs, reads := counter.Counted("AS MATERIALIZED (SELECT (SELECT count(*) FROM sessions")
			b.ReportMetric(float64(trips)/float64(i), "trips/op")
			b.ReportMetric(float64(execs)/float64(i), "stmts/op")
			b.ReportMetric(float64(reads)/float64(i), "completions/op")
		})
	}
}
