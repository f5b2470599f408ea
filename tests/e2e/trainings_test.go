package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestTrainingsREST drives a training event over REST: create (idempotent),
// PATCH with etag, sessions, participants whose organisation kind comes from
// the directory, attendance, test scores, certificates, and isolation.
func TestTrainingsREST(t *testing.T) {
	s := startSystem(t)

	// Organisation A's directory id, to register its staff.
	orgs := s.call(t, "GET", "/v1/organisations?page_size=100", s.keyA, nil).must(t, 200)
	var orgA string
	list, _ := orgs.Body["organisations"].([]any)
	for _, o := range list {
		if m, _ := o.(map[string]any); m["name"] == "Organisation A" {
			orgA, _ = m["id"].(string)
		}
	}
	if orgA == "" {
		t.Fatalf("organisation A not in the directory: %s", orgs.Raw)
	}

	body := map[string]any{"type": "EVENT_TYPE_WORKSHOP", "title": "Radionica o zaštiti djece", "start_date": "2017-04-03",
		"end_date": "2017-04-04", "municipality": "Tuzla", "country": "BA", "topics": []string{"child protection"}, "language": "bs"}
	ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, body, "Idempotency-Key", "ev-1").must(t, 200)
	id := ev.str("id")
	if again := s.call(t, "POST", "/v1/trainingEvents", s.keyA, body, "Idempotency-Key", "ev-1").must(t, 200); again.str("id") != id {
		t.Fatalf("retried create made another event: %s vs %s", again.str("id"), id)
	}
	if ev.Body["completion_threshold_percent"] != float64(80) || ev.str("etag") == "" {
		t.Fatalf("created: %s", ev.Raw)
	}

	// PATCH: the body's fields form the mask; a stale etag is a conflict.
	p := s.call(t, "PATCH", "/v1/trainingEvents/"+id, s.keyA, map[string]any{"title": "Radionica", "etag": ev.str("etag")}).must(t, 200)
	if p.str("title") != "Radionica" || p.str("municipality") != "Tuzla" || p.str("etag") == ev.str("etag") {
		t.Fatalf("patched: %s", p.Raw)
	}
	stale := s.call(t, "PATCH", "/v1/trainingEvents/"+id, s.keyA, map[string]any{"title": "Lost", "etag": ev.str("etag")}).must(t, 409)
	if stale.Body["code"] != float64(10) {
		t.Fatalf("stale etag body: %s", stale.Raw)
	}
	s.call(t, "PATCH", "/v1/trainingEvents/"+id+"?update_mask=organiser_organisation_id", s.keyA, map[string]any{}).must(t, 400)

	var sessions []string
	for _, d := range []string{"2017-04-03", "2017-04-04"} {
		r := s.call(t, "POST", "/v1/trainingEvents/"+id+"/sessions", s.keyA, map[string]any{
			"date": d, "start_time": "09:00", "end_time": "15:00", "topic": "Day " + d, "trainer": "A. Hodžić"}).must(t, 200)
		sessions = append(sessions, r.str("id"))
	}
	extra := s.call(t, "POST", "/v1/trainingEvents/"+id+"/sessions", s.keyA, map[string]any{"date": "2017-04-04"}).must(t, 200)
	s.call(t, "DELETE", "/v1/trainingEvents/"+id+"/sessions/"+extra.str("id"), s.keyB, nil).must(t, 404)
	s.call(t, "DELETE", "/v1/trainingEvents/"+id+"/sessions/"+extra.str("id"), s.keyA, nil).must(t, 200)
	if l := s.call(t, "GET", "/v1/trainingEvents/"+id+"/sessions", s.keyA, nil).must(t, 200); strings.Contains(l.Raw, extra.str("id")) {
		t.Fatalf("deleted session still listed: %s", l.Raw)
	}
	bad := s.call(t, "POST", "/v1/trainingEvents/"+id+"/sessions", s.keyA, map[string]any{"date": "2017-05-01"}).must(t, 400)
	if !strings.Contains(bad.Raw, "session.date") {
		t.Fatalf("session outside the event: %s", bad.Raw)
	}

	var participants []string
	for i, sector := range []string{"SECTOR_SOCIAL_WELFARE", "SECTOR_POLICE", "SECTOR_EDUCATION"} {
		r := s.call(t, "POST", "/v1/trainingEvents/"+id+"/participants", s.keyA, map[string]any{
			"professional": map[string]any{"given_name": fmt.Sprintf("Emina %d", i), "family_name": "Begić",
				"organisation_id": orgA, "sector": sector, "sex": "SEX_FEMALE", "position": "savjetnica"}}).must(t, 200)
		if r.str("organisation_kind") != "ORGANISATION_KIND_NGO" {
			t.Fatalf("organisation kind not from the directory: %s", r.Raw)
		}
		participants = append(participants, r.str("id"))
	}
	oops := s.call(t, "POST", "/v1/trainingEvents/"+id+"/participants", s.keyA, map[string]any{
		"professional": map[string]any{"given_name": "Wrong", "family_name": "Person", "sector": "SECTOR_OTHER"}}).must(t, 200)
	s.call(t, "DELETE", "/v1/trainingEvents/"+id+"/participants/"+oops.str("id"), s.keyA, nil).must(t, 200)
	s.call(t, "GET", "/v1/trainingEvents/"+id+"/participants/"+oops.str("id"), s.keyA, nil).must(t, 404)
	unknown := s.call(t, "POST", "/v1/trainingEvents/"+id+"/participants", s.keyA, map[string]any{
		"professional": map[string]any{"given_name": "X", "family_name": "Y", "sector": "SECTOR_HEALTH",
			"organisation_id": "0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69"}}).must(t, 400)
	if !strings.Contains(unknown.Raw, "participant.professional.organisation_id") {
		t.Fatalf("unknown organisation: %s", unknown.Raw)
	}

	// Everyone at day one, two of three at day two (67% < 80%).
	for i, sid := range sessions {
		marks := []map[string]any{}
		for j, pid := range participants {
			marks = append(marks, map[string]any{"participant_id": pid, "present": i == 0 || j < 2})
		}
		s.call(t, "POST", "/v1/trainingEvents/"+id+"/sessions/"+sid+":recordAttendance", s.keyA, map[string]any{"marks": marks}).must(t, 200)
	}
	sc := s.call(t, "POST", "/v1/trainingEvents/"+id+"/participants/"+participants[0]+":recordTestScores", s.keyA,
		map[string]any{"pre_test_score": 40, "post_test_score": 85}).must(t, 200)
	if sc.Body["pre_test_score"] != float64(40) || sc.Body["post_test_score"] != float64(85) || sc.Body["attendance_percent"] != float64(100) {
		t.Fatalf("scores: %s", sc.Raw)
	}
	s.call(t, "POST", "/v1/trainingEvents/"+id+"/participants/"+participants[0]+":recordTestScores", s.keyA,
		map[string]any{"post_test_score": 101}).must(t, 400)

	cert := s.call(t, "POST", "/v1/trainingEvents/"+id+":issueCertificates", s.keyA, map[string]any{}).must(t, 200)
	certified, _ := cert.Body["participants"].([]any)
	if cert.Body["issued_count"] != float64(2) || len(certified) != 2 {
		t.Fatalf("certificates: %s", cert.Raw)
	}
	for _, c := range certified {
		if m, _ := c.(map[string]any); !strings.HasPrefix(fmt.Sprint(m["certificate_number"]), "TR-2017-") {
			t.Fatalf("certificate number: %v", m)
		}
	}

	// Lists page with keyset tokens.
	page := s.call(t, "GET", "/v1/trainingEvents/"+id+"/participants?page_size=2", s.keyA, nil).must(t, 200)
	if got, _ := page.Body["participants"].([]any); len(got) != 2 || page.str("next_page_token") == "" {
		t.Fatalf("first page: %s", page.Raw)
	}
	rest := s.call(t, "GET", "/v1/trainingEvents/"+id+"/participants?page_size=2&page_token="+page.str("next_page_token"), s.keyA, nil).must(t, 200)
	if got, _ := rest.Body["participants"].([]any); len(got) != 1 || rest.str("next_page_token") != "" {
		t.Fatalf("second page: %s", rest.Raw)
	}
	byType := s.call(t, "GET", "/v1/trainingEvents?type=EVENT_TYPE_WORKSHOP&period.start_date=2017-01-01&period.end_date=2017-12-31", s.keyA, nil).must(t, 200)
	if got, _ := byType.Body["training_events"].([]any); len(got) != 1 {
		t.Fatalf("events by type and period: %s", byType.Raw)
	}

	// Organisation B sees and changes nothing of A's event.
	s.call(t, "GET", "/v1/trainingEvents/"+id, s.keyB, nil).must(t, 404)
	s.call(t, "GET", "/v1/trainingEvents/"+id+"/participants", s.keyB, nil).must(t, 404)
	s.call(t, "PATCH", "/v1/trainingEvents/"+id, s.keyB, map[string]any{"title": "Mine"}).must(t, 404)
	s.call(t, "POST", "/v1/trainingEvents/"+id+":issueCertificates", s.keyB, map[string]any{}).must(t, 404)
	if l := s.call(t, "GET", "/v1/trainingEvents", s.keyB, nil).must(t, 200); strings.Contains(l.Raw, id) {
		t.Fatalf("B lists A's event: %s", l.Raw)
	}
}

// TestEventEtagCoversItsCounts: a training event reads its participant and
// session counts, so its etag moves with them: a client revalidating its
// copy (If-None-Match) after a session was added or a participant
// registered gets the event with the new counts, not 304 Not Modified;
// a change made with the etag read before still passes (the stored event
// is unchanged: the etag names the same version). Before, the etag was
// the event's version alone, and the cached copy kept the old counts.
func TestEventEtagCoversItsCounts(t *testing.T) {
	s := startSystem(t)
	ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, map[string]any{"type": "EVENT_TYPE_WORKSHOP", "title": "Radionica",
		"start_date": "2017-04-03", "end_date": "2017-04-04"}).must(t, 200)
	path := "/v1/trainingEvents/" + ev.str("id")
	read := s.call(t, "GET", path, s.keyA, nil).must(t, 200)
	first := read.Header.Get("ETag")
	s.call(t, "GET", path, s.keyA, nil, "If-None-Match", first).must(t, 304)

	s.call(t, "POST", path+"/sessions", s.keyA, map[string]any{"date": "2017-04-03"}).must(t, 200)
	after := s.call(t, "GET", path, s.keyA, nil, "If-None-Match", first)
	if after.Status != 200 || after.Body["session_count"] != float64(1) || after.Header.Get("ETag") == first {
		t.Fatalf("revalidating %s after a session was added: %d %s ETag %s, want 200 with session_count 1 and a new ETag",
			first, after.Status, after.Raw, after.Header.Get("ETag"))
	}
	second := after.Header.Get("ETag")
	s.call(t, "POST", path+"/participants", s.keyA, map[string]any{"professional": map[string]any{
		"given_name": "Amra", "family_name": "Hodžić", "organisation_name": "CSR Tuzla", "sector": "SECTOR_SOCIAL_WELFARE"}}).must(t, 200)
	again := s.call(t, "GET", path, s.keyA, nil, "If-None-Match", second)
	if again.Status != 200 || again.Body["participant_count"] != float64(1) || again.str("etag") != again.Header.Get("ETag") {
		t.Fatalf("revalidating %s after a registration: %d %s, want 200 with participant_count 1", second, again.Status, again.Raw)
	}
	s.call(t, "GET", path, s.keyA, nil, "If-None-Match", again.Header.Get("ETag")).must(t, 304)
	// Nothing stored of the event changed: the first etag still makes a change.
	s.call(t, "PATCH", path, s.keyA, map[string]any{"title": "Radionica o zaštiti djece"}, "If-Match", first).must(t, 200)
}
