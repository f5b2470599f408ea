package service_test

import (
	"fmt"
	"strings"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/platform"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestParticipantBeneficiaryMustBeVisible: issue 9 §5. An organiser counts
// among its participants only people it sees: its own, or those referred to
// it with consent. Another organisation's person, or an id nobody
// registered, is refused and nothing is stored, so nobody can inflate a
// project's beneficiary counts with ids it cannot see.
func TestParticipantBeneficiaryMustBeVisible(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))

	for name, id := range map[string]string{
		"another organisation's person": c.beneficiary(t, ctxA),
		"an id nobody registered":       ids.New(),
	} {
		_, err := c.CreateParticipant(ctxB, &pb.CreateParticipantRequest{EventId: e.GetId(), Participant: beneficiary(id)})
		if status.Code(err) != codes.NotFound || !strings.Contains(status.Convert(err).Message(), id) {
			t.Fatalf("%s: %v, want NotFound naming %s", name, err, id)
		}
	}
	l, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil || len(l.GetParticipants()) != 0 {
		t.Fatalf("refused participants were stored: %v %v", l, err)
	}

	// Its own person, and one referred to it with consent, are counted.
	register(t, c, ctxB, e.GetId(), beneficiary(c.beneficiary(t, ctxB)))
	register(t, c, ctxB, e.GetId(), beneficiary(c.beneficiary(t, ctxA, b)))
	if l, err := c.ListParticipants(ctxB, &pb.ListParticipantsRequest{EventId: e.GetId()}); err != nil || len(l.GetParticipants()) != 2 {
		t.Fatalf("participants: %v %v", l, err)
	}
}

// TestParticipantWritesEndWithAccess: once the consent a person was shared
// with the organiser under is withdrawn (every grant made under it ends),
// the organiser records nothing new of them: a mark for them refuses the
// call (FAILED_PRECONDITION BENEFICIARY_NOT_VISIBLE naming the mark and the
// participant, no mark of the call recorded), a test score for them is
// refused the same way (naming the participant), and issuing certificates
// certifies the other completers, not them. What was recorded before stays.
// Before, these writes went through as if the grant were live (the scores
// until r17).
func TestParticipantWritesEndWithAccess(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, a), servicetest.As(t, b)
	e := event(t, c, ctxB, seminar(""))
	s, err := c.CreateSession(ctxB, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2017-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	kept, gone := c.beneficiary(t, ctxA, b), c.beneficiary(t, ctxA, b)
	pKept := register(t, c, ctxB, e.GetId(), beneficiary(kept))
	pGone := register(t, c, ctxB, e.GetId(), beneficiary(gone))
	pOwn := register(t, c, ctxB, e.GetId(), beneficiary(c.beneficiary(t, ctxB)))
	mark := func(ps ...*pb.Participant) (*pb.RecordAttendanceResponse, error) {
		var marks []*pb.AttendanceMark
		for _, p := range ps {
			marks = append(marks, &pb.AttendanceMark{ParticipantId: p.GetId(), Present: true})
		}
		return c.RecordAttendance(ctxB, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(), Marks: marks})
	}
	if _, err := mark(pGone); err != nil {
		t.Fatalf("marking a person shared with the organiser: %v", err)
	}

	// The owner withdraws the consent the person was shared under (the
	// beneficiaries service runs already: c.beneficiary started it).
	ben := benv1.NewBeneficiaryServiceClient(c.beneficiaries.Start(t, platform.Service{}))
	cs, err := ben.ListConsents(ctxA, &benv1.ListConsentsRequest{BeneficiaryId: gone})
	if err != nil || len(cs.GetConsents()) != 1 {
		t.Fatalf("consents: %v %v", cs, err)
	}
	if _, err := ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: gone, Id: cs.GetConsents()[0].GetId()}); err != nil {
		t.Fatal(err)
	}

	_, err = mark(pKept, pGone, pOwn)
	msg := status.Convert(err).Message()
	if status.Code(err) != codes.FailedPrecondition || grpcx.Reason(err) != "BENEFICIARY_NOT_VISIBLE" ||
		!strings.Contains(msg, "marks[1]") || !strings.Contains(msg, pGone.GetId()) || strings.Contains(msg, pKept.GetId()) {
		t.Fatalf("marking a person no longer shared: %v, want FAILED_PRECONDITION BENEFICIARY_NOT_VISIBLE naming marks[1] (%s)", err, pGone.GetId())
	}
	score := func(p *pb.Participant, post int32) error {
		_, err := c.RecordTestScores(ctxB, &pb.RecordTestScoresRequest{EventId: e.GetId(), ParticipantId: p.GetId(), PostTestScore: &post})
		return err
	}
	err = score(pGone, 70)
	if status.Code(err) != codes.FailedPrecondition || grpcx.Reason(err) != "BENEFICIARY_NOT_VISIBLE" ||
		!strings.Contains(status.Convert(err).Message(), pGone.GetId()) {
		t.Fatalf("a test score of a person no longer shared: %v, want FAILED_PRECONDITION BENEFICIARY_NOT_VISIBLE naming %s", err, pGone.GetId())
	}
	if err := score(pKept, 80); err != nil {
		t.Fatalf("a test score of a person still shared: %v", err)
	}
	r, err := mark(pKept, pOwn)
	if err != nil || len(r.GetMarks()) != 3 {
		t.Fatalf("marking the others: %v %v (the refused call recorded nothing; the mark made before stays)", r, err)
	}

	cert, err := c.IssueCertificates(ctxB, &pb.IssueCertificatesRequest{EventId: e.GetId()})
	if err != nil || cert.GetIssuedCount() != 2 {
		t.Fatalf("certificates: %v %v, want the 2 still shared or own", cert, err)
	}
	for _, p := range cert.GetParticipants() {
		if p.GetId() == pGone.GetId() {
			t.Fatalf("%s certified after the consent was withdrawn", p.GetId())
		}
	}
	if g, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: pGone.GetId()}); err != nil ||
		g.GetParticipant().GetSessionsAttended() != 1 || g.GetParticipant().GetCertificateNumber() != "" || g.GetParticipant().PostTestScore != nil {
		t.Fatalf("the participation recorded before: %v %v, want its attendance kept, no certificate, no score", g, err)
	}

	// An erased person's participation is anonymous: its grant ended with
	// the erasure, and it is still marked, as it is certified (ERASED-).
	if _, err := ben.EraseBeneficiary(ctxA, &benv1.EraseBeneficiaryRequest{Id: kept}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "erasure reaches the participation", func() error {
		g, err := c.GetParticipant(ctxB, &pb.GetParticipantRequest{EventId: e.GetId(), Id: pKept.GetId()})
		if err != nil || !strings.HasPrefix(g.GetParticipant().GetCertificateNumber(), "ERASED-") {
			return fmt.Errorf("%v %v", g, err)
		}
		return nil
	})
	if _, err := mark(pKept); err != nil {
		t.Fatalf("marking an erased participant: %v", err)
	}
	if err := score(pKept, 90); err != nil {
		t.Fatalf("a test score of an erased participant: %v", err)
	}
}
