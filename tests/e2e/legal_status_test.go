package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReportsCountTheLegalStatusOfThen: a donor's report by legal status
// describes its period and keeps its figures. Six persons were asylum
// seekers when Organisation A assisted them in 2024 (and took part in
// its 2024 workshop); they were recognised as refugees in February 2025
// and assisted again (and came to the 2025 workshop). Five were refugees
// all along; three migrants and two returnees were assisted in 2024 only.
// The 2024 report counts the six as asylum seekers, the 2025 report as
// refugees (before, both counted the status of today); the small cells
// stay hidden; erasing two of the six changes no figure of either year.
func TestReportsCountTheLegalStatusOfThen(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "RS-2024-PROT-01", "titles": []any{map[string]any{"lang": "en", "text": "Protection of asylum seekers and refugees"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2025-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Organisation B"}}}},
	}).must(t, 200).str("id")
	for _, in := range []struct{ code, metric string }{
		{"OP1", "METRIC_BENEFICIARIES_ASSISTED"},
		{"OP2", "METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED"},
	} {
		s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
			"code": in.code, "titles": []any{map[string]any{"text": in.metric}}, "unit": "persons", "level": "INDICATOR_LEVEL_OUTPUT",
			"metric": in.metric, "disaggregations": []string{"legal_status"},
		}).must(t, 200)
	}
	person := func(name, status, since string) string {
		t.Helper()
		return s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": name, "sex": "SEX_FEMALE", "birth_year": 1990,
			"legal_status": status, "legal_status_since": since}).must(t, 200).str("id")
	}
	assist := func(id, day string) {
		t.Helper()
		s.call(t, "POST", "/v1/beneficiaries/"+id+"/assistances", s.keyA, map[string]any{
			"project_id": project, "type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": day}).must(t, 200)
	}
	workshop := func(day string, persons []string) {
		t.Helper()
		ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, map[string]any{
			"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": "Your rights in Serbia", "start_date": day, "end_date": day,
		}).must(t, 200).str("id")
		for _, p := range persons {
			s.call(t, "POST", "/v1/trainingEvents/"+ev+"/participants", s.keyA, map[string]any{"beneficiary_id": p}).must(t, 200)
		}
	}
	var recognised, refugees []string
	for i := range 6 {
		recognised = append(recognised, person(fmt.Sprintf("Asylum seeker %d", i), "LEGAL_STATUS_ASYLUM_SEEKER", "2023-03-01"))
	}
	for i := range 5 {
		refugees = append(refugees, person(fmt.Sprintf("Refugee %d", i), "LEGAL_STATUS_REFUGEE", "2022-01-01"))
	}
	for _, p := range append(recognised, refugees...) {
		assist(p, "2024-05-10")
		assist(p, "2025-05-10")
	}
	for i := range 5 {
		status := []string{"LEGAL_STATUS_MIGRANT", "LEGAL_STATUS_RETURNEE"}[i%2]
		assist(person(fmt.Sprintf("Small cell %d", i), status, "2023-06-01"), "2024-07-01")
	}
	workshop("2024-09-16", append(recognised, refugees...))
	workshop("2025-09-15", recognised)
	// Recognised as refugees in February 2025.
	for _, p := range recognised {
		b := s.call(t, "GET", "/v1/beneficiaries/"+p, s.keyA, nil).must(t, 200)
		s.call(t, "PATCH", "/v1/beneficiaries/"+p, s.keyA, map[string]any{
			"etag": b.str("etag"), "legal_status": "LEGAL_STATUS_REFUGEE", "legal_status_since": "2025-02-01"}).must(t, 200)
	}

	// 2024: 6 asylum seekers, 5 refugees, 3 migrants and 2 returnees
	// hidden (together 5, they cannot be told from the total); 2025: 11
	// refugees. At the workshops: 6 and 5 in 2024, 6 refugees in 2025.
	type figures struct {
		total    string
		byStatus map[string]string
	}
	want := map[string]map[string]figures{
		"2024": {
			"OP1": {"16", map[string]string{"asylum_seeker": "6", "refugee": "5", "migrant": "*", "returnee": "*"}},
			"OP2": {"11", map[string]string{"asylum_seeker": "6", "refugee": "5"}},
		},
		"2025": {
			"OP1": {"11", map[string]string{"refugee": "11"}},
			"OP2": {"6", map[string]string{"refugee": "6"}},
		},
	}
	check := func(t *testing.T, key string) {
		t.Helper()
		for year, codes := range want {
			rep := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date="+year+"-01-01&end_date="+year+"-12-31", key, nil).must(t, 200)
			results, _ := rep.Body["results"].([]any)
			if len(results) != len(codes) {
				t.Fatalf("%s: %d results: %s", year, len(results), rep.Raw)
			}
			for _, r := range results {
				res := r.(map[string]any)
				got := figures{res["actual"].(map[string]any)["value"].(string), cells(res, "legal_status")}
				if diff := cmp.Diff(codes[res["code"].(string)], got, cmp.AllowUnexported(figures{})); diff != "" {
					t.Errorf("%s %s (-want +got):\n%s", year, res["code"], diff)
				}
			}
		}
	}
	t.Run("report for the implementing organisation", func(t *testing.T) { check(t, s.keyA) })
	t.Run("report for the funder", func(t *testing.T) {
		// A funder reads the planned span only (two periods could be
		// subtracted): 16 persons, the 6 recognised as refugees by their
		// last assistance (May 2025), the 3 migrants and 2 returnees hidden.
		for year, field := range map[string]string{"2024": "end_date", "2025": "start_date"} {
			r := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date="+year+"-01-01&end_date="+year+"-12-31", s.keyB, nil).must(t, 400)
			if !strings.Contains(r.Raw, `"field":"`+field+`"`) || !strings.Contains(r.Raw, "planned") {
				t.Fatalf("%s: %s", year, r.Raw)
			}
		}
		rep := s.call(t, "GET", "/v1/projects/"+project+"/report", s.keyB, nil).must(t, 200)
		span := map[string]figures{
			"OP1": {"16", map[string]string{"refugee": "11", "migrant": "*", "returnee": "*"}},
			"OP2": {"11", map[string]string{"refugee": "11"}},
		}
		for _, r := range rep.Body["results"].([]any) {
			res := r.(map[string]any)
			got := figures{res["actual"].(map[string]any)["value"].(string), cells(res, "legal_status")}
			if diff := cmp.Diff(span[res["code"].(string)], got, cmp.AllowUnexported(figures{})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", res["code"], diff)
			}
		}
	})
	for _, p := range recognised[:2] {
		s.call(t, "POST", "/v1/beneficiaries/"+p+":erase", s.keyA, map[string]any{"reason": "request of the person"}).must(t, 200)
	}
	t.Run("after two erasures", func(t *testing.T) { check(t, s.keyA) })
}
