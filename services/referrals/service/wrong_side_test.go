package service_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
)

// TestWrongSideIsToldSoFirst: an organisation taking the other party's
// action is told it is the wrong side (403), whatever else its request
// carries: before, a sender declining without a reason was 400 "reason is
// required" and, once it gave one, 403; a receiver cancelling with an
// etag read before the sender's change was 409 ETAG_MISMATCH and, once it
// read the referral again, 403; completing a referral not yet started,
// without an outcome, was 400 "outcome.code is required" and, once given
// one, ILLEGAL_TRANSITION. And an action retried with the etag it
// was first sent with, after its answer was lost, is answered as the
// first attempt was (the referral as it is), not told that someone else
// changed it (ETAG_MISMATCH).
func TestWrongSideIsToldSoFirst(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
	first := s.must(t, ctxA, "send", r.GetId()).GetEtag()

	_, err := s.ref.DeclineReferral(ctxA, &pb.DeclineReferralRequest{Id: r.GetId()})
	statustest.Want(t, err, codes.PermissionDenied, "sender declines without a reason")
	// Nor can it be completed yet, by anyone: the state says so first.
	_, err = s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: r.GetId()})
	statustest.WantReason(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION", "complete a sent referral without an outcome")

	accepted, err := s.ref.AcceptReferral(ctxB, &pb.AcceptReferralRequest{Id: r.GetId(), Etag: first})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ref.CancelReferral(ctxB, &pb.CancelReferralRequest{Id: r.GetId(), Etag: first})
	statustest.Want(t, err, codes.PermissionDenied, "receiver cancels with an etag read before its accept")
	_, err = s.ref.StartReferral(ctxA, &pb.StartReferralRequest{Id: r.GetId(), Etag: first})
	statustest.Want(t, err, codes.PermissionDenied, "sender starts with an old etag")

	// The receiver's accept retried as it was first sent.
	again, err := s.ref.AcceptReferral(ctxB, &pb.AcceptReferralRequest{Id: r.GetId(), Etag: first})
	if err != nil || again.GetReferral().GetEtag() != accepted.GetReferral().GetEtag() {
		t.Fatalf("accept retried with its etag: %v %v, want the first answer", again.GetReferral(), err)
	}

	// A stale etag on a legal action of the right side is still 409.
	_, err = s.ref.StartReferral(ctxB, &pb.StartReferralRequest{Id: r.GetId(), Etag: first})
	statustest.Want(t, err, codes.Aborted, "start with a stale etag")
	if _, err := s.ref.StartReferral(ctxB, &pb.StartReferralRequest{Id: r.GetId(), Etag: accepted.GetReferral().GetEtag()}); err != nil {
		t.Fatal(err)
	}
}
