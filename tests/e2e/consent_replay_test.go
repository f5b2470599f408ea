package e2e

import (
	"testing"
	"time"
)

// TestConsentEndReachesStoredResponses: a response the receiver of a
// referral got under a referral_sharing consent, stored by the edge for
// its Idempotency-Key (the referral's reason and notes), is not replayed
// once the consent has ended: withdrawn, the receiver's retry with the same
// key is answered anew (400, the consent's reason), not with the texts.
// The sender's own stored responses stay.
func TestConsentEndReachesStoredResponses(t *testing.T) {
	s := startSystem(t, "CONSENT_EXPIRY_INTERVAL=200ms")
	orgB := s.orgID(t, "Organisation B")
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1994,
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}).must(t, 200).str("id")
	cons := s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "legal referral"}).must(t, 200).str("id")
	id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"reason": "asylum interview on Monday", "notes": "needs a Farsi interpreter"}).must(t, 200).str("id")
	base := s.stack.URL()
	post := func(key, path, idem string) (int, map[string]any) {
		t.Helper()
		st, body, err := postAt(base, path, key, map[string]any{}, "Idempotency-Key", idem)
		if err != nil {
			t.Fatal(err)
		}
		return st, body
	}
	if st, body := post(s.keyA, "/v1/referrals/"+id+":send", "send-1"); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Fatalf("send: %d %v", st, body)
	}
	if st, body := post(s.keyB, "/v1/referrals/"+id+":accept", "accept-1"); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Fatalf("accept: %d %v", st, body)
	}

	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents/"+cons+":withdraw", s.keyA, map[string]any{"reason": "asked by the person"}).must(t, 200)
	expectNotReplayed(t, s, id, func() (int, map[string]any) { return post(s.keyB, "/v1/referrals/"+id+":accept", "accept-1") })
	if st, body := post(s.keyA, "/v1/referrals/"+id+":send", "send-1"); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Errorf("the sender's stored response: %d %v", st, body)
	}
}

// TestConsentEndAfterMergeReachesStoredResponses: the receiver's stored
// response (the referral's reason and notes) names the record the referral
// was sent about; that record is then merged into another record of the
// same person, and the consent (moved with it to the survivor) withdrawn.
// The receiver's retry with the same key is answered anew, not with the
// texts: the consent's end reaches what was read under the merged record.
func TestConsentEndAfterMergeReachesStoredResponses(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	dup := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "family_name": "Hadad", "sex": "SEX_FEMALE", "birth_year": 1994}).must(t, 200).str("id")
	survivor := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1994}).must(t, 200).str("id")
	cons := s.call(t, "POST", "/v1/beneficiaries/"+dup+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF"}).must(t, 200).str("id")
	id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": dup, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"reason": "asylum interview on Monday", "notes": "needs a Farsi interpreter"}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}).must(t, 200)
	base := s.stack.URL()
	accept := func() (int, map[string]any) {
		t.Helper()
		st, body, err := postAt(base, "/v1/referrals/"+id+":accept", s.keyB, map[string]any{}, "Idempotency-Key", "accept-merged")
		if err != nil {
			t.Fatal(err)
		}
		return st, body
	}
	if st, body := accept(); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Fatalf("accept: %d %v", st, body)
	}

	s.call(t, "POST", "/v1/beneficiaries/"+survivor+":merge", s.keyA, map[string]any{"duplicate_id": dup}).must(t, 200)
	s.call(t, "POST", "/v1/beneficiaries/"+survivor+"/consents/"+cons+":withdraw", s.keyA, map[string]any{"reason": "asked by the person"}).must(t, 200)
	expectNotReplayed(t, s, id, accept)
}

// expectNotReplayed waits until the referral id was cancelled by a
// consent's withdrawal, then until the edge (which applies the same event
// on its own feed consumer) no longer replays the receiver's stored
// response to retry: the retry must be answered anew, 400 without the
// texts.
func expectNotReplayed(t *testing.T, s *system, id string, retry func() (int, map[string]any)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.call(t, "GET", "/v1/referrals/"+id, s.keyA, nil).must(t, 200).str("status") != "REFERRAL_STATUS_CANCELLED" {
		if time.Now().After(deadline) {
			t.Fatal("the referral was not ended by the withdrawal")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var st int
	var body map[string]any
	for {
		if st, body = retry(); st != 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st == 200 {
		t.Fatalf("the receiver's retry after the withdrawal replays the stored response: %v", body)
	}
	if st != 400 || body["notes"] != nil || body["reason"] != nil {
		t.Errorf("the receiver's retry after the withdrawal: %d %v, want 400 without the texts", st, body)
	}
}

// TestConsentEndReachesClosedReferralsStoredResponses: the receiver's
// stored :accept response (the referral's reason and notes) outlives the
// referral's completion (known: replays survive a close for 24 h), but not
// the consent's withdrawal afterwards, although the withdrawal ended no
// access of the receiver's (the close had) and so does not name it. Before,
// only the organisations the event names lost their stored responses, and
// the receiver replayed the texts until the key's 24 h were up.
func TestConsentEndReachesClosedReferralsStoredResponses(t *testing.T) {
	s := startSystem(t)
	orgB := s.orgID(t, "Organisation B")
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_year": 1994}).must(t, 200).str("id")
	cons := s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF"}).must(t, 200).str("id")
	id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
		"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL",
		"reason": "asylum interview on Monday", "notes": "needs a Farsi interpreter"}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}, "Idempotency-Key", "send-closed").must(t, 200)
	base := s.stack.URL()
	accept := func() (int, map[string]any) {
		t.Helper()
		st, body, err := postAt(base, "/v1/referrals/"+id+":accept", s.keyB, map[string]any{}, "Idempotency-Key", "accept-closed")
		if err != nil {
			t.Fatal(err)
		}
		return st, body
	}
	if st, body := accept(); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Fatalf("accept: %d %v", st, body)
	}
	s.call(t, "POST", "/v1/referrals/"+id+":start", s.keyB, map[string]any{}).must(t, 200)
	s.call(t, "POST", "/v1/referrals/"+id+":complete", s.keyB, map[string]any{
		"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED"}}).must(t, 200)
	if st, body := accept(); st != 200 || body["notes"] != "needs a Farsi interpreter" {
		t.Fatalf("the receiver's stored response before the withdrawal: %d %v", st, body)
	}

	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents/"+cons+":withdraw", s.keyA, map[string]any{"reason": "asked by the person"}).must(t, 200)
	deadline := time.Now().Add(30 * time.Second)
	st, body := accept()
	for st == 200 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		st, body = accept()
	}
	if st == 200 || body["notes"] != nil || body["reason"] != nil {
		t.Fatalf("the receiver's retry after the withdrawal: %d %v, want a refusal without the texts", st, body)
	}
	// The sender's own stored response stays.
	if r := s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}, "Idempotency-Key", "send-closed").must(t, 200); r.str("notes") != "needs a Farsi interpreter" {
		t.Errorf("the sender's stored response: %s", r.Raw)
	}
}
