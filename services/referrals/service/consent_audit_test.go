package service_test

import (
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// TestActionsCheckConsentLive: the receiver's accept, start and complete ask
// the beneficiaries service at action time whether the grant made for the
// referral still holds; once the consent is withdrawn (or has expired) they
// are FAILED_PRECONDITION with the reason, at once, while ending the
// referral (decline, cancel) stays possible.
func TestActionsCheckConsentLive(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)

	benID := s.beneficiary(t, ctxA)
	consentID := s.consent(t, ctxA, benID, time.Time{})
	sent := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", sent.GetId())
	accepted := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
	s.must(t, ctxA, "send", accepted.GetId())
	s.must(t, ctxB, "accept", accepted.GetId())
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: consentID}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
	wantCode(t, err, codes.NotFound, "receiver reads the person after withdrawal")
	for _, tc := range []struct{ action, id string }{{"accept", sent.GetId()}, {"start", accepted.GetId()}} {
		_, err := s.do(ctxB, tc.action, tc.id)
		wantCode(t, err, codes.FailedPrecondition, tc.action+" after withdrawal")
		if reason(err) != "CONSENT_WITHDRAWN" {
			t.Fatalf("%s after withdrawal: reason %q (%v)", tc.action, reason(err), err)
		}
	}
	s.must(t, ctxB, "decline", sent.GetId())
	s.must(t, ctxA, "cancel", accepted.GetId())

	// Expiry: the same at the consent's expiry time.
	benID = s.beneficiary(t, ctxA)
	expiry := time.Now().Add(1500 * time.Millisecond)
	s.consent(t, ctxA, benID, expiry)
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())
	time.Sleep(time.Until(expiry) + 50*time.Millisecond)
	_, err = s.do(ctxB, "accept", r.GetId())
	wantCode(t, err, codes.FailedPrecondition, "accept after expiry")
	if reason(err) != "CONSENT_EXPIRED" {
		t.Fatalf("accept after expiry: reason %q (%v)", reason(err), err)
	}
}

// TestReferralReadsAudited: every response carrying a referral's reason,
// notes or event notes is recorded in the beneficiary owner's audit log,
// naming the reader, the referral and the purpose it declared.
func TestReferralReadsAudited(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())

	why := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", "intake assessment")
	if _, err := s.ref.GetReferral(why, &pb.GetReferralRequest{Id: r.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ref.ListReferrals(why, &pb.ListReferralsRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ref.ListReferralEvents(why, &pb.ListReferralEventsRequest{ReferralId: r.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ref.AcceptReferral(why, &pb.AcceptReferralRequest{Id: r.GetId()}); err != nil {
		t.Fatal(err)
	}
	log, err := s.ben.ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: benID, ActorOrganisationId: orgB})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range log.GetAuditEvents() {
		if e.GetResource() != "referrals/"+r.GetId() {
			continue
		}
		if e.GetPurpose() != "intake assessment" || e.GetActorClientId() != "test" || len(e.GetFields()) == 0 {
			t.Fatalf("audit event: %v", e)
		}
		got[e.GetAction()] = true
	}
	for _, want := range []string{"referral.read", "referral.list", "referral.events", "referral.accept"} {
		if !got[want] {
			t.Errorf("no %s by the receiver in the owner's audit log: %v", want, log.GetAuditEvents())
		}
	}
	// The sender's own reads are recorded too ("-": all its beneficiaries).
	all, err := s.ben.ListAuditEvents(ctxA, &benv1.ListAuditEventsRequest{BeneficiaryId: "-", ActorOrganisationId: orgA})
	if err != nil {
		t.Fatal(err)
	}
	var created bool
	for _, e := range all.GetAuditEvents() {
		created = created || (e.GetAction() == "referral.create" && e.GetResource() == "referrals/"+r.GetId())
	}
	if !created {
		t.Fatalf("the sender's create is not in its audit log: %v", all.GetAuditEvents())
	}
	// A purpose that is not acceptable is refused before anything is read.
	bad := metadata.AppendToOutgoingContext(ctxB, "x-spona-purpose", strings.Repeat("x", 201))
	_, err = s.ref.GetReferral(bad, &pb.GetReferralRequest{Id: r.GetId()})
	wantCode(t, err, codes.InvalidArgument, "read with a 201-character purpose")
}
