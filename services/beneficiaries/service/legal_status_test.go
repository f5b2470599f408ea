package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// TestLegalStatusOnTheDay: counts by legal status take the status the
// person had then, from the legal status history, not the one they have
// now. Amina, an asylum seeker since 2023 assisted in 2024, recognised as
// a refugee in February 2025 and assisted again in 2025, counts as an
// asylum seeker in 2024 and as a refugee in 2025; each person lands in one
// cell, the status on the day of their last assistance in the period
// (Boris: subsidiary protection from June 2024, assisted before and after
// it); by assistance type, the status on the day of the last assistance
// of that type; a status recorded later with the same since date replaces
// the earlier one (Dana); a day before the first entry takes the first
// entry (Eldin, whose status was recorded after his assistance); merging
// a duplicate joins the two histories (Goran, registered again as a
// refugee from July 2024); a status cleared later ends on the day it is
// cleared, the days before keep it (Filip); a status recorded later for an earlier time goes before
// the entries it precedes (Hana, a refugee from May 2024, then recorded
// as an asylum seeker from 2023); a report without a period takes each person's last
// assistance ever. Erasure keeps the history and every figure. The cohorts the trainings service
// counts take the status on the member's legal_status_date alike.
func TestLegalStatusOnTheDay(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	project := c.project(t, ctx)
	person := func(name string, status pb.LegalStatus, since string) string {
		t.Helper()
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name, Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990,
			LegalStatus: status, LegalStatusSince: since}).GetId()
	}
	change := func(id string, status pb.LegalStatus, since string) {
		t.Helper()
		b, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
			Beneficiary: &pb.Beneficiary{Id: id, Etag: b.GetBeneficiary().GetEtag(), LegalStatus: status, LegalStatusSince: since},
			UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"legal_status", "legal_status_since"}}}); err != nil {
			t.Fatal(err)
		}
	}
	assist := func(id, day string, typ pb.AssistanceType) {
		t.Helper()
		if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: id, Assistance: &pb.Assistance{
			ProjectId: project, Type: typ, Date: day}}); err != nil {
			t.Fatal(err)
		}
	}
	const info, legal = pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING
	amina := person("Amina", pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2023-05-01")
	assist(amina, "2024-03-10", info)
	assist(amina, "2025-06-01", info)
	change(amina, pb.LegalStatus_LEGAL_STATUS_REFUGEE, "2025-02-01")
	boris := person("Boris", pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2023-01-01")
	change(boris, pb.LegalStatus_LEGAL_STATUS_SUBSIDIARY_PROTECTION, "2024-06-01")
	assist(boris, "2024-02-01", info)
	assist(boris, "2024-09-01", legal)
	dana := person("Dana", pb.LegalStatus_LEGAL_STATUS_MIGRANT, "2024-01-01")
	change(dana, pb.LegalStatus_LEGAL_STATUS_STATELESS, "2024-01-01") // a correction of the same day
	assist(dana, "2024-05-01", info)
	eldin := person("Eldin", pb.LegalStatus_LEGAL_STATUS_RETURNEE, "2024-08-01")
	change(eldin, pb.LegalStatus_LEGAL_STATUS_MIGRANT, "2025-01-01")
	assist(eldin, "2024-04-01", info)
	goran := person("Goran", pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2022-01-01")
	assist(goran, "2024-03-01", info)
	again := person("Goran", pb.LegalStatus_LEGAL_STATUS_REFUGEE, "2024-07-01")
	assist(again, "2024-09-01", legal)
	if _, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: goran, DuplicateId: again}); err != nil {
		t.Fatal(err)
	}
	filip := person("Filip", pb.LegalStatus_LEGAL_STATUS_REFUGEE, "2023-01-01")
	assist(filip, "2024-05-01", info)
	change(filip, pb.LegalStatus_LEGAL_STATUS_UNSPECIFIED, "")
	hana := person("Hana", pb.LegalStatus_LEGAL_STATUS_REFUGEE, "2024-05-01")
	assist(hana, "2024-06-01", info)
	change(hana, pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, "2023-01-01")

	count := func(year string, groupBy ...string) aggregate.Aggregate {
		t.Helper()
		var period *commonv1.DateRange // none: every record
		if year != "" {
			period = &commonv1.DateRange{StartDate: year + "-01-01", EndDate: year + "-12-31"}
		}
		r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: groupBy,
			Period: period, EachDimension: true})
		if err != nil {
			t.Fatal(err)
		}
		agg := aggregate.FromProto(r.GetAggregate())
		agg.Sort()
		return agg
	}
	group := func(n int64, labels ...string) aggregate.Group {
		g := aggregate.Group{Labels: map[string]string{}, Count: n}
		for i := 0; i < len(labels); i += 2 {
			g.Labels[labels[i]] = labels[i+1]
		}
		return g
	}
	sorted := func(a aggregate.Aggregate) aggregate.Aggregate { a.Sort(); return a }
	want2024 := sorted(aggregate.Aggregate{Total: 7, Groups: []aggregate.Group{
		group(1, "legal_status", "asylum_seeker"), group(1, "legal_status", "subsidiary_protection"),
		group(1, "legal_status", "stateless"), group(1, "legal_status", "returnee"), group(3, "legal_status", "refugee"),
		group(7, "sex", "female"),
	}})
	want2025 := sorted(aggregate.Aggregate{Total: 1, Groups: []aggregate.Group{
		group(1, "legal_status", "refugee"), group(1, "sex", "female"),
	}})
	// Over every record: Eldin was last assisted before he became a
	// migrant.
	wantEver := sorted(aggregate.Aggregate{Total: 7, Groups: []aggregate.Group{
		group(4, "legal_status", "refugee"), group(1, "legal_status", "subsidiary_protection"),
		group(1, "legal_status", "stateless"), group(1, "legal_status", "returnee"),
		group(7, "sex", "female"),
	}})
	// With an assistance dimension: Boris is an asylum seeker for the
	// information he got in February, like Amina and Goran.
	wantByType := sorted(aggregate.Aggregate{Total: 7, Groups: []aggregate.Group{
		group(3, "assistance_type", "information", "legal_status", "asylum_seeker"),
		group(1, "assistance_type", "information", "legal_status", "stateless"),
		group(1, "assistance_type", "information", "legal_status", "returnee"),
		group(2, "assistance_type", "information", "legal_status", "refugee"),
		group(1, "assistance_type", "legal_counselling", "legal_status", "subsidiary_protection"),
		group(1, "assistance_type", "legal_counselling", "legal_status", "refugee"),
	}})
	byType := func() aggregate.Aggregate {
		t.Helper()
		r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project,
			GroupBy: []string{"assistance_type", "legal_status"},
			Period:  &commonv1.DateRange{StartDate: "2024-01-01", EndDate: "2024-12-31"}})
		if err != nil {
			t.Fatal(err)
		}
		agg := aggregate.FromProto(r.GetAggregate())
		agg.Sort()
		return agg
	}

	// The trainings service's cohorts: Amina on a day of 2024, of 2025,
	// and with both in one cohort (the latest counts); Eldin before his
	// first entry.
	trainings := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, c.conn.Target(), "beneficiaries", "trainings"))
	reader := servicetest.As(t, org, auth.ScopeBeneficiariesCount)
	on := func(id, day string) *pb.CountedBeneficiary {
		return &pb.CountedBeneficiary{BeneficiaryId: id, OrganisationIds: []string{org}, LegalStatusDate: day}
	}
	cohorts := func() aggregate.Aggregate {
		t.Helper()
		r, err := trainings.CountBeneficiaries(reader, &pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
			{Labels: map[string]string{"event_type": "workshop"}, Beneficiaries: []*pb.CountedBeneficiary{on(amina, "2024-10-01"), on(eldin, "2024-03-01")}},
			{Labels: map[string]string{"event_type": "club"}, Beneficiaries: []*pb.CountedBeneficiary{on(amina, "2025-02-01")}},
			{Labels: map[string]string{"event_type": "seminar"}, Beneficiaries: []*pb.CountedBeneficiary{on(amina, "2025-03-01"), on(amina, "2024-03-01")}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		agg := aggregate.FromProto(r.GetAggregate())
		agg.Sort()
		return agg
	}
	wantCohorts := sorted(aggregate.Aggregate{Total: 2, Groups: []aggregate.Group{
		group(1, "event_type", "workshop", "legal_status", "asylum_seeker"), group(1, "event_type", "workshop", "legal_status", "returnee"),
		group(1, "event_type", "club", "legal_status", "refugee"), group(1, "event_type", "seminar", "legal_status", "refugee"),
	}})

	check := func(when string) {
		t.Helper()
		for name, tc := range map[string]struct{ got, want aggregate.Aggregate }{
			"2024":             {count("2024", "sex", "legal_status"), want2024},
			"2025":             {count("2025", "sex", "legal_status"), want2025},
			"no period":        {count("", "sex", "legal_status"), wantEver},
			"2024 by type":     {byType(), wantByType},
			"trainings cohort": {cohorts(), wantCohorts},
		} {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s, %s (-want +got):\n%s", when, name, diff)
			}
		}
	}
	check("before erasure")
	for _, id := range []string{amina, boris} {
		if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: id, Reason: "request"}); err != nil {
			t.Fatal(err)
		}
	}
	check("after erasure")
	if t.Failed() {
		return
	}
	// Erasure kept the history (legal status and dates are no personal
	// data to erase: DESIGN, personal data lifecycle).
	var rows int
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.legal_status_history WHERE beneficiary_id = ANY ($1::uuid[])`,
		[]string{amina, boris}).Scan(&rows); err != nil || rows != 4 {
		t.Fatalf("history rows of the erased: %d (%v)", rows, err)
	}
	// The days each entry is stored as valid on (migration 00015) give, for
	// every person and day, the entry the rule picks (written out here as
	// a lookup per day): exactly one, the same.
	var mismatches []string
	bad, err := conn.Query(context.Background(), `SELECT p.id::text, d.day::date::text, rule, COALESCE(stored, 'no entry')
		FROM unnest($1::uuid[]) p (id), generate_series(DATE '2021-12-01', DATE '2025-12-31', '1 day') d (day),
		LATERAL (SELECT h.legal_status FROM beneficiaries.legal_status_history h WHERE h.beneficiary_id = p.id
			ORDER BY h.since <= d.day DESC, CASE WHEN h.since <= d.day THEN h.since END DESC, h.since, h.create_time DESC, h.id DESC
			LIMIT 1) r (rule),
		LATERAL (SELECT string_agg(h.legal_status, ',') FROM beneficiaries.legal_status_history h
			WHERE h.beneficiary_id = p.id AND d.day >= h.valid_from AND d.day < h.valid_until) s (stored)
		WHERE rule IS DISTINCT FROM stored`, []string{amina, boris, dana, eldin, goran, filip, hana})
	if err != nil {
		t.Fatal(err)
	}
	for bad.Next() {
		var id, day, rule, stored string
		if err := bad.Scan(&id, &day, &rule, &stored); err != nil {
			t.Fatal(err)
		}
		mismatches = append(mismatches, fmt.Sprintf("%s on %s: %s, stored %s", id, day, rule, stored))
	}
	if err := bad.Err(); err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Errorf("%d person-days whose stored legal status is not the rule's, e.g. %s", len(mismatches), mismatches[0])
	}
}

// TestLegalStatusChangedWithoutSince: a PATCH of legal_status alone (the
// person was recognised, no date given) starts the new status on the day
// it is recorded, as legal_status_since promises ("defaults to the day it
// is recorded"), and leaves the history before it alone. Before, the new
// status took the previous status's since date: it became a correction of
// that entry, and every report of the years before counted the person
// under the status they got only now (an asylum seeker assisted in 2024
// counted as a refugee in the 2024 report).
func TestLegalStatusChangedWithoutSince(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	project, amina := assistedAsylumSeeker(t, c, ctx, "2024-03-10")
	u, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: amina.GetId(), Etag: amina.GetEtag(), LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"legal_status"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := u.GetBeneficiary().GetLegalStatusHistory()
	var got []string
	for _, e := range h {
		got = append(got, e.GetLegalStatus().String()+" since "+e.GetSince())
	}
	today := h[len(h)-1].GetRecordTime().AsTime().In(mustZone(t)).Format("2006-01-02")
	want := []string{"LEGAL_STATUS_ASYLUM_SEEKER since 2023-05-01", "LEGAL_STATUS_REFUGEE since " + today}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history after a new status without a since date (-want +got):\n%s", diff)
	}
	if s := u.GetBeneficiary().GetLegalStatusSince(); s == "2023-05-01" {
		t.Errorf("the refugee status is said to have begun on %s, the asylum seeker status's start", s)
	}
	if g := statuses2024(t, c, ctx, project); len(g) != 1 || g[0].Labels["legal_status"] != "asylum_seeker" {
		t.Errorf("2024 report by legal status: %+v, want the one person an asylum seeker (as she was in 2024)", g)
	}
}

// assistedAsylumSeeker registers Amina, an asylum seeker since 1 May 2023,
// in a new project of the organisation of ctx, with legal counselling on
// day.
func assistedAsylumSeeker(t *testing.T, c clients, ctx context.Context, day string) (project string, amina *pb.Beneficiary) {
	t.Helper()
	project = c.project(t, ctx)
	amina = mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Amina", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2023-05-01"})
	if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: amina.GetId(), Assistance: &pb.Assistance{
		ProjectId: project, Type: pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: day}}); err != nil {
		t.Fatal(err)
	}
	return project, amina
}

// statuses2024 is the project's 2024 count of persons assisted by legal
// status.
func statuses2024(t *testing.T, c clients, ctx context.Context, project string) []aggregate.Group {
	t.Helper()
	r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: []string{"legal_status"},
		Period: &commonv1.DateRange{StartDate: "2024-01-01", EndDate: "2024-12-31"}})
	if err != nil {
		t.Fatal(err)
	}
	return aggregate.FromProto(r.GetAggregate()).Groups
}

// mustZone is the report time zone the service's "today" is a day of.
func mustZone(t *testing.T) *time.Location {
	t.Helper()
	z, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestMergeKeepsTheLatestLegalStatus: merging joins the two legal status
// histories, and the survivor's current legal status (what lists filter
// on, grantees see and a referral sent afterwards records for the
// referral reports) is the one that history makes current: the
// duplicate's when its latest entry is the later one (Goran, an asylum
// seeker since 2022, registered again as a refugee from July 2024), the
// survivor's own otherwise (Hana). Before, the survivor kept its own
// status whatever the history said.
func TestMergeKeepsTheLatestLegalStatus(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	person := func(name string, status pb.LegalStatus, since string) string {
		t.Helper()
		return mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: name, Sex: commonv1.Sex_SEX_MALE, BirthYear: 1980,
			LegalStatus: status, LegalStatusSince: since}).GetId()
	}
	const asylum, refugee = pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, pb.LegalStatus_LEGAL_STATUS_REFUGEE
	for _, tc := range []struct {
		name                string
		survivor, duplicate [2]any // status, since
		wantStatus          pb.LegalStatus
		wantSince           string
	}{
		{"the duplicate's status is the later", [2]any{asylum, "2022-01-01"}, [2]any{refugee, "2024-07-01"}, refugee, "2024-07-01"},
		{"the survivor's status is the later", [2]any{refugee, "2024-07-01"}, [2]any{asylum, "2022-01-01"}, refugee, "2024-07-01"},
		{"the survivor has none", [2]any{pb.LegalStatus_LEGAL_STATUS_UNSPECIFIED, ""}, [2]any{refugee, "2024-07-01"}, refugee, "2024-07-01"},
		{"the duplicate has none", [2]any{asylum, "2022-01-01"}, [2]any{pb.LegalStatus_LEGAL_STATUS_UNSPECIFIED, ""}, asylum, "2022-01-01"},
	} {
		survivor := person("Goran", tc.survivor[0].(pb.LegalStatus), tc.survivor[1].(string))
		dup := person("Goran", tc.duplicate[0].(pb.LegalStatus), tc.duplicate[1].(string))
		m, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: survivor, DuplicateId: dup})
		if err != nil {
			t.Fatal(err)
		}
		got := m.GetBeneficiary()
		if got.GetLegalStatus() != tc.wantStatus || got.GetLegalStatusSince() != tc.wantSince {
			h := got.GetLegalStatusHistory()
			t.Errorf("%s: survivor's legal status %s since %q, want %s since %s (history's last entry: %v)", tc.name,
				got.GetLegalStatus(), got.GetLegalStatusSince(), tc.wantStatus, tc.wantSince, h[len(h)-1])
		}
		l, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{LegalStatus: tc.wantStatus, PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, b := range l.GetBeneficiaries() {
			listed = listed || b.GetId() == survivor
		}
		if !listed {
			t.Errorf("%s: the survivor is not listed under legal_status %s", tc.name, tc.wantStatus)
		}
	}
}

// TestLegalStatusSinceCorrected: a PATCH of legal_status_since alone (the
// status unchanged) corrects when the current status began: the history
// has that status from the corrected day, not from both days. Amina, an
// asylum seeker since May 2023, was recorded as a refugee from 1 February
// 2024, a slip for 1 March; corrected, she is an asylum seeker on the
// day of her assistance in mid-February, in the history and in the
// report. Before, the correction was appended as another refugee entry
// and the February one stayed, so she stayed a refugee from February.
func TestLegalStatusSinceCorrected(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	project, b := assistedAsylumSeeker(t, c, ctx, "2024-02-15")
	patch := func(in *pb.Beneficiary, paths ...string) *pb.Beneficiary {
		return mustPatch(t, c, ctx, &b, in, paths...)
	}
	patch(&pb.Beneficiary{LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2024-02-01"}, "legal_status", "legal_status_since")
	got := patch(&pb.Beneficiary{LegalStatusSince: "2024-03-01"}, "legal_status_since")
	var history []string
	for _, e := range got.GetLegalStatusHistory() {
		history = append(history, e.GetLegalStatus().String()+" since "+e.GetSince())
	}
	want := []string{"LEGAL_STATUS_ASYLUM_SEEKER since 2023-05-01", "LEGAL_STATUS_REFUGEE since 2024-03-01"}
	if diff := cmp.Diff(want, history); diff != "" || got.GetLegalStatusSince() != "2024-03-01" {
		t.Errorf("after correcting the refugee status's start to 2024-03-01 (legal_status_since %s), history (-want +got):\n%s",
			got.GetLegalStatusSince(), diff)
	}
	if g := statuses2024(t, c, ctx, project); len(g) != 1 || g[0].Labels["legal_status"] != "asylum_seeker" {
		t.Errorf("2024 report by legal status: %+v, want her an asylum seeker (as she was on 15 February)", g)
	}
}

// TestClearedLegalStatusEnds: clearing a person's legal status (PATCH of
// legal_status without a value) ends the status held on the day it is
// cleared: the history gets an entry of no status since that day, so the
// status of any later day is none (a cohort counted by a day after it, a
// report of an assistance given after it), while the days before keep
// theirs (the 2024 report still counts her a refugee). Merging a
// duplicate whose status was cleared after every entry of the survivor
// leaves the survivor with none, as the joined history says. Before, the
// history kept the last status open until infinity: a cohort of 2099 and
// an assistance recorded after the clearing counted her a refugee, and
// the merged survivor kept a status its history had ended (found with
// TestLegalStatusOnTheDay's Filip, audit r13).
func TestClearedLegalStatusEnds(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	project := c.project(t, ctx)
	clear := func(id string) *pb.Beneficiary {
		t.Helper()
		b, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
			Beneficiary: &pb.Beneficiary{Id: id, Etag: b.GetBeneficiary().GetEtag()},
			UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"legal_status"}}})
		if err != nil {
			t.Fatal(err)
		}
		return u.GetBeneficiary()
	}
	today := time.Now().In(mustZone(t)).Format("2006-01-02")
	ana := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", Sex: commonv1.Sex_SEX_FEMALE, BirthYear: 1990,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2023-01-01"}).GetId()
	if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: ana, Assistance: &pb.Assistance{
		ProjectId: project, Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: "2024-05-01"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range clear(ana).GetLegalStatusHistory() {
		got = append(got, e.GetLegalStatus().String()+" since "+e.GetSince())
	}
	if want := []string{"LEGAL_STATUS_REFUGEE since 2023-01-01", "LEGAL_STATUS_UNSPECIFIED since " + today}; !cmp.Equal(want, got) {
		t.Errorf("history after clearing: %v, want %v", got, want)
	}
	if _, err := c.CreateAssistance(ctx, &pb.CreateAssistanceRequest{BeneficiaryId: ana, Assistance: &pb.Assistance{
		ProjectId: project, Type: pb.AssistanceType_ASSISTANCE_TYPE_LEGAL_COUNSELLING, Date: today}}); err != nil {
		t.Fatal(err)
	}
	if g := statuses2024(t, c, ctx, project); len(g) != 1 || g[0].Labels["legal_status"] != "refugee" {
		t.Errorf("2024 report by legal status: %+v, want her a refugee (as she was in 2024)", g)
	}
	r, err := c.CountAssistedBeneficiaries(ctx, &pb.CountAssistedBeneficiariesRequest{ProjectId: project, GroupBy: []string{"legal_status"},
		Period: &commonv1.DateRange{StartDate: today, EndDate: today}})
	if err != nil {
		t.Fatal(err)
	}
	if g := aggregate.FromProto(r.GetAggregate()).Groups; len(g) != 1 || g[0].Labels["legal_status"] != "unknown" {
		t.Errorf("report of today (assisted after clearing) by legal status: %+v, want her with none (unknown)", g)
	}

	// Merged: Goran a refugee since 2020, registered again as an asylum
	// seeker from 2021 whose status was cleared since.
	goran := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Goran", Sex: commonv1.Sex_SEX_MALE, BirthYear: 1985,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE, LegalStatusSince: "2020-01-01"}).GetId()
	again := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Goran", Sex: commonv1.Sex_SEX_MALE, BirthYear: 1985,
		LegalStatus: pb.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, LegalStatusSince: "2021-01-01"}).GetId()
	clear(again)
	m, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: goran, DuplicateId: again})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.GetBeneficiary().GetLegalStatus(); s != pb.LegalStatus_LEGAL_STATUS_UNSPECIFIED {
		t.Errorf("merged survivor's legal status: %s, want none (the joined history ends with the clearing)", s)
	}

	trainings := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, c.conn.Target(), "beneficiaries", "trainings"))
	reader := servicetest.As(t, org, auth.ScopeBeneficiariesCount)
	on := func(id, day string) *pb.CountedBeneficiary {
		return &pb.CountedBeneficiary{BeneficiaryId: id, OrganisationIds: []string{org}, LegalStatusDate: day}
	}
	cr, err := trainings.CountBeneficiaries(reader, &pb.CountBeneficiariesRequest{GroupBy: []string{"legal_status"}, Cohorts: []*pb.BeneficiaryCohort{
		{Labels: map[string]string{"year": "2024"}, Beneficiaries: []*pb.CountedBeneficiary{on(ana, "2024-06-01"), on(goran, "2024-06-01")}},
		{Labels: map[string]string{"year": "2099"}, Beneficiaries: []*pb.CountedBeneficiary{on(ana, "2099-01-01"), on(goran, "2099-01-01")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregate.FromProto(cr.GetAggregate())
	agg.Sort()
	group := func(n int64, year, status string) aggregate.Group {
		return aggregate.Group{Labels: map[string]string{"year": year, "legal_status": status}, Count: n}
	}
	want := aggregate.Aggregate{Total: 2, Groups: []aggregate.Group{group(1, "2024", "asylum_seeker"), group(1, "2024", "refugee"),
		group(2, "2099", "unknown")}}
	want.Sort()
	if diff := cmp.Diff(want, agg); diff != "" {
		t.Errorf("cohorts by legal status (-want +got):\n%s", diff)
	}
}
