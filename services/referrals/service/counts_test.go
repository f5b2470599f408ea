package service_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/referrals/migrations"
	"github.com/spona/spona/services/referrals/service"
)

// projectReferral creates a legal referral of a new person (with a
// referral_sharing consent) from ctx's organisation to to under project,
// and sends it; it returns the referral, the person and the consent.
func (s *stack) projectReferral(t *testing.T, ctx context.Context, project, to string) (id, ben, consent string) {
	t.Helper()
	ben = s.beneficiary(t, ctx)
	consent = s.consent(t, ctx, ben, zeroTime)
	r, err := s.ref.CreateReferral(ctx, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: ben, ToOrganisationId: to,
		ProjectId: project, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Reason: "legal aid"}})
	if err != nil {
		t.Fatal(err)
	}
	s.must(t, ctx, "send", r.GetReferral().GetId())
	return r.GetReferral().GetId(), ben, consent
}

// stages counts the project's referrals in the period at each stage:
// "sent/accepted/completed".
func (s *stack) stages(t *testing.T, ctx context.Context, project string, period *commonv1.DateRange) string {
	t.Helper()
	var out []int64
	for _, st := range []pb.ReferralStage{pb.ReferralStage_REFERRAL_STAGE_UNSPECIFIED, pb.ReferralStage_REFERRAL_STAGE_ACCEPTED, pb.ReferralStage_REFERRAL_STAGE_COMPLETED} {
		r, err := s.ref.CountReferrals(ctx, &pb.CountReferralsRequest{ProjectId: project, Period: period, Stage: st})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.GetAggregate().GetTotal())
	}
	return fmt.Sprintf("%d/%d/%d", out[0], out[1], out[2])
}

// TestAcceptedReferralsStay: referrals accepted in a period stay counted as
// accepted when the sender cancels one later, or the person withdraws the
// consent another was sent under (audit finding: the figure of a closed
// period dropped).
func TestAcceptedReferralsStay(t *testing.T) {
	s := start(t)
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, a), partner(t, b)
	project := s.project(t, ctxA, nil, nil)
	var refs, bens, consents []string
	for range 4 {
		id, ben, consent := s.projectReferral(t, ctxA, project, b)
		s.must(t, ctxB, "accept", id)
		s.must(t, ctxB, "start", id)
		refs, bens, consents = append(refs, id), append(bens, ben), append(consents, consent)
	}
	s.must(t, ctxB, "complete", refs[3])
	declined, _, _ := s.projectReferral(t, ctxA, project, b)
	s.must(t, ctxB, "decline", declined)
	if got := s.stages(t, ctxA, project, nil); got != "5/4/1" {
		t.Fatalf("before: sent/accepted/completed %s, want 5/4/1", got)
	}
	s.must(t, ctxA, "cancel", refs[0])
	if _, err := s.ben.WithdrawConsent(ctxA, &benv1.WithdrawConsentRequest{BeneficiaryId: bens[1], Id: consents[1], Reason: "asked to"}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, "referral ended by the withdrawn consent", func() error {
		r, err := s.ref.GetReferral(ctxA, &pb.GetReferralRequest{Id: refs[1]})
		if err != nil {
			return err
		}
		if r.GetReferral().GetStatus() != pb.ReferralStatus_REFERRAL_STATUS_CANCELLED {
			return fmt.Errorf("status %v: %w", r.GetReferral().GetStatus(), errStill)
		}
		return nil
	})
	if got := s.stages(t, ctxA, project, nil); got != "5/4/1" {
		t.Errorf("after a cancellation and a withdrawn consent: sent/accepted/completed %s, want 5/4/1", got)
	}
}

// TestReferralDayInReportZone: a referral's day is the report time zone's
// (Europe/Belgrade by default), not the database's: sent at 00:30 on New
// Year's Day in Belgrade, it is a referral of the new year; each stage is
// dated by when the referral reached it (audit finding: counted in the old
// year, the database server's UTC day).
func TestReferralDayInReportZone(t *testing.T) {
	s := start(t)
	st := acceptedReferrals(t, s, 3, "accept")
	ctxA, project, refs := st.ctxA, st.project, st.refs
	// The clock cannot be set through the API: the times are moved in the
	// table. Sent and accepted late on New Year's Eve (UTC and Belgrade
	// alike) but one accepted at 00:30 on New Year's Day in Belgrade (23:30
	// UTC on New Year's Eve); one sent then too.
	s.sql(t, `UPDATE referrals.referrals SET send_time = '2025-12-31 20:00:00 Europe/Belgrade', accept_time = '2025-12-31 21:00:00 Europe/Belgrade' WHERE id = $1`, refs[0])
	s.sql(t, `UPDATE referrals.referrals SET send_time = '2025-12-31 20:00:00 Europe/Belgrade', accept_time = '2026-01-01 00:30:00 Europe/Belgrade' WHERE id = $1`, refs[1])
	s.sql(t, `UPDATE referrals.referrals SET send_time = '2026-01-01 00:30:00 Europe/Belgrade', accept_time = '2026-01-01 00:45:00 Europe/Belgrade' WHERE id = $1`, refs[2])
	for _, tc := range []struct {
		period *commonv1.DateRange
		want   string
	}{
		{&commonv1.DateRange{StartDate: "2025-01-01", EndDate: "2025-12-31"}, "2/1/0"},
		{&commonv1.DateRange{StartDate: "2026-01-01", EndDate: "2026-12-31"}, "1/2/0"},
		{&commonv1.DateRange{EndDate: "2025-12-31"}, "2/1/0"},
		{&commonv1.DateRange{StartDate: "2026-01-01"}, "1/2/0"},
		{&commonv1.DateRange{StartDate: "2026-01-01", EndDate: "2026-01-01"}, "1/2/0"},
	} {
		if got := s.stages(t, ctxA, project, tc.period); got != tc.want {
			t.Errorf("%s..%s: sent/accepted/completed %s, want %s", tc.period.GetStartDate(), tc.period.GetEndDate(), got, tc.want)
		}
	}
}

// TestStageTimesMigration: referrals stored before migration 00013 get
// their accept and completion times from their status history, so the
// accepted ones cancelled since count as accepted when the service has
// migrated them.
func TestStageTimesMigration(t *testing.T) {
	s := start(t)
	st := acceptedReferrals(t, s, 3, "accept", "start")
	b, ctxA, ctxB, project, refs := st.b, st.ctxA, st.ctxB, st.project, st.refs
	s.must(t, ctxB, "complete", refs[0])
	s.must(t, ctxA, "cancel", refs[1])
	s.projectReferral(t, ctxA, project, b) // sent only
	before := s.stages(t, ctxA, project, nil)
	if before != "4/3/1" {
		t.Fatalf("before: sent/accepted/completed %s, want 4/3/1", before)
	}
	db, err := pgx.Connect(t.Context(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	again := &stack{ref: pb.NewReferralServiceClient(s.upgraded(t, 13))}
	if got := again.stages(t, ctxA, project, nil); got != before {
		t.Errorf("after the migration: sent/accepted/completed %s, want %s", got, before)
	}
	var mismatched int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM referrals.referrals r WHERE accept_time IS DISTINCT FROM
		(SELECT min(create_time) FROM referrals.referral_events e WHERE e.referral_id = r.id AND e.to_status = 'accepted')`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Errorf("%d referrals with an accept time other than their history's (%v)", mismatched, err)
	}
}

// TestAgeBandMigration: age bands stored before migration 00017 (by the
// exact age) are marked stale, all but 60+ (which cannot change), and the
// service takes each again from the birth year the beneficiaries service
// holds; a draft has no band to take.
func TestAgeBandMigration(t *testing.T) {
	s := start(t)
	st := acceptedReferrals(t, s, 2)
	// Born 30 years ago (birth year only): 18-59 by either rule; stored
	// as a lower band, as the exact age could have put one whose
	// birthday is later in the year, and one as 60+.
	s.sql(t, `UPDATE referrals.referrals SET ben_age_band = '12-17' WHERE id = $1`, st.refs[0])
	s.sql(t, `UPDATE referrals.referrals SET ben_age_band = '60+' WHERE id = $1`, st.refs[1])
	db, err := pgx.Connect(t.Context(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "referrals", migrations.FS, 17)
	again := pb.NewReferralServiceClient(servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url),
		BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr, RevokeRetryInterval: 100 * time.Millisecond})))
	want := map[string]int64{"18-59": 1, "60+": 1}
	var got map[string]int64
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		r, err := again.CountReferrals(st.ctxA, &pb.CountReferralsRequest{ProjectId: st.project, GroupBy: []string{"age_band"}})
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]int64{}
		for _, g := range r.GetAggregate().GetGroups() {
			got[g.GetLabels()["age_band"]] = g.GetCount()
		}
		if maps.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("referrals by age band after the migration: %v, want %v", got, want)
		}
	}
	var stale int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM referrals.referrals WHERE ben_age_band_stale`).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d referrals still stale (%v)", stale, err)
	}
}

// staged is a project of a sender (A) with n referrals to a receiver (B)
// taken by B through actions.
type staged struct {
	b          string
	ctxA, ctxB context.Context
	project    string
	refs       []string
}

func acceptedReferrals(t *testing.T, s *stack, n int, actions ...string) staged {
	t.Helper()
	a, b := s.org(t, "Sender"), s.org(t, "Receiver")
	st := staged{b: b, ctxA: partner(t, a), ctxB: partner(t, b)}
	st.project = s.project(t, st.ctxA, nil, nil)
	for range n {
		id, _, _ := s.projectReferral(t, st.ctxA, st.project, b)
		for _, act := range actions {
			s.must(t, st.ctxB, act, id)
		}
		st.refs = append(st.refs, id)
	}
	return st
}

// TestStageTimesOfPreviousRelease: during a rolling upgrade, replicas of a
// release before migration 00013 accept, start and complete referrals
// with their own UPDATE, which does not know accept_time and
// complete_time; those referrals still count as accepted (completed) in
// the period they reached the stage in.
func TestStageTimesOfPreviousRelease(t *testing.T) {
	s := start(t)
	st := acceptedReferrals(t, s, 3)
	if got := s.stages(t, st.ctxA, st.project, nil); got != "3/0/0" {
		t.Fatalf("sent: sent/accepted/completed %s, want 3/0/0", got)
	}
	// The previous release's transitions (its adapter's UPDATE): status,
	// close time, outcome, version, update time.
	old := func(id, status string, closed bool) {
		t.Helper()
		s.sql(t, `UPDATE referrals.referrals SET status = $2, close_time = CASE WHEN $3 THEN now() ELSE close_time END,
			version = version + 1, update_time = now() WHERE id = $1`, id, status, closed)
	}
	old(st.refs[0], "accepted", false)
	old(st.refs[1], "accepted", false)
	old(st.refs[1], "in_progress", false)
	old(st.refs[1], "completed", true)
	if got := s.stages(t, st.ctxA, st.project, nil); got != "3/2/1" {
		t.Errorf("after the previous release's accept and completion: sent/accepted/completed %s, want 3/2/1", got)
	}
	days := &commonv1.DateRange{StartDate: time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly),
		EndDate: time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)}
	if got := s.stages(t, st.ctxA, st.project, days); got != "3/2/1" {
		t.Errorf("in the days around today: sent/accepted/completed %s, want 3/2/1", got)
	}
	// The current release keeps the times it set: a completion after its
	// own accept is dated by it, the accept not moved.
	db, err := pgx.Connect(t.Context(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var accepted time.Time
	if err := db.QueryRow(t.Context(), `SELECT accept_time FROM referrals.referrals WHERE id = $1`, st.refs[0]).Scan(&accepted); err != nil {
		t.Fatal(err)
	}
	s.must(t, st.ctxB, "start", st.refs[0])
	var again time.Time
	if err := db.QueryRow(t.Context(), `SELECT accept_time FROM referrals.referrals WHERE id = $1`, st.refs[0]).Scan(&again); err != nil || !again.Equal(accepted) {
		t.Errorf("accept time %v after the current release's start, was %v (%v)", again, accepted, err)
	}
}

// TestStatusAtPeriodEnd: the referrals made in a closed period are broken
// down by the status each had at the period's end, so the breakdown does
// not change as they go on (audit r12-donors finding: made in December
// and by status "sent 1, accepted 1, declined 1" at the year's end, the
// 2025 report said "accepted 1, completed 1, declined 1" once one was
// accepted and one completed in January).
func TestStatusAtPeriodEnd(t *testing.T) {
	s := start(t)
	st := acceptedReferrals(t, s, 3)
	ctxA, ctxB, project, refs := st.ctxA, st.ctxB, st.project, st.refs
	s.must(t, ctxB, "accept", refs[0])
	s.must(t, ctxB, "accept", refs[1])
	s.must(t, ctxB, "start", refs[1])
	s.must(t, ctxB, "complete", refs[1])
	s.must(t, ctxB, "decline", refs[2])
	// The clock cannot be set through the API: the times are moved in the
	// tables. All three sent on 10 December 2025; in December refs[1] was
	// accepted and refs[2] declined; the rest happened in January.
	s.sql(t, `UPDATE referrals.referrals SET send_time = '2025-12-10 10:00:00 Europe/Belgrade' WHERE id = ANY($1::uuid[])`, refs)
	s.sql(t, `UPDATE referrals.referral_events SET create_time = '2025-12-10 10:00:00 Europe/Belgrade' WHERE referral_id = ANY($1::uuid[]) AND to_status IN ('draft', 'sent')`, refs)
	s.sql(t, `UPDATE referrals.referral_events SET create_time = '2025-12-11 10:00:00 Europe/Belgrade' WHERE referral_id = $1 AND to_status = 'accepted'`, refs[1])
	s.sql(t, `UPDATE referrals.referral_events SET create_time = '2025-12-12 10:00:00 Europe/Belgrade' WHERE referral_id = $1 AND to_status = 'declined'`, refs[2])
	s.sql(t, `UPDATE referrals.referral_events SET create_time = '2026-01-05 10:00:00 Europe/Belgrade' WHERE referral_id = ANY($1::uuid[]) AND to_status IN ('accepted', 'in_progress', 'completed') AND NOT (referral_id = $2 AND to_status = 'accepted')`, refs, refs[1])
	byStatus := func(period *commonv1.DateRange) map[string]int64 {
		t.Helper()
		r, err := s.ref.CountReferrals(ctxA, &pb.CountReferralsRequest{ProjectId: project, Period: period, GroupBy: []string{"status", "category"}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{"total": r.GetAggregate().GetTotal()}
		for _, g := range r.GetAggregate().GetGroups() {
			got[g.GetLabels()["status"]] += g.GetCount()
		}
		return got
	}
	for _, tc := range []struct {
		period *commonv1.DateRange
		want   map[string]int64
	}{
		{&commonv1.DateRange{StartDate: "2025-01-01", EndDate: "2025-12-31"}, map[string]int64{"total": 3, "sent": 1, "accepted": 1, "declined": 1}},
		{&commonv1.DateRange{StartDate: "2025-12-01", EndDate: "2025-12-10"}, map[string]int64{"total": 3, "sent": 3}},
		// Open-ended: as they are now.
		{&commonv1.DateRange{StartDate: "2025-01-01"}, map[string]int64{"total": 3, "accepted": 1, "completed": 1, "declined": 1}},
		{&commonv1.DateRange{StartDate: "2025-01-01", EndDate: "2026-12-31"}, map[string]int64{"total": 3, "accepted": 1, "completed": 1, "declined": 1}},
	} {
		if got := byStatus(tc.period); !maps.Equal(got, tc.want) {
			t.Errorf("%s..%s by status: %v, want %v", tc.period.GetStartDate(), tc.period.GetEndDate(), got, tc.want)
		}
	}
}
