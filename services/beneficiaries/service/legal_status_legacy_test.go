package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestClearedBeforeR13Ended: a legal status cleared before r13 made a
// clearing end the status (no entry of no status in the history, the
// record without a status) ends, when the service starts, on the day the
// audit log dates its clearing, in the report time zone (cleared at 23:30
// UTC on 30 November 2024, in Belgrade on 1 December): a cohort of 2025
// counts Ana with no status, one of November 2024 as a refugee. Marko,
// whose status was blanked with no change of legal_status audited after
// it was recorded, keeps his history as it is (his clearing day cannot be
// known). A second start changes nothing. Before, both stayed refugees on
// every later day (left by r13).
func TestClearedBeforeR13Ended(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	ana := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2023-01-01"})
	if _, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{Id: ana.GetId(), Etag: ana.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legal_status"}}}); err != nil {
		t.Fatal(err)
	}
	marko := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Marko", Sex: commonv1.Sex_SEX_MALE, BirthYear: 1985,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2022-05-01"})
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// As before r13: Ana's status recorded in 2023 and cleared on 30
	// November 2024 at 23:30 UTC, with no entry of no status; Marko's
	// blanked without a change audited.
	a, m := ana.GetId(), marko.GetId()
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`SET search_path = beneficiaries`, nil},
		{`DELETE FROM legal_status_history WHERE beneficiary_id = $1 AND legal_status = ''`, []any{a}},
		{`UPDATE legal_status_history SET create_time = '2023-01-02T10:00:00Z' WHERE beneficiary_id = $1`, []any{a}},
		{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`, nil},
		{`UPDATE audit_events SET time = '2024-11-30T23:30:00Z' WHERE beneficiary_id = $1 AND action = 'update'`, []any{a}},
		{`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`, nil},
		{`SELECT legal_status_validity(ARRAY[$1::uuid])`, []any{a}},
		{`UPDATE beneficiaries SET legal_status = '' WHERE id = $1`, []any{m}},
	} {
		if _, err := conn.Exec(context.Background(), s.sql, s.args...); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
	}
	history := func(c pb.BeneficiaryServiceClient, id string) []string {
		t.Helper()
		r, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range r.GetBeneficiary().GetLegalStatusHistory() {
			out = append(out, e.GetLegalStatus().String()+" since "+e.GetSince())
		}
		return out
	}
	for start := range 2 {
		c2 := restarted(t, c)
		if got, want := history(c2, ana.GetId()), []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_UNSPECIFIED since 2024-12-01"}; !cmp.Equal(got, want) {
			t.Errorf("start %d: Ana's history %v, want %v", start+1, got, want)
		}
		if got, want := history(c2, marko.GetId()), []string{"LEGAL_STATUS_REFUGEE since 2022-05-01"}; !cmp.Equal(got, want) {
			t.Errorf("start %d: Marko's history %v, want %v", start+1, got, want)
		}
	}
	trainings := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, c.conn.Target(), "beneficiaries", "trainings"))
	reader := servicetest.As(t, org, auth.ScopeBeneficiariesCount)
	cr, err := trainings.CountBeneficiaries(reader, &pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
		{Labels: map[string]string{"day": "2024-11-30"}, Beneficiaries: []*pb.CountedBeneficiary{
			{BeneficiaryId: ana.GetId(), OrganisationIds: []string{org}, LegalStatusDate: "2024-11-30"}}},
		{Labels: map[string]string{"day": "2025-06-01"}, Beneficiaries: []*pb.CountedBeneficiary{
			{BeneficiaryId: ana.GetId(), OrganisationIds: []string{org}, LegalStatusDate: "2025-06-01"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregate.FromProto(cr.GetAggregate())
	agg.Sort()
	want := aggregate.Aggregate{Total: 1, Groups: []aggregate.Group{
		{Labels: map[string]string{"day": "2024-11-30", "legal_status": "refugee"}, Count: 1},
		{Labels: map[string]string{"day": "2025-06-01", "legal_status": "unknown"}, Count: 1}}}
	want.Sort()
	if diff := cmp.Diff(want, agg); diff != "" {
		t.Errorf("Ana's cohorts by legal status (-want +got):\n%s", diff)
	}
}
