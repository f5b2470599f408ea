package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestReferralActionRetriesREST: through the real edge, each referral
// action (:send, :accept, :start, :complete, :decline, :cancel) sent again
// after it succeeded, by the party that took it and with the body it was
// first sent with, without an Idempotency-Key (a client whose answer was
// lost and that sends none), is answered 200 with the referral as it is
// (the first answer's etag and status), and the referral's transitions
// and the change feed GET /v1/events tell each action once, to each party.
// The other party sending it, or the same party another text, is 400
// ILLEGAL_TRANSITION. Before, every retry but :complete's was 400
// ILLEGAL_TRANSITION.
func TestReferralActionRetriesREST(t *testing.T) {
	s := startSystem(t, webhookEnv...)
	orgB := s.orgID(t, "Organisation B")
	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Samir", "sex": "SEX_MALE", "birth_year": 1990, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "municipality": "Šid",
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referrals"}).must(t, 200)
	key := map[string]string{"A": s.keyA, "B": s.keyB}
	other := map[string]string{"A": "B", "B": "A"}
	type step struct {
		by, action string
		body       map[string]any
	}
	paths := [][]step{
		{{"A", "send", map[string]any{"note": "interview on Monday"}}, {"B", "accept", map[string]any{"note": "we will see him"}},
			{"B", "start", map[string]any{}}, {"B", "complete", map[string]any{"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "done"}}}},
		{{"A", "send", map[string]any{}}, {"B", "decline", map[string]any{"reason": "no capacity"}}},
		{{"A", "send", map[string]any{}}, {"A", "cancel", map[string]any{"reason": "moved away"}}},
	}
	var refs []string
	for _, path := range paths {
		ref := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview",
		}).must(t, 200).str("id")
		refs = append(refs, ref)
		for _, st := range path {
			url := "/v1/referrals/" + ref + ":" + st.action
			first := s.call(t, "POST", url, key[st.by], st.body).must(t, 200)
			again := s.call(t, "POST", url, key[st.by], st.body).must(t, 200)
			if again.str("etag") != first.str("etag") || again.str("status") != first.str("status") {
				t.Fatalf("%s sent again: %s, want the first answer %s", st.action, again.Raw, first.Raw)
			}
			if r := s.call(t, "POST", url, key[other[st.by]], st.body).must(t, 400); errorReason(r) != "ILLEGAL_TRANSITION" {
				t.Fatalf("%s by the other party: %s", st.action, r.Raw)
			}
			changed := map[string]any{"note": "another"}
			switch st.action {
			case "decline", "cancel":
				changed = map[string]any{"reason": "another"}
			case "complete":
				changed = map[string]any{"outcome": map[string]any{"code": "OUTCOME_CODE_SERVICE_PROVIDED", "note": "another"}}
			}
			if r := s.call(t, "POST", url, key[st.by], changed).must(t, 400); errorReason(r) != "ILLEGAL_TRANSITION" {
				t.Fatalf("%s with another text: %s", st.action, r.Raw)
			}
		}
		ev := s.call(t, "GET", "/v1/referrals/"+ref+"/events", s.keyA, nil).must(t, 200)
		if list, _ := ev.Body["events"].([]any); len(list) != len(path)+1 {
			t.Fatalf("transitions of %s: %s, want %d", ref, ev.Raw, len(path)+1)
		}
	}

	// Each party's change feed tells each action of the other party once
	// (the receiver is told of sends and cancels, the sender of the
	// receiver's answers), and nothing else, once it has told them all.
	want := map[string][]string{
		"A": {refs[0] + " referral.accepted", refs[0] + " referral.started", refs[0] + " referral.completed", refs[1] + " referral.declined"},
		"B": {refs[0] + " referral.received", refs[1] + " referral.received", refs[2] + " referral.received", refs[2] + " referral.cancelled"},
	}
	for _, by := range []string{"A", "B"} {
		servicetest.Eventually(t, by+"'s change feed", func() error {
			told := map[string]int{}
			after := ""
			for {
				page := s.call(t, "GET", "/v1/events?page_size=100&after="+after, key[by], nil).must(t, 200)
				evs, _ := page.Body["events"].([]any)
				for _, e := range evs {
					m := e.(map[string]any)
					data, _ := m["data"].(map[string]any)
					ref, _ := data["referral_id"].(string)
					told[ref+" "+m["type"].(string)]++
				}
				if len(evs) == 0 {
					break
				}
				after = page.str("next_cursor")
			}
			for _, k := range want[by] {
				if told[k] == 0 {
					return fmt.Errorf("%s not told yet: %v", k, told)
				}
			}
			for k, n := range told {
				if n != 1 || !slices.Contains(want[by], k) {
					t.Fatalf("%s told %d times in %s's change feed: %v, want once each of %v", k, n, by, told, want[by])
				}
			}
			return nil
		})
	}
}
