package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestWithdrawalDuringSend: a consent withdrawn while a send is under way
// (after the receiver's access was granted under it, before the send
// commits) still reaches the referral: it ends with CONSENT_WITHDRAWN and
// the receiver no longer reads its texts, as when the withdrawal comes
// after the send. Before, the withdrawal's event found no referral sent
// under the consent yet, and the referral stayed open, its reason and
// notes readable by the receiver for good.
func TestWithdrawalDuringSend(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	consentID := s.consent(t, ctxA, benID, time.Time{})
	// Sent under the consent before: its end shows when the withdrawal has
	// reached the referrals service.
	marker := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.must(t, ctxA, "send", marker.GetId())
	draft := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_HIGH)

	bg := context.Background()
	watch := pgtest.Connect(t, s.url)
	// The send's commit waits for the draft's row: the receiver's access is
	// granted by then.
	hold := pgtest.Locked(t, s.url, `SELECT 1 FROM referrals.referrals WHERE id = $1 FOR UPDATE`, draft.GetId())
	const waiting = pgtest.WaitingSessions
	sent := make(chan error, 1)
	go func() { _, err := s.do(ctxA, "send", draft.GetId()); sent <- err }()
	pgtest.Until(t, watch, "the send waiting to commit", `SELECT `+waiting+` >= 1`)
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: consentID, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	// The withdrawal reaches the referrals service: it ends the referral
	// sent before, or waits for the send under way.
	pgtest.Until(t, watch, "the withdrawal reaching the referrals service", `SELECT EXISTS (SELECT 1 FROM referrals.referrals
		WHERE id = $1 AND close_reason = 'CONSENT_WITHDRAWN') OR `+waiting+` >= 2`, marker.GetId())
	if err := hold.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Logf("send refused: %v", err)
	}
	eventually(t, "the referral sent during the withdrawal ended", func() error {
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: draft.GetId()})
		if err != nil {
			return err
		}
		g := r.GetReferral()
		if g.GetStatus() == pb.ReferralStatus_REFERRAL_STATUS_DRAFT {
			return nil // refused: nothing was shared
		}
		if g.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || g.GetCloseReason() != "CONSENT_WITHDRAWN" {
			return fmt.Errorf("%v, close reason %q: %w", g.GetStatus(), g.GetCloseReason(), errStill)
		}
		b, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: draft.GetId()})
		if err != nil {
			return err
		}
		if b.GetReferral().GetReason() != "" || b.GetReferral().GetNotes() != "" {
			return fmt.Errorf("the receiver reads %q / %q: %w", b.GetReferral().GetReason(), b.GetReferral().GetNotes(), errStill)
		}
		return nil
	})
	if r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: marker.GetId()}); err != nil || r.GetReferral().GetCloseReason() != "CONSENT_WITHDRAWN" {
		t.Fatalf("the referral sent before the withdrawal: %v (%v)", r.GetReferral(), err)
	}

	// The other order: the consent's end applied while the send was
	// granting access (here: recorded as ended although the beneficiaries
	// service still calls it live), then the send's commit. It is refused
	// and leaves nothing shared.
	live := s.consent(t, ctxA, benID, time.Time{})
	late := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)
	s.sql(t, `INSERT INTO referrals.ended_consents (consent_id, reason) VALUES ($1, 'CONSENT_WITHDRAWN')`, live)
	_, err := s.do(ctxA, "send", late.GetId())
	statustest.WantReason(t, err, codes.FailedPrecondition, "CONSENT_REQUIRED", "a send under a consent that ended meanwhile")
	if r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: late.GetId()}); err != nil ||
		r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_DRAFT {
		t.Fatalf("the refused send left %v (%v)", r.GetReferral().GetStatus(), err)
	}
	if _, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: late.GetId()}); status.Code(err) != codes.NotFound {
		t.Fatalf("the receiver of the refused send: %v", err)
	}
	if _, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID}); status.Code(err) != codes.NotFound {
		t.Fatalf("the receiver reads the person after the refused send: %v", err)
	}
}
