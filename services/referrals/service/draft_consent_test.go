package service_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestDraftOutlivesTheConsentItNames: the consent id a draft names is the
// caller's; sending takes the live consent. So a draft naming a consent
// that is withdrawn (or expires) before it is sent shared nothing under it
// and is not ended by it: it is sent once a live consent is recorded, under
// that one. Drafts recorded as ended that way before migration 00022 can
// be sent again after it.
func TestDraftOutlivesTheConsentItNames(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, orgA)
	benID := s.beneficiary(t, ctxA)
	first := s.consent(t, ctxA, benID, time.Time{})
	naming := func() string {
		t.Helper()
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: benID, ToOrganisationId: orgB, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH,
			ConsentId: first, Reason: "needs a dentist"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetReferral().GetId()
	}
	draft, old := naming(), naming()
	// Sent under the first consent: its end shows when the withdrawal has
	// reached the referrals service.
	sent := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", sent.GetId())
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: first, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the sent referral ended by the withdrawal", func() error {
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: sent.GetId()})
		if err != nil {
			return err
		}
		if r.GetReferral().GetCloseReason() != "CONSENT_WITHDRAWN" {
			return fmt.Errorf("close reason %q: %w", r.GetReferral().GetCloseReason(), errStill)
		}
		return nil
	})
	second := s.consent(t, ctxA, benID, time.Time{})
	out, err := s.do(ctxA, "send", draft)
	if err != nil {
		t.Fatalf("sending the draft under the new live consent: %v", err)
	}
	if out.GetConsentId() != second || out.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_SENT {
		t.Fatalf("sent %v under consent %s, want %s", out.GetStatus(), out.GetConsentId(), second)
	}

	// A draft recorded as ended by the consent it named, before the fix.
	s.sql(t, `UPDATE referrals.referrals SET consent_end_reason = 'CONSENT_WITHDRAWN' WHERE id = $1`, old)
	again := &stack{ref: pb.NewReferralServiceClient(s.upgraded(t, 22))}
	if out, err := again.do(ctxA, "send", old); err != nil || out.GetConsentId() != second {
		t.Fatalf("sending a draft ended before migration 00022: %v (consent %s)", err, out.GetConsentId())
	}
}

// TestDraftNamesOnlyTheLiveSharingConsent: a consent_id given with a draft
// is the consent it is to be sent under, the person's live referral_sharing
// consent; a photo consent, a withdrawn one or another person's is refused
// as a mistake of that field, not stored on the draft (where it read as the
// consent the referral was made under).
func TestDraftNamesOnlyTheLiveSharingConsent(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, orgA)
	ben, other := s.beneficiary(t, ctxA), s.beneficiary(t, ctxA)
	withdrawn := s.consent(t, ctxA, ben, time.Time{})
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: ben, Id: withdrawn, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	photo, err := s.ben.CreateConsent(ctxA, &benv1.CreateConsentRequest{BeneficiaryId: ben, Consent: &benv1.Consent{
		Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}})
	if err != nil {
		t.Fatal(err)
	}
	othersLive := s.consent(t, ctxA, other, time.Time{})
	create := func(consentID string) (*pb.Referral, error) {
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{
			BeneficiaryId: ben, ToOrganisationId: orgB, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH, ConsentId: consentID}})
		return r.GetReferral(), err
	}
	refused := func(when string) {
		t.Helper()
		for name, id := range map[string]string{"withdrawn": withdrawn, "photo": photo.GetConsent().GetId(), "another person's": othersLive} {
			_, err := create(id)
			statustest.Want(t, err, codes.InvalidArgument, name+" "+when)
			if !slices.Contains(statustest.Violations(err), "referral.consent_id") {
				t.Fatalf("%s %s: violations %v, want one on referral.consent_id", name, when, statustest.Violations(err))
			}
		}
	}
	refused("with no live consent")
	live := s.consent(t, ctxA, ben, time.Time{})
	refused("beside the live one")
	for _, id := range []string{live, ""} {
		r, err := create(id)
		if err != nil || r.GetConsentId() != id {
			t.Fatalf("draft naming %q: %v %v", id, r, err)
		}
	}
}
