package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestHouseholdMemberTakenNamed: a person who is in a household already
// (a person is in at most one) is 409 with a violation naming the member
// of the request, on a household's create (which of its members) and on
// an added member. It was 409 with no field violation, so a partner
// could not tell which of a family's members to correct.
func TestHouseholdMemberTakenNamed(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	mother := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina"})
	child := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara"})
	uncle := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Omar"})
	h, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: uncle.GetId(), Relationship: pb.Relationship_RELATIONSHIP_HEAD}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := func(err error, what, field string) {
		t.Helper()
		statustest.Want(t, err, codes.AlreadyExists, what)
		if got := statustest.Violations(err); !slices.Equal(got, []string{field}) {
			t.Errorf("%s: violations %v, want %s", what, got, field)
		}
	}
	_, err = c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: mother.GetId(), Relationship: pb.Relationship_RELATIONSHIP_HEAD},
		{BeneficiaryId: child.GetId(), Relationship: pb.Relationship_RELATIONSHIP_CHILD},
		{BeneficiaryId: uncle.GetId(), Relationship: pb.Relationship_RELATIONSHIP_OTHER_RELATIVE}}}})
	want(err, "create", "household.members[2].beneficiary_id")
	_, err = c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: h.GetHousehold().GetId(),
		Member: &pb.HouseholdMember{BeneficiaryId: uncle.GetId(), Relationship: pb.Relationship_RELATIONSHIP_SIBLING}})
	want(err, "add", "member.beneficiary_id")
}
