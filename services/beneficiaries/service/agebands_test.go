package service_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
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
			var key []string
			for _, d := range groupBy {
				if l, ok := g.GetLabels()[d]; ok {
					key = append(key, d+"="+l)
				}
			}
			out[strings.Join(key, " ")] = g.GetCount()
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
			map[string]int64{"total": 2, "sex=female": 1, "sex=male": 1, "age_band=12-17": 1, "age_band=18-59": 1}},
		{"open start", "", "2021-12-31", false, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=12-17": 1, "age_band=18-59": 1}},
		// With a dimension of the assistance: still the age when first
		// assisted in the period, one band per person.
		{"by type too", "2019-01-01", "2021-12-31", false, []string{"age_band", "assistance_type"},
			map[string]int64{"total": 2, "age_band=12-17 assistance_type=education_support": 1,
				"age_band=12-17 assistance_type=legal_counselling": 1, "age_band=18-59 assistance_type=legal_counselling": 1}},
		{"2021 alone", "2021-01-01", "2021-12-31", true, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=18-59": 2}},
		{"2020-2021: first assisted in 2021", "2020-01-01", "2021-12-31", true, []string{"age_band"},
			map[string]int64{"total": 2, "age_band=18-59": 2}},
	} {
		if diff := cmp.Diff(c.want, count(c.from, c.to, c.each, c.groupBy...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestMunicipalityWhereTheyLivedThen: a person assisted while living in
// Šid who then moved to Beograd stays in Šid's cell in the report of the
// period she was assisted in; over a period including assistance before
// and after the move she counts once, where she lived when last assisted
// in it. Before, every period counted her by where she lives now, so the
// figures of a closed period (a report a donor had received) changed when
// she moved.
func TestMunicipalityWhereTheyLivedThen(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	assist := func(b *pb.Beneficiary, day string) {
		t.Helper()
		if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: b.GetId(),
			Assistance: &pb.Assistance{ProjectId: project, Type: pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: day}}); err != nil {
			t.Fatal(err)
		}
	}
	ana := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", Sex: commonv1.Sex_SEX_FEMALE, Municipality: "Šid"})
	stays := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Vera", Sex: commonv1.Sex_SEX_FEMALE, Municipality: "Sid"})
	assist(ana, "2020-06-01")
	assist(stays, "2020-06-01")
	if _, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: ana.GetId(), Etag: ana.GetEtag(), Municipality: "Beograd"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"municipality"}}}); err != nil {
		t.Fatal(err)
	}
	assist(ana, "2021-03-01")

	count := func(from, to string, groupBy ...string) map[string]int64 {
		t.Helper()
		r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project,
			Period: &commonv1.DateRange{StartDate: from, EndDate: to}, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{"total": r.GetAggregate().GetTotal()}
		for _, g := range r.GetAggregate().GetGroups() {
			var key []string
			for _, d := range groupBy {
				key = append(key, d+"="+g.GetLabels()[d])
			}
			out[strings.Join(key, " ")] = g.GetCount()
		}
		return out
	}
	for _, c := range []struct {
		name     string
		from, to string
		groupBy  []string
		want     map[string]int64
	}{
		{"2020", "2020-01-01", "2020-12-31", []string{"municipality"},
			map[string]int64{"total": 2, "municipality=Šid": 2}},
		{"2020 by type too", "2020-01-01", "2020-12-31", []string{"municipality", "assistance_type"},
			map[string]int64{"total": 2, "municipality=Šid assistance_type=legal_counselling": 2}},
		{"2021", "2021-01-01", "2021-12-31", []string{"municipality"},
			map[string]int64{"total": 1, "municipality=Beograd": 1}},
		{"both years: where she lived when last assisted", "2020-01-01", "2021-12-31", []string{"municipality"},
			map[string]int64{"total": 2, "municipality=Beograd": 1, "municipality=Šid": 1}},
	} {
		if diff := cmp.Diff(c.want, count(c.from, c.to, c.groupBy...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
