package e2e

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestChangeFeedCursorsTellNothing: the change feed's cursors (GET
// /v1/events) are positions in one feed of every organisation's events,
// sealed, so that an organisation polling it cannot tell how many events
// others had between its polls. Organisation C, told of nothing, polls
// before and after A sends B three referrals, and again with nothing
// happening: every cursor it gets is new, of one length, and not a
// readable position; the answers to the busy and the idle interval look
// alike. B, meanwhile, reads its events one page at a time, in order,
// and after a further referral continues from its last cursor with
// exactly that one (resumable). A cursor of the readable kind given
// before ("c1:" and the position, base64) is refused with 400
// CURSOR_RETIRED telling to start again from start_time, and another
// organisation's cursor with 400. Before, each cursor was base64 of the
// position: C's two cursors differed by the events of everyone between
// its polls (here 3 or more), and equalled each other when nothing
// happened.
func TestChangeFeedCursorsTellNothing(t *testing.T) {
	s := startSystem(t)
	keyC := s.createKey(t, "partner-c", "Organisation C")
	orgB := s.orgID(t, "Organisation B")
	poll := func(key, after string, size int) (events []any, next string) {
		t.Helper()
		r := s.call(t, "GET", "/v1/events?page_size="+strconv.Itoa(size)+"&after="+url.QueryEscape(after), key, nil).must(t, 200)
		events, _ = r.Body["events"].([]any)
		return events, r.str("next_cursor")
	}
	readable := func(cursor string) bool {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		return err == nil && strings.HasPrefix(string(raw), "c1:")
	}

	_, c0 := poll(keyC, "", 100)
	_, idle := poll(keyC, c0, 100) // nothing happened anywhere

	ben := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
		"given_name": "Amina", "sex": "SEX_FEMALE", "birth_year": 1994, "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER",
	}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/beneficiaries/"+ben+"/consents", s.keyA, map[string]any{
		"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING", "given_by": "CONSENT_GIVEN_BY_SELF", "scope": "referrals"}).must(t, 200)
	send := func() string {
		t.Helper()
		id := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": ben, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_LEGAL", "reason": "asylum interview",
		}).must(t, 200).str("id")
		s.call(t, "POST", "/v1/referrals/"+id+":send", s.keyA, map[string]any{}).must(t, 200)
		return id
	}
	sent := []string{send(), send(), send()}
	// B reads its events one at a time until it has the three.
	var got []string
	after := ""
	for deadline := time.Now().Add(time.Minute); len(got) < len(sent); {
		evs, next := poll(s.keyB, after, 1)
		if len(evs) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("B's change feed has %d of the %d referrals sent", len(got), len(sent))
			}
			time.Sleep(50 * time.Millisecond)
			after = next
			continue
		}
		if readable(next) {
			t.Fatalf("B's next_cursor %q is a readable position", next)
		}
		e := evs[0].(map[string]any)
		data, _ := e["data"].(map[string]any)
		if e["type"] == "referral.received" {
			got = append(got, data["referral_id"].(string))
		}
		after = next
	}
	for i := range sent {
		if got[i] != sent[i] {
			t.Fatalf("B's change feed has the referrals %v, want %v in order", got, sent)
		}
	}

	evs, busy := poll(keyC, c0, 100) // A and B had events since c0
	if len(evs) != 0 {
		t.Fatalf("C, told of nothing, has events: %v", evs)
	}
	_, again := poll(keyC, busy, 100)
	for name, c := range map[string]string{"after the idle interval": idle, "after the busy one": busy, "polled again": again} {
		if c == c0 || readable(c) || len(c) != len(c0) {
			t.Errorf("C's cursor %s is %q, first %q: want a new cursor of the same length, not a readable position", name, c, c0)
		}
	}
	if idle == busy || busy == again {
		t.Errorf("C got the same cursor twice: %q %q %q", idle, busy, again)
	}

	// Resumable: B continues from its last cursor with the next referral.
	next := send()
	deadline := time.Now().Add(time.Minute)
	for {
		evs, _ := poll(s.keyB, after, 100)
		if len(evs) > 0 {
			e := evs[0].(map[string]any)
			data, _ := e["data"].(map[string]any)
			if len(evs) != 1 || data["referral_id"] != next {
				t.Fatalf("B continued from its cursor with %v, want only referral %s", evs, next)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B's change feed did not continue with the next referral")
		}
		time.Sleep(50 * time.Millisecond)
	}

	old := base64.RawURLEncoding.EncodeToString([]byte("c1:3"))
	r := s.call(t, "GET", "/v1/events?after="+old, keyC, nil).must(t, 400)
	if errorReason(r) != "CURSOR_RETIRED" || !strings.Contains(r.Raw, "start_time") {
		t.Fatalf("a cursor of the retired kind: %s, want 400 CURSOR_RETIRED naming start_time", r.Raw)
	}
	r = s.call(t, "GET", "/v1/events?after="+url.QueryEscape(after), keyC, nil).must(t, 400)
	if r.Body["code"] != float64(3) {
		t.Fatalf("B's cursor used by C: %s, want 400 INVALID_ARGUMENT", r.Raw)
	}
}
