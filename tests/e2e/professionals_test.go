package e2e

import (
	"testing"
	"time"
)

// TestDeletedRegistrationNotReplayed: once a registration made by mistake
// is deleted, the edge no longer replays the stored response of its create
// (the professional's name and e-mail) to a retry with its
// Idempotency-Key (audit af-people: replayed for IDEMPOTENCY_TTL, 24 h,
// after the trainings service had forgotten the professional).
func TestDeletedRegistrationNotReplayed(t *testing.T) {
	s := startSystem(t)
	ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, map[string]any{"type": "EVENT_TYPE_WORKSHOP", "title": "Radionica",
		"start_date": "2017-04-03", "municipality": "Tuzla", "country": "BA", "language": "bs"}).must(t, 200).str("id")
	path := "/v1/trainingEvents/" + ev + "/participants"
	body := map[string]any{"professional": map[string]any{"given_name": "Zvjezdan", "family_name": "Krešimirović",
		"email": "zvjezdan@exmaple.org", "sector": "SECTOR_POLICE"}}
	reg := s.call(t, "POST", path, s.keyA, body, "Idempotency-Key", "registration-1").must(t, 200)
	if again := s.call(t, "POST", path, s.keyA, body, "Idempotency-Key", "registration-1").must(t, 200); again.str("id") != reg.str("id") {
		t.Fatalf("retried registration: %s, want %s", again.Raw, reg.Raw)
	}
	s.call(t, "DELETE", path+"/"+reg.str("id"), s.keyA, nil).must(t, 200)
	// The edge learns of the deletion from the trainings feed: give it
	// the time that takes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := s.call(t, "POST", path, s.keyA, body, "Idempotency-Key", "registration-1")
		if r.str("id") != reg.str("id") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the registration was deleted, a retry replays it: %s", r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := s.count(t, `SELECT count(*) FROM edge.idempotency_records WHERE '`+reg.str("id")+`'::uuid = ANY (subject_ids)`); n != 0 {
		t.Errorf("%d stored responses name the deleted registration", n)
	}
}
