package service_test

import (
	"context"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
)

// TestSystemEndNamesNoOrganisation: a referral ended by the system (the
// consent it was sent under withdrawn) records its transition to
// cancelled with no organisation as actor and client spona-referrals,
// for both parties; so do such events stored before the upgrade
// (migration 31). Before, the sender's organisation was named as the
// actor, as if it had cancelled the referral itself.
func TestSystemEndNamesNoOrganisation(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	consentID := s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())
	s.must(t, ctxB, "accept", r.GetId())
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: consentID, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the referral ended by the withdrawal", func() error {
		g, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
		if err != nil {
			return err
		}
		if g.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED {
			return errStill
		}
		return nil
	})
	check := func(t *testing.T, ref pb.ReferralServiceClient, when string) {
		t.Helper()
		for who, ctx := range map[string]context.Context{"sender": ctxA, "receiver": ctxB} {
			evs, err := ref.ListReferralEvents(ctx, &pb.ListReferralEventsRequest{ReferralId: r.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			var actors []string
			for _, e := range evs.GetEvents() {
				actors = append(actors, e.GetToStatus().String()+" by "+map[string]string{orgA: "sender", orgB: "receiver", "": "no organisation"}[e.GetActorOrganisationId()]+" "+e.GetActorClientId())
			}
			last := evs.GetEvents()[len(evs.GetEvents())-1]
			if last.GetNote() != "CONSENT_WITHDRAWN" || last.GetActorOrganisationId() != "" || last.GetActorClientId() != "spona-referrals" {
				t.Errorf("%s, the %s's events: %q", when, who, actors)
			}
		}
	}
	check(t, s.ref, "ended now")

	// As stored before: the sender named.
	s.sql(t, `UPDATE referrals.referral_events SET organisation_id = $2 WHERE referral_id = $1 AND client_id = 'spona-referrals'`, r.GetId(), orgA)
	check(t, pb.NewReferralServiceClient(s.upgraded(t, 31)), "stored before the upgrade")
}
