package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// secret is what a caseworker might write about the person after the
// erasure.
const secret = "Amir Hadžić lives at Ulica 5, HIV positive"

// texts counts the referrals of beneficiary id and their events that hold
// text other than the system's codes.
func texts(t *testing.T, conn *pgx.Conn, id string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM referrals.referrals WHERE beneficiary_id = $1
				AND (reason <> '' OR notes <> '' OR outcome_note <> '' OR close_reason NOT IN ('', 'BENEFICIARY_ERASED')))
			+ (SELECT count(*) FROM referrals.referral_events e JOIN referrals.referrals r ON r.id = e.referral_id
				WHERE r.beneficiary_id = $1 AND e.note NOT IN ('', 'BENEFICIARY_ERASED'))`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantErased fails unless err refuses an action because the person was erased.
func wantErased(t *testing.T, err error, what string) {
	t.Helper()
	if statustest.Code(err) != codes.FailedPrecondition || statustest.Reason(err) != "BENEFICIARY_ERASED" {
		t.Errorf("%s: %v, want FAILED_PRECONDITION BENEFICIARY_ERASED", what, err)
	}
}

// TestNoTextAboutErasedPerson: once a person is erased, referrals hold no
// text about them and take none (audit finding: a new referral about an
// erased person was created with its reason and notes, and a cancel or
// decline reason written on their open referrals afterwards stayed). Their
// open referrals are cancelled with BENEFICIARY_ERASED (close reason and
// event note, referral.cancelled), every action on any of their referrals
// is refused with that reason, and so is a new referral.
func TestNoTextAboutErasedPerson(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	ben := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, ben, zeroTime)
	draft := s.draft(t, ctxA, ben, b, pb.Urgency_URGENCY_HIGH).GetId()
	sent := func() string {
		return s.must(t, ctxA, "send", s.draft(t, ctxA, ben, b, pb.Urgency_URGENCY_HIGH).GetId()).GetId()
	}
	r1, r2, r3, done := sent(), sent(), sent(), sent()
	s.must(t, ctxB, "accept", r3)
	s.must(t, ctxB, "start", r3)
	s.must(t, ctxB, "accept", done)
	s.must(t, ctxB, "start", done)
	s.must(t, ctxB, "complete", done)

	if _, err := s.ben.EraseBeneficiary(ctxA, &benv1.EraseBeneficiaryRequest{Id: ben}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{r1, r2, r3} {
		eventually(t, "referral "+id+" ended", func() error {
			r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
			if err != nil {
				return err
			}
			if x := r.GetReferral(); x.GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || x.GetCloseReason() != "BENEFICIARY_ERASED" {
				return fmt.Errorf("%v: %w", x, errStill)
			}
			return nil
		})
	}
	if r, err := s.ref.GetReferral(ctxB, &pb.GetReferralRequest{Id: done}); err != nil ||
		r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_COMPLETED {
		t.Fatalf("the completed referral: %v %v", r, err)
	}

	_, err := s.ref.CancelReferral(ctxA, &pb.CancelReferralRequest{Id: r1, Reason: secret})
	wantErased(t, err, "the sender's cancel")
	_, err = s.ref.DeclineReferral(ctxB, &pb.DeclineReferralRequest{Id: r2, Reason: secret})
	wantErased(t, err, "the receiver's decline")
	_, err = s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: r3, Outcome: &pb.ReferralOutcome{
		Code: pb.OutcomeCode_OUTCOME_CODE_OTHER, Note: secret}})
	wantErased(t, err, "the receiver's completion")
	_, err = s.ref.SendReferral(ctxA, &pb.SendReferralRequest{Id: draft, Note: secret})
	wantErased(t, err, "sending the draft")
	_, err = s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: b,
		Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Reason: secret, Notes: secret}})
	wantErased(t, err, "a new referral")

	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if n := texts(t, conn, ben); n > 0 {
		t.Errorf("%d referrals or events of the erased person hold text", n)
	}
	var cancelled int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM referrals.outbox
		WHERE type = 'referral.cancelled' AND data->>'close_reason_code' = 'BENEFICIARY_ERASED'`).Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if cancelled != 3 {
		t.Errorf("%d referral.cancelled events with close_reason_code BENEFICIARY_ERASED, want 3", cancelled)
	}
	// The draft was never sent: its redaction concerns only its sender,
	// as every event of a draft (the receiver never saw it).
	var orgs []string
	if err := conn.QueryRow(context.Background(), `SELECT organisation_ids::text[] FROM referrals.outbox
		WHERE type = 'referral.redacted' AND aggregate_id = $1`, draft).Scan(&orgs); err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0] != a {
		t.Errorf("the never-sent draft's referral.redacted names %v, want only its sender %s", orgs, a)
	}
}

// racing starts the services with a sender (ctxA calls as it) and a
// receiver b, and connects to the database (for holds and checks).
func racing(t *testing.T) (s *stack, ctxA context.Context, b string, conn *pgx.Conn) {
	s = start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return s, partner(t, a), b, conn
}

// applied waits until referrals applied the erasure of ben.
func applied(t *testing.T, conn *pgx.Conn, ben string) {
	t.Helper()
	pgtest.Until(t, conn, "referrals to apply the erasure",
		`SELECT EXISTS (SELECT 1 FROM referrals.forgotten_beneficiaries WHERE beneficiary_id = $1)`, ben)
}

// TestCreateRacingErasure: a referral created while its person is erased
// either is made before the erasure reaches referrals, and is then ended
// and wiped, or is refused (BENEFICIARY_ERASED) even when it read the
// person before the erasure. Each interleaving is made to happen
// (pgtest.Hold).
func TestCreateRacingErasure(t *testing.T) {
	s, ctxA, b, conn := racing(t)
	create := func(ben string) func() error {
		return func() error {
			_, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: b,
				Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Reason: secret, Notes: secret}})
			return err
		}
	}
	erase := func(ben string) {
		t.Helper()
		if _, err := s.ben.EraseBeneficiary(ctxA, &benv1.EraseBeneficiaryRequest{Id: ben}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("the create read the person before the erasure", func(t *testing.T) {
		ben := s.beneficiary(t, ctxA)
		// Held in the beneficiaries service, in the statement that read
		// the person for it (and audits the read).
		h := pgtest.NewHold(t, conn, "INSERT ON beneficiaries.audit_events WHEN (NEW.action = 'read')")
		created := pgtest.Go(create(ben))
		h.Held()
		erase(ben)
		applied(t, conn, ben)
		h.Release()
		wantErased(t, created.Wait(), "the create")
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM referrals.referrals WHERE beneficiary_id = $1`, ben).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d referrals of the erased person created", n)
		}
	})

	t.Run("the create commits while the erasure reaches referrals", func(t *testing.T) {
		ben := s.beneficiary(t, ctxA)
		h := pgtest.NewHold(t, conn, "INSERT ON referrals.referrals")
		created := pgtest.Go(create(ben))
		h.Held()
		erase(ben)
		// Applying the erasure waits for the create under way.
		pgtest.Until(t, conn, "the erasure to wait for the create", pgtest.LockWaits)
		h.Release()
		if err := created.Wait(); err != nil {
			t.Fatalf("the create that went first: %v", err)
		}
		applied(t, conn, ben)
		if n := texts(t, conn, ben); n > 0 {
			t.Errorf("%d referrals of the erased person hold text", n)
		}
		var id string
		if err := conn.QueryRow(context.Background(), `SELECT id::text FROM referrals.referrals WHERE beneficiary_id = $1`, ben).Scan(&id); err != nil {
			t.Fatal(err)
		}
		_, err := s.ref.SendReferral(ctxA, &pb.SendReferralRequest{Id: id})
		wantErased(t, err, "sending it")
	})
}

// TestTransitionRacingErasure: a cancel with a reason that is being
// stored when the erasure reaches referrals commits first, and then its
// reason (close reason and event note) is wiped with the rest; the
// referral keeps the sender's cancellation.
func TestTransitionRacingErasure(t *testing.T) {
	s, ctxA, b, conn := racing(t)
	ben := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, ben, zeroTime)
	id := s.must(t, ctxA, "send", s.draft(t, ctxA, ben, b, pb.Urgency_URGENCY_HIGH).GetId()).GetId()

	h := pgtest.NewHold(t, conn, "UPDATE ON referrals.referrals WHEN (NEW.status = 'cancelled')")
	cancelled := pgtest.Go(func() error {
		_, err := s.ref.CancelReferral(ctxA, &pb.CancelReferralRequest{Id: id, Reason: secret})
		return err
	})
	h.Held()
	if _, err := s.ben.EraseBeneficiary(ctxA, &benv1.EraseBeneficiaryRequest{Id: ben}); err != nil {
		t.Fatal(err)
	}
	// Applying the erasure waits for the cancel under way.
	pgtest.Until(t, conn, "the erasure to wait for the cancel", pgtest.LockWaits)
	h.Release()
	if err := cancelled.Wait(); err != nil {
		t.Fatalf("the cancel that went first: %v", err)
	}
	applied(t, conn, ben)
	if n := texts(t, conn, ben); n > 0 {
		t.Errorf("%d referrals or events of the erased person hold text", n)
	}
	r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
	if err != nil || r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED || r.GetReferral().GetCloseReason() != "" {
		t.Errorf("the cancelled referral after the erasure: %v %v", r, err)
	}
}
