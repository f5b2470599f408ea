package service_test

import (
	"net/http"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestSessionCorrectedOverREST: PATCH
// /v1/trainingEvents/{event_id}/sessions/{id} corrects a session as the
// other PATCH routes change their resources: the fields the body gives
// (or update_mask names), against the etag read (body or If-Match; none is
// 409 ETAG_REQUIRED, a stale If-Match 412, a stale body etag 409), with
// its ETag answered; a retry under the same Idempotency-Key is the first
// answer again; a bad field is 400 naming it, in the language asked; and
// the attendance marks stay. Before, the route did not exist (405): a
// session entered with the wrong day could only be deleted, with its
// marks.
func TestSessionCorrectedOverREST(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "session-patch", "Session Patch NGO").Key)
	event := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{"type": "EVENT_TYPE_WORKSHOP", "title": "W",
		"start_date": "2024-03-01", "end_date": "2024-03-03"}).Must(t, 200).Str("id")
	sessions := "/v1/trainingEvents/" + event + "/sessions"
	created := c.Do(t, "POST", sessions, map[string]any{"date": "2024-03-01", "start_time": "09:00", "end_time": "12:00"}).Must(t, 200)
	path := sessions + "/" + created.Str("id")
	first := created.Header.Get("ETag")
	if first == "" || first != created.Str("etag") {
		t.Fatalf("created session: ETag header %q, body etag %q", first, created.Str("etag"))
	}
	participant := c.Do(t, "POST", "/v1/trainingEvents/"+event+"/participants", map[string]any{"professional": map[string]any{
		"given_name": "Ivana", "family_name": "Ivić", "sector": "SECTOR_POLICE"}}).Must(t, 200).Str("id")
	c.Do(t, "POST", path+":recordAttendance", map[string]any{"marks": []any{map[string]any{"participant_id": participant, "present": true}}}).Must(t, 200)

	refused := func(r resttest.Response, code int, reason string, fields ...string) {
		t.Helper()
		r.Must(t, code)
		if reason != "" && reasonOf(r) != reason {
			t.Fatalf("%s %s: reason %q, want %s: %s", r.Method, r.Path, reasonOf(r), reason, r.Raw)
		}
		locale, _, _ := localized(t, r)
		if locale != "hr" {
			t.Errorf("%s %s: LocalizedMessage in %q, want hr: %s", r.Method, r.Path, locale, r.Raw)
		}
		for _, f := range fields {
			if r.Violations()[f] == "" {
				t.Errorf("%s %s: no violation of %s: %s", r.Method, r.Path, f, r.Raw)
			}
		}
	}
	hr := []string{"Accept-Language", "hr"}
	refused(c.Do(t, "PATCH", path, map[string]any{"topic": "Uvod"}, hr...), http.StatusConflict, "ETAG_REQUIRED")
	refused(c.Do(t, "PATCH", path, map[string]any{"date": "2024-04-01", "end_time": "08:00", "etag": first}, hr...),
		http.StatusBadRequest, "", "session.date", "session.end_time")
	refused(c.Do(t, "PATCH", path+"?update_mask=location", map[string]any{"etag": first}, hr...), http.StatusBadRequest, "", "update_mask.paths[0]")

	// The day corrected, by If-Match; the times stay.
	moved := c.Do(t, "PATCH", path, map[string]any{"date": "2024-03-02", "topic": "Uvod"}, "If-Match", first, "Idempotency-Key", "fix-day").Must(t, 200)
	second := moved.Header.Get("ETag")
	if second == first || second != moved.Str("etag") || moved.Str("date") != "2024-03-02" || moved.Str("start_time") != "09:00" || moved.Str("topic") != "Uvod" {
		t.Fatalf("corrected session: ETag %q (was %q): %s", second, first, moved.Raw)
	}
	again := c.Do(t, "PATCH", path, map[string]any{"date": "2024-03-02", "topic": "Uvod"}, "If-Match", first, "Idempotency-Key", "fix-day").Must(t, 200)
	if again.Header.Get("Idempotent-Replayed") != "true" || again.Str("etag") != second {
		t.Errorf("retry under the same key: replayed %q, etag %q: %s", again.Header.Get("Idempotent-Replayed"), again.Str("etag"), again.Raw)
	}
	refused(c.Do(t, "PATCH", path, map[string]any{"topic": "Stari"}, append(hr, "If-Match", first)...), http.StatusPreconditionFailed, "ETAG_MISMATCH")
	refused(c.Do(t, "PATCH", path, map[string]any{"topic": "Stari", "etag": first}, hr...), http.StatusConflict, "ETAG_MISMATCH")

	// The mark stayed with the session.
	p := c.Do(t, "GET", "/v1/trainingEvents/"+event+"/participants/"+participant, nil).Must(t, 200)
	if n, _ := p.Body["sessions_attended"].(float64); n != 1 {
		t.Errorf("sessions attended after the correction: %s", p.Raw)
	}
	list := c.Do(t, "GET", sessions, nil).Must(t, 200)
	if got, _ := list.Body["sessions"].([]any); len(got) != 1 || got[0].(map[string]any)["etag"] != second || got[0].(map[string]any)["topic"] != "Uvod" {
		t.Errorf("sessions after the correction: %s", list.Raw)
	}
}
