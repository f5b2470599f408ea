package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
)

// TestDraftHasNoDueTime: a draft is due nowhere until it is sent (README:
// urgency sets due_time from sending). Before, a draft showed the due time
// it would have had if sent when drafted, in the answers, the list and its
// referral.created event: a draft kept a week read as due days ago (and
// not overdue). Sending sets it.
func TestDraftHasNoDueTime(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA := partner(t, orgA)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
	if r.GetDueTime() != nil {
		t.Fatalf("draft created with due_time %v", r.GetDueTime().AsTime())
	}
	got, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: r.GetId()})
	if err != nil || got.GetReferral().GetDueTime() != nil {
		t.Fatalf("draft read: due_time %v (%v)", got.GetReferral().GetDueTime(), err)
	}
	l, err := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{})
	if err != nil || len(l.GetReferrals()) != 1 || l.GetReferrals()[0].GetDueTime() != nil {
		t.Fatalf("draft listed: %v %v", l, err)
	}
	evs, _ := s.feedEvents(t, "")
	for _, ev := range evs {
		if ev.GetType() == "referral.created" {
			if _, ok := ev.GetData().GetFields()["due_time"]; ok {
				t.Fatalf("referral.created carries a due_time: %v", ev)
			}
		}
	}
	before := time.Now()
	sent := s.must(t, ctxA, "send", r.GetId())
	if due := sent.GetDueTime().AsTime(); sent.GetDueTime() == nil || due.Before(before.Add(72*time.Hour-time.Second)) {
		t.Fatalf("sent: due_time %v, want 72 h after sending", sent.GetDueTime())
	}
}
