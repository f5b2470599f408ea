package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestConsentWithdrawalREST: issue 9 §3 through the real edge and processes.
// Withdrawing the referral_sharing consent ends the receiver's access before
// the call returns: the very next request of the receiver for the person is
// 404, and its actions on the referrals sent under that consent are
// FAILED_PRECONDITION (reason CONSENT_WITHDRAWN). The open referrals sent
// under it then end (cancelled, reason CONSENT_WITHDRAWN, an event for both
// parties) through the beneficiaries feed. A consent that expires does the
// same at its expiry time (CONSENT_EXPIRED).
func TestConsentWithdrawalREST(t *testing.T) {
	s := startSystem(t, "CONSENT_EXPIRY_INTERVAL=200ms")
	orgB := s.orgID(t, "Organisation B")
	person := func(t *testing.T) string {
		t.Helper()
		return s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
			"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1994,
			"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Zagreb",
		}).must(t, 200).str("id")
	}
	consent := func(t *testing.T, ben string, expire time.Time) string {
		t.Helper()
		body := map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}
		if !expire.IsZero() {
			body["expire_time"] = expire.UTC().Format(time.RFC3339Nano)
		}
		return s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, body).must(t, 200).str("id")
	}
	var refused func(t *testing.T, action, id, reason string)
	send := func(t *testing.T, ben string) string {
		t.Helper()
		id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
			"reason": "asylum interview", "notes": "needs a Farsi interpreter",
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}).must(t, 200)
		return id
	}
	// ended waits until the referral is cancelled with reason, then checks
	// what each party sees: the facts and the reason, and for the receiver
	// no longer the texts shared under the consent; the last event of the
	// referral records the end, for both.
	ended := func(t *testing.T, id, reason string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for s.call(t, "GET", "/v1/referrals/"+id, s.keyA, nil).must(t, 200).str("status") != "REFERRAL_STATUS_CANCELLED" {
			if time.Now().After(deadline) {
				t.Fatalf("referral %s not ended by %s", id, reason)
			}
			time.Sleep(100 * time.Millisecond)
		}
		a := s.call(t, "GET", "/v1/referrals/"+id, s.keyA, nil).must(t, 200)
		b := s.call(t, "GET", "/v1/referrals/"+id, s.keyB, nil).must(t, 200)
		if a.str("close_reason") != reason || a.str("reason") == "" {
			t.Fatalf("sender's view: %s", a.Raw)
		}
		if b.str("status") != "REFERRAL_STATUS_CANCELLED" || b.str("close_reason") != reason || b.str("reason") != "" || b.str("notes") != "" {
			t.Fatalf("receiver's view: %s", b.Raw)
		}
		for _, key := range []string{s.keyA, s.keyB} {
			evs := s.call(t, "GET", "/v1/referrals/"+id+"/events", key, nil).must(t, 200).Body["events"].([]any)
			last := evs[len(evs)-1].(map[string]any)
			if last["to_status"] != "REFERRAL_STATUS_CANCELLED" || last["note"] != reason {
				t.Fatalf("last event: %v", last)
			}
		}
		refused(t, "accept", id, reason)
	}
	refused = func(t *testing.T, action, id, reason string) {
		t.Helper()
		body := map[string]any{}
		if action == "complete" {
			body["outcome"] = map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED"}
		}
		r := s.call(t, "POST", "/v1/referrals/"+id+":"+action, s.keyB, body).must(t, 400)
		if r.str("message") == "" || errorReason(r) != reason {
			t.Fatalf(":%s answered %s, want FAILED_PRECONDITION %s", action, r.Raw, reason)
		}
	}

	t.Run("withdrawal", func(t *testing.T) {
		ben := person(t)
		cons := consent(t, ben, time.Time{})
		sent, accepted := send(t, ben), send(t, ben)
		s.call(t, "POST", "/v1/referrals/"+accepted+":accept", s.keyB, map[string]any{}).must(t, 200)
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 200)

		w := s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents/"+cons+":withdraw", s.keyA, map[string]any{"reason": "asked by the person"}).must(t, 200)
		if w.Body["live"] == true || w.str("withdraw_time") == "" {
			t.Fatalf("withdrawn consent: %s", w.Raw)
		}
		// The very next requests: the grant is gone.
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
		if l := s.call(t, "GET", "/v1/beneficiaries", s.keyB, nil).must(t, 200); strings.Contains(l.Raw, ben) {
			t.Fatalf("receiver still lists the person: %s", l.Raw)
		}
		refused(t, "accept", sent, "CONSENT_WITHDRAWN")
		refused(t, "start", accepted, "CONSENT_WITHDRAWN")
		// The open referrals made under the consent end, for both parties.
		ended(t, sent, "CONSENT_WITHDRAWN")
		ended(t, accepted, "CONSENT_WITHDRAWN")
		// The owner's audit log shows the withdrawal and the grants it ended.
		log := s.call(t, "GET", "/v1/beneficiaries/"+ben+"/auditEvents?actor_organisation_id="+s.orgID(t, "Organisation A"), s.keyA, nil).must(t, 200)
		if !strings.Contains(log.Raw, `"consent.withdraw"`) || !strings.Contains(log.Raw, "access:"+sent) || !strings.Contains(log.Raw, "access:"+accepted) {
			t.Fatalf("audit log lacks the withdrawal or the revoked grants: %s", log.Raw)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		ben := person(t)
		// Far enough ahead for the steps before it on any machine; then
		// time passes: the consent, and the referral's copy of its expiry,
		// expired a second ago.
		consent(t, ben, time.Now().Add(time.Hour))
		sent := send(t, ben)
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 200)
		s.exec(t, `UPDATE beneficiaries.consents SET given_time = now() - interval '2 hours', expire_time = now() - interval '1 second'
			WHERE beneficiary_id = $1 AND purpose = 'referral_sharing'`, ben)
		s.exec(t, `UPDATE referrals.referrals SET consent_expire_time = now() - interval '1 second' WHERE id = $1`, sent)
		s.call(t, "GET", "/v1/beneficiaries/"+ben, s.keyB, nil).must(t, 404)
		refused(t, "accept", sent, "CONSENT_EXPIRED")
		ended(t, sent, "CONSENT_EXPIRED")
	})
}

// TestReferralReadsAuditedREST: issue 9 §4. The receiver reads a referral's
// reason and notes with an X-Spona-Purpose header; the data owner's
// auditEvents (for the person, and "-") lists each read with the reader,
// the referral and the purpose.
func TestReferralReadsAuditedREST(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": "Omar", "birth_year": 1988}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF"}).must(t, 200)
	ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_HEALTH",
		"reason": "diabetes follow-up", "notes": "prefers a female doctor"}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/referrals/"+ref+":send", s.keyA, map[string]any{}).must(t, 200)

	// In the partner's language: letters outside ASCII reach the log too.
	const purpose = "zdravstveni prijem – slučaj 7 (Đurđevac)"
	if r := s.call(t, "GET", "/v1/referrals/"+ref, s.keyB, nil, "X-Spona-Purpose", purpose).must(t, 200); r.str("notes") == "" {
		t.Fatalf("receiver read: %s", r.Raw)
	}
	s.call(t, "GET", "/v1/referrals?direction=DIRECTION_INCOMING", s.keyB, nil, "X-Spona-Purpose", purpose).must(t, 200)
	s.call(t, "GET", "/v1/referrals/"+ref+"/events", s.keyB, nil, "X-Spona-Purpose", purpose).must(t, 200)

	want := map[string]bool{"referral.read": false, "referral.list": false, "referral.events": false}
	for _, path := range []string{"/v1/beneficiaries/" + ben + "/auditEvents", "/v1/beneficiaries/-/auditEvents"} {
		for k := range want {
			want[k] = false
		}
		log := s.call(t, "GET", path+"?actor_organisation_id="+orgB, s.keyA, nil).must(t, 200)
		for _, e := range log.Body["audit_events"].([]any) {
			e := e.(map[string]any)
			if e["resource"] != "referrals/"+ref || e["purpose"] != purpose || e["beneficiary_id"] != ben {
				continue
			}
			if _, ok := want[e["action"].(string)]; ok {
				want[e["action"].(string)] = true
			}
			if !strings.Contains(fmt.Sprint(e["fields"]), "referral") {
				t.Fatalf("audit event without the fields read: %v", e)
			}
		}
		for action, seen := range want {
			if !seen {
				t.Errorf("%s: no %s by B with purpose %q: %s", path, action, purpose, log.Raw)
			}
		}
	}
	// The receiver cannot read the owner's log.
	s.call(t, "GET", "/v1/beneficiaries/"+ben+"/auditEvents", s.keyB, nil).must(t, 403)
}
