package service_test

import (
	"testing"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestRequestIDReused: a training event's, a session's and a
// participant's create retried with its request id (an Idempotency-Key
// the edge no longer keeps, after its 24 h) answers what it made; the same
// request id sent with another request is refused REQUEST_ID_REUSED. Each
// answered the first record (another event, another day's session,
// another person) as if the new one were made, and it never was.
func TestRequestIDReused(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	want := func(err error, what string) {
		t.Helper()
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, what)
	}

	// Events.
	createEvent := func(e *pb.TrainingEvent) (*pb.TrainingEvent, error) {
		r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: e, RequestId: "ev-1"})
		return r.GetTrainingEvent(), err
	}
	e, err := createEvent(seminar(""))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := createEvent(seminar("")); err != nil || again.GetId() != e.GetId() {
		t.Fatalf("event retry: %v %v, want %s", again, err, e.GetId())
	}
	for name, change := range map[string]func(*pb.TrainingEvent){
		"another title": func(x *pb.TrainingEvent) { x.Title = "Rad sa žrtvama trgovine ljudima" },
		"another start": func(x *pb.TrainingEvent) { x.StartDate = "2017-02-28" },
		"another type":  func(x *pb.TrainingEvent) { x.Type = pb.EventType_EVENT_TYPE_WORKSHOP },
	} {
		x := seminar("")
		change(x)
		got, err := createEvent(x)
		want(err, "event with "+name)
		if got != nil {
			t.Errorf("event with %s: answered %v", name, got)
		}
	}

	// Sessions: 9:00 is 09:00.
	createSession := func(s *pb.Session) (*pb.Session, error) {
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), RequestId: "s-1", Session: s})
		return r.GetSession(), err
	}
	s, err := createSession(&pb.Session{Date: "2017-03-01", StartTime: "09:00", EndTime: "12:30", Topic: "guardianship"})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := createSession(&pb.Session{Date: "2017-03-01", StartTime: "9:00", EndTime: "12:30", Topic: "guardianship"}); err != nil || again.GetId() != s.GetId() {
		t.Fatalf("session retry: %v %v, want %s", again, err, s.GetId())
	}
	got, err := createSession(&pb.Session{Date: "2017-03-02", StartTime: "09:00", EndTime: "12:30", Topic: "guardianship"})
	want(err, "session on another day")
	if got != nil {
		t.Errorf("session on another day: answered %v", got)
	}

	// Participants: the same professional is the same registration also
	// after a registration at another event updated her shared record.
	ana := func(sector pb.Sector) *pb.Participant {
		p := professional("Ana", "Petrović", "ana.petrovic@csr.example", "CSR Subotica", sector, commonv1.Sex_SEX_FEMALE)
		p.GetProfessional().Position = "social worker"
		return p
	}
	createParticipant := func(p *pb.Participant) (*pb.Participant, error) {
		r, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(), RequestId: "p-1", Participant: p})
		return r.GetParticipant(), err
	}
	p, err := createParticipant(ana(pb.Sector_SECTOR_SOCIAL_WELFARE))
	if err != nil {
		t.Fatal(err)
	}
	other := event(t, c, ctx, seminar(""))
	promoted := ana(pb.Sector_SECTOR_SOCIAL_WELFARE)
	promoted.GetProfessional().Position = "head of office"
	register(t, c, ctx, other.GetId(), promoted)
	if again, err := createParticipant(ana(pb.Sector_SECTOR_SOCIAL_WELFARE)); err != nil || again.GetId() != p.GetId() {
		t.Fatalf("participant retry: %v %v, want %s", again, err, p.GetId())
	}
	for name, in := range map[string]*pb.Participant{
		"another person": professional("Ivo", "Ivić", "", "PU Subotica", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE),
		"another sector": ana(pb.Sector_SECTOR_HEALTH),
	} {
		got, err := createParticipant(in)
		want(err, "participant: "+name)
		if got != nil {
			t.Errorf("participant %s: answered %v", name, got)
		}
	}
	if l, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e.GetId()}); err != nil || len(l.GetParticipants()) != 1 {
		t.Fatalf("participants: %v %v, want Ana alone", l, err)
	}
}
