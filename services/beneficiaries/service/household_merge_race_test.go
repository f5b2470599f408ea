package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/grpc/status"
)

// TestHouseholdCreateRacingMerge: a household created with its members
// listed in an order other than their ids', while two of them are merged:
// both lock the members' rows, in id order, so neither waits for the other
// in a cycle (a deadlock PostgreSQL would end as ABORTED) and both commit.
func TestHouseholdCreateRacingMerge(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	bg := context.Background()
	conn, err := pgx.Connect(bg, c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(bg)
	a := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić", BirthDate: "1994-03-02"}).GetId()
	b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasic", BirthDate: "1994-03-02"}).GetId()
	lo, hi := min(a, b), max(a, b)
	var hhErr, mergeErr error
	h := pgtest.NewHold(t, conn, "INSERT ON beneficiaries.household_members")
	h.Race(func() {
		_, hhErr = c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Reference: "HH-1",
			Members: []*pb.HouseholdMember{{BeneficiaryId: hi, Relationship: pb.Relationship_RELATIONSHIP_HEAD},
				{BeneficiaryId: lo, Relationship: pb.Relationship_RELATIONSHIP_SPOUSE}}}})
	}, func() {
		_, mergeErr = c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: lo, DuplicateId: hi})
	})
	t.Logf("household create: %v", status.Convert(hhErr))
	t.Logf("merge:            %v", status.Convert(mergeErr))
	if hhErr != nil || mergeErr != nil {
		t.Errorf("a create and a merge that do not conflict (either order commits) ended one with an error: household %v, merge %v", hhErr, mergeErr)
	}
}
