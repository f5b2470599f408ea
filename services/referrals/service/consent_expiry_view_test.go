package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
)

// TestReceiverTextsEndAtConsentExpiry: the receiver stops reading the texts
// shared under a referral_sharing consent (reason, notes, outcome note,
// event notes) at the consent's expiry time itself, as its access to the
// person stops then; not only once the expiry sweep has run and its
// consent.expired reached the referrals service (here the sweep never
// runs: a sweep that is behind, or a beneficiaries service that is down).
// The sender keeps reading them.
func TestReceiverTextsEndAtConsentExpiry(t *testing.T) {
	s := start(t, func(c *beneficiaries.Config) { c.ConsentExpiryInterval = 0 })
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	ben := s.beneficiary(t, ctxA)
	// An expiry far enough ahead for the steps before it on any machine;
	// then time passes (below), as the other expiry tests make it pass.
	s.consent(t, ctxA, ben, time.Now().Add(time.Hour))
	r := s.draft(t, ctxA, ben, b, pb.Urgency_URGENCY_HIGH)
	s.must(t, ctxA, "send", r.GetId())
	s.must(t, ctxB, "accept", r.GetId())

	texts := func(who string) (got []string) {
		t.Helper()
		c := ctxA
		if who == "receiver" {
			c = ctxB
		}
		g, err := s.ref.GetReferral(c, &pb.GetReferralRequest{Id: r.GetId()})
		if err != nil {
			t.Fatalf("%s get: %v", who, err)
		}
		got = append(got, g.GetReferral().GetReason(), g.GetReferral().GetNotes())
		l, err := s.ref.ListReferrals(c, &pb.ListReferralsRequest{})
		if err != nil || len(l.GetReferrals()) != 1 {
			t.Fatalf("%s list: %v %v", who, l, err)
		}
		got = append(got, l.GetReferrals()[0].GetReason(), l.GetReferrals()[0].GetNotes())
		ev, err := s.ref.ListReferralEvents(c, &pb.ListReferralEventsRequest{ReferralId: r.GetId()})
		if err != nil {
			t.Fatalf("%s events: %v", who, err)
		}
		for _, e := range ev.GetEvents() {
			if e.GetNote() != "" {
				got = append(got, e.GetNote())
			}
		}
		return got
	}
	count := func(xs []string) (n int) {
		for _, x := range xs {
			if x != "" {
				n++
			}
		}
		return n
	}
	if before := texts("receiver"); count(before) != 5 {
		t.Fatalf("before the expiry the receiver reads %q, want reason and notes twice and the accept note", before)
	}
	expired(t, s, ben, r.GetId())
	if after := texts("receiver"); count(after) != 0 {
		t.Errorf("after the consent expired the receiver still reads %q", after)
	}
	if sender := texts("sender"); count(sender) != 5 {
		t.Errorf("the sender reads %q, want its texts", sender)
	}
}
