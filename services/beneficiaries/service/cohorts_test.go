package service_test

import (
	"fmt"
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
// participants by sex, age band and legal status over their ids. A person
// counts by their data when an
// organisation named with them registered them or held a grant to them,
// even one that has ended; an erased person by the data erasure keeps; a
// person named only with an organisation that never saw them, and an id
// unknown here, as unknown. Each cohort counts a person once; the total
// counts the distinct persons. The age band is the age reached, from the
// birth year, in the person's age year (the earliest sent for them in a
// cohort). Bad input is refused with field violations, and only
// the trainings process may ask.
func TestCountBeneficiaries(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	person := func(name string, sex commonv1.Sex, born int32, status pb.LegalStatus) string {
		t.Helper()
		return mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: name, Sex: sex, BirthYear: born, LegalStatus: status}).GetId()
	}
	f1, erased := person("F1", commonv1.Sex_SEX_FEMALE, 2010, pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER),
		person("F2", commonv1.Sex_SEX_FEMALE, 1990, pb.LegalStatus_LEGAL_STATUS_REFUGEE)
	m1, shared := person("M1", commonv1.Sex_SEX_MALE, 0, pb.LegalStatus_LEGAL_STATUS_UNSPECIFIED),
		person("Shared", commonv1.Sex_SEX_FEMALE, 2015, pb.LegalStatus_LEGAL_STATUS_REFUGEE)
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

	t.Run("by age band and legal status", func(t *testing.T) {
		// The same persons, each with the year of their first event and
		// a day of it their legal status is taken on (every status here
		// was recorded once, so the day changes none).
		aged := func(id string, year int32, orgs ...string) *pb.CountedBeneficiary {
			m := member(id, orgs...)
			m.AgeYear = year
			m.LegalStatusDate = fmt.Sprintf("%d-03-01", year)
			return m
		}
		req := &pb.CountBeneficiariesRequest{GroupBy: []string{"age_band", "legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
			// F1 (born 2010) is 17 in 2027 (her earlier year counts), 18 in 2028.
			{Labels: map[string]string{"event_type": "workshop"}, Beneficiaries: []*pb.CountedBeneficiary{
				aged(f1, 2028, orgA), aged(f1, 2027, orgA), aged(m1, 2027, orgA),
				aged(shared, 2027, orgB), aged(erased, 2027, orgA), aged(unknownID, 2027, orgA)}},
			{Labels: map[string]string{"event_type": "club"}, Beneficiaries: []*pb.CountedBeneficiary{
				aged(f1, 2028, orgA), aged(shared, 2020, orgC, orgB), aged(m1, 2020, orgC)}},
		}}
		r, err := trainings.CountBeneficiaries(reader, req)
		if err != nil {
			t.Fatal(err)
		}
		got := aggregate.FromProto(r.GetAggregate())
		group := func(n int64, event, band, status string) aggregate.Group {
			return aggregate.Group{Labels: map[string]string{"event_type": event, "age_band": band, "legal_status": status}, Count: n}
		}
		want := aggregate.Aggregate{Total: 5, Groups: []aggregate.Group{
			group(1, "club", "18-59", "asylum_seeker"), group(1, "club", "5-11", "refugee"), group(1, "club", "unknown", "unknown"),
			group(1, "workshop", "12-17", "asylum_seeker"), group(1, "workshop", "12-17", "refugee"), group(1, "workshop", "18-59", "refugee"),
			group(2, "workshop", "unknown", "unknown"),
		}}
		got.Sort()
		want.Sort()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("counts (-want +got):\n%s", diff)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for name, tc := range map[string]struct {
			req  *pb.CountBeneficiariesRequest
			want []string
		}{
			"no cohorts":     {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex"}}, []string{"cohorts"}},
			"not a person's": {&pb.CountBeneficiariesRequest{GroupBy: []string{"municipality"}, Cohorts: req.GetCohorts()}, []string{"group_by[0]"}},
			"age band without a year": {&pb.CountBeneficiariesRequest{GroupBy: []string{"sex", "age_band"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: []*pb.CountedBeneficiary{{BeneficiaryId: f1, OrganisationIds: []string{orgA}, AgeYear: 2027}, member(m1, orgA)}}}},
				[]string{"cohorts[0].beneficiaries[1].age_year"}},
			"not a year": {&pb.CountBeneficiariesRequest{GroupBy: []string{"age_band"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: []*pb.CountedBeneficiary{{BeneficiaryId: f1, AgeYear: 20270}}}}},
				[]string{"cohorts[0].beneficiaries[0].age_year"}},
			"legal status without a day": {&pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: []*pb.CountedBeneficiary{{BeneficiaryId: f1, LegalStatusDate: "2024-01-01"}, member(m1, orgA)}}}},
				[]string{"cohorts[0].beneficiaries[1].legal_status_date"}},
			"not a day": {&pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
				{Beneficiaries: []*pb.CountedBeneficiary{{BeneficiaryId: f1, LegalStatusDate: "2024-02-30"}}}}},
				[]string{"cohorts[0].beneficiaries[0].legal_status_date"}},
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
