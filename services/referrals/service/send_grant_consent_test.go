package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestGrantUnderTheReferralsConsent: a consent recorded while a send is
// under way (after the send took the live consent, before the receiver's
// access is granted) does not become the grant's: the grant is made under
// the consent the referral records. So withdrawing that consent both ends
// the referral and the receiver's access to the person. Before, the
// beneficiaries service took the live consent again, the newer one, and
// the receiver kept reading the person after the referral was cancelled.
func TestGrantUnderTheReferralsConsent(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	first := s.consent(t, ctxA, benID, time.Time{})
	draft := s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL)

	bg := context.Background()
	watch := pgtest.Connect(t, s.url)
	// The grant (which holds the person's row FOR SHARE) waits; reading the
	// person and the consent before it does not.
	hold := pgtest.Locked(t, s.url, `SELECT 1 FROM beneficiaries.beneficiaries WHERE id = $1 FOR NO KEY UPDATE`, benID)
	send := pgtest.Go(func() error { _, err := s.do(ctxA, "send", draft.GetId()); return err })
	if err, returned := send.ReturnsOrWaits(t, watch); returned {
		t.Fatalf("the send did not wait for the person's row: %v", err)
	}
	// A second consent, recorded meanwhile: newer, and lasting as long.
	second := ids.New()
	if _, err := hold.Exec(bg, `INSERT INTO beneficiaries.consents (id, beneficiary_id, organisation_id, purpose, given_by, given_time)
		VALUES ($1, $2, $3, 'referral_sharing', 'self', now())`, second, benID, orgA); err != nil {
		t.Fatal(err)
	}
	if err := hold.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if err := send.Wait(); err != nil {
		t.Fatalf("send: %v", err)
	}
	r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: draft.GetId()})
	if err != nil || r.GetReferral().GetConsentId() != first {
		t.Fatalf("the referral records consent %q (%v), want %s", r.GetReferral().GetConsentId(), err, first)
	}

	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: benID, Id: first, Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ben.GetBeneficiary(ctxB, &benv1.GetBeneficiaryRequest{Id: benID}); status.Code(err) != codes.NotFound {
		t.Fatalf("the receiver reads the person after the referral's consent was withdrawn (err %v)", err)
	}
	eventually(t, "the referral ended with its consent", func() error {
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: draft.GetId()})
		if err != nil {
			return err
		}
		if g := r.GetReferral(); g.GetCloseReason() != "CONSENT_WITHDRAWN" {
			return fmt.Errorf("%v, close reason %q: %w", g.GetStatus(), g.GetCloseReason(), errStill)
		}
		return nil
	})
}
