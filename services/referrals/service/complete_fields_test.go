package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestCompleteNamesItsOwnFields: an outcome note too long is one field
// violation, on outcome.note; the completion has no field note.
func TestCompleteNamesItsOwnFields(t *testing.T) {
	s := start(t)
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	r := s.started(t, ctxA, ctxB, s.draft(t, ctxA, benID, orgB, pb.Urgency_URGENCY_NORMAL).GetId())
	_, err := s.ref.CompleteReferral(ctxB, &pb.CompleteReferralRequest{Id: r.GetId(), Outcome: &pb.ReferralOutcome{
		Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, Note: strings.Repeat("a", 2001)}})
	statustest.Want(t, err, codes.InvalidArgument, "an outcome note of 2001 characters")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"outcome.note"}) {
		t.Fatalf("violations %v, want [outcome.note]", got)
	}
}
