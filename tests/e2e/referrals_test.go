package e2e

import (
	"strings"
	"testing"
)

// orgID finds an organisation's id in the directory by name.
func (s *system) orgID(t *testing.T, name string) string {
	t.Helper()
	r := s.call(t, "GET", "/v1/organisations?page_size=500", s.keyA, nil).must(t, 200)
	for _, o := range r.Body["organisations"].([]any) {
		if m := o.(map[string]any); m["name"] == name {
			return m["id"].(string)
		}
	}
	t.Fatalf("organisation %q not in the directory: %s", name, r.Raw)
	return ""
}

func errorReason(r response) string {
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		if m, _ := d.(map[string]any); m["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" {
			reason, _ := m["reason"].(string)
			return reason
		}
	}
	return ""
}

// TestReferralsREST drives the referral mechanism through the real edge:
// directory, consent, the state machine, the access grant, events and the
// outcome, and proves a third organisation can do nothing with it.
func TestReferralsREST(t *testing.T) {
	s := startSystem(t)
	keyC := s.createKey(t, "partner-c", "Organisation C")
	orgA, orgB := s.orgID(t, "Organisation A"), s.orgID(t, "Organisation B")

	t.Run("directory services", func(t *testing.T) {
		svc := s.call(t, "POST", "/v1/organisations/"+orgB+"/services", s.keyB, map[string]any{
			"name": "Pravna pomoć", "localized_names": map[string]string{"sr-Cyrl": "Правна помоћ", "en": "Legal aid"},
			"category": "REFERRAL_CATEGORY_LEGAL", "languages": []string{"sr-Latn", "fa"}, "accepting_referrals": true,
			"locations": []any{map[string]any{"name": "Office", "municipality": "Zagreb", "country": "HR"}},
			"schedules": []any{map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": "09:00", "closes_at": "15:00"}},
		}).must(t, 200)
		id, etag := svc.str("id"), svc.str("etag")
		l := s.call(t, "GET", "/v1/services?language=fa&municipality=zagreb&category=REFERRAL_CATEGORY_LEGAL", s.keyA, nil).must(t, 200)
		if list, _ := l.Body["services"].([]any); len(list) != 1 {
			t.Fatalf("filtered services: %s", l.Raw)
		}
		// The municipality filter folds as the search does: script and case.
		for _, m := range []string{"%D0%97%D0%B0%D0%B3%D1%80%D0%B5%D0%B1", "ZAGREB"} { // Загреб
			l := s.call(t, "GET", "/v1/services?language=fa&municipality="+m+"&category=REFERRAL_CATEGORY_LEGAL", s.keyA, nil).must(t, 200)
			if list, _ := l.Body["services"].([]any); len(list) != 1 {
				t.Fatalf("services in municipality %s: %s", m, l.Raw)
			}
		}
		// One with nothing to fold to is refused, not a match of entries without one.
		if b := s.call(t, "GET", "/v1/services?municipality=-", s.keyA, nil).must(t, 400); !strings.Contains(b.Raw, `"municipality"`) {
			t.Fatalf("municipality=-: %s", b.Raw)
		}
		s.call(t, "POST", "/v1/organisations/"+orgB+"/services", s.keyA, map[string]any{"name": "X", "category": "REFERRAL_CATEGORY_LEGAL"}).must(t, 403)
		s.call(t, "POST", "/v1/organisations/"+orgB+"/services", s.keyB, map[string]any{"name": "X", "category": "REFERRAL_CATEGORY_LEGAL",
			"localized_names": map[string]string{"sr_Latn": "X"}}).must(t, 400)
		etag = s.call(t, "PATCH", "/v1/services/"+id, s.keyB, map[string]any{"phone": "+385 1 234 567", "etag": etag}).must(t, 200).str("etag")
		// A nested body names paths into the message (eligibility.minimum_age);
		// a path into a field without fields is refused.
		s.call(t, "PATCH", "/v1/services/"+id+"?update_mask=phone.x", s.keyB, map[string]any{"phone": "+385 1 000 000", "etag": etag}).must(t, 400)
		el := s.call(t, "PATCH", "/v1/services/"+id, s.keyB, map[string]any{"eligibility": map[string]any{"minimum_age": 18}, "etag": etag}).must(t, 200)
		if got, _ := el.Body["eligibility"].(map[string]any); got["minimum_age"] != float64(18) || el.str("phone") != "+385 1 234 567" {
			t.Fatalf("nested patch: %s", el.Raw)
		}
		s.call(t, "PATCH", "/v1/services/"+id+"?update_mask=phone", s.keyB, map[string]any{"phone": "+385 1 000 000", "etag": etag}).must(t, 409)
		s.call(t, "PATCH", "/v1/services/"+id+"?update_mask=phone", s.keyA, map[string]any{"phone": "+385 1 000 000"}).must(t, 403)
		s.call(t, "PATCH", "/v1/organisations/"+orgA, s.keyA, map[string]any{"languages": []string{"sr-Latn", "ar"}}).must(t, 409)
		orgEtag := s.call(t, "GET", "/v1/organisations/"+orgA, s.keyA, nil).must(t, 200).str("etag")
		s.call(t, "PATCH", "/v1/organisations/"+orgA, s.keyA, map[string]any{"languages": []string{"sr-Latn", "ar"}, "etag": orgEtag}).must(t, 200)
		s.call(t, "PATCH", "/v1/organisations/"+orgA, s.keyB, map[string]any{"languages": []string{"en"}}).must(t, 403)
	})

	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Zagreb",
	}).must(t, 200).str("id")
	draft := func(t *testing.T) string {
		t.Helper()
		return s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "urgency": "URGENCY_HIGH",
			"reason": "asylum interview", "notes": "needs a Farsi interpreter",
		}).must(t, 200).str("id")
	}
	var refID string
	t.Run("send needs consent", func(t *testing.T) {
		refID = draft(t)
		r := s.call(t, "POST", "/v1/referrals/"+refID+":send", s.keyA, map[string]any{}).must(t, 400)
		if errorReason(r) != "CONSENT_REQUIRED" {
			t.Fatalf("no CONSENT_REQUIRED: %s", r.Raw)
		}
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
		s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
			"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).must(t, 200)
		sent := s.call(t, "POST", "/v1/referrals/"+refID+":send", s.keyA, map[string]any{"note": "urgent"}).must(t, 200)
		if sent.str("status") != "REFERRAL_STATUS_SENT" || sent.str("consent_id") == "" || sent.str("due_time") == "" {
			t.Fatalf("sent: %s", sent.Raw)
		}
		got := s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 200)
		if got.str("access") != "ACCESS_LEVEL_GRANTED" {
			t.Fatalf("receiver view: %s", got.Raw)
		}
	})

	t.Run("state machine refusals", func(t *testing.T) {
		r := s.call(t, "POST", "/v1/referrals/"+refID+":start", s.keyB, map[string]any{}).must(t, 400)
		if errorReason(r) != "ILLEGAL_TRANSITION" {
			t.Fatalf("no ILLEGAL_TRANSITION: %s", r.Raw)
		}
		s.call(t, "POST", "/v1/referrals/"+refID+":accept", s.keyA, map[string]any{}).must(t, 403)
		s.call(t, "POST", "/v1/referrals/"+refID+":decline", s.keyB, map[string]any{}).must(t, 400) // reason required
		// A value that is no etag is a bad request naming it (reading again
		// would not help), not 409 ETAG_MISMATCH.
		for _, bad := range []string{"5", "garbage"} {
			r := s.call(t, "POST", "/v1/referrals/"+refID+":accept", s.keyB, map[string]any{"etag": bad}).must(t, 400)
			if !strings.Contains(r.Raw, `"field":"etag"`) || errorReason(r) == "ETAG_MISMATCH" {
				t.Fatalf("etag %q: %s", bad, r.Raw)
			}
		}
	})

	t.Run("overdue=false lists the referrals not overdue", func(t *testing.T) {
		has := func(q string) bool {
			l := s.call(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING&overdue="+q, s.keyB, nil).must(t, 200)
			list, _ := l.Body["referrals"].([]any)
			for _, r := range list {
				if m, _ := r.(map[string]any); m["id"] == refID {
					return true
				}
			}
			return false
		}
		if !has("false") || has("true") {
			t.Fatalf("referral %s, not yet due: overdue=false lists it %v, overdue=true %v", refID, has("false"), has("true"))
		}
	})

	t.Run("organisation C can do nothing", func(t *testing.T) {
		for _, path := range []string{"/v1/referrals/" + refID, "/v1/referrals/" + refID + "/events", "/v1/beneficiaries/" + ben} {
			s.call(t, "GET", path, keyC, nil).must(t, 404)
		}
		for _, dir := range []string{"", "?direction=DIRECTION_INCOMING", "?direction=DIRECTION_OUTGOING", "?overdue=true", "?overdue=false"} {
			l := s.call(t, "GET", "/v1/referrals"+dir, keyC, nil).must(t, 200)
			if list, _ := l.Body["referrals"].([]any); len(list) != 0 {
				t.Fatalf("C lists %s: %s", dir, l.Raw)
			}
		}
		for a, body := range map[string]map[string]any{"send": {}, "accept": {}, "start": {}, "decline": {"reason": "x"}, "cancel": {"reason": "x"},
			"complete": {"outcome": map[string]any{"code": "OUTCOME_CODE_OTHER"}}} {
			s.call(t, "POST", "/v1/referrals/"+refID+":"+a, keyC, body).must(t, 404)
		}
		s.call(t, "POST", "/v1/referrals", keyC, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgA, "category": "REFERRAL_CATEGORY_HEALTH"}).must(t, 404)
		// The receiver sees the beneficiary but may not refer them onward.
		s.call(t, "POST", "/v1/referrals", s.keyB, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgA, "category": "REFERRAL_CATEGORY_HEALTH"}).must(t, 403)
	})

	t.Run("accept, start, complete; outcome back to the sender", func(t *testing.T) {
		in := s.call(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING", s.keyB, nil).must(t, 200)
		if list, _ := in.Body["referrals"].([]any); len(list) != 1 || !strings.Contains(in.Raw, "needs a Farsi interpreter") {
			t.Fatalf("incoming: %s", in.Raw)
		}
		s.call(t, "POST", "/v1/referrals/"+refID+":accept", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+refID+":start", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+refID+":complete", s.keyB, map[string]any{
			"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "represented"}}).must(t, 200)
		got := s.call(t, "GET", "/v1/referrals/"+refID, s.keyA, nil).must(t, 200)
		outcome, _ := got.Body["outcome"].(map[string]any)
		if got.str("status") != "REFERRAL_STATUS_COMPLETED" || outcome["code"] != "OUTCOME_CODE_SERVICE_PROVIDED" || outcome["note"] != "represented" {
			t.Fatalf("sender sees: %s", got.Raw)
		}
		ev := s.call(t, "GET", "/v1/referrals/"+refID+"/events", s.keyA, nil).must(t, 200)
		if list, _ := ev.Body["events"].([]any); len(list) != 5 {
			t.Fatalf("events: %s", ev.Raw)
		}
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
		s.call(t, "POST", "/v1/referrals/"+refID+":cancel", s.keyA, map[string]any{}).must(t, 400)
	})

	t.Run("cancel ends access", func(t *testing.T) {
		id := draft(t)
		s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}).must(t, 200)
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 200)
		s.call(t, "POST", "/v1/referrals/"+id+":cancel", s.keyA, map[string]any{"reason": "moved away"}).must(t, 200)
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
	})
}
