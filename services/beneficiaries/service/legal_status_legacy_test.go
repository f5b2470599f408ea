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
	history := func(c pb.BeneficiaryServiceClient, id string) []string { return historyOf(t, ctx, c, id) }
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

// TestClearedBeforeR13FollowedEnded: a legal status cleared before r13
// (no entry of no status in the history) after which a new status was
// recorded ends, when the service starts, on the day the audit log dates
// its clearing: Vesna, a refugee from 2023 whose status was cleared on 30
// November 2024 at 23:30 UTC (1 December in Belgrade) and who got
// subsidiary protection from March 2025, held none in between, and a
// cohort of January 2025 counts her with no status. A status recorded
// after the clearing for a day before it covers the clearing's day
// (Sanja, subsidiary protection from June 2024 recorded after hers): her
// history is left as it is, as is Pavle's, whose status changed without a
// clearing, and Iva's, into whom a record of hers was merged (which of
// the joined histories a clearing ended cannot be told). A second start changes nothing. Before, Vesna stayed a
// refugee until March 2025 (r14 left-alone item: EndOpenClears ends only
// the statuses still cleared).
func TestClearedBeforeR13FollowedEnded(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	exec := func(sql string, args ...any) {
		t.Helper()
		for _, s := range []string{`SET search_path = beneficiaries`, `ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`,
			sql, `ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`} {
			a := args
			if s != sql {
				a = nil
			}
			if _, err := conn.Exec(context.Background(), s, a...); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	// refugee since 2023, cleared (as before r13, with no entry) at
	// clearedAt, then status since since, recorded on 5 March 2025.
	person := func(name, clearedAt string, status pb.LegalStatus, since string) string {
		b := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name, Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990,
			LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2023-01-01"})
		exec(`UPDATE legal_status_history SET create_time = '2023-01-02T10:00:00Z' WHERE beneficiary_id = $1`, b.GetId())
		if clearedAt != "" {
			mustPatch(t, c, ctx, &b, &pb.Beneficiary{}, "legal_status")
			exec(`DELETE FROM legal_status_history WHERE beneficiary_id = $1 AND legal_status = ''`, b.GetId())
			exec(`UPDATE audit_events SET time = $2 WHERE beneficiary_id = $1 AND action = 'update'`, b.GetId(), clearedAt)
		}
		mustPatch(t, c, ctx, &b, &pb.Beneficiary{LegalStatus: status, LegalStatusSince: since}, "legal_status", "legal_status_since")
		exec(`UPDATE legal_status_history SET create_time = '2025-03-05T09:00:00Z' WHERE beneficiary_id = $1 AND create_time > '2026-01-01'`, b.GetId())
		exec(`UPDATE audit_events SET time = '2025-03-05T09:00:00.05Z' WHERE beneficiary_id = $1 AND action = 'update' AND time > '2026-01-01'`, b.GetId())
		exec(`SELECT legal_status_validity(ARRAY[$1::uuid])`, b.GetId())
		return b.GetId()
	}
	const subsidiary = pb.LegalStatus_LEGAL_STATUS_SUBSIDIARY_PROTECTION
	vesna := person("Vesna", "2024-11-30T23:30:00Z", subsidiary, "2025-03-01")
	sanja := person("Sanja", "2024-11-30T23:30:00Z", subsidiary, "2024-06-01")
	pavle := person("Pavle", "", pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2024-06-01")
	// Iva, cleared as Vesna was, then joined with a record of hers.
	iva := person("Iva", "2024-11-30T23:30:00Z", subsidiary, "2025-03-01")
	if _, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: iva,
		DuplicateId: mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Iva", BirthYear: 1990}).GetId()}); err != nil {
		t.Fatal(err)
	}
	// Nada, refugee, then an asylum seeker (recorded in error: the entry
	// deleted later), then with subsidiary protection since a day after
	// the wrong change was recorded: the audited change whose entry is
	// gone is no clearing.
	nada := person("Nada", "", pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2024-06-01")
	{
		r, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: nada})
		if err != nil {
			t.Fatal(err)
		}
		b := r.GetBeneficiary()
		wrong := b.GetLegalStatusHistory()[1].GetId()
		mustPatch(t, c, ctx, &b, &pb.Beneficiary{LegalStatus: subsidiary, LegalStatusSince: "2025-03-10"}, "legal_status", "legal_status_since")
		exec(`UPDATE legal_status_history SET create_time = '2025-04-01T09:00:00Z' WHERE beneficiary_id = $1 AND create_time > '2026-01-01'`, nada)
		exec(`UPDATE audit_events SET time = '2025-04-01T09:00:00.05Z' WHERE beneficiary_id = $1 AND action = 'update' AND time > '2026-01-01'`, nada)
		exec(`SELECT legal_status_validity(ARRAY[$1::uuid])`, nada)
		if _, err := c.DeleteLegalStatusChange(ctx, &pb.DeleteLegalStatusChangeRequest{BeneficiaryId: nada, Id: wrong, Etag: b.GetEtag()}); err != nil {
			t.Fatal(err)
		}
	}
	history := func(c pb.BeneficiaryServiceClient, id string) []string { return historyOf(t, ctx, c, id) }
	for start := range 2 {
		c2 := restarted(t, c)
		for _, tc := range []struct {
			name, id string
			want     []string
		}{
			{"Vesna", vesna, []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_UNSPECIFIED since 2024-12-01",
				"LEGAL_STATUS_SUBSIDIARY_PROTECTION since 2025-03-01"}},
			{"Sanja", sanja, []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_SUBSIDIARY_PROTECTION since 2024-06-01"}},
			{"Pavle", pavle, []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_ASYLUM_SEEKER since 2024-06-01"}},
			{"Iva", iva, []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_SUBSIDIARY_PROTECTION since 2025-03-01"}},
			{"Nada", nada, []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_SUBSIDIARY_PROTECTION since 2025-03-10"}},
		} {
			if got := history(c2, tc.id); !cmp.Equal(got, tc.want) {
				t.Errorf("start %d: %s's history %v, want %v", start+1, tc.name, got, tc.want)
			}
		}
	}
	trainings := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, c.conn.Target(), "beneficiaries", "trainings"))
	reader := servicetest.As(t, org, auth.ScopeBeneficiariesCount)
	cr, err := trainings.CountBeneficiaries(reader, &pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
		{Labels: map[string]string{"day": "2025-01-15"}, Beneficiaries: []*pb.CountedBeneficiary{
			{BeneficiaryId: vesna, OrganisationIds: []string{org}, LegalStatusDate: "2025-01-15"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregate.FromProto(cr.GetAggregate())
	if want := (aggregate.Aggregate{Total: 1, Groups: []aggregate.Group{
		{Labels: map[string]string{"day": "2025-01-15", "legal_status": "unknown"}, Count: 1}}}); !cmp.Equal(want, agg) {
		t.Errorf("Vesna's cohort of January 2025: %+v, want her with no status", agg)
	}
}

// historyOf lists the legal status history of beneficiary id as c reads
// it ("LEGAL_STATUS_REFUGEE since 2023-01-01").
func historyOf(t *testing.T, ctx context.Context, c pb.BeneficiaryServiceClient, id string) []string {
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
