package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/testkit/standards"
)

// TestAssistanceByTeamAndLocation is issue 14 through REST, as the partners
// of the source documents use Spona. Organisation A runs psychosocial
// protection teams in five municipalities (two counsellors and an
// interpreter each) and two neighbourhood clubs; Organisation B, an
// implementing partner, runs the info point for returnees at the airport.
// Each is a directory service with its location, and each assistance names
// the team and place that gave it. The project's report shows persons
// assisted per team and per location for its period, hides small cells,
// and counts a person helped by two teams once in the total. A referral to
// the info point, completed with its outcome, records the returnee's
// assistance for B exactly once, even when the completion is retried.
func TestAssistanceByTeamAndLocation(t *testing.T) {
	s := startSystem(t)
	orgA, orgB := s.orgID(t, "Organisation A"), s.orgID(t, "Organisation B")
	s.verifyIdentifier(t, orgA, "RS-APR-17123456")
	newProject := func(code, title string) string {
		return s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
			"code": code, "titles": []any{map[string]any{"lang": "en", "text": title}},
			"planned_start_date": "2019-01-01", "planned_end_date": "2019-12-31", "sectors": []string{"15160"},
			"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION",
			"participating_organisations": []any{map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_IMPLEMENTING",
				"names": []any{map[string]any{"text": "Organisation B"}}}},
		}).must(t, 200).str("id")
	}
	project := newProject("RS-2019-PSS-01", "Psychosocial protection of refugees and migrants in reception centres")

	// The directory: five teams, the info point, two clubs.
	type service struct{ id, location string }
	publish := func(key, org string, body map[string]any) service {
		t.Helper()
		r := s.call(t, "POST", "/v1/organisations/"+org+"/services", key, body).must(t, 200)
		locs, _ := r.Body["locations"].([]any)
		if len(locs) != 1 || locs[0].(map[string]any)["id"] == "" {
			t.Fatalf("service without a location id: %s", r.Raw)
		}
		return service{r.str("id"), locs[0].(map[string]any)["id"].(string)}
	}
	municipalities := []string{"Obrenovac", "Šid", "Sombor", "Subotica", "Preševo"}
	teams := map[string]service{}
	for _, m := range municipalities {
		teams[m] = publish(s.keyA, orgA, map[string]any{
			"name":            "Psychosocial protection team " + m,
			"localized_names": map[string]string{"sr-Latn": "Tim za psihosocijalnu zaštitu " + m},
			"category":        "REFERRAL_CATEGORY_PSYCHOSOCIAL", "languages": []string{"sr-Latn", "ar", "fa", "ps"},
			"accepting_referrals": true,
			"locations":           []any{map[string]any{"name": "Asylum centre " + m, "municipality": m, "country": "RS"}},
			"contacts": []any{
				map[string]any{"title": "psychologist, counsellor", "phone": "+381 11 100 0001"},
				map[string]any{"title": "social worker, counsellor", "phone": "+381 11 100 0002"},
				map[string]any{"title": "interpreter (Arabic, Farsi, Pashto)", "phone": "+381 11 100 0003"},
			},
		})
	}
	infoPoint := publish(s.keyB, orgB, map[string]any{
		"name": "Info point for returnees", "localized_names": map[string]string{"sr-Latn": "Info punkt za povratnike"},
		"category": "REFERRAL_CATEGORY_INFORMATION", "accepting_referrals": true, "languages": []string{"sr-Latn", "de"},
		"description": "Information on documents, health insurance, schooling and social assistance for persons returned under readmission agreements.",
		"locations":   []any{map[string]any{"name": "Readmission office, Nikola Tesla Airport", "municipality": "Surčin", "country": "RS"}},
	})
	clubs := map[string]service{}
	for _, m := range []string{"Zvezdara", "Palilula"} {
		clubs[m] = publish(s.keyA, orgA, map[string]any{
			"name": "Neighbourhood club " + m, "category": "REFERRAL_CATEGORY_COMMUNITY",
			"description": "Homework help, language classes and play for children of the neighbourhood, refugee and local.",
			"eligibility": map[string]any{"minimum_age": 6, "maximum_age": 15},
			"locations":   []any{map[string]any{"name": "Club " + m, "municipality": m, "country": "RS"}},
		})
	}
	// The directory lists them by category and place.
	if l := s.call(t, "GET", "/v1/services?category=REFERRAL_CATEGORY_PSYCHOSOCIAL&municipality=Sombor", s.keyB, nil).must(t, 200); len(l.Body["services"].([]any)) != 1 {
		t.Fatalf("teams in Sombor: %s", l.Raw)
	}

	person := func(key, name string, extra map[string]any) string {
		t.Helper()
		body := map[string]any{"given_name": name, "sex": []string{"SEX_FEMALE", "SEX_MALE"}[len(name)%2],
			"birth_year": 1990, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}
		for k, v := range extra {
			body[k] = v
		}
		return s.call(t, "POST", "/v1/beneficiaries", key, body).must(t, 200).str("id")
	}
	assist := func(key, beneficiary, project string, at service, typ, day string) response {
		t.Helper()
		return s.call(t, "POST", "/v1/beneficiaries/"+beneficiary+"/assistances", key, map[string]any{
			"project_id": project, "type": typ, "date": day, "service_id": at.id, "location_id": at.location})
	}

	// Persons each team assisted in 2019; one person helped in Šid is
	// helped again in Sombor: 31 team cells, 30 persons.
	perTeam := map[string]int{"Obrenovac": 12, "Šid": 8, "Sombor": 5, "Subotica": 3, "Preševo": 2}
	var helpedInSid string
	for _, m := range municipalities {
		for i := range perTeam[m] {
			p := person(s.keyA, fmt.Sprintf("%s %d", m, i), nil)
			assist(s.keyA, p, project, teams[m], "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", fmt.Sprintf("2019-%02d-15", 1+i%11)).must(t, 200)
			if m == "Šid" && i == 0 {
				helpedInSid = p
			}
		}
	}
	assist(s.keyA, helpedInSid, project, teams["Sombor"], "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "2019-09-03").must(t, 200)
	// Before the project period: not counted.
	assist(s.keyA, person(s.keyA, "Earlier", nil), project, teams["Obrenovac"], "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "2018-12-20").must(t, 200)

	t.Run("bad input", func(t *testing.T) {
		p := person(s.keyA, "Not referred", nil)
		// B's info point: B has no access to this person.
		r := assist(s.keyA, p, project, infoPoint, "ASSISTANCE_TYPE_INFORMATION", "2019-05-05").must(t, 403)
		if r.Body["code"] != float64(7) {
			t.Fatalf("403 body: %s", r.Raw)
		}
		r = assist(s.keyA, p, project, service{"0190a1b2-0000-7000-8000-000000000000", ""}, "ASSISTANCE_TYPE_INFORMATION", "2019-05-05").must(t, 400)
		if !strings.Contains(r.Raw, "google.rpc.BadRequest") || !strings.Contains(r.Raw, `"field":"assistance.service_id"`) {
			t.Fatalf("unknown service: no field violation for assistance.service_id: %s", r.Raw)
		}
		r = assist(s.keyA, p, project, service{teams["Šid"].id, teams["Sombor"].location}, "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "2019-05-05").must(t, 400)
		if !strings.Contains(r.Raw, `"field":"assistance.location_id"`) {
			t.Fatalf("another team's location: %s", r.Raw)
		}
		if l := s.call(t, "GET", "/v1/beneficiaries/"+p+"/assistances", s.keyA, nil).must(t, 200); l.Body["assistances"] != nil {
			t.Fatalf("refused assistance was stored: %s", l.Raw)
		}
	})

	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Persons assisted by the psychosocial protection teams"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED",
		"disaggregations": []string{"location", "service", "service_category"},
		"targets":         []any{map[string]any{"period": map[string]any{"start_date": "2019-01-01", "end_date": "2019-12-31"}, "value": "25"}},
	}).must(t, 200)

	reportUntil := func(t *testing.T, key, project, end string) map[string]any {
		t.Helper()
		r := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date=2019-01-01&end_date="+end, key, nil).must(t, 200)
		return r.Body["results"].([]any)[0].(map[string]any)
	}
	report := func(t *testing.T, key, project string) map[string]any {
		t.Helper()
		return reportUntil(t, key, project, "2019-12-31")
	}

	t.Run("persons assisted per team and location", func(t *testing.T) {
		for _, key := range []string{s.keyA, s.keyB} {
			op1 := report(t, key, project)
			// 30 persons, though the cells add up to 31: the person helped
			// in Šid and in Sombor is one person.
			if v := op1["actual"].(map[string]any)["value"]; v != "30" || op1["target"] != "25" {
				t.Fatalf("persons assisted: %v (target %v), want 30 (25): %v", v, op1["target"], op1)
			}
			// The teams of Subotica (3) and Preševo (2) are small and
			// hidden; together (5) they cannot be told apart from the
			// category's total. Each team works in one place, so their
			// locations (nested under the teams) are left out.
			byPlace := map[string]string{"Obrenovac": "12", "Šid": "8", "Sombor": "6", "Subotica": "*", "Preševo": "*"}
			wantTeams, wantLocations := map[string]string{}, map[string]string{}
			for place, v := range byPlace {
				wantTeams["Psychosocial protection team "+place] = v
				if v != "*" {
					wantLocations["Asylum centre "+place] = v
				}
			}
			if diff := cmp.Diff(wantLocations, cells(op1, "location")); diff != "" {
				t.Fatalf("by location (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantTeams, cells(op1, "service")); diff != "" {
				t.Fatalf("by team (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"psychosocial": "30"}, cells(op1, "service_category")); diff != "" {
				t.Fatalf("by category (-want +got):\n%s", diff)
			}
		}
		// Labels stay the directory's ids, with the names beside them.
		op1 := report(t, s.keyA, project)
		for _, d := range op1["disaggregations"].([]any) {
			d := d.(map[string]any)
			if d["dimension"] != "location" {
				continue
			}
			for _, c := range d["cells"].([]any) {
				c := c.(map[string]any)
				if c["name"] == "Asylum centre Šid" && c["label"] != teams["Šid"].location {
					t.Fatalf("location cell %v, want label %s", c, teams["Šid"].location)
				}
			}
		}
		csv := s.call(t, "GET", "/v1/projects/"+project+"/report:export?format=csv&start_date=2019-01-01&end_date=2019-12-31", s.keyB, nil).must(t, 200)
		if !strings.Contains(csv.Raw, "location,"+teams["Obrenovac"].location+",12,false,Asylum centre Obrenovac") {
			t.Fatalf("csv lacks the named Obrenovac cell:\n%s", csv.Raw)
		}
		iati := s.call(t, "GET", "/v1/projects/"+project+"/report:export?format=iati", s.keyA, nil).must(t, 200)
		if !strings.Contains(iati.Raw, `<dimension name="location" value="Asylum centre Obrenovac"></dimension>`) &&
			!strings.Contains(iati.Raw, `<dimension name="location" value="Asylum centre Obrenovac"/>`) {
			t.Fatalf("iati lacks the named location:\n%s", iati.Raw)
		}
		standards.ValidateIATI(t, map[string][]byte{"teams": []byte(iati.Raw)})
		if fails := standards.IATIRuleFailures([]byte(iati.Raw), time.Now()); len(fails) > 0 {
			t.Fatalf("teams report breaks IATI rules: %v\n%s", fails, iati.Raw)
		}
	})

	t.Run("neighbourhood clubs", func(t *testing.T) {
		clubProject := newProject("RS-2019-CLUB-01", "Neighbourhood clubs for children")
		for i := range 7 {
			club := clubs["Zvezdara"]
			if i >= 5 {
				club = clubs["Palilula"]
			}
			child := person(s.keyA, fmt.Sprintf("Child %d", i), map[string]any{"birth_year": 2010, "legal_status": "LEGAL_STATUS_REFUGEE"})
			assist(s.keyA, child, clubProject, club, "ASSISTANCE_TYPE_EDUCATION_SUPPORT", "2019-10-01").must(t, 200)
		}
		s.call(t, "POST", "/v1/projects/"+clubProject+"/indicators", s.keyA, map[string]any{
			"code": "OP1", "titles": []any{map[string]any{"text": "Children attending the clubs"}}, "unit": "persons",
			"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"location"},
		}).must(t, 200)
		op1 := report(t, s.keyA, clubProject)
		// Palilula's 2 are hidden, and so Zvezdara's 5, or 7 - 5 would tell.
		if v := op1["actual"].(map[string]any)["value"]; v != "7" {
			t.Fatalf("children: %v", op1)
		}
		if diff := cmp.Diff(map[string]string{"Club Zvezdara": "*", "Club Palilula": "*"}, cells(op1, "location")); diff != "" {
			t.Fatalf("clubs by location (-want +got):\n%s", diff)
		}
	})

	t.Run("referral completed with its assistance, once", func(t *testing.T) {
		returnee := person(s.keyA, "Returnee", map[string]any{"legal_status": "LEGAL_STATUS_RETURNEE"})
		s.call(t, "POST", "/v1/beneficiaries/"+returnee+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referral to the info point"}).must(t, 200)
		ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": returnee, "to_organisation_id": orgB, "to_service_id": infoPoint.id,
			"category": "REFERRAL_CATEGORY_INFORMATION", "reason": "documents and health insurance after readmission",
			"project_id": project,
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":accept", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":start", s.keyB, map[string]any{}).must(t, 200)
		// Delivered today: an assistance answering a referral is not dated
		// before the referral was sent.
		zone, err := aggregate.LoadZone("")
		if err != nil {
			t.Fatal(err)
		}
		today := aggregate.Today(zone, time.Now()).String()
		body := map[string]any{
			"outcome":    map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "health insurance card issued"},
			"assistance": map[string]any{"type": "ASSISTANCE_TYPE_INFORMATION", "date": today, "project_id": project, "location_id": infoPoint.location},
		}
		first := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, body, "Idempotency-Key", "complete-"+ref).must(t, 200)
		outcome, _ := first.Body["outcome"].(map[string]any)
		assistanceID, _ := outcome["assistance_id"].(string)
		if first.str("status") != "REFERRAL_STATUS_COMPLETED" || assistanceID == "" {
			t.Fatalf("completed: %s", first.Raw)
		}
		// A retry with the key is answered as the first; one without it
		// (its answer lost too) is answered with the referral as it is;
		// another outcome is an illegal transition. None records anything.
		again := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, body, "Idempotency-Key", "complete-"+ref).must(t, 200)
		if again.Raw != first.Raw {
			t.Fatalf("retry answered differently:\n%s\n%s", first.Raw, again.Raw)
		}
		if r := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, body).must(t, 200); r.str("status") != "REFERRAL_STATUS_COMPLETED" ||
			r.str("etag") != first.str("etag") {
			t.Fatalf("the completion sent again without its key: %s", r.Raw)
		}
		other := map[string]any{"outcome": map[string]any{"code": "OUTCOME_CODE_PARTIALLY_PROVIDED"}}
		if r := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, other).must(t, 400); errorReason(r) != "ILLEGAL_TRANSITION" {
			t.Fatalf("completing twice: %s", r.Raw)
		}
		l := s.call(t, "GET", "/v1/beneficiaries/"+returnee+"/assistances", s.keyA, nil).must(t, 200)
		list, _ := l.Body["assistances"].([]any)
		if len(list) != 1 {
			t.Fatalf("returnee's assistance: want exactly 1 record, got %s", l.Raw)
		}
		a := list[0].(map[string]any)
		if a["id"] != assistanceID || a["organisation_id"] != orgB || a["service_id"] != infoPoint.id ||
			a["location_id"] != infoPoint.location || a["referral_id"] != ref || a["type"] != "ASSISTANCE_TYPE_INFORMATION" {
			t.Fatalf("returnee's assistance: %v", a)
		}
		// B's access ended with the referral: no extra right to the person.
		s.call(t, "GET", "/v1/beneficiaries/"+returnee, s.keyB, nil).must(t, 404)
		// The project's report until today (the implementing organisation
		// may ask for any period) now counts the returnee at the info point.
		op1 := reportUntil(t, s.keyA, project, today)
		if v := op1["actual"].(map[string]any)["value"]; v != "31" {
			t.Fatalf("persons assisted after the info point: %v", op1)
		}
		// Its category (information, 1) is small and hides the other
		// (psychosocial, 30) with it; the teams and places under hidden
		// categories are left out, or they would add up to them.
		if got := cells(op1, "service_category"); !cmp.Equal(got, map[string]string{"information": "*", "psychosocial": "*"}) {
			t.Fatalf("categories with the info point: %v", got)
		}
		if got, loc := cells(op1, "service"), cells(op1, "location"); len(got) != 0 || len(loc) != 0 {
			t.Fatalf("services %v and locations %v under hidden categories, want none", got, loc)
		}
	})
}

// TestBeneficiaryParticipantsBySexAndOrganisation is issue 14 §1 for
// beneficiary participants, through REST: Organisation A (an NGO) runs a
// two-session workshop and an intercultural day for the persons it
// supports, the municipality of Zvezdara (local government, an
// implementing partner) an info session for the persons it registered,
// and a ministry funds it. Reports break the participants registered,
// trained and certified down by sex (which only the beneficiaries service
// holds: it counts them over their ids), by the organisation that
// registered them at the event and by its kind, by age band (children
// and adults: the age reached in the year of the first event the person
// took part in) and by legal status (refugees, asylum seekers, ...), with
// small cells hidden, each person counted once however many events they
// attended. Erasing a participant changes no figure: erasure keeps the
// sex, the birth year and the legal status.
func TestBeneficiaryParticipantsBySexAndOrganisation(t *testing.T) {
	s := startSystem(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	muni, err := s.stack.Edge(ctx, "keys", "create", "-name", "zvezdara", "-org-name", "Municipality of Zvezdara", "-org-kind", "local_government")
	if err != nil {
		t.Fatal(err)
	}
	orgM := s.orgID(t, "Municipality of Zvezdara")
	donor := s.keyB
	orgB := s.orgID(t, "Organisation B")
	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "RS-2020-INC-01", "titles": []any{map[string]any{"lang": "en", "text": "Social inclusion of refugees and migrants in Belgrade"}},
		"planned_start_date": "2020-01-01", "planned_end_date": "2020-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{
			map[string]any{"organisation_id": orgM, "role": "ORGANISATION_ROLE_IMPLEMENTING", "names": []any{map[string]any{"text": "Municipality of Zvezdara"}}},
			map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_FUNDING", "names": []any{map[string]any{"text": "Organisation B"}}},
		},
	}).must(t, 200).str("id")

	// Birth years and legal statuses by person (see the figures below):
	// the workshop's women and men, and the municipality's residents, in
	// order. The events are in 2020: those born in 2005-2006 were 12-17
	// then, although adults now, and those born in 2012 were 5-11.
	const as, ref, ret = "LEGAL_STATUS_ASYLUM_SEEKER", "LEGAL_STATUS_REFUGEE", "LEGAL_STATUS_RETURNEE"
	type born struct {
		year   int
		status string
	}
	womenBorn := []born{{1995, as}, {1995, as}, {1995, ref}, {2005, ref}, {2005, ref}, {2005, as}, {2012, as}}
	menBorn := []born{{1995, as}, {1995, ref}, {2006, as}, {2006, as}, {1950, "LEGAL_STATUS_SUBSIDIARY_PROTECTION"}}
	localBorn := []born{{1990, ref}, {1990, ref}, {2012, ret}, {2012, ret}, {2012, ret}, {1985, "LEGAL_STATUS_MIGRANT"}}
	person := func(key, name, sex string, b born) string {
		t.Helper()
		body := map[string]any{"given_name": name}
		if sex != "" {
			body["sex"] = sex
		}
		if b.year != 0 {
			body["birth_year"] = b.year
		}
		if b.status != "" {
			body["legal_status"] = b.status
		}
		return s.call(t, "POST", "/v1/beneficiaries", key, body).must(t, 200).str("id")
	}
	// event creates an event of the organisation of key with its sessions
	// and registers the persons; present[i] lists the sessions person i
	// attended.
	event := func(key, typ, title, municipality string, sessions int, persons []string, present [][]int) string {
		t.Helper()
		ev := s.call(t, "POST", "/v1/trainingEvents", key, map[string]any{
			"project_id": project, "type": typ, "title": title, "start_date": "2020-03-02", "end_date": "2020-03-03",
			"municipality": municipality, "country": "RS", "completion_threshold_percent": 50,
		}).must(t, 200).str("id")
		parts := make([]string, len(persons))
		for i, p := range persons {
			parts[i] = s.call(t, "POST", "/v1/trainingEvents/"+ev+"/participants", key, map[string]any{"beneficiary_id": p}).must(t, 200).str("id")
		}
		for k := range sessions {
			session := s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions", key, map[string]any{"date": fmt.Sprintf("2020-03-0%d", 2+k)}).must(t, 200).str("id")
			var marks []any
			for i, part := range parts {
				marks = append(marks, map[string]any{"participant_id": part, "present": slices.Contains(present[i], k)})
			}
			s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions/"+session+":recordAttendance", key, map[string]any{"marks": marks}).must(t, 200)
		}
		return ev
	}
	// A's workshop: 7 women and 5 men; the seventh woman and the fifth man
	// miss both sessions. The ten others complete it and are certified.
	var women, men []string
	for i := range 7 {
		women = append(women, person(s.keyA, fmt.Sprintf("Woman %d", i), "SEX_FEMALE", womenBorn[i]))
	}
	for i := range 5 {
		men = append(men, person(s.keyA, fmt.Sprintf("Man %d", i), "SEX_MALE", menBorn[i]))
	}
	workshop := slices.Concat(women, men)
	attended := make([][]int, len(workshop))
	for i := range workshop {
		if i != 6 && i != 11 {
			attended[i] = []int{0, 1}
		}
	}
	ws := event(s.keyA, "EVENT_TYPE_WORKSHOP", "Workshop: your rights at work", "Zvezdara", 2, workshop, attended)
	if c := s.call(t, "POST", "/v1/trainingEvents/"+ws+":issueCertificates", s.keyA, map[string]any{}).must(t, 200); c.Body["issued_count"] != float64(10) {
		t.Fatalf("certificates: %s", c.Raw)
	}
	// A's intercultural day: three of them again (the woman who missed the
	// workshop among them) and a person whose sex, age and legal status
	// were not recorded.
	unknown := person(s.keyA, "Guest", "", born{})
	event(s.keyA, "EVENT_TYPE_INTERCULTURAL_DAY", "Intercultural day", "Zvezdara", 1,
		[]string{women[0], women[6], men[0], unknown}, [][]int{{0}, {0}, {0}, {0}})
	// The municipality's info session: 4 women and 2 men it registered.
	var local []string
	for i := range 6 {
		local = append(local, person(muni, fmt.Sprintf("Resident %d", i), []string{"SEX_FEMALE", "SEX_FEMALE", "SEX_FEMALE", "SEX_FEMALE", "SEX_MALE", "SEX_MALE"}[i], localBorn[i]))
	}
	event(muni, "EVENT_TYPE_INFO_CAMPAIGN", "Info session on local services", "Palilula", 1, local, [][]int{{0}, {0}, {0}, {0}, {0}, {0}})
	// The municipality cannot count A's persons by registering them: it
	// does not see them.
	// (participant beneficiary not visible to the organiser is refused)
	other := s.call(t, "POST", "/v1/trainingEvents", muni, map[string]any{
		"project_id": project, "type": "EVENT_TYPE_WORKSHOP", "title": "x", "start_date": "2020-05-01", "end_date": "2020-05-01",
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/trainingEvents/"+other+"/participants", muni, map[string]any{"beneficiary_id": women[1]}).must(t, 404)

	for _, in := range []struct{ code, metric string }{
		{"BP-R", "METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED"},
		{"BP-T", "METRIC_BENEFICIARY_PARTICIPANTS_TRAINED"},
		{"BP-C", "METRIC_BENEFICIARY_PARTICIPANTS_CERTIFIED"},
	} {
		s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
			"code": in.code, "titles": []any{map[string]any{"text": in.metric}}, "unit": "persons", "level": "INDICATOR_LEVEL_OUTPUT",
			"metric": in.metric, "disaggregations": []string{"sex", "organisation_kind", "organisation", "age_band", "legal_status"},
		}).must(t, 200)
	}
	// Beneficiaries have no sector: refused, naming the dimensions there are.
	r := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "BP-S", "titles": []any{map[string]any{"text": "x"}}, "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_BENEFICIARY_PARTICIPANTS_REGISTERED", "disaggregations": []string{"sector"},
	}).must(t, 400)
	if !strings.Contains(r.Raw, `"field":"indicator.disaggregations[0]"`) || !strings.Contains(r.Raw, "sex, organisation_kind, organisation") {
		t.Fatalf("sector for beneficiaries: %s", r.Raw)
	}
	// Nor any other dimension of the person: the ones there are still end
	// the list.
	r = s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "BP-N", "titles": []any{map[string]any{"text": "x"}}, "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_BENEFICIARY_PARTICIPANTS_TRAINED", "disaggregations": []string{"age_band", "nationality"},
	}).must(t, 400)
	if !strings.Contains(r.Raw, `"field":"indicator.disaggregations[1]"`) || !strings.Contains(r.Raw, "age_band, legal_status") {
		t.Fatalf("nationality for beneficiaries: %s", r.Raw)
	}

	// Registered: 19 persons (12 at the workshop, the guest, 6 at the
	// info session; three came twice). Trained: all but the man who missed
	// the workshop, 18 (the woman who missed it completed the
	// intercultural day). Certified: the workshop's 10. Cells under 5 are
	// hidden ("*"); a single one with the next listed (the guest, unknown,
	// with the women: 11 and 1).
	// By age band, registered: 8 adults (3 women, 2 men, 3 residents), 5
	// of 12-17 (3 women, 2 men), 4 of 5-11 (the seventh woman, 3
	// residents), a man of 60+ and the guest, unknown: the last three
	// hidden, together enough to leave the others shown. Trained: the same
	// without the man of 60+ (who missed the workshop). Certified: 5 adults
	// and 5 of 12-17. By legal status, registered: 7 asylum seekers, 6
	// refugees, 3 returnees, one with subsidiary protection, a migrant and
	// the guest, unknown; trained: the same without the one with
	// subsidiary protection; certified: 6 asylum seekers and 4 refugees,
	// both hidden.
	type figures struct {
		total                   string
		bySex, byKind, byOrgans map[string]string
		byAge, byStatus         map[string]string
	}
	want := map[string]figures{
		"BP-R": {"19", map[string]string{"female": "*", "male": "7", "unknown": "*"},
			map[string]string{"ngo": "13", "local_government": "6"},
			map[string]string{"Organisation A": "13", "Municipality of Zvezdara": "6"},
			map[string]string{"18-59": "8", "12-17": "5", "5-11": "*", "60+": "*", "unknown": "*"},
			map[string]string{"asylum_seeker": "7", "refugee": "6", "returnee": "*", "subsidiary_protection": "*", "migrant": "*", "unknown": "*"}},
		"BP-T": {"18", map[string]string{"female": "*", "male": "6", "unknown": "*"},
			map[string]string{"ngo": "12", "local_government": "6"},
			map[string]string{"Organisation A": "12", "Municipality of Zvezdara": "6"},
			map[string]string{"18-59": "8", "12-17": "5", "5-11": "*", "unknown": "*"},
			map[string]string{"asylum_seeker": "7", "refugee": "6", "returnee": "*", "migrant": "*", "unknown": "*"}},
		"BP-C": {"10", map[string]string{"female": "*", "male": "*"},
			map[string]string{"ngo": "10"},
			map[string]string{"Organisation A": "10"},
			map[string]string{"18-59": "5", "12-17": "5"},
			map[string]string{"asylum_seeker": "*", "refugee": "*"}},
	}
	check := func(t *testing.T, key string) {
		t.Helper()
		for _, res := range s.reportResults(t, project, key, len(want)) {
			w := want[res["code"].(string)]
			got := figures{res["actual"].(map[string]any)["value"].(string), cells(res, "sex"), cells(res, "organisation_kind"), cells(res, "organisation"),
				cells(res, "age_band"), cells(res, "legal_status")}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(figures{})); diff != "" {
				t.Fatalf("%s (-want +got):\n%s", res["code"], diff)
			}
		}
	}
	for name, key := range map[string]string{"implementing organisation": s.keyA, "implementing partner": muni, "funder": donor} {
		t.Run("report for the "+name, func(t *testing.T) { check(t, key) })
	}

	// Erasure keeps the sex, birth year and legal status: a participant's
	// erasure changes no figure.
	s.call(t, "POST", "/v1/beneficiaries/"+women[0]+":erase", s.keyA, map[string]any{"reason": "request of the person"}).must(t, 200)
	t.Run("after an erasure", func(t *testing.T) { check(t, s.keyA) })
}

// cells renders a report result's cells of one dimension (a JSON object
// of the REST API) as name=value: the directory's name when the cell has
// one, else its label; "*" for a suppressed value.
func cells(result map[string]any, dim string) map[string]string {
	out := map[string]string{}
	for _, d := range result["disaggregations"].([]any) {
		if d := d.(map[string]any); d["dimension"] == dim {
			cs, _ := d["cells"].([]any) // none when left out
			for _, c := range cs {
				c := c.(map[string]any)
				v, _ := c["value"].(string)
				if c["suppressed"] == true {
					v = "*"
				}
				name, _ := c["name"].(string)
				if name == "" {
					name = c["label"].(string)
				}
				out[name] = v
			}
		}
	}
	return out
}

// reportResults returns the results of a project's report as key reads it
// (JSON objects of the REST API), failing unless there are n.
func (s *system) reportResults(t *testing.T, project, key string, n int) []map[string]any {
	t.Helper()
	rep := s.call(t, "GET", "/v1/projects/"+project+"/report", key, nil).must(t, 200)
	results, _ := rep.Body["results"].([]any)
	if len(results) != n {
		t.Fatalf("report with %d results, want %d: %s", len(results), n, rep.Raw)
	}
	out := make([]map[string]any, n)
	for i, r := range results {
		out[i] = r.(map[string]any)
	}
	return out
}
