package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// TestParticipantReadsAudited: a beneficiary participant's registration
// (that the person took part, their attendance, scores and certificate) is
// their personal data, so the organiser's reads of it (get and list) are in
// the person's audit log, which the owner reads: who (organisation,
// client), what (the registration as resource), why (the purpose declared).
func TestParticipantReadsAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	person := c.beneficiary(t, ctxA, b) // A's, referred to B
	p := register(t, c, ctxB, e.GetId(), beneficiary(person))

	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "training follow-up")
	if _, err := c.ListParticipants(why, &pb.ListParticipantsRequest{EventId: e.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetParticipant(why, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}

	conn := c.beneficiaries.Start(t, platform.Service{}) // started by c.beneficiary
	l, err := benv1.NewBeneficiaryServiceClient(conn).ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: person, ActorOrganisationId: b})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*benv1.AuditEvent{}
	for _, ev := range l.GetAuditEvents() {
		got[ev.GetAction()] = ev
	}
	resource := "trainingEvents/" + e.GetId() + "/participants/" + p.GetId()
	for _, action := range []string{"training_participant.list", "training_participant.read"} {
		ev := got[action]
		if ev == nil {
			t.Errorf("no %s in the owner's audit log of the participant: %v", action, l.GetAuditEvents())
			continue
		}
		if ev.GetActorOrganisationId() != b || ev.GetActorClientId() == "" || ev.GetPurpose() != "training follow-up" || ev.GetResource() != resource {
			t.Errorf("%s recorded as %v, want actor %s with its client, purpose %q, resource %s", action, ev, b, "training follow-up", resource)
		}
	}
}

// TestAttendanceAnswerAudited: marking attendance answers with every mark
// of the session, so a beneficiary's mark it shows without changing it (the
// organiser marked someone else) is a read of the person's attendance, in
// their audit log as training_participant.read_attendance; while the log
// cannot be written such an answer is 503 and the marks sent are not
// recorded, as for the other reads of a participant.
func TestAttendanceAnswerAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	person := c.beneficiary(t, ctxA, b) // A's, referred to B
	e := event(t, c, ctxB, seminar(""))
	p := register(t, c, ctxB, e.GetId(), beneficiary(person))
	pro := register(t, c, ctxB, e.GetId(), professional("Ana", "Anić", "", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	s, err := c.CreateSession(ctxB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	session := s.GetSession().GetId()
	mark := func(c pb.TrainingServiceClient, ctx context.Context, x *pb.Participant, present bool) (*pb.RecordAttendanceResponse, error) {
		return c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: session,
			Marks: []*pb.AttendanceMark{{ParticipantId: x.GetId(), Present: present}}})
	}
	if _, err := mark(c, ctxB, p, true); err != nil {
		t.Fatal(err)
	}
	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "room list")
	r, err := mark(c, why, pro, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.GetMarks()) != 2 {
		t.Fatalf("answer %v, want both marks of the session", r.GetMarks())
	}

	got := c.audited(t, ctxA, person, b, "training_participant.read_attendance")
	want := "training_participant.attendance trainingEvents/" + e.GetId() + "/participants/" + p.GetId() + " room list"
	if len(got) != 1 || got[0] != want {
		t.Errorf("the beneficiary's mark shown in the answer, in the owner's audit log: %q, want [%s]", got, want)
	}

	cut := c.withoutAuditLog(t)
	if _, err := mark(cut, why, pro, false); statustest.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "audit log") {
		t.Errorf("marking a professional, the answer showing a beneficiary's mark, while the audit log is out of reach: %v, want UNAVAILABLE naming the audit log", err)
	}
	if x, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: pro.GetId()}); err != nil || x.GetParticipant().GetSessionsAttended() != 1 {
		t.Errorf("after a refused mark: %v, %v; want the professional still present", x.GetParticipant(), err)
	}
}

// TestParticipantWritesAudited: the organiser's changes of a beneficiary
// participant's registration (registering and deleting it, attendance,
// scores, a certificate) are in the person's audit log, as its reads are,
// each naming the registration, the fields written and the purpose; while
// the log cannot be written they are refused as UNAVAILABLE and nothing
// changes, while a professional's (no beneficiary) still go through.
func TestParticipantWritesAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	s, err := c.CreateSession(ctxB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	session := s.GetSession().GetId()
	person, other := c.beneficiary(t, ctxA, b), c.beneficiary(t, ctxA, b) // A's, referred to B
	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "training records")
	p := register(t, c, why, e.GetId(), beneficiary(person))
	pro := register(t, c, why, e.GetId(), professional("Ana", "Anić", "", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	gone := register(t, c, why, e.GetId(), beneficiary(other))
	mark := func(c pb.TrainingServiceClient, present bool, ps ...*pb.Participant) error {
		req := &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: session}
		for _, x := range ps {
			req.Marks = append(req.Marks, &pb.AttendanceMark{ParticipantId: x.GetId(), Present: present})
		}
		_, err := c.RecordAttendance(why, req)
		return err
	}
	if err := mark(c, true, p, pro); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecordTestScores(why, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PreTestScore: proto.Int32(40)}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.IssueCertificates(why, &pb.IssueCertificatesRequest{EventId: e.GetId()}); err != nil || r.GetIssuedCount() != 2 {
		t.Fatalf("certificates: %v, %v; want 2 issued", r, err)
	}
	if _, err := c.DeleteParticipant(why, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: gone.GetId()}); err != nil {
		t.Fatal(err)
	}

	conn := c.beneficiaries.Start(t, platform.Service{}) // started by c.beneficiary
	logOf := func(id string) string {
		t.Helper()
		l, err := benv1.NewBeneficiaryServiceClient(conn).ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: id, ActorOrganisationId: b, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range l.GetAuditEvents() {
			if !strings.HasPrefix(ev.GetAction(), "training_participant.") {
				continue
			}
			if ev.GetActorClientId() == "" || ev.GetPurpose() != "training records" {
				t.Errorf("%s recorded as %v, want B's client and purpose %q", ev.GetAction(), ev, "training records")
			}
			out = append(out, ev.GetAction()+" "+strings.Join(ev.GetFields(), ",")+" "+ev.GetResource())
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}
	at := " trainingEvents/" + e.GetId() + "/participants/"
	want := strings.Join([]string{
		"training_participant.create training_participant" + at + p.GetId(),
		"training_participant.issue_certificate training_participant.certificate" + at + p.GetId(),
		"training_participant.record_attendance training_participant.attendance" + at + p.GetId(),
		"training_participant.record_test_scores training_participant.pre_test_score" + at + p.GetId(),
	}, "\n")
	if got := logOf(person); got != want {
		t.Errorf("the participant's changes in the owner's audit log:\n%s\nwant:\n%s", got, want)
	}
	want = "training_participant.create training_participant" + at + gone.GetId() + "\n" +
		"training_participant.delete training_participant" + at + gone.GetId()
	if got := logOf(other); got != want {
		t.Errorf("the deleted participant's changes in the owner's audit log:\n%s\nwant:\n%s", got, want)
	}

	// The same service, with the beneficiaries service (the audit log) out
	// of reach.
	cut := c.withoutAuditLog(t)
	late := register(t, c, why, e.GetId(), beneficiary(other)) // not certified: may be deleted
	for name, err := range map[string]error{
		"attendance": mark(cut, false, p, pro),
		"scores":     second(cut.RecordTestScores(why, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PreTestScore: proto.Int32(90)})),
		"delete":     second(cut.DeleteParticipant(why, &pb.DeleteParticipantRequest{EventId: e.GetId(), Id: late.GetId()})),
	} {
		// A beneficiary's marks and scores first ask that service whether
		// the organiser still sees the person: the refusal may name it.
		msg := status.Convert(err).Message()
		if statustest.Code(err) != codes.Unavailable || !strings.Contains(msg, "audit log") &&
			!(name != "delete" && strings.Contains(msg, "beneficiary service")) {
			t.Errorf("%s while the audit log is out of reach: %v, want UNAVAILABLE naming the audit log", name, err)
		}
	}
	if err := mark(c, true, late); err != nil {
		t.Fatal(err)
	}
	if _, err := cut.IssueCertificates(why, &pb.IssueCertificatesRequest{EventId: e.GetId()}); statustest.Code(err) != codes.Unavailable {
		t.Errorf("certificates while the audit log is out of reach: %v, want UNAVAILABLE", err)
	}
	l, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range l.GetParticipants() {
		switch x.GetId() {
		case p.GetId():
			if x.GetPreTestScore() != 40 || x.GetSessionsAttended() != 1 {
				t.Errorf("refused changes changed the participant: %v", x)
			}
		case late.GetId():
			if x.GetCertificateNumber() != "" {
				t.Errorf("a certificate was issued without its audit record: %v", x)
			}
		}
	}
	if len(l.GetParticipants()) != 3 {
		t.Errorf("participants after a refused delete: %v, want 3", l.GetParticipants())
	}
	// A professional is no beneficiary: nothing to record.
	if _, err := cut.RecordTestScores(why, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: pro.GetId(), PreTestScore: proto.Int32(70)}); err != nil {
		t.Errorf("a professional's scores while the audit log is out of reach: %v", err)
	}
}

// withoutAuditLog is the service started again on c's database with the
// beneficiaries service (which keeps the audit log) out of reach.
func (c *client) withoutAuditLog(t *testing.T) pb.TrainingServiceClient {
	t.Helper()
	return pb.NewTrainingServiceClient(servicetest.Start(t, service.New(service.Config{
		Config:        servicetest.Platform(t, c.dbURL),
		ReferralsAddr: c.referralsAddr, BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: c.reporting.Addr})))
}

// TestSessionDeleteAudited: deleting a session deletes its attendance
// marks, a beneficiary participant's among them: that is recorded in the
// person's audit log with it, and refused (UNAVAILABLE, the session kept)
// while the log cannot be written; a session marking no beneficiary is
// deleted all the same.
func TestSessionDeleteAudited(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	var sessions []string
	for _, day := range []string{"2017-03-01", "2017-03-02"} {
		s, err := c.CreateSession(ctxB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: day}})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s.GetSession().GetId())
	}
	person := c.beneficiary(t, ctxA, b)
	p := register(t, c, ctxB, e.GetId(), beneficiary(person))
	pro := register(t, c, ctxB, e.GetId(), professional("Ana", "Anić", "", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	for i, s := range sessions {
		marks := []*pb.AttendanceMark{{ParticipantId: pro.GetId(), Present: true}}
		if i == 1 {
			marks = append(marks, &pb.AttendanceMark{ParticipantId: p.GetId(), Present: true})
		}
		if _, err := c.RecordAttendance(ctxB, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s, Marks: marks}); err != nil {
			t.Fatal(err)
		}
	}
	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "programme change")
	cut := c.withoutAuditLog(t)
	if _, err := cut.DeleteSession(why, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: sessions[1]}); statustest.Code(err) != codes.Unavailable {
		t.Errorf("deleting a session marking a beneficiary while the audit log is out of reach: %v, want UNAVAILABLE", err)
	}
	if _, err := cut.DeleteSession(why, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: sessions[0]}); err != nil {
		t.Errorf("deleting a session marking only a professional while the audit log is out of reach: %v", err)
	}
	if x, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: p.GetId()}); err != nil || x.GetParticipant().GetSessionsAttended() != 1 {
		t.Fatalf("after a refused delete: %v, %v; want the beneficiary's mark kept", x.GetParticipant(), err)
	}
	if _, err := c.DeleteSession(why, &pb.DeleteSessionRequest{EventId: e.GetId(), Id: sessions[1]}); err != nil {
		t.Fatal(err)
	}
	got := c.audited(t, ctxA, person, b, "training_participant.delete_attendance")
	want := "training_participant.attendance trainingEvents/" + e.GetId() + "/participants/" + p.GetId() + " programme change"
	if len(got) != 1 || got[0] != want {
		t.Errorf("the deleted session's marks in the owner's audit log: %q, want [%s]", got, want)
	}
}

// audited is the records of action by actor in beneficiary person's audit
// log, read by its owner (ctx), each as "fields resource purpose".
func (c *client) audited(t *testing.T, ctx context.Context, person, actor, action string) []string {
	t.Helper()
	conn := c.beneficiaries.Start(t, platform.Service{}) // started by c.beneficiary
	l, err := benv1.NewBeneficiaryServiceClient(conn).ListAuditEvents(ctx, &benv1.ListAuditEventsRequest{BeneficiaryId: person, ActorOrganisationId: actor, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range l.GetAuditEvents() {
		if ev.GetAction() == action {
			got = append(got, strings.Join(ev.GetFields(), ",")+" "+ev.GetResource()+" "+ev.GetPurpose())
		}
	}
	return got
}
