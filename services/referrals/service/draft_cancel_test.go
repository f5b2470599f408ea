package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestSenderCancelsDraft: a draft made by mistake is cancelled by its
// sender (before, :cancel of a draft was ILLEGAL_TRANSITION and a draft
// stayed forever). It is recorded as a transition with the sender as
// actor and the reason as note, emitted as referral.draft_cancelled to
// the sender only; the receiver, who never saw the draft, does not see it
// cancelled either (not read, listed, nor told). A draft naming a consent
// that ended since is cancelled too. Nothing is done to a cancelled draft
// any more, and the receiver cannot cancel a draft it does not see.
func TestSenderCancelsDraft(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	consent := s.consent(t, ctxA, benID, time.Time{})
	d := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)
	_, err := s.ref.CancelReferral(ctxB, &pb.CancelReferralRequest{Id: d.GetId(), Reason: "not ours"})
	statustest.Want(t, err, codes.NotFound, "the receiver cancels a draft it never saw")

	out, err := s.ref.CancelReferral(ctxA, &pb.CancelReferralRequest{Id: d.GetId(), Reason: "made by mistake", Etag: d.GetEtag()})
	if err != nil {
		t.Fatalf("the sender cancels its draft: %v", err)
	}
	r := out.GetReferral()
	if r.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || r.GetCloseReason() != "made by mistake" ||
		r.GetCloseTime() == nil || r.GetSendTime() != nil || r.GetDueTime() != nil {
		t.Fatalf("cancelled draft: %v", r)
	}
	for _, action := range []string{"send", "cancel"} {
		_, err := s.do(ctxA, action, d.GetId())
		statustest.WantReason(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION", action+" a cancelled draft")
	}
	evs, err := s.ref.ListReferralEvents(ctxA, &pb.ListReferralEventsRequest{ReferralId: d.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	last := evs.GetEvents()[len(evs.GetEvents())-1]
	if len(evs.GetEvents()) != 2 || last.GetFromStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT ||
		last.GetToStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || last.GetActorOrganisationId() != orgA ||
		last.GetNote() != "made by mistake" {
		t.Fatalf("events of the cancelled draft: %v", evs.GetEvents())
	}

	// A draft naming the consent, which is withdrawn before it is sent.
	naming, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: benID,
		ToOrganisationId: orgB, Category: pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH, ConsentId: consent}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: consent, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	// The withdrawal reaches the referrals service (recorded as ended).
	eventually(t, "the withdrawal recorded", func() error {
		conn, err := pgx.Connect(context.Background(), s.url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM referrals.ended_consents WHERE consent_id = $1`, consent).Scan(&n); err != nil || n == 0 {
			return fmt.Errorf("%d %v: %w", n, err, errStill)
		}
		return nil
	})
	if r := s.must(t, ctxA, "cancel", naming.GetReferral().GetId()); r.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED {
		t.Fatalf("a draft naming a withdrawn consent: %v", r)
	}

	// The receiver sees neither, nor any event of them.
	for _, id := range []string{d.GetId(), naming.GetReferral().GetId()} {
		_, err = s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: id})
		statustest.Want(t, err, codes.NotFound, "the receiver reads a cancelled draft")
		_, err = s.ref.ListReferralEvents(ctxB, &pb.ListReferralEventsRequest{ReferralId: id})
		statustest.Want(t, err, codes.NotFound, "the receiver lists a cancelled draft's events")
	}
	for _, f := range []*pb.ListReferralsRequest{{}, {Direction: pb.Direction_DIRECTION_INCOMING},
		{Status: pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}, {Direction: pb.Direction_DIRECTION_INCOMING, Status: pb.ReferralStatus_REFERRAL_STATUS_CANCELLED}} {
		l, err := s.ref.ListReferrals(ctxB, f)
		if err != nil || len(l.GetReferrals()) != 0 {
			t.Fatalf("the receiver's list %v: %v %v", f, l.GetReferrals(), err)
		}
		if l, err := s.ref.ListReferrals(ctxA, f); err != nil || (f.GetDirection() != pb.Direction_DIRECTION_INCOMING && len(l.GetReferrals()) != 2) {
			t.Fatalf("the sender's list %v: %v %v", f, l.GetReferrals(), err)
		}
	}
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT type, organisation_ids::text[] FROM referrals.outbox
		WHERE aggregate_id = $1 ORDER BY id`, d.GetId())
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		typ  string
		orgs []string
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ev, error) {
		var e ev
		return e, r.Scan(&e.typ, &e.orgs)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].typ != "referral.draft_cancelled" || !slices.Equal(got[1].orgs, []string{orgA}) {
		t.Fatalf("events of the cancelled draft %+v, want referral.created and referral.draft_cancelled, to the sender only", got)
	}
}
