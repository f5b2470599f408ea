package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/testing/protocmp"
)

// TestMunicipalityCellsByFoldedSpelling: persons assisted under a project
// counted by municipality over gRPC. Šid, Sid and Шид are one cell labelled
// Šid (the spelling most persons give); a municipality recorded as
// "unknown", "UNKNOWN" or "-" is the one unknown cell with the persons
// recorded without one. Before, "unknown" as typed was a second cell
// labelled unknown beside the cell of the persons without a municipality.
func TestMunicipalityCellsByFoldedSpelling(t *testing.T) {
	c := start(t)
	org := servicetest.As(t, ids.New())
	project := c.project(t, org)
	for _, m := range []string{"Šid", "Šid", "Sid", "Шид", "", "-", "unknown", "UNKNOWN"} {
		b := mustCreate(t, c, org, &pb.Beneficiary{GivenName: "X", Sex: commonv1.Sex_SEX_FEMALE, Municipality: m})
		if _, err := c.CreateAssistance(org, &pb.CreateAssistanceRequest{BeneficiaryId: b.GetId(), Assistance: &pb.Assistance{
			ProjectId: project, Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2020-06-01"}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, groupBy := range [][]string{{"municipality"}, {"municipality", "assistance_type"}} {
		r, err := c.CountAssistedBeneficiaries(org, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		labels := func(m string) map[string]string {
			if len(groupBy) == 1 {
				return map[string]string{"municipality": m}
			}
			return map[string]string{"municipality": m, "assistance_type": "information"}
		}
		want := &commonv1.Aggregate{Total: 8, Groups: []*commonv1.Group{
			{Labels: labels("unknown"), Count: 4}, {Labels: labels("Šid"), Count: 4}}}
		if diff := cmp.Diff(want, r.GetAggregate(), protocmp.Transform()); diff != "" {
			t.Errorf("by %v (-want +got):\n%s", groupBy, diff)
		}
	}
}
