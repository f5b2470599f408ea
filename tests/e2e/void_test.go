package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/testkit/servicetest"
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

	// completed refers person from A to B (with a referral_sharing consent),
	// has B complete it recording an assistance of type today under the
	// project, and returns the referral and the record.
	completed := func(t *testing.T, person, typ string) (ref, assistance string) {
		t.Helper()
		s.call(t, "POST", "/v1/beneficiaries/"+person+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referral"}).must(t, 200)
		ref = s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": person, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview",
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":accept", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+ref+":start", s.keyB, map[string]any{}).must(t, 200)
		done := s.call(t, "POST", "/v1/referrals/"+ref+":complete", s.keyB, map[string]any{
			"outcome":    map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED"},
			"assistance": map[string]any{"type": typ, "date": today, "project_id": project},
		}).must(t, 200)
		assistance, _ = done.Body["outcome"].(map[string]any)["assistance_id"].(string)
		if assistance == "" {
			t.Fatalf("completed: %s", done.Raw)
		}
		return ref, assistance
	}

	t.Run("completed referral's record", func(t *testing.T) {
		p := persons[1]
		ref, id := completed(t, p, "ASSISTANCE_TYPE_LEGAL_COUNSELLING")
		// B no longer sees the person, yet voids its own record; A, which
		// registered the person and sees the record, may not.
		s.call(t, "GET", "/v1/beneficiaries/"+p, s.keyB, nil).must(t, 404)
		void(s.keyA, id, map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"}).must(t, 403)
		void(s.keyB, id, map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"}).must(t, 200)
		r := s.call(t, "GET", "/v1/referrals/"+ref, s.keyA, nil).must(t, 200)
		if r.str("status") != "REFERRAL_STATUS_COMPLETED" || r.Body["outcome"].(map[string]any)["assistance_id"] != id {
			t.Fatalf("referral after its assistance was voided: %s", r.Raw)
		}
		// Both parties see the void in the outcome, once it reached the
		// referrals service.
		for _, key := range []string{s.keyA, s.keyB} {
			s.outcomeNames(t, key, ref, id, "ASSISTANCE_VOID_REASON_WRONG_DETAILS")
		}
		// Person 1 still counts by A's own record of 2019.
		if got := assisted(); got != "5" {
			t.Fatalf("persons assisted: %q, want 5", got)
		}
	})

	// The receiver voids its completion's record as wrong details and
	// records the corrected one, answering the referral, after its access
	// ended: the person counts again. Only that: not before the void, not
	// twice, not without the referral, not for another referral.
	t.Run("receiver corrects its completion's record", func(t *testing.T) {
		base := assisted()
		q := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": "Person corrected",
			"sex": "SEX_MALE", "birth_year": 1985}).must(t, 200).str("id")
		ref, first := completed(t, q, "ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING")
		b, err := strconv.Atoi(base)
		if err != nil {
			t.Fatalf("persons assisted: %q", base)
		}
		counted := func(want int) {
			t.Helper()
			if got := assisted(); got != strconv.Itoa(b+want) {
				t.Fatalf("persons assisted: %q, want %d", got, b+want)
			}
		}
		counted(1)
		corrected := map[string]any{"type": "ASSISTANCE_TYPE_LEGAL_COUNSELLING", "date": today, "project_id": project, "referral_id": ref}
		record := func(body map[string]any, key string) response {
			return s.call(t, "POST", "/v1/beneficiaries/"+q+"/assistances", s.keyB, body, "Idempotency-Key", key)
		}
		// Before the void: the completion's record is live.
		if r := record(corrected, "correct-early").must(t, 400); !strings.Contains(r.Raw, "GRANT_REVOKED") {
			t.Fatalf("correction before the void: %s", r.Raw)
		}
		void(s.keyB, first, map[string]any{"reason": "ASSISTANCE_VOID_REASON_WRONG_DETAILS"}).must(t, 200)
		counted(0)

		fixed := record(corrected, "correct-q").must(t, 200)
		if fixed.str("id") == first || fixed.str("referral_id") != ref || fixed.str("type") != "ASSISTANCE_TYPE_LEGAL_COUNSELLING" {
			t.Fatalf("corrected record: %s", fixed.Raw)
		}
		if again := record(corrected, "correct-q").must(t, 200); again.str("id") != fixed.str("id") {
			t.Fatalf("retried correction recorded %s, first %s", again.str("id"), fixed.str("id"))
		}
		counted(1)
		s.outcomeNames(t, s.keyA, ref, fixed.str("id"), "")
		// One live correction at a time; the access itself stays ended.
		if r := record(corrected, "correct-twice").must(t, 400); !strings.Contains(r.Raw, "GRANT_REVOKED") {
			t.Fatalf("second correction: %s", r.Raw)
		}
		delete(corrected, "referral_id")
		record(corrected, "correct-without-referral").must(t, 404)
		corrected["referral_id"] = "0190a1b2-0000-7000-8000-000000000000"
		record(corrected, "correct-other-referral").must(t, 404)
		s.call(t, "GET", "/v1/beneficiaries/"+q, s.keyB, nil).must(t, 404)
		counted(1)

		// The registering organisation sees the correction and who made it.
		l := s.call(t, "GET", "/v1/beneficiaries/"+q+"/assistances", s.keyA, nil).must(t, 200)
		if list, _ := l.Body["assistances"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != fixed.str("id") {
			t.Fatalf("A's list after the correction: %s", l.Raw)
		}
		au := s.call(t, "GET", "/v1/beneficiaries/"+q+"/auditEvents", s.keyA, nil).must(t, 200)
		found := false
		for _, e := range au.Body["audit_events"].([]any) {
			e := e.(map[string]any)
			found = found || e["action"] == "assistance.create" && e["actor_organisation_id"] == orgB
		}
		if !found {
			t.Fatalf("no assistance.create by B in the audit log: %s", au.Raw)
		}

		// The correction voided as a duplicate: the person was not assisted
		// after all; the last void decides, so no further correction.
		void(s.keyB, fixed.str("id"), map[string]any{"reason": "ASSISTANCE_VOID_REASON_DUPLICATE"}).must(t, 200)
		counted(0)
		s.outcomeNames(t, s.keyA, ref, fixed.str("id"), "ASSISTANCE_VOID_REASON_DUPLICATE")
		corrected["referral_id"] = ref
		if r := record(corrected, "correct-after-duplicate").must(t, 400); !strings.Contains(r.Raw, "GRANT_REVOKED") {
			t.Fatalf("correction after the correction's duplicate void: %s", r.Raw)
		}
		counted(0)
	})
}

// outcomeNames waits until the caller (key) reads referral ref's outcome
// naming assistance, voided for reason ("": counted, no void shown).
func (s *system) outcomeNames(t *testing.T, key, ref, assistance, reason string) {
	t.Helper()
	servicetest.Eventually(t, "the outcome of "+ref, func() error {
		r := s.call(t, "GET", "/v1/referrals/"+ref, key, nil).must(t, 200)
		o, _ := r.Body["outcome"].(map[string]any)
		gotReason, _ := o["assistance_void_reason"].(string)
		if o["assistance_id"] != assistance || gotReason != reason || (o["assistance_void_time"] != nil) != (reason != "") {
			return fmt.Errorf("outcome %v, want %s voided for %q", o, assistance, reason)
		}
		return nil
	})
}
