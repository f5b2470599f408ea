package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/aggregate"
)

// TestVoidAssistanceREST: an assistance recorded in error is voided over
// REST by the organisation that recorded it, with a reason; the donor's
// report stops counting it and the list leaves it out unless asked. A
// referral's receiver voids the record its completion made also after its
// access ended with the referral, which stays completed.
func TestVoidAssistanceREST(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "RS-PSS-VOID", "titles": []any{map[string]any{"text": "Psychosocial support"}},
		"planned_start_date": "2019-01-01", "planned_end_date": "2019-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_IMPLEMENTING",
			"names": []any{map[string]any{"text": "Organisation B"}}}},
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Persons assisted"}}, "unit": "persons",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED",
	}).must(t, 200)
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now()).String()
	assisted := func() string {
		t.Helper()
		r := s.call(t, "GET", "/v1/projects/"+project+"/report?start_date=2019-01-01&end_date="+today, s.keyA, nil).must(t, 200)
		v, _ := r.Body["results"].([]any)[0].(map[string]any)["actual"].(map[string]any)["value"].(string)
		return v
	}
	var persons, records []string
	for i := range 6 {
		p := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": fmt.Sprintf("Person %d", i),
			"sex": "SEX_FEMALE", "birth_year": 1990}).must(t, 200).str("id")
		persons = append(persons, p)
		records = append(records, s.call(t, "POST", "/v1/beneficiaries/"+p+"/assistances", s.keyA, map[string]any{
			"type": "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING", "date": "2019-03-15", "project_id": project}).must(t, 200).str("id"))
	}
	if v := assisted(); v != "6" {
		t.Fatalf("persons assisted before the void: %q, want 6", v)
	}

	// Refused: no reason (400 naming the field), an unknown reason, another
	// organisation (404: it does not see the record), an unknown record.
	void := func(key, id string, body any) response {
		return s.call(t, "POST", "/v1/assistances/"+id+":void", key, body)
	}
	if r := void(s.keyA, records[0], map[string]any{}).must(t, 400); !strings.Contains(r.Raw, `"field":"reason"`) {
		t.Fatalf("void without a reason: %s", r.Raw)
	}
	void(s.keyA, records[0], map[string]any{"reason": "MISTAKE"}).must(t, 400)
	void(s.keyB, records[0], map[string]any{"reason": "ASSISTANCE_VOID_REASON_DUPLICATE"}).must(t, 404)
	void(s.keyA, "0190a1b2-0000-7000-8000-000000000000", map[string]any{"reason": "ASSISTANCE_VOID_REASON_DUPLICATE"}).must(t, 404)

	v := void(s.keyA, records[0], map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_BENEFICIARY"}).must(t, 200)
	if v.str("id") != records[0] || v.str("void_reason") != "ASSISTANCE_VOID_REASON_WRONG_BENEFICIARY" || v.str("void_time") == "" {
		t.Fatalf("voided: %s", v.Raw)
	}
	if again := void(s.keyA, records[0], map[string]any{"reason": "ASSISTANCE_VOID_REASON_DUPLICATE"}).must(t, 200); again.Raw != v.Raw {
		t.Fatalf("voided again:\n%s\nwant as first voided:\n%s", again.Raw, v.Raw)
	}
	if got := assisted(); got != "5" {
		t.Fatalf("persons assisted after the void: %q, want 5", got)
	}
	if l := s.call(t, "GET", "/v1/beneficiaries/"+persons[0]+"/assistances", s.keyA, nil).must(t, 200); l.Body["assistances"] != nil {
		t.Fatalf("list shows the voided record: %s", l.Raw)
	}
	l := s.call(t, "GET", "/v1/beneficiaries/"+persons[0]+"/assistances?show_voided=true", s.keyA, nil).must(t, 200)
	if list, _ := l.Body["assistances"].([]any); len(list) != 1 || list[0].(map[string]any)["void_time"] == nil {
		t.Fatalf("list with voided records: %s", l.Raw)
	}

	t.Run("completed referral's record", func(t *testing.T) {
		p := persons[1]
		s.call(t, "POST", "/v1/beneficiaries/"+p+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referral"}).must(t, 200)
		ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": p, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview",
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":accept", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":start", s.keyB, map[string]any{}).must(t, 200)
		done := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, map[string]any{
			"outcome":    map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED"},
			"assistance": map[string]any{"type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": today, "project_id": project},
		}).must(t, 200)
		id, _ := done.Body["outcome"].(map[string]any)["assistance_id"].(string)
		if id == "" {
			t.Fatalf("completed: %s", done.Raw)
		}
		// B no longer sees the person, yet voids its own record; A, which
		// registered the person and sees the record, may not.
		s.call(t, "GET", "/v1/beneficiaries/"+p, s.keyB, nil).must(t, 404)
		void(s.keyA, id, map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"}).must(t, 403)
		void(s.keyB, id, map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"}).must(t, 200)
		r := s.call(t, "GET", "/v1/referrals/"+ref, s.keyA, nil).must(t, 200)
		if r.str("status") != "REFERRAL_STATUS_COMPLETED" || r.Body["outcome"].(map[string]any)["assistance_id"] != id {
			t.Fatalf("referral after its assistance was voided: %s", r.Raw)
		}
		// Person 1 still counts by A's own record of 2019.
		if got := assisted(); got != "5" {
			t.Fatalf("persons assisted: %q, want 5", got)
		}
	})
}
