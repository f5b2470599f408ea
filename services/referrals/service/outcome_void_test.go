package service_test

import (
	"context"
	"fmt"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestOutcomeFollowsVoidAndCorrection: a completed referral's outcome
// names its assistance truthfully once the receiver voids it (the void's
// time and reason show) and once it records the corrected one (the
// outcome names that), for both parties over gRPC and on the referrals
// feed (referral.outcome_changed). A correction voided again for another
// reason than wrong details ends the corrections (the last void decides).
func TestOutcomeFollowsVoidAndCorrection(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "A"), s.org(t, "B")
	ctxA, ctxB := partner(t, a), partner(t, b)
	teamB := s.team(t, ctxB, b, "Team B", "Šid")
	person := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, person, zeroTime)
	id := s.teamReferral(t, ctxA, person, b, teamB, "")
	s.started(t, ctxA, ctxB, id)
	today := reportToday(t).String()
	done, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: id,
		Outcome:    &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
		Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING, Date: today}})
	if err != nil {
		t.Fatal(err)
	}
	first := done.GetReferral().GetOutcome().GetAssistanceId()
	if first == "" || done.GetReferral().GetOutcome().GetAssistanceVoidTime() != nil {
		t.Fatalf("completed: %v", done.GetReferral().GetOutcome())
	}
	_, cursor := s.feedEvents(t, "")
	etag := done.GetReferral().GetEtag()

	// outcome waits until both parties read want (assistance id, void
	// reason) in the outcome, under a new etag.
	outcome := func(what, assistance string, reason benv1.AssistanceVoidReason) {
		t.Helper()
		eventually(t, what, func() error {
			for _, ctx := range []context.Context{ctxA, ctxB} {
				r, err := s.ref.GetReferral(ctx, &pb.GetReferralRequest{Id: id})
				if err != nil {
					return err
				}
				o := r.GetReferral().GetOutcome()
				voided := reason != benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_UNSPECIFIED
				if o.GetAssistanceId() != assistance || o.GetAssistanceVoidReason() != reason ||
					(o.GetAssistanceVoidTime() != nil) != voided || r.GetReferral().GetEtag() == etag ||
					r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_COMPLETED {
					return fmt.Errorf("%w: outcome %v, etag %s", errStill, o, r.GetReferral().GetEtag())
				}
			}
			r, _ := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
			etag = r.GetReferral().GetEtag()
			return nil
		})
	}
	void := func(assistance string, reason benv1.AssistanceVoidReason) *benv1.Assistance {
		t.Helper()
		v, err := s.ben.VoidAssistance(ctxB, &benv1.VoidAssistanceRequest{Id: assistance, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		return v.GetAssistance()
	}
	correct := func() (*benv1.Assistance, error) {
		c, err := s.ben.CreateAssistance(ctxB, &benv1.CreateAssistanceRequest{BeneficiaryId: person, Assistance: &benv1.Assistance{
			Type: benv1.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today, ReferralId: id}})
		return c.GetAssistance(), err
	}

	voided := void(first, benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_DETAILS)
	outcome("the void shows", first, benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_WRONG_DETAILS)
	r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: id})
	if err != nil || !r.GetReferral().GetOutcome().GetAssistanceVoidTime().AsTime().Equal(voided.GetVoidTime().AsTime()) {
		t.Fatalf("outcome %v (%v), the record voided at %v", r.GetReferral().GetOutcome(), err, voided.GetVoidTime().AsTime())
	}

	fixed, err := correct()
	if err != nil {
		t.Fatal(err)
	}
	outcome("the correction replaces it", fixed.GetId(), benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_UNSPECIFIED)

	// Once the correction is voided as a duplicate, the person was not
	// assisted after all: the outcome says so, and no new correction is
	// taken, though an earlier void was for wrong details.
	void(fixed.GetId(), benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	outcome("the correction's void shows", fixed.GetId(), benv1.AssistanceVoidReason_ASSISTANCE_VOID_REASON_DUPLICATE)
	_, err = correct()
	statustest.Want(t, err, codes.FailedPrecondition, "a correction after a duplicate's void")

	// The feed told both parties each change, with ids and codes only.
	evs, _ := s.feedEvents(t, cursor)
	var told []string
	for _, e := range evs {
		if e.GetType() != events.ReferralOutcomeChanged || e.GetAggregateId() != id {
			continue
		}
		f := e.GetData().GetFields()
		told = append(told, fmt.Sprintf("%s %s %s %d", f["assistance_id"].GetStringValue(), f["assistance_void_reason_code"].GetStringValue(),
			f["status"].GetStringValue(), len(e.GetOrganisationIds())))
	}
	want := []string{first + " wrong_details completed 2", fixed.GetId() + "  completed 2", fixed.GetId() + " duplicate completed 2"}
	if fmt.Sprint(told) != fmt.Sprint(want) {
		t.Fatalf("referral.outcome_changed: %q, want %q", told, want)
	}
}
