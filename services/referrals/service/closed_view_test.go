package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
)

// TestReceiverTextsEndWithTheReferral: the receiver's access to the person
// ends when the referral closes, and so does its reading of what the sender
// shared with it for the work: the reason, the notes and the note the
// referral was sent with. It keeps the facts, its own notes and the answer
// that closed the referral (a decline or cancel reason, the outcome note),
// which both parties read. The sender keeps reading everything.
func TestReceiverTextsEndWithTheReferral(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	ben := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, ben, time.Time{})
	const sendNote = "call her brother Karim on +381 64 111 2222 first"

	// texts returns what who reads of referral id: reason, notes, close
	// reason, outcome note (get and list agree), and the event notes.
	texts := func(c context.Context, id string) (fields [4]string, notes []string) {
		t.Helper()
		g, err := s.ref.GetReferral(c, &pb.GetReferralRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		r := g.GetReferral()
		fields = [4]string{r.GetReason(), r.GetNotes(), r.GetCloseReason(), r.GetOutcome().GetNote()}
		l, err := s.ref.ListReferrals(c, &pb.ListReferralsRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range l.GetReferrals() {
			if x.GetId() == id {
				if got := [4]string{x.GetReason(), x.GetNotes(), x.GetCloseReason(), x.GetOutcome().GetNote()}; got != fields {
					t.Fatalf("list shows %q, get %q", got, fields)
				}
			}
		}
		ev, err := s.ref.ListReferralEvents(c, &pb.ListReferralEventsRequest{ReferralId: id})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev.GetEvents() {
			notes = append(notes, e.GetNote())
		}
		return fields, notes
	}
	reason, notes := "asylum interview next week", "speaks Arabic; needs an interpreter"
	for _, tc := range []struct {
		path []string
		// What the receiver reads once closed.
		fields [4]string
		notes  []string
	}{
		{[]string{"B:decline"}, [4]string{"", "", "no capacity this month", ""},
			[]string{"", "", "no capacity this month"}},
		{[]string{"B:accept", "A:cancel"}, [4]string{"", "", "moved to Croatia", ""},
			[]string{"", "", "we will see them Monday", "moved to Croatia"}},
		{[]string{"B:accept", "B:start", "B:complete"}, [4]string{"", "", "", "represented at the interview"},
			[]string{"", "", "we will see them Monday", "", "represented at the interview"}},
	} {
		r := s.draft(t, ctxA, ben, orgB, pb.Urgency_URGENCY_NORMAL)
		if _, err := s.ref.SendReferral(ctxA, &pb.SendReferralRequest{Id: r.GetId(), Note: sendNote}); err != nil {
			t.Fatal(err)
		}
		if f, n := texts(ctxB, r.GetId()); f[0] != reason || f[1] != notes || !slices.Contains(n, sendNote) {
			t.Fatalf("%v: while open the receiver reads %q %q, want the reason, notes and the send note", tc.path, f, n)
		}
		var last *pb.Referral
		for _, step := range tc.path {
			c := ctxA
			if step[0] == 'B' {
				c = ctxB
			}
			last = s.must(t, c, step[2:], r.GetId())
		}
		if step := tc.path[len(tc.path)-1]; step[0] == 'B' && (last.GetReason() != "" || last.GetNotes() != "") {
			t.Errorf("%v: the receiver's closing answer shows the sender's reason %q and notes %q", tc.path, last.GetReason(), last.GetNotes())
		}
		if f, n := texts(ctxB, r.GetId()); f != tc.fields || !slices.Equal(n, tc.notes) {
			t.Errorf("%v: once closed the receiver reads %q and event notes %q, want %q and %q", tc.path, f, n, tc.fields, tc.notes)
		}
		if f, n := texts(ctxA, r.GetId()); f[0] != reason || f[1] != notes || !slices.Contains(n, sendNote) {
			t.Errorf("%v: the sender reads %q %q, want all of its texts", tc.path, f, n)
		}
	}
}
