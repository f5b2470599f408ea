package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestPresentMarkRacingASessionMove: a present mark and a correction
// moving its session to a day not held yet, made at once, never leave a
// present mark at a session not held: whichever commits first, the other
// is refused (FAILED_PRECONDITION SESSION_NOT_HELD). The test makes each
// order happen (pgtest.Interleave): the correction held inside its
// transaction at its UPDATE of the session, after its check found nobody
// present, while the mark is sent; and the mark held at its INSERT of
// the attendance row while the correction is sent. Before, the mark
// checked the session's day as read before its transaction: sent while
// the correction was under way, it read the day the session was being
// moved from, waited for the correction's commit and then stored a
// present mark at a session dated after today.
func TestPresentMarkRacingASessionMove(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	watch := pgtest.Connect(t, c.dbURL)
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	// Two days either side of today: the same days are held, and not
	// held, whichever day it is in the report zone while the test runs.
	today := aggregate.Today(zone, time.Now())
	held, ahead := today.AddDays(-2).String(), today.AddDays(2).String()
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Dva dana",
		StartDate: today.AddDays(-5).String(), EndDate: today.AddDays(5).String()})
	p := register(t, c, ctx, e.GetId(), professional("Vesna", "Đurić", "vesna@example.org", "CSR Pančevo", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	session := func() *pb.Session {
		t.Helper()
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: held}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetSession()
	}
	mark := func(s *pb.Session) func() error {
		return func() error {
			_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetId(),
				Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: true}}})
			return err
		}
	}
	move := func(s *pb.Session) func() error {
		return func() error {
			_, err := c.UpdateSession(ctx, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: e.GetId(), Id: s.GetId(), Etag: s.GetEtag(),
				Date: ahead}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"date"}}})
			return err
		}
	}
	// stored returns the session's day and whether Vesna is marked
	// present at it, as stored.
	stored := func(s *pb.Session) (string, bool) {
		t.Helper()
		var day string
		var present bool
		if err := watch.QueryRow(t.Context(), `SELECT s.date::text, EXISTS (SELECT 1 FROM trainings.attendance a
				WHERE a.session_id = s.id AND a.participant_id = $2 AND a.present)
			FROM trainings.sessions s WHERE s.id = $1`, s.GetId(), p.GetId()).Scan(&day, &present); err != nil {
			t.Fatal(err)
		}
		return day, present
	}

	// The correction first: it has found nobody present and is storing
	// the new day when the mark is sent.
	s := session()
	moved, marked, _ := pgtest.Interleave(t, watch, "UPDATE ON trainings.sessions", move(s), mark(s))
	if moved != nil {
		t.Fatalf("the correction, made first: %v", moved)
	}
	statustest.WantReason(t, marked, codes.FailedPrecondition, "SESSION_NOT_HELD", "a present mark sent while its session moved ahead")
	if day, present := stored(s); day != ahead || present {
		t.Errorf("the session is on %s, Vesna present: %v; want %s, not present", day, present, ahead)
	}

	// The mark first: it is storing Vesna's presence when the correction
	// is sent.
	s = session()
	marked, moved, _ = pgtest.Interleave(t, watch, "INSERT ON trainings.attendance", mark(s), move(s))
	if marked != nil {
		t.Fatalf("the mark, made first: %v", marked)
	}
	statustest.WantReason(t, moved, codes.FailedPrecondition, "SESSION_NOT_HELD", "a session moved ahead while a present mark was stored")
	if day, present := stored(s); day != held || !present {
		t.Errorf("the session is on %s, Vesna present: %v; want %s, present", day, present, held)
	}
}
