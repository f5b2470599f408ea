package service_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestUpdateSession: a session entered with the wrong day, times, topic or
// trainer is corrected in place (UpdateSession) against the etag read, and
// keeps its attendance marks: who completed the event, and the
// certificates, stay as they were, and the feed tells session.updated
// (with completed_count, no participant.completed or completion_withdrawn).
// A missing or stale etag, a day outside the event, times out of order, a
// path that is no session field and another organisation's call change
// nothing; a session with participants marked present does not move to a
// day not held yet. Before, the only correction was deleting the session,
// which dropped its marks (and un-completed who attended it).
func TestUpdateSession(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	project := c.project(t, ctx)
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	first, last := today.AddDays(-2), today.AddDays(30)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Zaštita djece u pokretu",
		StartDate: first.String(), EndDate: last.String(), CompletionThresholdPercent: 100})
	ev := e.GetId()
	session := func(day string) *pb.Session {
		t.Helper()
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: ev,
			Session: &pb.Session{Date: day, StartTime: "09:00", EndTime: "13:00", Topic: "Uvod", Trainer: "Ivana Trener"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetSession()
	}
	s1, s2 := session(first.String()), session(today.AddDays(-1).String())
	ana := register(t, c, ctx, ev, professional("Ana", "Jovanović", "ana@example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	for _, s := range []*pb.Session{s1, s2} {
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: ev, SessionId: s.GetId(),
			Marks: []*pb.AttendanceMark{{ParticipantId: ana.GetId(), Present: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: ev}); err != nil || r.GetIssuedCount() != 1 {
		t.Fatalf("certificates: %v (%v)", r, err)
	}
	_, cursor := servicetest.Events(t, conn, "")

	update := func(s *pb.Session, paths ...string) (*pb.Session, error) {
		r, err := c.UpdateSession(ctx, &pb.UpdateSessionRequest{Session: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return r.GetSession(), err
	}
	if s1.GetEtag() != `W/"1"` {
		t.Fatalf("a new session's etag: %q", s1.GetEtag())
	}

	// Refused: nothing changes.
	statustest.WantReason(t, second(update(&pb.Session{EventId: ev, Id: s1.GetId(), Topic: "X"}, "topic")),
		codes.Aborted, "ETAG_REQUIRED", "no etag")
	statustest.WantReason(t, second(update(&pb.Session{EventId: ev, Id: s1.GetId(), Etag: `W/"7"`, Topic: "X"}, "topic")),
		codes.Aborted, "ETAG_MISMATCH", "stale etag")
	for name, tc := range map[string]struct {
		s     *pb.Session
		paths []string
		field string
	}{
		"a day after the event":  {&pb.Session{Date: last.AddDays(1).String()}, []string{"date"}, "session.date"},
		"no day":                 {&pb.Session{}, []string{"date"}, "session.date"},
		"end before start":       {&pb.Session{EndTime: "08:00"}, []string{"end_time"}, "session.end_time"},
		"no time of day":         {&pb.Session{StartTime: "9 o'clock"}, []string{"start_time"}, "session.start_time"},
		"not a session field":    {&pb.Session{}, []string{"create_time"}, "update_mask.paths[0]"},
		"not a day":              {&pb.Session{Date: "1.3.2017"}, []string{"date"}, "session.date"},
		"no field named":         {&pb.Session{}, []string{"id"}, "update_mask"},
		"a session id not an id": {&pb.Session{Id: "x"}, []string{"topic"}, "session.id"},
	} {
		tc.s.EventId, tc.s.Etag = ev, s1.GetEtag()
		if tc.s.Id == "" {
			tc.s.Id = s1.GetId()
		}
		_, err := update(tc.s, tc.paths...)
		if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), tc.field) {
			t.Errorf("%s: %v (violations %v), want InvalidArgument naming %s", name, err, statustest.Violations(err), tc.field)
		}
	}
	other := servicetest.As(t, ids.New())
	if _, err := c.UpdateSession(other, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: ev, Id: s1.GetId(), Etag: s1.GetEtag(), Topic: "X"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"topic"}}}); statustest.Code(err) != codes.NotFound {
		t.Errorf("another organisation's update: %v, want NotFound", err)
	}
	if _, err := update(&pb.Session{EventId: ev, Id: ids.New(), Etag: s1.GetEtag(), Topic: "X"}, "topic"); statustest.Code(err) != codes.NotFound {
		t.Errorf("no such session: %v, want NotFound", err)
	}
	// Ana is marked present: the session cannot move to a day not held yet.
	statustest.WantReason(t, second(update(&pb.Session{EventId: ev, Id: s1.GetId(), Etag: s1.GetEtag(), Date: today.AddDays(1).String()}, "date")),
		codes.FailedPrecondition, "SESSION_NOT_HELD", "a session with present marks moved to tomorrow")
	if evs, _ := servicetest.Events(t, conn, cursor); len(evs) != 0 {
		t.Fatalf("refused updates told the feed: %v", evs)
	}

	// The correction: another day (held), times, topic and trainer.
	moved := today.String()
	got, err := update(&pb.Session{EventId: ev, Id: s1.GetId(), Etag: s1.GetEtag(), Date: moved, StartTime: "10:00", EndTime: "15:30",
		Topic: "Procjena najboljeg interesa", Trainer: "Marko Trener"}, "*")
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.Session{Id: s1.GetId(), EventId: ev, Date: moved, StartTime: "10:00", EndTime: "15:30", Topic: "Procjena najboljeg interesa",
		Trainer: "Marko Trener", Etag: `W/"2"`}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(pb.Session{}, "CreateTime", "UpdateTime"), cmpopts.IgnoreUnexported(pb.Session{})); diff != "" {
		t.Errorf("updated session (-want +got):\n%s", diff)
	}
	if got.GetUpdateTime() == nil || got.GetUpdateTime().AsTime().Before(got.GetCreateTime().AsTime()) {
		t.Errorf("update_time %v before create_time %v", got.GetUpdateTime(), got.GetCreateTime())
	}
	// Only the topic: the rest stays.
	got, err = update(&pb.Session{EventId: ev, Id: s1.GetId(), Etag: got.GetEtag(), Topic: "Procjena interesa djeteta", Date: first.String()}, "topic")
	if err != nil || got.GetTopic() != "Procjena interesa djeteta" || got.GetDate() != moved || got.GetTrainer() != "Marko Trener" || got.GetEtag() != `W/"3"` {
		t.Fatalf("topic corrected: %v (%v)", got, err)
	}
	statustest.WantReason(t, second(update(&pb.Session{EventId: ev, Id: s1.GetId(), Etag: s1.GetEtag(), Topic: "Stari"}, "topic")),
		codes.Aborted, "ETAG_MISMATCH", "the etag read before the correction")

	// The marks stay: Ana still attended both sessions, completes the
	// event and holds her certificate.
	p, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: ev, Id: ana.GetId()})
	if err != nil || p.GetParticipant().GetSessionsAttended() != 2 || !p.GetParticipant().GetCompleted() || p.GetParticipant().GetCertificateNumber() == "" {
		t.Fatalf("Ana after the corrections: %v (%v)", p.GetParticipant(), err)
	}
	list, err := c.ListSessions(ctx, &pb.ListSessionsRequest{EventId: ev})
	if err != nil || len(list.GetSessions()) != 2 || list.GetSessions()[1].GetId() != s1.GetId() || list.GetSessions()[1].GetEtag() != `W/"3"` {
		t.Fatalf("sessions after the corrections (in programme order, the corrected one last): %v (%v)", list.GetSessions(), err)
	}

	sessionEv := func(fields string) told {
		return told{Type: events.SessionUpdated, ID: s1.GetId(), Count: 1,
			Data: kv("session_id", s1.GetId(), "event_id", ev, "project_id", project, "date", moved, "fields", fields)}
	}
	evs, _ := feed(t, conn, cursor, org, "Procjena", "Marko Trener", "Jovanović")
	if diff := cmp.Diff([]told{sessionEv("date,end_time,start_time,topic,trainer"), sessionEv("topic")}, evs); diff != "" {
		t.Errorf("the feed (-want +got):\n%s", diff)
	}
}
