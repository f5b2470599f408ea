package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMunicipalitySpellingsOneCell: persons of Šid recorded as Šid, Sid,
// ŠID and Шид, of Beograd as Beograd and Београд, of Apatin as Apatin and
// Апатин, assisted, referred and trained under one project with
// indicators by municipality, at the threshold of 3. Each municipality is
// one cell in every metric, labelled with the spelling most of the
// project's records give it; before, each spelling was a cell of its own:
// the donor's Šid figure of 5 was split in four and every piece was hidden
// as a small cell. The merged cell of Apatin (2) stays hidden, with the
// next cell (Beograd), or 12 - 5 - 5 would give it back.
func TestMunicipalitySpellingsOneCell(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	// Planned to a year after today: the referrals are sent today.
	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "MUN-1", "titles": []any{map[string]any{"lang": "en", "text": "Counselling"}},
		"planned_start_date": "2019-01-01", "planned_end_date": fmt.Sprintf("%d-12-31", time.Now().Year()+1), "sectors": []string{"15160"},
		"suppression_threshold": 3,
		"participating_organisations": []any{map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Donor B"}}}},
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Persons assisted"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"municipality"},
	}).must(t, 200)
	for i, m := range []string{"METRIC_REFERRALS_MADE", "METRIC_TRAINING_EVENTS", "METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED"} {
		s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
			"code": fmt.Sprintf("OP%d", i+2), "titles": []any{map[string]any{"text": m}}, "unit": "persons",
			"level": "INDICATOR_LEVEL_OUTPUT", "metric": m, "disaggregations": []string{"municipality"},
		}).must(t, 200)
	}
	var sid []string
	for i, m := range []string{"Šid", "Šid", "Sid", "ŠID", "Шид", "Beograd", "Beograd", "Beograd", "Београд", "Београд", "Apatin", "Апатин"} {
		id := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
			"given_name": fmt.Sprintf("Person %d", i), "sex": "SEX_FEMALE", "birth_year": 1990, "municipality": m}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/beneficiaries/"+id+"/assistances", s.keyA, map[string]any{
			"project_id": project, "type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": "2019-03-15"}).must(t, 200)
		if i >= 5 {
			continue
		}
		sid = append(sid, id)
		s.call(t, "POST", "/v1/beneficiaries/"+id+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).must(t, 200)
		ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": id, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_HIGH",
			"reason": "asylum procedure", "project_id": project,
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)
	}
	// Three workshops in Šid, as their organisers spelled it, for the same
	// five persons of Šid: five participants there, not five per spelling.
	for i, m := range []string{"Šid", "SID", "Шид"} {
		ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, map[string]any{
			"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": fmt.Sprintf("Workshop %d", i),
			"start_date": fmt.Sprintf("2019-0%d-02", i+4), "municipality": m, "country": "RS",
		}).must(t, 200).str("id")
		for _, p := range sid {
			s.call(t, "POST", "/v1/trainingEvents/"+ev+"/participants", s.keyA, map[string]any{"beneficiary_id": p}).must(t, 200)
		}
	}
	report := func(key string) map[string]map[string]string {
		got := map[string]map[string]string{}
		for _, res := range s.reportResults(t, project, key, 4) {
			got[res["metric"].(string)] = withTotal(res, "municipality")
		}
		return got
	}
	want := map[string]map[string]string{
		"METRIC_BENEFICIARIES_ASSISTED":              {"TOTAL": "12", "Šid": "5", "Beograd": "*", "Apatin": "*"},
		"METRIC_REFERRALS_MADE":                      {"TOTAL": "5", "Šid": "5"},
		"METRIC_TRAINING_EVENTS":                     {"TOTAL": "3", "Šid": "3"},
		"METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED": {"TOTAL": "5", "Šid": "5"},
	}
	for _, reader := range []struct{ name, key string }{{"implementing organisation", s.keyA}, {"funder", s.keyB}} {
		if diff := cmp.Diff(want, report(reader.key)); diff != "" {
			t.Errorf("%s's report by municipality (-want +got):\n%s", reader.name, diff)
		}
	}
}
