package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// noDirectory is the referrals address of tests that name no directory
// service: nothing listens there (assistance naming a service would be
// UNAVAILABLE).
const noDirectory = "127.0.0.1:1"

func start(t *testing.T) clients { return startAll(t) }

func amina() *pb.Beneficiary {
	return &pb.Beneficiary{
		ExternalId:         "CASE-001",
		GivenName:          "Amina",
		FamilyName:         "Haddad",
		OriginalScriptName: "أمينة حداد",
		Sex:                commonv1.Sex_SEX_FEMALE,
		BirthDate:          "1990-04-12",
		Nationality:        "sy",
		Languages:          []string{"ar", "en"},
		LegalStatus:        pb.LegalStatus_LEGAL_STATUS_INTERNATIONAL_PROTECTION,
		Municipality:       "Zagreb",
		Country:            "HR",
		Accommodation:      pb.Accommodation_ACCOMMODATION_PRIVATE,
		Vulnerabilities:    []pb.Vulnerability{pb.Vulnerability_VULNERABILITY_SINGLE_PARENT},
	}
}

func TestCreateGetList(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)

	created, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: amina()})
	if err != nil {
		t.Fatal(err)
	}
	b := created.GetBeneficiary()
	if !ids.Valid(b.GetId()) || b.GetOrganisationId() != org || b.GetEtag() == "" || b.GetBirthYear() != 1990 || b.GetNationality() != "SY" {
		t.Fatalf("unexpected created beneficiary %v", b)
	}
	got, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: b.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, got.GetBeneficiary(), protocmp.Transform()); diff != "" {
		t.Fatalf("get differs from create (-create +get):\n%s", diff)
	}

	// Page through 7 more with page size 3: every row exactly once, newest first.
	want := []string{b.GetId()}
	for i := 0; i < 7; i++ {
		r, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: "P", Municipality: "Beograd"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{r.GetBeneficiary().GetId()}, want...)
	}
	var seen []string
	tok := ""
	for {
		r, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{PageSize: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range r.GetBeneficiaries() {
			seen = append(seen, x.GetId())
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Fatalf("paged list (-want +got):\n%s", diff)
	}
	r, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{Municipality: "Beograd"})
	if err != nil || len(r.GetBeneficiaries()) != 7 {
		t.Fatalf("filtered list: %d rows, %v", len(r.GetBeneficiaries()), err)
	}
	_, err = c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{Municipality: "Zagreb", PageToken: r.GetNextPageToken() + "x"})
	if statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad token: %v", err)
	}
}

func TestOtherOrganisationSeesNothing(t *testing.T) {
	c := start(t)
	ctxA := servicetest.As(t, ids.New())
	ctxB := servicetest.As(t, ids.New())
	created, err := c.CreateBeneficiary(ctxA, &pb.CreateBeneficiaryRequest{Beneficiary: amina()})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetBeneficiary().GetId()
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: id}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B got A's beneficiary: %v", err)
	}
	list, err := c.ListBeneficiaries(ctxB, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 0 {
		t.Fatalf("B listed %d of A's beneficiaries (%v)", len(list.GetBeneficiaries()), err)
	}
	_, err = c.CreateAssistance(ctxB, &pb.CreateAssistanceRequest{BeneficiaryId: id, Assistance: &pb.Assistance{
		Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2024-01-02"}})
	if statustest.Code(err) != codes.NotFound {
		t.Fatalf("B recorded assistance on A's beneficiary: %v", err)
	}
	if _, err := c.ListAssistances(ctxB, &pb.ListAssistancesRequest{BeneficiaryId: id}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B listed A's assistance: %v", err)
	}
}

func TestIdempotentCreate(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	first, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: amina(), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: amina(), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	if first.GetBeneficiary().GetId() != again.GetBeneficiary().GetId() {
		t.Fatal("retry with the same request id created a second beneficiary")
	}
	// Same external id without the request id is a conflict, not a duplicate.
	_, err = c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: amina()})
	if statustest.Code(err) != codes.AlreadyExists {
		t.Fatalf("duplicate external id: %v", err)
	}
	list, _ := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if n := len(list.GetBeneficiaries()); n != 1 {
		t.Fatalf("%d beneficiaries stored, want 1", n)
	}
}

func TestValidation(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	cases := map[string]struct {
		mutate func(*pb.Beneficiary)
		field  string
	}{
		"no given name":     {func(b *pb.Beneficiary) { b.GivenName = "  " }, "beneficiary.given_name"},
		"bad date":          {func(b *pb.Beneficiary) { b.BirthDate = "1990-02-30" }, "beneficiary.birth_date"},
		"future birth":      {func(b *pb.Beneficiary) { b.BirthDate = "2999-01-01" }, "beneficiary.birth_date"},
		"birth in 1899":     {func(b *pb.Beneficiary) { b.BirthDate = "1899-12-31" }, "beneficiary.birth_date"},
		"unknown enum":      {func(b *pb.Beneficiary) { b.LegalStatus = 42 }, "beneficiary.legal_status"},
		"bad country":       {func(b *pb.Beneficiary) { b.Country = "Croatia" }, "beneficiary.country"},
		"bad language":      {func(b *pb.Beneficiary) { b.Languages = []string{"Arabic!"} }, "beneficiary.languages[0]"},
		"unknown vulnerab.": {func(b *pb.Beneficiary) { b.Vulnerabilities = []pb.Vulnerability{77} }, "beneficiary.vulnerabilities[0]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := amina()
			tc.mutate(b)
			_, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: b})
			statustest.Want(t, err, codes.InvalidArgument, "")
			fields := statustest.Violations(err)
			if !contains(fields, tc.field) {
				t.Fatalf("violations %v do not name %s", fields, tc.field)
			}
		})
	}
	if _, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("missing body: %v", err)
	}
	if _, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: "not-a-uuid"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: ids.New()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	list, _ := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if n := len(list.GetBeneficiaries()); n != 0 {
		t.Fatalf("invalid requests stored %d rows", n)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestAuthAndScopes(t *testing.T) {
	c := start(t)
	if _, err := c.ListBeneficiaries(context.Background(), &pb.ListBeneficiariesRequest{}); statustest.Code(err) != codes.Unauthenticated {
		t.Fatalf("no principal: %v", err)
	}
	readOnly := servicetest.As(t, ids.New(), auth.ScopeBeneficiariesRead)
	if _, err := c.CreateBeneficiary(readOnly, &pb.CreateBeneficiaryRequest{Beneficiary: amina()}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("read-only create: %v", err)
	}
	if _, err := c.CountAssistedBeneficiaries(readOnly, &pb.CountAssistedBeneficiariesRequest{ProjectId: ids.New()}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("aggregate without scope: %v", err)
	}
}

func TestCountAssisted(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)
	mk := func(ctx context.Context, sex commonv1.Sex, birth string) string {
		r, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
			GivenName: "X", Sex: sex, BirthDate: birth, LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary().GetId()
	}
	assist := func(ctx context.Context, id, proj, day string, typ pb.AssistanceType) {
		_, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: id, Assistance: &pb.Assistance{
			ProjectId: proj, Type: typ, Date: day}})
		if err != nil {
			t.Fatal(err)
		}
	}
	w1 := mk(orgA, commonv1.Sex_SEX_FEMALE, "1985-01-01")
	w2 := mk(orgA, commonv1.Sex_SEX_FEMALE, "2010-06-01")
	m1 := mk(orgB, commonv1.Sex_SEX_MALE, "1970-01-01")
	// w1 assisted twice in the period: counted once.
	assist(orgA, w1, project, "2017-01-10", pb.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING)
	assist(orgA, w1, project, "2017-02-10", pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING)
	assist(orgA, w2, project, "2017-03-10", pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION)
	assist(orgB, m1, project, "2017-03-11", pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION)
	// Outside the period, and another project: not counted.
	assist(orgB, m1, project, "2018-03-11", pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION)
	other := mk(orgA, commonv1.Sex_SEX_MALE, "")
	assist(orgA, other, c.project(t, orgA), "2017-03-11", pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION)

	r, err := c.CountAssistedBeneficiaries(orgA, &pb.CountAssistedBeneficiariesRequest{
		ProjectId: project, Period: &commonv1.DateRange{StartDate: "2016-11-01", EndDate: "2017-10-31"},
		GroupBy: []string{"sex", "age_band"}})
	if err != nil {
		t.Fatal(err)
	}
	want := &commonv1.Aggregate{Total: 3, Groups: []*commonv1.Group{
		{Labels: map[string]string{"sex": "female", "age_band": "18-59"}, Count: 1},
		{Labels: map[string]string{"sex": "male", "age_band": "18-59"}, Count: 1},
		{Labels: map[string]string{"sex": "female", "age_band": "5-11"}, Count: 1},
	}}
	if diff := cmp.Diff(want, r.GetAggregate(), protocmp.Transform()); diff != "" {
		t.Fatalf("aggregate (-want +got):\n%s", diff)
	}
	r, err = c.CountAssistedBeneficiaries(orgA, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: []string{"assistance_type"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetAggregate().GetTotal() != 3 || len(r.GetAggregate().GetGroups()) != 3 {
		t.Fatalf("by type over all time: %v", r.GetAggregate())
	}
	_, err = c.CountAssistedBeneficiaries(orgA, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: []string{"name; DROP TABLE x"}})
	if statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("unknown dimension: %v", err)
	}
}
