package service_test

import (
	"strings"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestReferralOfAMergedRecordSaysSo: a referral drafted with the id of a
// record merged into another (a partner's system still holding the
// duplicate's id) is refused as the beneficiaries service refuses that id
// (FAILED_PRECONDITION, BENEFICIARY_MERGED, naming the survivor), not an
// internal error; with the survivor's id it is drafted.
func TestReferralOfAMergedRecordSaysSo(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, a)
	survivor, dup := s.beneficiary(t, ctxA), s.beneficiary(t, ctxA)
	if _, err := s.ben.MergeBeneficiaries(ctxA, &benv1.MergeBeneficiariesRequest{Id: survivor, DuplicateId: dup}); err != nil {
		t.Fatal(err)
	}
	refer := func(ben string) error {
		_, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: ben, ToOrganisationId: b, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL}})
		return err
	}
	err := refer(dup)
	statustest.WantReason(t, err, codes.FailedPrecondition, "BENEFICIARY_MERGED", "a referral of the merged record")
	if !strings.Contains(err.Error(), survivor) {
		t.Errorf("the refusal does not name the survivor %s: %v", survivor, err)
	}
	if err := refer(survivor); err != nil {
		t.Fatalf("a referral of the survivor: %v", err)
	}
}
