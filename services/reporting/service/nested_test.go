package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestNestedBreakdownWithUnknownValues: persons assisted by service and by
// location, when not every record names them (both are optional). Team
// Zagreb helped 10 persons at its office and 10 where it gave no place;
// 11 were helped with no service named (one of them also at the office).
// "No location" is then under Team Zagreb and under "no service": the
// location breakdown was left out entirely, for the implementing
// organisation too, as if no record named a place. Now each parent has
// its own "unknown" cell, with the parent named. The same for a service
// whose category changed between two records (the category is the one
// of the day): it is listed under each category, with the persons of
// each.
func TestNestedBreakdownWithUnknownValues(t *testing.T) {
	e := start(t)
	org, donor := e.organisation(t, "Centar za mirovne studije", "HR-OIB-12345678901"), ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(donor))
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP1", Titles: en("Persons assisted by team and place"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED,
		Disaggregations: []string{"service", "location"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP2", Titles: en("Persons assisted by kind of service"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED,
		Disaggregations: []string{"service_category", "service"}})
	addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "OP3", Titles: en("Persons assisted by kind of service, team and place"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED,
		Disaggregations: []string{"service_category", "service", "location"}})
	created, err := e.dir.CreateService(ctx, &refv1.CreateServiceRequest{OrganisationId: org, Service: &refv1.Service{Name: "Team Zagreb",
		Category: refv1.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL, Locations: []*refv1.Location{{Name: "Office", Municipality: "Zagreb", Country: "HR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	team, office := created.GetService().GetId(), created.GetService().GetLocations()[0].GetId()
	var first string
	assist := func(n int, service, location, day string) {
		t.Helper()
		for i := range n {
			b, err := e.ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
				GivenName: fmt.Sprintf("Person %d", i), Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990}})
			if err != nil {
				t.Fatal(err)
			}
			if first == "" {
				first = b.GetBeneficiary().GetId()
			}
			if _, err := e.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: b.GetBeneficiary().GetId(),
				Assistance: &benv1.Assistance{ProjectId: p.GetId(), Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING,
					Date: day, ServiceId: service, LocationId: location}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	assist(10, team, office, "2017-01-10")
	assist(6, team, "", "2017-01-10")
	assist(10, "", "", "2017-01-10")
	if _, err := e.ben.CreateAssistance(ctx, &benv1.CreateAssistanceRequest{BeneficiaryId: first,
		Assistance: &benv1.Assistance{ProjectId: p.GetId(), Type: benv1.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2017-01-11"}}); err != nil {
		t.Fatal(err)
	}
	// The team becomes an information service; 8 more persons after that.
	cur, err := e.dir.GetService(ctx, &refv1.GetServiceRequest{Id: team})
	if err != nil {
		t.Fatal(err)
	}
	svc := cur.GetService()
	svc.Category = refv1.ReferralCategory_REFERRAL_CATEGORY_INFORMATION
	if _, err := e.dir.UpdateService(ctx, &refv1.UpdateServiceRequest{Service: svc, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"category"}}}); err != nil {
		t.Fatal(err)
	}
	assist(8, team, "", "2017-03-01")

	type cell struct{ Value, Name, Parent string }
	results := func(ctx context.Context) map[string]map[string]cell {
		t.Helper()
		rep, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]cell{}
		for _, r := range rep.GetReport().GetResults() {
			got := map[string]cell{"TOTAL": {Value: r.GetActual().GetValue()}}
			for _, d := range r.GetDisaggregations() {
				for _, c := range d.GetCells() {
					key := d.GetDimension() + ":" + c.GetLabel()
					if c.GetParent() != "" {
						key += " under " + c.GetParent()
					}
					v := c.GetValue()
					if c.GetSuppressed() {
						v = "*"
					}
					got[key] = cell{v, c.GetName(), c.GetParent()}
				}
			}
			out[r.GetCode()] = got
		}
		return out
	}
	want := map[string]map[string]cell{
		// 34 persons: 24 by the team, 11 without a service (one of them
		// at the office too).
		"OP1": {
			"TOTAL":                                 {Value: "34"},
			"service:" + team:                       {Value: "24", Name: "Team Zagreb"},
			"service:unknown":                       {Value: "11"},
			"location:" + office + " under " + team: {Value: "10", Name: "Office, Zagreb", Parent: team},
			"location:unknown under " + team:        {Value: "14", Parent: team},
			"location:unknown under unknown":        {Value: "11", Parent: "unknown"},
		},
		// The team as a psychosocial service (16) and as an information
		// one (8).
		"OP2": {
			"TOTAL":                                   {Value: "34"},
			"service_category:psychosocial":           {Value: "16"},
			"service_category:information":            {Value: "8"},
			"service_category:unknown":                {Value: "11"},
			"service:" + team + " under psychosocial": {Value: "16", Name: "Team Zagreb", Parent: "psychosocial"},
			"service:" + team + " under information":  {Value: "8", Name: "Team Zagreb", Parent: "information"},
			"service:unknown under unknown":           {Value: "11", Parent: "unknown"},
		},
		// The same, and places under the teams: the team's cannot be told
		// to be under one of its two cells (16 and 8 are each less than
		// its places' 10 and 14), so they are left out.
		"OP3": {
			"TOTAL":                                   {Value: "34"},
			"service_category:psychosocial":           {Value: "16"},
			"service_category:information":            {Value: "8"},
			"service_category:unknown":                {Value: "11"},
			"service:" + team + " under psychosocial": {Value: "16", Name: "Team Zagreb", Parent: "psychosocial"},
			"service:" + team + " under information":  {Value: "8", Name: "Team Zagreb", Parent: "information"},
			"service:unknown under unknown":           {Value: "11", Parent: "unknown"},
			"location:unknown under unknown":          {Value: "11", Parent: "unknown"},
		},
	}
	if diff := cmp.Diff(want, results(ctx)); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}

	// The CSV export says which parent each such cell is under.
	rows := exportRows(t, e, ctx, p.GetId(), "csv", "", "")
	col := func(name string) int { return slices.Index(rows[0], name) }
	var unknownPlaces []string
	for _, row := range rows[1:] {
		if row[col("indicator_code")] == "OP1" && row[col("dimension")] == "location" && row[col("category")] == "unknown" {
			unknownPlaces = append(unknownPlaces, row[col("parent")]+"="+row[col("value")])
		}
	}
	if diff := cmp.Diff([]string{team + "=14", "unknown=11"}, unknownPlaces); diff != "" {
		t.Fatalf("CSV: unknown locations by parent (-want +got):\n%s", diff)
	}
	// So does the IATI export: a second dimension, the parent by its name.
	doc := exportIATI(t, e, ctx, p.GetId())
	for _, pair := range []string{
		`<actual value="14"><dimension name="location" value="unknown"></dimension><dimension name="service" value="Team Zagreb"></dimension>`,
		`<actual value="8"><dimension name="service" value="Team Zagreb"></dimension><dimension name="service_category" value="information"></dimension>`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(string(doc)), ""), strings.ReplaceAll(pair, " ", "")) {
			t.Errorf("IATI export lacks %s:\n%s", pair, doc)
		}
	}
	checkIATI(t, map[string][]byte{"nested": doc})
}
