package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TestActionsCheckConsentLive: the receiver's accept, start and complete ask
// the beneficiaries service at action time whether the grant made for the
// referral still holds; once the consent is withdrawn (or has expired) they
// are FAILED_PRECONDITION with the reason, at once, while ending the
// referral (decline, cancel) stays possible. A referral already completed
// keeps its status, but its receiver no longer reads the texts shared
// under the consent either.
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
	completed := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	for _, act := range []struct {
		ctx    context.Context
		action string
	}{{ctxA, "send"}, {ctxB, "accept"}, {ctxB, "start"}, {ctxB, "complete"}} {
		s.must(t, act.ctx, act.action, completed.GetId())
	}
	// Closed with free-text reasons before the withdrawal: cancelled by the
	// sender, declined by the receiver.
	cancelled := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", cancelled.GetId())
	s.must(t, ctxA, "cancel", cancelled.GetId())
	declined := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", declined.GetId())
	s.must(t, ctxB, "decline", declined.GetId())
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: consentID}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "completed referral's texts hidden from the receiver", func() error {
		r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: completed.GetId()})
		if err != nil {
			return err
		}
		if g := r.GetReferral(); g.GetReason() != "" || g.GetNotes() != "" || g.GetOutcome().GetNote() != "" {
			return fmt.Errorf("receiver reads %q / %q / %q: %w", g.GetReason(), g.GetNotes(), g.GetOutcome().GetNote(), errStill)
		}
		return nil
	})
	// A close reason is free text too: the receiver no longer reads it
	// (the sender still does).
	for _, id := range []string{cancelled.GetId(), declined.GetId()} {
		servicetest.Eventually(t, "close reason hidden from the receiver", func() error {
			r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: id})
			if err != nil {
				return err
			}
			if g := r.GetReferral(); g.GetCloseReason() != "" || g.GetCloseTime() == nil {
				return fmt.Errorf("receiver reads close reason %q, close time %v: %w", g.GetCloseReason(), g.GetCloseTime(), errStill)
			}
			return nil
		})
		if a, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id}); err != nil || a.GetReferral().GetCloseReason() == "" {
			t.Fatalf("sender's view of a closed referral: %v (%v)", a.GetReferral(), err)
		}
	}
	if l, err := s.ref.ListReferrals(ctxB, &pb.ListReferralsRequest{}); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range l.GetReferrals() {
			if r.GetCloseReason() != "" && r.GetCloseReason() != "CONSENT_WITHDRAWN" {
				t.Fatalf("receiver's list shows close reason %q of %s", r.GetCloseReason(), r.GetId())
			}
		}
	}
	if r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: completed.GetId()}); err != nil ||
		r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_COMPLETED ||
		r.GetReferral().GetOutcome().GetCode() != pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED {
		t.Fatalf("receiver's view of the completed referral lost its facts: %v (%v)", r.GetReferral(), err)
	}
	if a, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: completed.GetId()}); err != nil ||
		a.GetReferral().GetReason() == "" || a.GetReferral().GetOutcome().GetNote() == "" {
		t.Fatalf("sender's view of the completed referral: %v (%v)", a.GetReferral(), err)
	}
	if evs, err := s.ref.ListReferralEvents(ctxB, &pb.ListReferralEventsRequest{ReferralId: completed.GetId()}); err != nil {
		t.Fatal(err)
	} else {
		for _, e := range evs.GetEvents() {
			if e.GetNote() != "" {
				t.Fatalf("receiver still reads an event note of the completed referral: %v", e)
			}
		}
	}
	_, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID})
	statustest.Want(t, err, codes.NotFound, "receiver reads the person after withdrawal")
	for _, tc := range []struct{ action, id string }{{"accept", sent.GetId()}, {"start", accepted.GetId()}} {
		_, err := s.do(ctxB, tc.action, tc.id)
		statustest.Want(t, err, codes.FailedPrecondition, tc.action+" after withdrawal")
		if statustest.Reason(err) != "CONSENT_WITHDRAWN" {
			t.Fatalf("%s after withdrawal: reason %q (%v)", tc.action, statustest.Reason(err), err)
		}
	}
	// The referrals sent under the consent end, from the beneficiaries feed:
	// cancelled with the reason, seen by both parties, an event with the
	// reason as its note; the receiver keeps the facts but no longer the
	// texts shared under the consent.
	for _, id := range []string{sent.GetId(), accepted.GetId()} {
		servicetest.Eventually(t, "referral ended by the withdrawal", func() error {
			r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
			if err != nil {
				return err
			}
			if r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED {
				return errStill
			}
			return nil
		})
		a, _ := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
		b, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if a.GetReferral().GetCloseReason() != "CONSENT_WITHDRAWN" || a.GetReferral().GetReason() == "" {
			t.Fatalf("sender's view: %v", a.GetReferral())
		}
		if rb := b.GetReferral(); rb.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || rb.GetCloseReason() != "CONSENT_WITHDRAWN" ||
			rb.GetReason() != "" || rb.GetNotes() != "" {
			t.Fatalf("receiver's view: %v", rb)
		}
		for who, ctx := range map[string]context.Context{"sender": ctxA, "receiver": ctxB} {
			evs, err := s.ref.ListReferralEvents(ctx, &pb.ListReferralEventsRequest{ReferralId: id})
			if err != nil {
				t.Fatal(err)
			}
			last := evs.GetEvents()[len(evs.GetEvents())-1]
			if last.GetToStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || last.GetNote() != "CONSENT_WITHDRAWN" ||
				last.GetActorClientId() != "spona-referrals" {
				t.Fatalf("%s: last event %v", who, last)
			}
			if who == "receiver" {
				for _, e := range evs.GetEvents() {
					if e.GetNote() != "" && e.GetNote() != "CONSENT_WITHDRAWN" {
						t.Fatalf("receiver still reads an event note: %v", e)
					}
				}
			}
		}
		// Any further action says why.
		for _, act := range []struct {
			ctx    context.Context
			action string
		}{{ctxB, "accept"}, {ctxB, "decline"}, {ctxA, "cancel"}} {
			_, err := s.do(act.ctx, act.action, id)
			if status.Code(err) != codes.FailedPrecondition || statustest.Reason(err) != "CONSENT_WITHDRAWN" {
				t.Fatalf("%s after the end: %v", act.action, err)
			}
		}
	}
	evs, _ := servicetest.Events(t, s.conn, "")
	ended := 0
	for _, e := range evs {
		if e.GetType() == "referral.cancelled" && e.GetData().GetFields()["close_reason_code"].GetStringValue() == "CONSENT_WITHDRAWN" {
			ended++
		}
	}
	if ended != 2 {
		t.Fatalf("%d referral.cancelled events with CONSENT_WITHDRAWN, want 2", ended)
	}

	// Expiry: the same at the consent's expiry time.
	benID = s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Now().Add(time.Hour))
	r := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", r.GetId())
	expired(t, s, benID, r.GetId())
	_, err = s.do(ctxB, "accept", r.GetId())
	statustest.Want(t, err, codes.FailedPrecondition, "accept after expiry")
	if statustest.Reason(err) != "CONSENT_EXPIRED" {
		t.Fatalf("accept after expiry: reason %q (%v)", statustest.Reason(err), err)
	}
	servicetest.Eventually(t, "referral ended by the expiry", func() error {
		got, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: r.GetId()})
		if err != nil {
			return err
		}
		if g := got.GetReferral(); g.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || g.GetCloseReason() != "CONSENT_EXPIRED" {
			return fmt.Errorf("%v: %w", g.GetStatus(), errStill)
		}
		return nil
	})
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
	statustest.Want(t, err, codes.InvalidArgument, "read with a 201-character purpose")
}
