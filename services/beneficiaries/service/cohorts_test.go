package service_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestCountBeneficiaries: the trainings service counts beneficiary
// participants by sex over their ids. A person counts by their sex when an
// organisation named with them registered them or held a grant to them,
// even one that has ended; an erased person by the sex erasure keeps; a
// person named only with an organisation that never saw them, and an id
// unknown here, as unknown. Each cohort counts a person once; the total
// counts the distinct persons. Bad input is refused with field
// violations, and only the trainings process may ask.
func TestCountBeneficiaries(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	person := func(name string, sex commonv1.Sex) string {
		t.Helper()
		return mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: name, Sex: sex}).GetId()
	}
	f1, erased, m1, shared := person("F1", commonv1.Sex_SEX_FEMALE), person("F2", commonv1.Sex_SEX_FEMALE),
		person("M1", commonv1.Sex_SEX_MALE), person("Shared", commonv1.Sex_SEX_FEMALE)
	// B held a grant to the shared person (a referral), ended since.
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: shared, Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: shared, GranteeOrganisationId: orgB, SourceId: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.RevokeAccess(ctxA, &pb.RevokeAccessRequest{BeneficiaryId: shared, SourceId: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EraseBeneficiary(ctxA, &pb.EraseBeneficiaryRequest{Id: erased, Reason: "request"}); err != nil {
		t.Fatal(err)
	}
	member := func(id string, orgs ...string) *pb.CountedBeneficiary {
		return &pb.CountedBeneficiary{BeneficiaryId: id, OrganisationIds: orgs}
	}
	unknownID := ids.New()
	req := &pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}, Cohorts: []*pb.BeneficiaryCohort{
		{Labels: map[string]string{"event_type": "workshop"}, Beneficiaries: []*pb.CountedBeneficiary{
			member(f1, orgA), member(m1, orgA), member(shared, orgB), member(erased, orgA), member(unknownID, orgA), member(f1, orgA)}},
		{Labels: map[string]string{"event_type": "club"}, Beneficiaries: []*pb.CountedBeneficiary{
			member(f1, orgA), member(m1, orgC), member(shared, orgC, orgB), member(erased)}},
	}}
	// The trainings process, counting for the organisation reading a report.
	trainings := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, c.conn.Target(), "beneficiaries", "trainings"))
	reader := servicetest.As(t, orgC, auth.ScopeBeneficiariesCount)
	r, err := trainings.CountBeneficiaries(reader, req)
	if err != nil {
		t.Fatal(err)
	}
	got := aggregate.FromProto(r.GetAggregate())
	want := aggregate.Aggregate{Total: 5, Groups: []aggregate.Group{
		{Labels: map[string]string{"event_type": "club", "sex": "female"}, Count: 2},
		{Labels: map[string]string{"event_type": "club", "sex": "unknown"}, Count: 2},
		{Labels: map[string]string{"event_type": "workshop", "sex": "female"}, Count: 3},
		{Labels: map[string]string{"event_type": "workshop", "sex": "male"}, Count: 1},
		{Labels: map[string]string{"event_type": "workshop", "sex": "unknown"}, Count: 1},
	}}
	got.Sort()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}

	t.Run("bad input", func(t *testing.T) {
		for name, tc := range map[string]struct {
			req  *pb.CountBeneficiariesRequest
			want []string
		}{
			"no cohorts":     {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}}, []string{"cohorts"}},
			"not a person's": {&pb.CountBeneficiariesRequest{GroupBy: []string{"age_band"}, Cohorts: req.GetCohorts()}, []string{"group_by[0]"}},
			"a label counted here": {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}, Cohorts: []*pb.BeneficiaryCohort{
				{Labels: map[string]string{"sex": "female"}, Beneficiaries: []*pb.CountedBeneficiary{member(f1, orgA)}}}}, []string{"cohorts[0].labels"}},
			"ids": {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: []*pb.CountedBeneficiary{member(f1, orgA), member("x", "y")}}}},
				[]string{"cohorts[0].beneficiaries[1].beneficiary_id", "cohorts[0].beneficiaries[1].organisation_ids[0]"}},
			"too many": {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: slices.Repeat([]*pb.CountedBeneficiary{member(f1, orgA)}, 20001)}}}, []string{"cohorts"}},
		} {
			_, err := trainings.CountBeneficiaries(reader, tc.req)
			statustest.Want(t, err, codes.InvalidArgument, name)
			if v := statustest.Violations(err); !slices.Equal(v, tc.want) {
				t.Errorf("%s: violations %v, want %v", name, v, tc.want)
			}
		}
	})

	t.Run("only the trainings process asks", func(t *testing.T) {
		// A partner's principal (the edge's) never holds the internal scope.
		_, err := c.access.CountBeneficiaries(ctxA, req)
		statustest.Want(t, err, codes.PermissionDenied, "partner")
		// The referrals process may not issue it.
		_, err = c.internal.CountBeneficiaries(servicetest.As(t, orgA, auth.ScopeBeneficiariesCount), req)
		if statustest.Code(err) == codes.OK {
			t.Fatal("the referrals process counted beneficiaries")
		}
	})
}
