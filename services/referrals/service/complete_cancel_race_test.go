package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestCompleteRacingCancel: the receiver's :complete with the assistance
// delivered and the sender's :cancel of the same referral in progress,
// in both orders, end consistently: the referral decides. A completion
// under way (its assistance being recorded) refuses the cancel
// (CONCURRENT_UPDATE; retried once the referral is completed,
// ILLEGAL_TRANSITION); a cancel that commits first makes the completion
// refuse (ILLEGAL_TRANSITION: it is cancelled) with no assistance
// recorded. Each order is forced: the assistance's record held back by a
// lock on its table, or the referral's row held while both calls queue
// for it.
// Before, the cancel committed while the completion recorded its
// assistance, so the person's record (and the donor's count of persons
// assisted) kept an assistance answering a referral that was cancelled,
// and the completion answered "concurrent update; retry".
func TestCompleteRacingCancel(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	watch := pgtest.Connect(t, s.url)
	const waiting = pgtest.WaitingSessions
	bg := context.Background()

	inProgress := func() string {
		return s.started(t, ctxA, ctxB, s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL).GetId()).GetId()
	}
	today := reportToday(t).String()
	complete := func(id string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: id,
				Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
				Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING,
					Date: today}})
			done <- err
		}()
		return done
	}
	cancel := func(id string) <-chan error {
		done := make(chan error, 1)
		go func() { _, err := s.do(ctxA, "cancel", id); done <- err }()
		return done
	}
	// outcome is the referral's status and the assistance the owner
	// reads (and a report counts) answering it.
	outcome := func(id string) (pb.ReferralStatus, int) {
		t.Helper()
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.ben.ListAssistances(ctxA, &benv1.ListAssistancesRequest{BeneficiaryId: benID})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range as.GetAssistances() {
			if a.GetReferralId() == id {
				n++
			}
		}
		return r.GetReferral().GetStatus(), n
	}

	// settle lets both calls go on and checks that winner's call
	// succeeded, leaving the referral in status want with n assistance
	// records answering it, and that loser's was refused (code, reason).
	settle := func(t *testing.T, hold pgx.Tx, id string, winner, loser <-chan error, want pb.ReferralStatus, n int, code codes.Code, reason, what string) {
		t.Helper()
		if err := hold.Rollback(bg); err != nil {
			t.Fatal(err)
		}
		errWinner, errLoser := <-winner, <-loser
		if st, got := outcome(id); errWinner != nil || st != want || got != n {
			t.Fatalf("first call: %v; the referral is %v with %d assistance records answering it", errWinner, st, got)
		}
		statustest.WantReason(t, errLoser, code, reason, what)
	}

	t.Run("cancel while the assistance is recorded", func(t *testing.T) {
		id := inProgress()
		hold := pgtest.Locked(t, s.url, `LOCK TABLE beneficiaries.assistances IN SHARE MODE`)
		completed := complete(id)
		pgtest.Until(t, watch, "the completion recording its assistance", `SELECT `+waiting+` >= 1`)
		// The cancel is answered, or commits (its revocation may then
		// wait for the record).
		cancelled := cancel(id)
		answered := make(chan error, 1)
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
			var committed bool
			select {
			case err := <-cancelled:
				answered <- err
				cancelled = answered
			default:
				if err := watch.QueryRow(bg, `SELECT EXISTS (SELECT 1 FROM referrals.referrals WHERE id = $1 AND status = 'cancelled')`, id).Scan(&committed); err != nil {
					t.Fatal(err)
				}
				if !committed && time.Now().Before(deadline) {
					continue
				}
			}
			break
		}
		settle(t, hold, id, completed, cancelled, pb.ReferralStatus_REFERRAL_STATUS_COMPLETED, 1,
			codes.Aborted, "CONCURRENT_UPDATE", "a cancel during the completion")
		_, err := s.do(ctxA, "cancel", id)
		statustest.WantReason(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION", "a cancel after the completion")
	})

	t.Run("complete after the cancel", func(t *testing.T) {
		id := inProgress()
		hold := pgtest.Locked(t, s.url, `SELECT 1 FROM referrals.referrals WHERE id = $1 FOR UPDATE`, id)
		cancelled := cancel(id)
		pgtest.Until(t, watch, "the cancel waiting", `SELECT `+waiting+` >= 1`)
		completed := complete(id)
		// The completion waits for the row behind the cancel (having
		// recorded its assistance, or not yet).
		pgtest.Until(t, watch, "the completion waiting", `SELECT `+waiting+` >= 2`)
		settle(t, hold, id, cancelled, completed, pb.ReferralStatus_REFERRAL_STATUS_CANCELLED, 0,
			codes.FailedPrecondition, "ILLEGAL_TRANSITION", "a completion after the cancel")
	})
}
