package service_test

import (
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestSendChecksServiceAccepting: a draft to a directory service is sent
// only while the service accepts referrals, as one is created only then;
// a service that stopped accepting them after the draft was made is
// FAILED_PRECONDITION (SERVICE_NOT_ACCEPTING_REFERRALS) on sending, the
// referral stays a draft and the receiver gets no access to the person,
// and it can be sent once the service accepts referrals again.
func TestSendChecksServiceAccepting(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	svc := s.team(t, ctxB, b, "Team", "Obrenovac")
	ben := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, ben, time.Time{})
	created, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: b,
		ToServiceId: svc.GetId(), Category: pb.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL, Reason: "sleeps badly since the crossing"}})
	if err != nil {
		t.Fatal(err)
	}
	r := created.GetReferral()
	accepting := func(on bool) {
		t.Helper()
		cur, err := s.dir.GetService(ctxB, &pb.GetServiceRequest{Id: svc.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.dir.UpdateService(ctxB, &pb.UpdateServiceRequest{Service: &pb.Service{Id: svc.GetId(), Etag: cur.GetService().GetEtag(),
			AcceptingReferrals: on}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"accepting_referrals"}}}); err != nil {
			t.Fatal(err)
		}
	}
	accepting(false)
	_, err = s.do(ctxA, "send", r.GetId())
	statustest.WantReason(t, err, codes.FailedPrecondition, "SERVICE_NOT_ACCEPTING_REFERRALS", "sending to a service no longer accepting referrals")
	got, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
	if err != nil || got.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT {
		t.Fatalf("after the refused send: %v %v", got, err)
	}
	_, err = s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: ben})
	statustest.Want(t, err, codes.NotFound, "the receiver reading the person of a draft")
	accepting(true)
	if sent := s.must(t, ctxA, "send", r.GetId()); sent.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_SENT {
		t.Fatalf("sent: %v", sent)
	}
}
