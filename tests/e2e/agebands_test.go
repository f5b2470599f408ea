package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/aggregate"
)

// TestAgeBandsOneRule: the same five children, born on 31 December 18
// years before this year, assisted and referred today in one project, are
// in one age band in every indicator of the report: the age they reach in
// the year, from the birth year (18, so 18-59), in the assisted count as
// in the referrals', which took the exact age on the day sent (17, 12-17)
// before. Referrals stored by that rule are taken again by it after the
// upgrade (migration 00017 marks them stale).
func TestAgeBandsOneRule(t *testing.T) {
	s := startSystem(t, "REVOKE_RETRY_INTERVAL=200ms")
	orgB := s.orgID(t, "Organisation B")
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	year := today.Year
	born := fmt.Sprintf("%d-12-31", year-18)
	if today.Month == time.December && today.Day == 31 {
		// Both rules give 18 today: the test cannot tell them apart.
		t.Logf("on 31 December the exact age and the age in the year agree; this run proves nothing about the rule")
	}
	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "RS-AGES-01", "titles": []any{map[string]any{"lang": "en", "text": "Child protection"}},
		"planned_start_date": fmt.Sprintf("%d-01-01", year), "planned_end_date": fmt.Sprintf("%d-12-31", year), "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION",
	}).must(t, 200).str("id")
	for _, m := range []string{"METRIC_BENEFICIARIES_ASSISTED", "METRIC_REFERRALS_MADE"} {
		s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
			"code": m[7:17], "titles": []any{map[string]any{"text": m}}, "unit": "persons",
			"level": "INDICATOR_LEVEL_OUTPUT", "metric": m, "disaggregations": []string{"age_band"},
		}).must(t, 200)
	}
	var referrals []string
	for i := range 5 {
		ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
			"given_name": fmt.Sprintf("Child %d", i), "sex": "SEX_FEMALE", "birth_date": born,
			"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "vulnerabilities": []string{"VULNERABILITY_UNACCOMPANIED_CHILD"},
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/beneficiaries/"+ben+"/assistances", s.keyA, map[string]any{
			"project_id": project, "type": "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "date": today.String()}).must(t, 200)
		s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_GUARDIAN", "guardian_name": "Guardian", "scope": "legal referral"}).must(t, 200)
		ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_HIGH",
			"reason": "guardianship", "project_id": project,
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)
		referrals = append(referrals, ref)
	}
	report := func() map[string]map[string]string {
		rep := s.call(t, "GET", fmt.Sprintf("/v1/projects/%s/report?start_date=%d-01-01&end_date=%d-12-31", project, year, year), s.keyA, nil).must(t, 200)
		got := map[string]map[string]string{}
		for _, r := range rep.Body["results"].([]any) {
			res := r.(map[string]any)
			got[res["metric"].(string)] = cells(res, "age_band")
		}
		return got
	}
	want := map[string]map[string]string{
		"METRIC_BENEFICIARIES_ASSISTED": {"18-59": "5"},
		"METRIC_REFERRALS_MADE":         {"18-59": "5"},
	}
	got := report()
	t.Logf("born %s, assisted and referred on %s: %v", born, today, got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the same five children by age band, per metric (-want +got):\n%s", diff)
	}

	// The referrals as the version before stored them: the exact age's
	// band, marked stale by migration 00017. The referrals service takes
	// each again from the beneficiaries service.
	for _, ref := range referrals {
		s.sql(t, `UPDATE referrals.referrals SET ben_age_band = '12-17', ben_age_band_stale = true WHERE id = $1`, ref)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got = report()
		if cmp.Equal(want, got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("referrals stored by the old rule were not taken again: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := s.count(t, `SELECT count(*) FROM referrals.referrals WHERE ben_age_band_stale`); n != 0 {
		t.Fatalf("%d referrals still stale", n)
	}
}
