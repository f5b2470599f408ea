package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestGranteeAccessFollowsMerge: the receiver of a referral about a record
// merged since into another asks (as the referrals service does before it
// lets the receiver act, until it has repointed the referral at the
// survivor) about its grant under the merged record's id: the merge moved
// the grant, and the consent it was made under, to the survivor, so the
// grant is live, and once that consent is withdrawn it ended for that
// reason. It was NotFound, which the referrals service reads as
// GRANT_REVOKED: the receiver was told its access had ended and could not
// accept or complete the referral.
func TestGranteeAccessFollowsMerge(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	checkB := servicetest.As(t, orgB, auth.ScopeAccessCheck)
	dup := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadad", BirthYear: 1994})
	survivor := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad", BirthYear: 1994})
	cons, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: dup.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: dup.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MergeBeneficiaries(ctxA, &pb.MergeBeneficiariesRequest{Id: survivor.GetId(), DuplicateId: dup.GetId()}); err != nil {
		t.Fatal(err)
	}
	r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: dup.GetId(), SourceId: "ref-1"})
	if err != nil || r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_GRANTED || r.GetConsentId() != cons.GetConsent().GetId() {
		t.Fatalf("B's grant asked by the merged record's id: %v %v, want granted under consent %s", r, err, cons.GetConsent().GetId())
	}
	if _, err := c.WithdrawConsent(ctxA, &pb.WithdrawConsentRequest{BeneficiaryId: survivor.GetId(), Id: cons.GetConsent().GetId()}); err != nil {
		t.Fatal(err)
	}
	r, err = c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: dup.GetId(), SourceId: "ref-1"})
	if err != nil || r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_UNSPECIFIED || r.GetEndedReason() != "CONSENT_WITHDRAWN" {
		t.Fatalf("after the withdrawal: %v %v, want ended CONSENT_WITHDRAWN", r, err)
	}
}
