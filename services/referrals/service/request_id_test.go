package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestReferralRequestIDReused: a referral's create retried with its
// request id (an Idempotency-Key the edge no longer keeps, after its
// 24 h) answers the referral it made, also once sent; the same request id
// sent for another person, receiver, category or reason is refused
// REQUEST_ID_REUSED. It answered the first referral, as if the second
// were made, and the second never was.
func TestReferralRequestIDReused(t *testing.T) {
	s := start(t)
	a, b, c := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA := partner(t, a)
	amina, lejla := s.beneficiary(t, ctxA), s.beneficiary(t, ctxA)
	s.consent(t, ctxA, amina, time.Time{})
	asked := func() *pb.Referral {
		return &pb.Referral{BeneficiaryId: amina, ToOrganisationId: b, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL,
			Urgency: pb.Urgency_URGENCY_HIGH, Reason: "asylum interview next week"}
	}
	create := func(in *pb.Referral) (*pb.Referral, error) {
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{RequestId: "rr-1", Referral: in})
		return r.GetReferral(), err
	}
	first, err := create(asked())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry: %v %v, want referral %s", again, err, first.GetId())
	}
	reused := func(when string) {
		t.Helper()
		for name, change := range map[string]func(*pb.Referral){
			"another person and receiver": func(r *pb.Referral) { r.BeneficiaryId, r.ToOrganisationId = lejla, c },
			"another receiver":            func(r *pb.Referral) { r.ToOrganisationId = c },
			"another category":            func(r *pb.Referral) { r.Category = pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH },
			"another urgency":             func(r *pb.Referral) { r.Urgency = pb.Urgency_URGENCY_NORMAL },
			"another reason":              func(r *pb.Referral) { r.Reason = "housing" },
		} {
			in := asked()
			change(in)
			got, err := create(in)
			statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, when+name)
			if got != nil {
				t.Errorf("%s%s: answered %v", when, name, got)
			}
		}
	}
	reused("")
	// Sent since (which records the consent it is sent under): still the
	// same referral for its retry.
	s.must(t, ctxA, "send", first.GetId())
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry once sent: %v %v, want referral %s", again, err, first.GetId())
	}
	reused("once sent: ")
	if l, err := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{}); err != nil || len(l.GetReferrals()) != 1 {
		t.Fatalf("referrals: %v %v, want the first alone", l, err)
	}
}
