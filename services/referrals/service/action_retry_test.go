package service_test

import (
	"context"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// act takes action on referral id as ctx, with etag and the action's text
// (a decline's or cancel's reason, a completion's outcome note, the
// others' note).
func (s *stack) act(ctx context.Context, action, id, etag, text string) (*pb.Referral, error) {
	type answer interface{ GetReferral() *pb.Referral }
	var r answer
	var err error
	switch action {
	case "send":
		r, err = s.ref.SendReferral(ctx, &pb.SendReferralRequest{Id: id, Etag: etag, Note: text})
	case "accept":
		r, err = s.ref.AcceptReferral(ctx, &pb.AcceptReferralRequest{Id: id, Etag: etag, Note: text})
	case "decline":
		r, err = s.ref.DeclineReferral(ctx, &pb.DeclineReferralRequest{Id: id, Etag: etag, Reason: text})
	case "start":
		r, err = s.ref.StartReferral(ctx, &pb.StartReferralRequest{Id: id, Etag: etag, Note: text})
	case "complete":
		r, err = s.ref.CompleteReferral(ctx, &pb.CompleteReferralRequest{Id: id, Etag: etag,
			Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_PARTIALLY_PROVIDED, Note: text}})
	case "cancel":
		r, err = s.ref.CancelReferral(ctx, &pb.CancelReferralRequest{Id: id, Etag: etag, Reason: text})
	default:
		panic("unknown action " + action)
	}
	if err != nil {
		return nil, err
	}
	return r.GetReferral(), nil
}

// TestActionsRetriedAfterLostAnswer: every action of the state machine
// (send, accept, decline, start, complete, cancel, and the cancel of a
// draft), sent again by the party that took it after its answer was lost
// (the connection cut after the commit, a 5xx that released its
// Idempotency-Key at the edge, a client sending none), with the text it
// was first sent with and the etag it was read with, or none, is answered
// as the first attempt was: OK, the referral as it is (same etag);
// nothing changes: no new transition, no second event on the referrals
// feed, and the retry is audited as a read of the referral, not as the
// action again. The other party sending it, another action of the same
// party, another text, an etag of a version the referral never had, are
// refused as before (ILLEGAL_TRANSITION); a malformed etag is a bad
// request. Before, every retry but the completion's was 400
// ILLEGAL_TRANSITION, which told the client its action had failed.
func TestActionsRetriedAfterLostAnswer(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctx := map[string]context.Context{"A": partner(t, a), "B": partner(t, b)}
	other := map[string]string{"A": "B", "B": "A"}
	person := s.beneficiary(t, ctx["A"])
	s.consent(t, ctx["A"], person, time.Time{})
	_, cursor := s.feedEvents(t, "")

	type step struct{ by, action, text string }
	paths := map[string][]step{
		"sent, accepted, started, completed": {{"A", "send", "urgent: interview on Monday"}, {"B", "accept", "we will see them Monday"},
			{"B", "start", ""}, {"B", "complete", "two of three sessions"}},
		"sent, declined":      {{"A", "send", ""}, {"B", "decline", "no capacity this month"}},
		"sent, cancelled":     {{"A", "send", ""}, {"B", "accept", ""}, {"A", "cancel", "moved to Croatia"}},
		"a cancelled draft":   {{"A", "cancel", "made by mistake"}},
		"started, cancelled":  {{"A", "send", ""}, {"B", "accept", ""}, {"B", "start", "first session booked"}, {"A", "cancel", "left the centre"}},
		"accepted, cancelled": {{"A", "send", "note"}, {"B", "accept", "note"}, {"A", "cancel", "note"}},
	}
	// otherOf is an action of the same party that is not legal once
	// action has been taken (a sent referral's sender may still cancel
	// it: a change, not a refusal).
	otherOf := map[string]string{"accept": "decline", "decline": "accept", "start": "accept", "complete": "start", "cancel": "send"}
	taken := map[string]int{} // action -> times taken for real
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			before := s.draft(t, ctx["A"], person, b, pb.Urgency_URGENCY_NORMAL)
			id := before.GetId()
			for _, st := range path {
				first, err := s.act(ctx[st.by], st.action, id, before.GetEtag(), st.text)
				if err != nil {
					t.Fatalf("%s: %v", st.action, err)
				}
				taken[st.action]++
				n := len(s.referralEvents(t, ctx["A"], id))
				for what, etag := range map[string]string{"as first sent": before.GetEtag(), "without etag": ""} {
					again, err := s.act(ctx[st.by], st.action, id, etag, st.text)
					if err != nil {
						t.Fatalf("%s retried %s: %v", st.action, what, err)
					}
					if again.GetEtag() != first.GetEtag() || again.GetStatus() != first.GetStatus() ||
						again.GetCloseReason() != first.GetCloseReason() || again.GetOutcome().GetNote() != first.GetOutcome().GetNote() {
						t.Fatalf("%s retried %s: %v, want the first answer %v", st.action, what, again, first)
					}
				}
				type refusal struct{ by, action, etag, text string }
				refusals := map[string]refusal{
					"by the other party":        {other[st.by], st.action, "", st.text},
					"with another text":         {st.by, st.action, "", st.text + " (again)"},
					"with an etag it never had": {st.by, st.action, `W/"99"`, st.text},
				}
				if o := otherOf[st.action]; o != "" {
					refusals["another action of the same party"] = refusal{st.by, o, "", st.text}
				}
				for what, r := range refusals {
					_, err := s.act(ctx[r.by], r.action, id, r.etag, r.text)
					if statustest.Code(err) == codes.NotFound && r.by == "B" && first.GetSendTime() == nil {
						continue // a draft the receiver never saw
					}
					statustest.WantReason(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION", st.action+" "+what)
				}
				_, err = s.act(ctx[st.by], st.action, id, "5", st.text)
				statustest.Want(t, err, codes.InvalidArgument, st.action+" retried with a malformed etag")
				if got := len(s.referralEvents(t, ctx["A"], id)); got != n {
					t.Fatalf("%s: %d transitions after the retries, want %d", st.action, got, n)
				}
				before = first
			}
		})
	}

	// The referrals feed tells each action once.
	evs, _ := s.feedEvents(t, cursor)
	told := map[string]int{}
	for _, e := range evs {
		told[e.GetAggregateId()+" "+e.GetType()]++
	}
	for k, n := range told {
		if n != 1 {
			t.Errorf("%s told %d times on the referrals feed", k, n)
		}
	}
	byType := map[string]int{}
	for _, e := range evs {
		byType[e.GetType()]++
	}
	want := map[string]int{"referral.created": len(paths), "referral.sent": taken["send"], "referral.accepted": taken["accept"],
		"referral.declined": taken["decline"], "referral.started": taken["start"], "referral.completed": taken["complete"],
		"referral.cancelled": taken["cancel"] - 1, "referral.draft_cancelled": 1}
	for typ, n := range want {
		if byType[typ] != n {
			t.Errorf("%d %s on the referrals feed, want %d (feed: %v)", byType[typ], typ, n, byType)
		}
	}

	// Audited: each action once as itself, each retry as a read.
	for by, org := range map[string]string{"A": a, "B": b} {
		audited := map[string]int{}
		for token := ""; ; {
			log, err := s.ben.ListAuditEvents(ctx["A"], &benv1.ListAuditEventsRequest{BeneficiaryId: person, ActorOrganisationId: org,
				PageSize: 100, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range log.GetAuditEvents() {
				audited[e.GetAction()]++
			}
			if token = log.GetNextPageToken(); token == "" {
				break
			}
		}
		for _, st := range []string{"send", "accept", "decline", "start", "complete", "cancel"} {
			n := 0
			for _, path := range paths {
				for _, p := range path {
					if p.by == by && p.action == st {
						n++
					}
				}
			}
			if audited["referral."+st] != n {
				t.Errorf("%s's %s audited %d times, want %d (audit: %v)", by, st, audited["referral."+st], n, audited)
			}
		}
	}
}

// referralEvents lists the transitions of referral id as ctx sees them.
func (s *stack) referralEvents(t *testing.T, ctx context.Context, id string) []*pb.ReferralEvent {
	t.Helper()
	r, err := s.ref.ListReferralEvents(ctx, &pb.ListReferralEventsRequest{ReferralId: id, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetEvents()
}
