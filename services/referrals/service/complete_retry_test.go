package service_test

import (
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestCompletionRetriedAfterLostAnswer: a completion sent again after its
// answer was lost (the connection cut after the commit, a 5xx that
// released its Idempotency-Key at the edge, a client without one), with
// the outcome it was first sent with and the etag it was read with, is
// answered as the first attempt was: OK, the referral as it is, with the
// assistance the first recorded; nothing changes (no new version, event
// or record). Before, it was 400 ILLEGAL_TRANSITION, which told the
// client its completion had failed. Another outcome, an assistance the
// completion did not record (or none when it did), the sender, or an etag
// of a version the referral never had, is not that completion: refused
// as before.
func TestCompletionRetriedAfterLostAnswer(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctxA, ctxB := partner(t, a), partner(t, b)
	teamB := s.team(t, ctxB, b, "Team B", "Šid")
	person := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, person, time.Time{})
	id := s.teamReferral(t, ctxA, person, b, teamB, "")
	started := s.started(t, ctxA, ctxB, id)
	delivered := &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: reportToday(t).String()}
	req := &pb.CompleteReferralRequest{Id: id, Etag: started.GetEtag(),
		Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, Note: "six sessions"}, Assistance: delivered}
	first, err := s.ref.CompleteReferral(ctxB, req)
	if err != nil {
		t.Fatal(err)
	}
	events := func() int {
		t.Helper()
		r, err := s.ref.ListReferralEvents(ctxA, &pb.ListReferralEventsRequest{ReferralId: id})
		if err != nil {
			t.Fatal(err)
		}
		return len(r.GetEvents())
	}
	n := events()

	for name, r := range map[string]*pb.CompleteReferralRequest{
		"as first sent": req,
		"without etag":  {Id: id, Outcome: req.GetOutcome(), Assistance: delivered},
		// The completion's record is made once, whatever details a retry
		// sends (as when its commit failed).
		"other details": {Id: id, Outcome: req.GetOutcome(), Assistance: &benv1.Assistance{
			Type: benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: delivered.GetDate()}},
	} {
		again, err := s.ref.CompleteReferral(ctxB, r)
		if err != nil {
			t.Fatalf("retry %s: %v", name, err)
		}
		if again.GetReferral().GetEtag() != first.GetReferral().GetEtag() ||
			again.GetReferral().GetOutcome().GetAssistanceId() != first.GetReferral().GetOutcome().GetAssistanceId() ||
			again.GetReferral().GetOutcome().GetNote() != "six sessions" {
			t.Fatalf("retry %s: %v, want the first answer %v", name, again.GetReferral(), first.GetReferral())
		}
	}
	for name, tc := range map[string]struct {
		req  *pb.CompleteReferralRequest
		code codes.Code
	}{
		"another outcome": {&pb.CompleteReferralRequest{Id: id, Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_PARTIALLY_PROVIDED,
			Note: "six sessions"}, Assistance: delivered}, codes.FailedPrecondition},
		"another note": {&pb.CompleteReferralRequest{Id: id, Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED,
			Note: "five sessions"}, Assistance: delivered}, codes.FailedPrecondition},
		"no assistance":  {&pb.CompleteReferralRequest{Id: id, Outcome: req.GetOutcome()}, codes.FailedPrecondition},
		"a future etag":  {&pb.CompleteReferralRequest{Id: id, Outcome: req.GetOutcome(), Assistance: delivered, Etag: `W/"99"`}, codes.FailedPrecondition},
		"no etag at all": {&pb.CompleteReferralRequest{Id: id, Outcome: req.GetOutcome(), Assistance: delivered, Etag: "5"}, codes.InvalidArgument},
	} {
		_, err := s.ref.CompleteReferral(ctxB, tc.req)
		statustest.Want(t, err, tc.code, name)
	}
	_, err = s.ref.CompleteReferral(ctxA, req)
	statustest.WantReason(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION", "the sender sends the receiver's completion")
	if got := events(); got != n {
		t.Fatalf("%d events after the retries, want %d", got, n)
	}
	r, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: person})
	if err != nil || len(r.GetAssistances()) != 1 || r.GetAssistances()[0].GetId() != first.GetReferral().GetOutcome().GetAssistanceId() {
		t.Fatalf("assistance records after the retries: %v (%v), want the first one only", r.GetAssistances(), err)
	}
}
