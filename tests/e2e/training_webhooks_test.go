package e2e

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/webhooktest"
)

// TestTrainingAndIndicatorWebhooks: the running system's webhooks process
// consumes the trainings and reporting feeds. Over REST, Organisation A
// runs a workshop tagged with its project and records an indicator's
// value; Organisation B funds the project; C has nothing to do with it.
// All three subscribe to participant.completed and
// indicator.value_recorded. A (the organiser) gets both, B (a reader of
// the project) the value only, C nothing, by webhook and in GET
// /v1/events; the bodies carry ids, codes and dates only. A type of the
// feeds that is not a webhook type is refused as unknown types are.
// Before, both types were refused (400) and nothing of the two feeds
// reached a partner system.
func TestTrainingAndIndicatorWebhooks(t *testing.T) {
	s := startSystem(t, webhookEnv...)
	keyC := s.createKey(t, "partner-c", "Organisation C")
	orgA, orgB := s.orgID(t, "Organisation A"), s.orgID(t, "Organisation B")
	types := []string{"participant.completed", "indicator.value_recorded"}
	atA, atB, atC := webhooktest.Start(t, nil), webhooktest.Start(t, nil), webhooktest.Start(t, nil)
	_, secretA := s.subscribeREST(t, s.keyA, atA.URL(), types...)
	_, secretB := s.subscribeREST(t, s.keyB, atB.URL(), types...)
	s.subscribeREST(t, keyC, atC.URL(), types...)
	bad := s.call(t, "POST", "/v1/webhooks", s.keyA, map[string]any{"url": atA.URL(),
		"event_types": []string{"participant.completed", "participant.registered"}}).must(t, 400)
	if !strings.Contains(bad.Raw, `"field":"webhook.event_types[1]"`) {
		t.Errorf("participant.registered: %s; want a violation on webhook.event_types[1]", bad.Raw)
	}

	project := s.call(t, "POST", "/v1/projects", s.keyA, map[string]any{
		"code": "BA-2017-CP-01", "titles": []any{map[string]any{"lang": "en", "text": "Child protection in Tuzla"}},
		"planned_start_date": "2017-01-01", "planned_end_date": "2017-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"BA"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION",
		"participating_organisations": []any{map[string]any{"organisation_id": orgB, "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Organisation B"}}}},
	}).must(t, 200).str("id")
	ev := s.call(t, "POST", "/v1/trainingEvents", s.keyA, map[string]any{"project_id": project, "type": "EVENT_TYPE_WORKSHOP",
		"title": "Radionica o zaštiti djece", "start_date": "2017-04-03", "end_date": "2017-04-03", "country": "BA"}).must(t, 200).str("id")
	session := s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions", s.keyA, map[string]any{"date": "2017-04-03",
		"topic": "Uvod", "trainer": "A. Hodžić"}).must(t, 200).str("id")
	participant := s.call(t, "POST", "/v1/trainingEvents/"+ev+"/participants", s.keyA, map[string]any{
		"professional": map[string]any{"given_name": "Emina", "family_name": "Begić", "sector": "SECTOR_SOCIAL_WELFARE"}}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/trainingEvents/"+ev+"/sessions/"+session+":recordAttendance", s.keyA, map[string]any{
		"marks": []any{map[string]any{"participant_id": participant, "present": true}}}).must(t, 200)
	indicator := s.call(t, "POST", "/v1/projects/"+project+"/indicators", s.keyA, map[string]any{
		"code": "CP-1", "titles": []any{map[string]any{"text": "Djeca smještena u udomiteljske porodice"}}, "unit": "children",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL"}).must(t, 200).str("id")
	s.call(t, "POST", "/v1/projects/"+project+"/indicators/"+indicator+":recordValue", s.keyA, map[string]any{"value": map[string]any{
		"period": map[string]any{"start_date": "2017-04-01", "end_date": "2017-06-30"}, "value": "3", "comment": "braća Hodžić"}}).must(t, 200)

	keys := map[string][]string{
		"participant.completed":    {"participant_id", "event_id", "professional_id", "project_id", "cause", "sequence"},
		"indicator.value_recorded": {"project_id", "indicator_id", "period_start", "period_end", "organisation_id", "sequence"},
	}
	check := func(name, key, secret string, rcv *webhooktest.Receiver, want ...string) {
		t.Helper()
		reqs := rcv.WaitFor(t, time.Minute, name+"'s webhooks", func(r []webhooktest.Request) bool { return len(r) >= len(want) })
		webhooktest.Verify(t, []string{secret}, reqs)
		var got []string
		for _, r := range reqs {
			for _, text := range []string{"Emina", "Begić", "Radionica", "Djeca", "braća"} {
				if strings.Contains(string(r.Body), text) {
					t.Errorf("%s's webhook carries %q: %s", name, text, r.Body)
				}
			}
			e := r.Decode(t)
			got = append(got, e.Type)
			if k := slices.Sorted(maps.Keys(e.Data)); !slices.Equal(k, slices.Sorted(slices.Values(keys[e.Type]))) ||
				e.Data["project_id"] != project || e.Type == "participant.completed" && e.Data["participant_id"] != participant ||
				e.Type == "indicator.value_recorded" && (e.Data["indicator_id"] != indicator || e.Data["organisation_id"] != orgA) {
				t.Errorf("%s got %s; want ids, codes and dates only: %v", name, r.Body, keys[e.Type])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v", name, got, want)
		}
		feed := s.call(t, "GET", "/v1/events?types=participant.completed&types=indicator.value_recorded", key, nil).must(t, 200)
		evs, _ := feed.Body["events"].([]any)
		got = got[:0]
		for _, e := range evs {
			got = append(got, e.(map[string]any)["type"].(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s's change feed: %s; want %v", name, feed.Raw, want)
		}
	}
	check("A (the organiser, implementing the project)", s.keyA, secretA, atA, "indicator.value_recorded", "participant.completed")
	check("B (funding the project)", s.keyB, secretB, atB, "indicator.value_recorded")
	// Both events were applied (A got them): every organisation's entries
	// and deliveries of each were written in that one transaction.
	if got := atC.Requests(); len(got) != 0 {
		t.Errorf("C received %d webhooks, first: %s", len(got), got[0].Body)
	}
	l := s.call(t, "GET", "/v1/events", keyC, nil).must(t, 200)
	if evs, _ := l.Body["events"].([]any); len(evs) != 0 {
		t.Errorf("C's change feed: %s", l.Raw)
	}
}
