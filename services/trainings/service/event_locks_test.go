package service_test

import (
	"context"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestEventWritesLetRegistrationsThrough: while :issueCertificates or a
// PATCH of the event is in its transaction (held here after its locks), a
// registration at the event and a new attendance mark of a participant
// being certified go through at once. Before, both locked the event FOR
// UPDATE, which a registration's foreign key check (FOR KEY SHARE) waits
// for, and numbering a certificate was a key update of the participant
// (certificate_number had a unique constraint a foreign key could use),
// which a new mark's check waits for: the writes waited for the whole
// issuing or updating transaction (a sheet's import behind a long one).
func TestEventWritesLetRegistrationsThrough(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	conn := pgtest.Connect(t, c.dbURL)
	type fixture struct {
		event                   *pb.TrainingEvent
		certified, laterSession string
	}
	setup := func() fixture {
		t.Helper()
		e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06", EndDate: "2024-05-07"})
		sessions := sessionsOn(t, c, ctx, e.GetId(), "2024-05-06", "2024-05-07")
		// 50 % attendance completes an event with a threshold of 50.
		r, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
			TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), CompletionThresholdPercent: 50},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"completion_threshold_percent"}}})
		if err != nil {
			t.Fatal(err)
		}
		p := register(t, c, ctx, e.GetId(), professional("Ana", "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)).GetId()
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[0],
			Marks: []*pb.AttendanceMark{{ParticipantId: p, Present: true}}}); err != nil {
			t.Fatal(err)
		}
		return fixture{r.GetTrainingEvent(), p, sessions[1]}
	}
	issue := func(f fixture) error {
		r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: f.event.GetId()})
		if err == nil && r.GetIssuedCount() != 1 {
			t.Errorf("issued %d certificates, want 1", r.GetIssuedCount())
		}
		return err
	}
	const issuing = "INSERT ON trainings.outbox WHEN (NEW.type = 'participant.certified')"
	patch := func(f fixture) error {
		_, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
			TrainingEvent: &pb.TrainingEvent{Id: f.event.GetId(), Etag: f.event.GetEtag(), Title: "Radionica"},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		return err
	}
	const patching = "UPDATE ON trainings.training_events"
	registration := func(f fixture) error {
		_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: f.event.GetId(),
			Participant: professional("Marko", "Jovanović", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)})
		return err
	}
	newMark := func(f fixture) error {
		_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: f.event.GetId(), SessionId: f.laterSession,
			Marks: []*pb.AttendanceMark{{ParticipantId: f.certified, Present: true}}})
		return err
	}
	tests := []struct {
		name          string
		hold          string
		first, second func(fixture) error
	}{
		{"a registration while certificates are issued", issuing, issue, registration},
		{"a new mark of a participant being certified", issuing, issue, newMark},
		{"a registration while the event is updated", patching, patch, registration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup()
			var e1, e2 error
			returned := pgtest.NewHold(t, conn, tt.hold).Race(func() { e1 = tt.first(f) }, func() { e2 = tt.second(f) })
			if e1 != nil || e2 != nil {
				t.Fatalf("first: %v, second: %v; want both to succeed", status.Convert(e1), status.Convert(e2))
			}
			if !returned {
				t.Error("the write waited for the other transaction to end")
			}
		})
	}
}

// sessionsOn adds a session on each of days to event eventID and returns
// their ids.
func sessionsOn(t *testing.T, c pb.TrainingServiceClient, ctx context.Context, eventID string, days ...string) []string {
	t.Helper()
	var sessions []string
	for _, d := range days {
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: eventID, Session: &pb.Session{Date: d}})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s.GetSession().GetId())
	}
	return sessions
}
