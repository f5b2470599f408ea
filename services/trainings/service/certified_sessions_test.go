package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestNoSessionAddedAfterCertificates: once an event has issued a
// certificate, a session added to it is FAILED_PRECONDITION
// (CERTIFICATES_ISSUED) and nothing is added: the certificates attest the
// programme as it stood, and a further session would lower the share of
// every certified participant not marked at it. Before, the session was
// added, and Marko, certified at 3 of 4 sessions (75 %, the threshold),
// read 3 of 5 (60 %): trained and certified fell from 2 to 1, a figure
// already reported to the donor, though he did nothing differently. A
// retry of a session added before the certificates is answered with it.
func TestNoSessionAddedAfterCertificates(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Guardianship",
		StartDate: "2017-03-01", EndDate: "2017-03-05", CompletionThresholdPercent: 75})
	var sessions []string
	for _, day := range []string{"2017-03-01", "2017-03-02", "2017-03-03", "2017-03-04"} {
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: day}, RequestId: "session " + day})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, r.GetSession().GetId())
	}
	ana := register(t, c, ctx, e.GetId(), professional("Ana", "Jovanović", "ana@example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	marko := register(t, c, ctx, e.GetId(), professional("Marko", "Ilić", "marko@example.org", "PU Subotica", pb.Sector_SECTOR_POLICE, 0))
	for i, s := range sessions {
		marks := []*pb.AttendanceMark{{ParticipantId: ana.GetId(), Present: true}, {ParticipantId: marko.GetId(), Present: i < 3}}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s, Marks: marks}); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()}); err != nil || r.GetIssuedCount() != 2 {
		t.Fatalf("certificates: %v (%v)", r, err)
	}
	count := func(stage pb.ParticipationStage) int64 {
		t.Helper()
		r, err := c.CountParticipants(ctx, &pb.CountParticipantsRequest{ProjectId: project,
			Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: stage})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate().GetTotal()
	}
	figures := func(when string) {
		t.Helper()
		trained, certified := count(pb.ParticipationStage_PARTICIPATION_STAGE_TRAINED), count(pb.ParticipationStage_PARTICIPATION_STAGE_CERTIFIED)
		if trained != 2 || certified != 2 {
			t.Fatalf("%s: trained %d, certified %d, want 2 and 2", when, trained, certified)
		}
	}
	figures("certified")

	_, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-05"}})
	figures("after a session was added")
	statustest.WantReason(t, err, codes.FailedPrecondition, "CERTIFICATES_ISSUED", "a session added after the certificates")
	if r, err := c.ListSessions(ctx, &pb.ListSessionsRequest{EventId: e.GetId()}); err != nil || len(r.GetSessions()) != 4 {
		t.Fatalf("sessions after the refusal: %v (%v), want the 4", r, err)
	}
	p, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: e.GetId(), Id: marko.GetId()})
	if err != nil || !p.GetParticipant().GetCompleted() || p.GetParticipant().GetAttendancePercent() != 75 {
		t.Fatalf("Marko after the refusal: %v (%v), want 75 %% and completed", p, err)
	}

	// A retry of a session added before is its answer, not a refusal.
	r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-02"}, RequestId: "session 2017-03-02"})
	if err != nil || r.GetSession().GetId() != sessions[1] {
		t.Fatalf("retry of the second session: %v (%v), want session %s", r, err, sessions[1])
	}
}
