package service_test

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc/codes"
)

const head, child = pb.Relationship_RELATIONSHIP_HEAD, pb.Relationship_RELATIONSHIP_CHILD

// TestHouseholdOneHead: a household has one head. A create naming two is
// 400 with a violation of the second's relationship; adding a head to a
// household that has one is 409 naming member.relationship, also when
// several heads are added at once (only one of them gets in). Before,
// every one of them was stored as head.
func TestHouseholdOneHead(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	person := func(name string) string { return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name}).GetId() }
	mother, father, son := person("Amina"), person("Omar"), person("Sami")
	_, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: mother, Relationship: head}, {BeneficiaryId: son, Relationship: child}, {BeneficiaryId: father, Relationship: head}}}})
	statustest.Want(t, err, codes.InvalidArgument, "create with two heads")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"household.members[2].relationship"}) {
		t.Errorf("create with two heads: violations %v", got)
	}
	h, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: mother, Relationship: head}, {BeneficiaryId: son, Relationship: child}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: h.GetHousehold().GetId(),
		Member: &pb.HouseholdMember{BeneficiaryId: father, Relationship: head}})
	statustest.Want(t, err, codes.AlreadyExists, "a second head added")
	if got := statustest.Violations(err); !slices.Equal(got, []string{"member.relationship"}) {
		t.Errorf("a second head added: violations %v", got)
	}
	// The head leaves: another member may head it.
	if _, err := c.RemoveHouseholdMember(ctx, &pb.RemoveHouseholdMemberRequest{HouseholdId: h.GetHousehold().GetId(), BeneficiaryId: mother}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: h.GetHousehold().GetId(),
		Member: &pb.HouseholdMember{BeneficiaryId: father, Relationship: head}}); err != nil {
		t.Fatalf("a head after the head left: %v", err)
	}

	// Several heads added at once to a household without one.
	e, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: person("Lea"), Relationship: child}}}})
	if err != nil {
		t.Fatal(err)
	}
	const racers = 6
	adults := make([]string, racers)
	for i := range adults {
		adults[i] = person("Adult")
	}
	errors := make([]error, racers)
	var wg sync.WaitGroup
	for i := range adults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errors[i] = c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: e.GetHousehold().GetId(),
				Member: &pb.HouseholdMember{BeneficiaryId: adults[i], Relationship: head}})
		}()
	}
	wg.Wait()
	added := 0
	for _, err := range errors {
		if err == nil {
			added++
			continue
		}
		statustest.Want(t, err, codes.AlreadyExists, "a head added at once with others")
		if got := statustest.Violations(err); !slices.Equal(got, []string{"member.relationship"}) {
			t.Errorf("a head added at once with others: violations %v", got)
		}
	}
	if heads := headsOf(t, ctx, c, e.GetHousehold().GetId()); added != 1 || len(heads) != 1 {
		t.Errorf("%d of %d heads added at once got in, the household has heads %v; want one", added, racers, heads)
	}
}

// headsOf returns the heads of household id.
func headsOf(t *testing.T, ctx context.Context, c pb.BeneficiaryServiceClient, id string) []string {
	t.Helper()
	r, err := c.GetHousehold(ctx, &pb.GetHouseholdRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range r.GetHousehold().GetMembers() {
		if m.GetRelationship() == head {
			out = append(out, m.GetBeneficiaryId())
		}
	}
	return out
}

// TestHouseholdHeadsMigration: a household stored with several heads
// before migration 00029 keeps its members, none of them as head (which
// one heads it cannot be told: their relationship is unrecorded, for the
// organisation to record again); a household with one head keeps it.
func TestHouseholdHeadsMigration(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	person := func(name string) string { return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name}).GetId() }
	mother, father, son, single := person("Amina"), person("Omar"), person("Sami"), person("Ivana")
	two, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: mother, Relationship: head}, {BeneficiaryId: father, Relationship: pb.Relationship_RELATIONSHIP_SPOUSE},
		{BeneficiaryId: son, Relationship: child}}}})
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{Household: &pb.Household{Members: []*pb.HouseholdMember{
		{BeneficiaryId: single, Relationship: head}}}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// Migration 00029 not applied: the father was added as a second head.
	pgtest.Undo(t, conn, "beneficiaries", migrations.FS, 29)
	if _, err := conn.Exec(context.Background(), `UPDATE beneficiaries.household_members SET relationship = 'head' WHERE beneficiary_id = $1`, father); err != nil {
		t.Fatal(err)
	}
	c2 := restarted(t, c)
	r, err := c2.GetHousehold(ctx, &pb.GetHouseholdRequest{Id: two.GetHousehold().GetId()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]pb.Relationship{}
	for _, m := range r.GetHousehold().GetMembers() {
		got[m.GetBeneficiaryId()] = m.GetRelationship()
	}
	unspecified := pb.Relationship_RELATIONSHIP_UNSPECIFIED
	if want := map[string]pb.Relationship{mother: unspecified, father: unspecified, son: child}; !maps.Equal(got, want) {
		t.Errorf("household of two heads after the migration: %v, want %v", got, want)
	}
	if heads := headsOf(t, ctx, c2, one.GetHousehold().GetId()); !slices.Equal(heads, []string{single}) {
		t.Errorf("household of one head after the migration: heads %v", heads)
	}
	// The organisation records its head again.
	if _, err := c2.RemoveHouseholdMember(ctx, &pb.RemoveHouseholdMemberRequest{HouseholdId: two.GetHousehold().GetId(), BeneficiaryId: mother}); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: two.GetHousehold().GetId(),
		Member: &pb.HouseholdMember{BeneficiaryId: mother, Relationship: head}}); err != nil {
		t.Fatal(err)
	}
}
