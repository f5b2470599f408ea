package service_test

import (
	"slices"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestMergeStatusNotBeforeBirth: a merge whose duplicate held a legal
// status since before the survivor was born (any entry of its history,
// not only its current status) is 400 naming duplicate_id, without the
// dates, as legal_status_since before the birth is refused on a create or
// a change; corrected (here the survivor's birth date), the merge goes
// through. Before, the survivor got the history with a status from before
// its birth (r13 left it: the create/change check did not reach merges).
func TestMergeStatusNotBeforeBirth(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	survivor := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara", BirthDate: "2015-03-10"})
	dup := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara", BirthYear: 2010,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2015-01-01"})
	// Her current status began after the survivor's birth; the earlier
	// one did not.
	mustPatch(t, c, ctx, &dup, &pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2020-01-01"},
		"legal_status", "legal_status_since")
	_, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: survivor.GetId(), DuplicateId: dup.GetId()})
	statustest.Want(t, err, codes.InvalidArgument, "merge of a status from before the survivor's birth date")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"duplicate_id"}) {
		t.Errorf("violations %v, want duplicate_id", got)
	}
	if msg := statustest.Descriptions(err)["duplicate_id"]; !strings.Contains(msg, "asylum_seeker") || strings.Contains(msg, "2015") {
		t.Errorf("refusal %q: want the status named, no date", msg)
	}
	if _, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: dup.GetId()}); err != nil {
		t.Errorf("the duplicate after the refused merge: %v", err)
	}
	// Estimated, the survivor's birth date is held to its year: 2015 is
	// not before it.
	mustPatch(t, c, ctx, &survivor, &pb.Beneficiary{BirthDate: "2015-03-10", BirthDateEstimated: true}, "birth_date_estimated")
	m, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: survivor.GetId(), DuplicateId: dup.GetId()})
	if err != nil {
		t.Fatalf("merge once the birth date is marked estimated: %v", err)
	}
	if got := m.GetBeneficiary().GetLegalStatus(); got != pb.LegalStatus_LEGAL_STATUS_REFUGEE {
		t.Errorf("survivor's legal status %s, want the duplicate's refugee", got)
	}

	// Born in 2016 by the survivor's year: the duplicate's status of 2015
	// is refused too.
	young := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lea", BirthYear: 2016})
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lea", LegalStatus: pb.LegalStatus_LEGAL_STATUS_MIGRANT, LegalStatusSince: "2015-06-01"})
	_, err = c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: young.GetId(), DuplicateId: other.GetId()})
	statustest.Want(t, err, codes.InvalidArgument, "merge of a status from before the survivor's birth year")
}
