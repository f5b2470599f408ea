package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestProjectTagInjectionREST: issue 9 §5, the issue's own scenario through
// the real edge and processes. A project's report hides a cell of 2 (2
// asylum seekers among 8 persons assisted). The funding ministry, allowed to
// read the report, registers three people of its own and tries to record
// assistance to them under the project (and a training event and a
// referral); an organisation outside the project tries the same. Every
// attempt is 403 with a reason, the report's cells and totals stay exactly
// as they were, and the cell of 2 stays hidden. An implementing partner may
// tag; a threshold below the floor is refused; and while the reporting
// service is down, tagging is refused with 503, never accepted unchecked.
func TestProjectTagInjectionREST(t *testing.T) {
	s := startSystem(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ngo, ministry := s.keyA, s.keyB
	stranger, err := s.stack.CreateKey(ctx, "partner-c", "Organisation C")
	if err != nil {
		t.Fatal(err)
	}
	partner, err := s.stack.CreateKey(ctx, "partner-d", "Organisation D")
	if err != nil {
		t.Fatal(err)
	}
	orgB, orgD := s.orgID(t, "Organisation B"), s.orgID(t, "Organisation D")
	participant := func(org, role string) map[string]any {
		return map[string]any{"organisation_id": org, "role": role, "names": []any{map[string]any{"text": "Org " + org}}}
	}
	project := func(code string) string {
		return s.call(t, "POST", "/v1/projects", ngo, map[string]any{
			"code": code, "titles": []any{map[string]any{"text": "Counselling centre " + code}},
			"planned_start_date": "2017-01-01", "planned_end_date": "2017-12-31", "sectors": []string{"15160"},
			"participating_organisations": []any{participant(orgB, "ORGANISATION_ROLE_FUNDING"), participant(orgD, "ORGANISATION_ROLE_IMPLEMENTING")},
		}).must(t, 200).str("id")
	}
	proj := project("CC-2017")
	s.call(t, "POST", "/v1/projects/"+proj+"/indicators", ngo, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Persons assisted"}}, "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"legal_status"},
	}).must(t, 200)
	assist := func(key, ben, project string) response {
		return s.call(t, "POST", "/v1/beneficiaries/"+ben+"/assistances", key, map[string]any{
			"project_id": project, "type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": "2017-05-10"})
	}
	person := func(key, status string) string {
		return s.call(t, "POST", "/v1/beneficiaries", key, map[string]any{"given_name": "P", "legal_status": status}).must(t, 200).str("id")
	}
	for i := range 8 {
		status := "LEGAL_STATUS_INTERNATIONAL_PROTECTION"
		if i < 2 {
			status = "LEGAL_STATUS_ASYLUM_SEEKER"
		}
		assist(ngo, person(ngo, status), proj).must(t, 200)
	}
	// The report, as the ministry reads it: results only (not the time it
	// was generated).
	report := func() (string, map[string]string) {
		t.Helper()
		r := s.call(t, "GET", "/v1/projects/"+proj+"/report", ministry, nil).must(t, 200)
		raw, _ := json.Marshal(r.Body["results"])
		cells := map[string]string{}
		res := r.Body["results"].([]any)[0].(map[string]any)
		actual := res["actual"].(map[string]any)
		cells["total"], _ = actual["value"].(string)
		for _, c := range res["disaggregations"].([]any)[0].(map[string]any)["cells"].([]any) {
			c := c.(map[string]any)
			v, _ := c["value"].(string)
			if c["suppressed"] == true {
				v = "hidden"
			}
			cells[c["label"].(string)] = v
		}
		return string(raw), cells
	}
	before, cells := report()
	if cells["total"] != "8" || cells["asylum_seeker"] != "hidden" || cells["international_protection"] != "hidden" {
		t.Fatalf("report before: %v", cells)
	}

	t.Run("funder and stranger cannot tag", func(t *testing.T) {
		for _, tc := range []struct {
			who, key, reason string
		}{{"funder", ministry, "PROJECT_ROLE_CANNOT_TAG"}, {"stranger", stranger, "NOT_A_PROJECT_PARTICIPANT"}} {
			for i := range 3 {
				ben := person(tc.key, "LEGAL_STATUS_ASYLUM_SEEKER")
				r := assist(tc.key, ben, proj).must(t, 403)
				if errorReason(r) != tc.reason || !strings.Contains(r.str("message"), proj) {
					t.Fatalf("%s assistance %d: %s, want 403 %s", tc.who, i, r.Raw, tc.reason)
				}
				if l := s.call(t, "GET", "/v1/beneficiaries/"+ben+"/assistances", tc.key, nil).must(t, 200); strings.Contains(l.Raw, proj) {
					t.Fatalf("%s's refused assistance was stored: %s", tc.who, l.Raw)
				}
			}
			r := s.call(t, "POST", "/v1/trainingEvents", tc.key, map[string]any{
				"project_id": proj, "type": "EVENT_TYPE_SEMINAR", "title": "Seminar", "start_date": "2017-05-10"}).must(t, 403)
			if errorReason(r) != tc.reason {
				t.Fatalf("%s training event: %s", tc.who, r.Raw)
			}
			ben := person(tc.key, "LEGAL_STATUS_ASYLUM_SEEKER")
			r = s.call(t, "POST", "/v1/referrals", tc.key, map[string]any{
				"beneficiary_id": ben, "to_organisation_id": orgD, "category": "REFERRAL_CATEGORY_LEGAL", "project_id": proj}).must(t, 403)
			if errorReason(r) != tc.reason {
				t.Fatalf("%s referral: %s", tc.who, r.Raw)
			}
		}
		after, cellsAfter := report()
		if after != before {
			t.Fatalf("the report changed:\nbefore %s\nafter  %s", before, after)
		}
		if cellsAfter["asylum_seeker"] != "hidden" {
			t.Fatalf("the hidden cell of 2 became visible: %v", cellsAfter)
		}
	})

	t.Run("suppression threshold floor", func(t *testing.T) {
		etag := s.call(t, "GET", "/v1/projects/"+proj, ngo, nil).must(t, 200).str("etag")
		for _, n := range []int{1, 2} {
			r := s.call(t, "PATCH", "/v1/projects/"+proj+"?update_mask=suppression_threshold", ngo,
				map[string]any{"suppression_threshold": n, "etag": etag}).must(t, 400)
			if !strings.Contains(r.Raw, "project.suppression_threshold") {
				t.Fatalf("threshold %d: no field violation: %s", n, r.Raw)
			}
		}
		s.call(t, "PATCH", "/v1/projects/"+proj+"?update_mask=suppression_threshold", ministry,
			map[string]any{"suppression_threshold": 3}).must(t, 403)
		if after, _ := report(); after != before {
			t.Fatalf("the report changed:\nbefore %s\nafter  %s", before, after)
		}
	})

	t.Run("implementing partner may tag", func(t *testing.T) {
		assist(partner, person(partner, "LEGAL_STATUS_ASYLUM_SEEKER"), proj).must(t, 200)
		s.call(t, "POST", "/v1/trainingEvents", partner, map[string]any{
			"project_id": proj, "type": "EVENT_TYPE_SEMINAR", "title": "Seminar", "start_date": "2017-05-10"}).must(t, 200)
		if _, cells := report(); cells["total"] != "9" {
			t.Fatalf("the partner's assistance is not counted: %v", cells)
		}
	})

	t.Run("reporting down: refused, not accepted", func(t *testing.T) {
		// A project never checked before, so no answer is cached.
		other := project("CC-2017-B")
		ben := person(ngo, "LEGAL_STATUS_REFUGEE")
		if err := s.stack.StopService("reporting"); err != nil {
			t.Fatal(err)
		}
		r := assist(ngo, ben, other).must(t, 503)
		if !strings.Contains(r.str("message"), "reporting") {
			t.Fatalf("503 does not say what is down: %s", r.Raw)
		}
		s.call(t, "POST", "/v1/trainingEvents", ngo, map[string]any{
			"project_id": other, "type": "EVENT_TYPE_SEMINAR", "title": "Seminar", "start_date": "2017-05-10"}).must(t, 503)
		if l := s.call(t, "GET", "/v1/beneficiaries/"+ben+"/assistances", ngo, nil).must(t, 200); strings.Contains(l.Raw, other) {
			t.Fatalf("an assistance was stored unchecked: %s", l.Raw)
		}
		if l := s.call(t, "GET", "/v1/trainingEvents?project_id="+other, ngo, nil).must(t, 200); strings.Contains(l.Raw, other) {
			t.Fatalf("a training event was stored unchecked: %s", l.Raw)
		}
		// Untagged records do not need reporting.
		s.call(t, "POST", "/v1/beneficiaries/"+ben+"/assistances", ngo, map[string]any{
			"type": "ASSISTANCE_TYPE_INFORMATION", "date": "2017-05-11"}).must(t, 200)
		if err := s.stack.StartService(ctx, "reporting"); err != nil {
			t.Fatal(err)
		}
		// Once the callers have reconnected (within about a second), the
		// same request is checked and accepted.
		for deadline := time.Now().Add(20 * time.Second); ; {
			r := assist(ngo, ben, other)
			if r.Status == 200 {
				break
			}
			if r.Status != 503 || time.Now().After(deadline) {
				t.Fatalf("after reporting is back: %s", r.Raw)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
