package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests here replay, through REST, the ways a funder got suppressed
// counts back (audit of the donors' figures): from one table, from a
// breakdown and the one it nests under, and from two periods.

// funded creates a project of organisation A funded by organisation B with
// one indicator of persons assisted by dims, and returns its id.
func (s *system) funded(t *testing.T, code string, threshold int, dims ...string) string {
	t.Helper()
	body := map[string]any{
		"code": code, "titles": []any{map[string]any{"lang": "en", "text": "Counselling"}},
		"planned_start_date": "2019-01-01", "planned_end_date": "2019-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{map[string]any{"organisation_id": s.orgID(t, "Organisation B"), "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Donor B"}}}},
	}
	if threshold != 0 {
		body["suppression_threshold"] = threshold
	}
	project := s.call(t, "POST", "/v1/projects", s.keyA, body).must(t, 200).str("id")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Persons assisted"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": dims,
	}).must(t, 200)
	return project
}

// assisted registers n persons and records an assistance to each under
// the project; extra goes into the assistance record.
func (s *system) assisted(t *testing.T, project string, n int, person, extra map[string]any) {
	t.Helper()
	for i := range n {
		p := map[string]any{"given_name": fmt.Sprintf("Person %d", i), "sex": "SEX_FEMALE", "birth_year": 1990}
		for k, v := range person {
			p[k] = v
		}
		id := s.call(t, "POST", "/v1/beneficiaries", s.keyA, p).must(t, 200).str("id")
		a := map[string]any{"project_id": project, "type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": "2019-03-15"}
		for k, v := range extra {
			a[k] = v
		}
		s.call(t, "POST", "/v1/beneficiaries/"+id+"/assistances", s.keyA, a).must(t, 200)
	}
}

// withTotal is cells plus the total under "TOTAL" ("*" when suppressed).
func withTotal(res map[string]any, dim string) map[string]string {
	out := cells(res, dim)
	a := res["actual"].(map[string]any)
	out["TOTAL"], _ = a["value"].(string)
	if a["suppressed"] == true {
		out["TOTAL"] = "*"
	}
	return out
}

// TestSuppressionPinsNoCellOfOneTable: at the threshold of 3, 16 persons,
// 7 asylum seekers, 7 migrants, a refugee and a stateless person. The old
// rule published "migrant 7, the rest hidden, 16": three small cells could
// hold at most 6, so one hidden cell was a secondary one, added only
// because the two small ones summed to less than 3: refugee 1 and
// stateless 1. Two small cells summing to 2 are pinned whatever else is
// hidden, so the funder now sees the total only.
func TestSuppressionPinsNoCellOfOneTable(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "SUP-1", 3, "legal_status")
	for _, g := range []struct {
		status string
		n      int
	}{{"LEGAL_STATUS_ASYLUM_SEEKER", 7}, {"LEGAL_STATUS_MIGRANT", 7}, {"LEGAL_STATUS_REFUGEE", 1}, {"LEGAL_STATUS_STATELESS", 1}} {
		s.assisted(t, project, g.n, map[string]any{"legal_status": g.status}, nil)
	}
	res := s.reportResults(t, project, s.keyB, 1)[0]
	want := map[string]string{"TOTAL": "16", "asylum_seeker": "*", "migrant": "*", "refugee": "*", "stateless": "*"}
	if diff := cmp.Diff(want, withTotal(res, "legal_status")); diff != "" {
		t.Fatalf("funder's report by legal status (-want +got):\n%s", diff)
	}
}

// TestSuppressionOfNestedBreakdowns: persons assisted by service and by
// service category in one report. The old report hid Team Kikinda (2) and
// the info point (6) among the services, but showed psychosocial 22 and
// information 6: 22 - 12 (Obrenovac) - 8 (Šid) = 2. Now each shown
// category is a total of its services, protected as one: Kikinda is hidden
// with the next service of its category, and the info point, alone in its
// category, is shown as the category is. Locations nest under their
// services: those of hidden services are left out.
func TestSuppressionOfNestedBreakdowns(t *testing.T) {
	s := startSystem(t)
	orgA := s.orgID(t, "Organisation A")
	project := s.funded(t, "SUP-2", 0, "service", "service_category", "location")
	publish := func(name, category, municipality string, n int) {
		r := s.call(t, "POST", "/v1/organisations/"+orgA+"/services", s.keyA, map[string]any{
			"name": name, "category": category, "accepting_referrals": true,
			"locations": []any{map[string]any{"name": name + " office", "municipality": municipality, "country": "RS"}}}).must(t, 200)
		loc := r.Body["locations"].([]any)[0].(map[string]any)["id"].(string)
		s.assisted(t, project, n, nil, map[string]any{"service_id": r.str("id"), "location_id": loc})
	}
	publish("Team Obrenovac", "REFERRAL_CATEGORY_PSYCHOSOCIAL", "Obrenovac", 12)
	publish("Team Šid", "REFERRAL_CATEGORY_PSYCHOSOCIAL", "Šid", 8)
	publish("Team Kikinda", "REFERRAL_CATEGORY_PSYCHOSOCIAL", "Kikinda", 2)
	publish("Info point", "REFERRAL_CATEGORY_INFORMATION", "Surčin", 6)

	res := s.reportResults(t, project, s.keyB, 1)[0]
	for dim, want := range map[string]map[string]string{
		"service_category": {"TOTAL": "28", "psychosocial": "22", "information": "6"},
		"service":          {"TOTAL": "28", "Team Obrenovac": "*", "Team Šid": "8", "Team Kikinda": "*", "Info point": "6"},
		"location":         {"TOTAL": "28", "Team Šid office": "8", "Info point office, Surčin": "6"},
	} {
		if diff := cmp.Diff(want, withTotal(res, dim)); diff != "" {
			t.Errorf("funder's report by %s (-want +got):\n%s", dim, diff)
		}
	}
}

// TestReportPeriodsOfFunders: 10 asylum seekers from Beograd assisted in
// March, 6 migrants from Subotica in April and a refugee from Kikinda on
// 15 June. The year hides Kikinda and Subotica; the year up to 14 June
// showed Subotica, and 17 - 10 - 6 gave back the one person from Kikinda,
// dated by moving the end a day at a time. A funder now gets the planned
// span only, in every format; the implementing organisation any period.
func TestReportPeriodsOfFunders(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "SUP-3", 0, "legal_status", "municipality")
	s.assisted(t, project, 10, map[string]any{"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Beograd"}, nil)
	s.assisted(t, project, 6, map[string]any{"legal_status": "LEGAL_STATUS_MIGRANT", "municipality": "Subotica"}, map[string]any{"date": "2019-04-15"})
	s.assisted(t, project, 1, map[string]any{"legal_status": "LEGAL_STATUS_REFUGEE", "municipality": "Kikinda"}, map[string]any{"date": "2019-06-15"})

	base := "/v1/projects/" + project
	for _, q := range []string{"/report", "/report?start_date=2019-01-01&end_date=2019-12-31", "/report?end_date=2019-12-31"} {
		res := s.call(t, "GET", base+q, s.keyB, nil).must(t, 200).Body["results"].([]any)[0].(map[string]any)
		if got := withTotal(res, "municipality"); got["TOTAL"] != "17" || got["Kikinda"] != "*" || got["Subotica"] != "*" {
			t.Fatalf("%s: %v", q, got)
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"/report?start_date=2019-01-01&end_date=2019-06-14", "end_date"},
		{"/report?end_date=2019-06-15", "end_date"},
		{"/report?start_date=2019-06-15", "start_date"},
		{"/report?start_date=2018-01-01&end_date=2020-12-31", "start_date"},
		{"/report:export?format=csv&start_date=2019-01-01&end_date=2019-06-14", "end_date"},
		{"/report:export?format=xlsx&end_date=2019-06-14", "end_date"},
		{"/report:export?format=iati&end_date=2019-06-14", "end_date"},
	} {
		r := s.call(t, "GET", base+tc.query, s.keyB, nil).must(t, 400)
		if !strings.Contains(r.Raw, `"field":"`+tc.field+`"`) || !strings.Contains(r.Raw, "planned") {
			t.Errorf("%s: %s", tc.query, r.Raw)
		}
	}
	s.call(t, "GET", base+"/report:export?format=csv", s.keyB, nil).must(t, 200)
	// The implementing organisation chooses its periods.
	res := s.call(t, "GET", base+"/report?start_date=2019-01-01&end_date=2019-06-14", s.keyA, nil).must(t, 200).Body["results"].([]any)[0].(map[string]any)
	if got := withTotal(res, "municipality"); got["TOTAL"] != "16" || got["Subotica"] != "6" {
		t.Fatalf("implementing organisation, to 14 June: %v", got)
	}
}

// TestOnlyTheImplementingOrganisationReadsUnsuppressed: the table of
// TestSuppressionPinsNoCellOfOneTable. The implementing organisation, which
// runs the project, reads every count with ?unsuppressed=true, in the report
// and its CSV; a funder asking is 400 naming the parameter, and so is an
// IATI file (made to be published) even for the implementing organisation.
// Without the parameter, the implementing organisation's report is
// suppressed as the funder's is, ready to hand on.
func TestOnlyTheImplementingOrganisationReadsUnsuppressed(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "SUP-4", 3, "legal_status")
	for _, g := range []struct {
		status string
		n      int
	}{{"LEGAL_STATUS_ASYLUM_SEEKER", 7}, {"LEGAL_STATUS_MIGRANT", 7}, {"LEGAL_STATUS_REFUGEE", 1}, {"LEGAL_STATUS_STATELESS", 1}} {
		s.assisted(t, project, g.n, map[string]any{"legal_status": g.status}, nil)
	}
	base := "/v1/projects/" + project
	rep := s.call(t, "GET", base+"/report?unsuppressed=true", s.keyA, nil).must(t, 200)
	raw := map[string]string{"TOTAL": "16", "asylum_seeker": "7", "migrant": "7", "refugee": "1", "stateless": "1"}
	if diff := cmp.Diff(raw, withTotal(rep.Body["results"].([]any)[0].(map[string]any), "legal_status")); diff != "" || rep.Body["suppression_threshold"] != float64(1) {
		t.Fatalf("implementing organisation's unsuppressed report, threshold %v (-want +got):\n%s", rep.Body["suppression_threshold"], diff)
	}
	csv := s.call(t, "GET", base+"/report:export?format=csv&unsuppressed=true", s.keyA, nil).must(t, 200)
	if !strings.Contains(csv.Raw, "refugee") || !strings.Contains(csv.Raw, ",1") {
		t.Fatalf("implementing organisation's unsuppressed CSV shows no refugee count of 1:\n%s", csv.Raw)
	}
	// The file says what it is by its name (its content cannot: the
	// suppressed column is false throughout, as in a file with nothing
	// small to hide), the suppressed one keeps the plain name.
	for _, f := range []struct{ query, want string }{
		{"format=csv&unsuppressed=true", `attachment; filename="SUP-4_2019-01-01_2019-12-31_unsuppressed.csv"`},
		{"format=xlsx&unsuppressed=true", `attachment; filename="SUP-4_2019-01-01_2019-12-31_unsuppressed.xlsx"`},
		{"format=csv", `attachment; filename="SUP-4_2019-01-01_2019-12-31.csv"`},
	} {
		r := s.call(t, "GET", base+"/report:export?"+f.query, s.keyA, nil).must(t, 200)
		if cd := r.Header.Get("Content-Disposition"); cd != f.want {
			t.Errorf("export %s: Content-Disposition %q, want %q", f.query, cd, f.want)
		}
	}
	hidden := map[string]string{"TOTAL": "16", "asylum_seeker": "*", "migrant": "*", "refugee": "*", "stateless": "*"}
	if diff := cmp.Diff(hidden, withTotal(s.reportResults(t, project, s.keyA, 1)[0], "legal_status")); diff != "" {
		t.Fatalf("implementing organisation's report without the parameter (-want +got):\n%s", diff)
	}
	for _, c := range []struct{ who, key, path string }{
		{"funder", s.keyB, "/report?unsuppressed=true"},
		{"funder", s.keyB, "/report:export?format=xlsx&unsuppressed=true"},
		{"implementing organisation", s.keyA, "/report:export?format=iati&unsuppressed=true"},
	} {
		r := s.call(t, "GET", base+c.path, c.key, nil).must(t, 400)
		if !strings.Contains(r.Raw, `"field":"unsuppressed"`) {
			t.Errorf("%s GET %s: no field violation naming unsuppressed: %s", c.who, c.path, r.Raw)
		}
	}
}

// TestThresholdChangeMovesTheFundersEtag: a funder revalidating its copy
// of an indicator (If-None-Match with the ETag it read) after the project's
// suppression threshold was raised gets the indicator as it reads now,
// its recorded value suppressed, not 304 Not Modified: the funder's etag
// covers what its answer depends on beyond the indicator (the threshold
// and the planned span it is read at), so it moves when they do. The
// implementing organisation's answer depends on the indicator alone: its
// etag stays, and its changes made against it still pass.
func TestThresholdChangeMovesTheFundersEtag(t *testing.T) {
	s := startSystem(t)
	project := s.funded(t, "ETAG-1", 3)
	in := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP2", "titles": []any{map[string]any{"text": "Children placed in foster care"}}, "unit": "children",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL",
	}).must(t, 200)
	path := "/v1/projects/" + project + "/indicators/" + in.str("id")
	s.call(t, "POST", path+":recordValue", s.keyA, map[string]any{"value": map[string]any{
		"period": map[string]any{"start_date": "2019-01-01", "end_date": "2019-03-31"}, "value": "4"}}).must(t, 200)

	value := func(r response) map[string]any { return r.Body["values"].([]any)[0].(map[string]any) }
	read := s.call(t, "GET", path, s.keyB, nil).must(t, 200)
	old := read.Header.Get("ETag")
	if v := value(read); v["value"] != "4" || old == "" || read.str("etag") != old {
		t.Fatalf("the funder's read at threshold 3: %s, ETag %q", read.Raw, old)
	}
	s.call(t, "GET", path, s.keyB, nil, "If-None-Match", old).must(t, 304)
	own := s.call(t, "GET", path, s.keyA, nil).must(t, 200).Header.Get("ETag")

	pr := s.call(t, "GET", "/v1/projects/"+project, s.keyA, nil).must(t, 200)
	s.call(t, "PATCH", "/v1/projects/"+project+"?update_mask=suppression_threshold", s.keyA,
		map[string]any{"suppression_threshold": 5, "etag": pr.str("etag")}).must(t, 200)

	again := s.call(t, "GET", path, s.keyB, nil, "If-None-Match", old)
	if again.Status != 200 {
		t.Fatalf("the funder revalidating its ETag %s after the threshold was raised to 5: %d, want 200 with the value suppressed", old, again.Status)
	}
	now := again.Header.Get("ETag")
	if v := value(again); v["suppressed"] != true || v["value"] != nil || now == old || again.str("etag") != now {
		t.Fatalf("the funder's read at threshold 5: %s, ETag %s (was %s)", again.Raw, now, old)
	}
	s.call(t, "GET", path, s.keyB, nil, "If-None-Match", now).must(t, 304)

	// The implementing organisation's view did not change: nor did its etag.
	s.call(t, "GET", path, s.keyA, nil, "If-None-Match", own).must(t, 304)
	s.call(t, "PATCH", path+"?update_mask=unit", s.keyA, map[string]any{"unit": "children placed"}, "If-Match", own).must(t, 200)
}
