package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestAgeBandWhenFirstAssisted: over a period of several years, a person
// assisted is in the age band of the year they were first assisted in it,
// as donors count persons reached: a girl born in 2002, assisted in 2019
// (17) and again in 2021 (19), is a child reached in the project's
// 2019-2021 report. Before, every person took the age reached in the
// period's end year, so she was an adult there, and the children a
// project reached in its first years left the children's cell as the
// project went on. A report of one year is as before (2021: 19, adult).
func TestAgeBandWhenFirstAssisted(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	assist := func(b *pb.Beneficiary, kind pb.AssistanceType, day string) {
		t.Helper()
		if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: b.GetId(),
			Assistance: &pb.Assistance{ProjectId: project, Type: kind, Date: day}}); err != nil {
			t.Fatal(err)
		}
	}
	girl := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Mina", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 2002})
	assist(girl, pb.AssistanceType_ASSISTANCE_TYPE_EDUCATION_SUPPORT, "2019-06-01")
	assist(girl, pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, "2021-06-01")
	man := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Omar", Sex: commonv1.Sex_SEX_MALE, BirthYear: 1990})
	assist(man, pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, "2021-03-01")

	count := func(from, to string, each bool, groupBy ...string) map[string]int64 {
		t.Helper()
		r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project,
			Period: &commonv1.DateRange{StartDate: from, EndDate: to}, GroupBy: groupBy, EachDimension: each})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{"total": r.GetAggregate().GetTotal()}
		for _, g := range r.GetAggregate().GetGroups() {
			key := ""
			for _, d := range groupBy {
				if l, ok := g.GetLabels()[d]; ok {
					key += d + "=" + l + " "
				}
			}
			out[key] = g.GetCount()
		}
		return out
	}
	for _, c := range []struct {
		name     string
		from, to string
		each     bool
		groupBy  []string
		want     map[string]int64
	}{
		{"three years", "2019-01-01", "2021-12-31", true, []string{"sex", "age_band"},
			map[string]int64{"total": 2, "sex=female ": 1, "sex=male ": 1, "age_band=12-17 ": 1, "age_band=18-59 ": 1}},
		{"open start", "", "2021-12-31", false, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=12-17 ": 1, "age_band=18-59 ": 1}},
		// With a dimension of the assistance: still the age when first
		// assisted in the period, one band per person.
		{"by type too", "2019-01-01", "2021-12-31", false, []string{"age_band", "assistance_type"},
			map[string]int64{"total": 2, "age_band=12-17 assistance_type=education_support ": 1,
				"age_band=12-17 assistance_type=legal_counselling ": 1, "age_band=18-59 assistance_type=legal_counselling ": 1}},
		{"2021 alone", "2021-01-01", "2021-12-31", true, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=18-59 ": 2}},
		{"2020-2021: first assisted in 2021", "2020-01-01", "2021-12-31", true, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=18-59 ": 2}},
	} {
		if diff := cmp.Diff(c.want, count(c.from, c.to, c.each, c.groupBy...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
