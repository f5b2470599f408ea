package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestHouseholdRequestIDReused: a household's create retried with its
// request id answers the household it made, also after members were
// removed, merged or erased since; the same request id sent for another
// household (another reference, or a person it never held) is refused
// REQUEST_ID_REUSED, instead of answering the first household (another
// family's members) while the new one is never made.
func TestHouseholdRequestIDReused(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	person := func(name string) string {
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name, ExternalId: name}).GetId()
	}
	mother, child, uncle, stranger := person("Amina"), person("Sara"), person("Omar"), person("Ivan")
	members := func(ids ...string) []*pb.HouseholdMember {
		var out []*pb.HouseholdMember
		for _, id := range ids {
			out = append(out, &pb.HouseholdMember{BeneficiaryId: id, Relationship: pb.Relationship_RELATIONSHIP_OTHER_RELATIVE})
		}
		return out
	}
	create := func(ref string, m ...string) (*pb.Household, error) {
		r, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{RequestId: "hh-1", Household: &pb.Household{Reference: ref, Members: members(m...)}})
		return r.GetHousehold(), err
	}
	first, err := create("HH-7", mother, child, uncle)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveHouseholdMember(ctx, &pb.RemoveHouseholdMemberRequest{HouseholdId: first.GetId(), BeneficiaryId: uncle}); err != nil {
		t.Fatal(err)
	}
	if again, err := create("HH-7", mother, child, uncle); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry after a member left: %v %v, want household %s", again, err, first.GetId())
	}
	reused := func(when string, cases map[string][]string) {
		t.Helper()
		for name, m := range cases {
			got, err := create(m[0], m[1:]...)
			statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, when+name)
			if got != nil {
				t.Errorf("%s%s: answered %v", when, name, got)
			}
		}
	}
	reused("", map[string][]string{"another reference": {"HH-8", mother}, "another person": {"HH-7", mother, stranger}})
	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: child}); err != nil {
		t.Fatal(err)
	}
	// The erasure blanked the reference (it may name the child).
	if again, err := create("HH-7", mother, child, uncle); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry after a member's erasure: %v %v, want household %s", again, err, first.GetId())
	}
	reused("after the erasure: ", map[string][]string{"another person": {"", stranger}})
	if b, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: stranger}); err != nil || b.GetBeneficiary().GetHouseholdId() != "" {
		t.Fatalf("the stranger: %v %v", b, err)
	}
}
