package service_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/edge/edgetest"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestIndicatorValueRecorderREST: over the gateway, a manual value shows
// who recorded it and when: to the implementing organisation its
// organisation and API client (the key's client id, as the key list
// names it), to the project's funder the organisation and time only. The
// recording is an indicator.value_recorded event of the reporting feed
// for both, with ids and the period only (the comment, which names a
// child, does not travel). The same value sent again (no Idempotency-Key)
// is answered as stored, the same etag, recorder and time, and is no
// event (before r20 it was indicator.value_corrected); deleting the
// project tells the readers of its indicator's deletion
// (indicator.deleted, then project.deleted; before r20 project.deleted
// alone). Before r19, the value had no recorder and no event was written.
func TestIndicatorValueRecorderREST(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka, kb := s.CreateKey(t, "a", "Recorder NGO A"), s.CreateKey(t, "b", "Recorder Donor B")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	project := a.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "REC-1", "titles": []any{map[string]any{"text": "Foster care"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{map[string]any{"organisation_id": kb.Organisation, "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Donor B"}}}},
	}).Must(t, 200).Str("id")
	path := "/v1/projects/" + project + "/indicators"
	indicator := a.Do(t, "POST", path, map[string]any{
		"code": "OP1", "titles": []any{map[string]any{"text": "Workshops held"}}, "unit": "workshops",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL", "counts_persons": false,
	}).Must(t, 200).Str("id")
	path += "/" + indicator
	value := map[string]any{"value": map[string]any{
		"period": map[string]any{"start_date": "2024-01-01", "end_date": "2024-03-31"}, "value": "3",
		"comment": "one with Ana Marić's foster family"}}
	first := a.Do(t, "POST", path+":recordValue", value).Must(t, 200)
	// Sent again (no Idempotency-Key: its answer lost): the value as
	// stored, the same version, recorder and time.
	again := a.Do(t, "POST", path+":recordValue", value).Must(t, 200)
	if first.Str("etag") != again.Str("etag") || !reflect.DeepEqual(first.Body["values"], again.Body["values"]) {
		t.Errorf("the same value recorded again answered %s, first %s", again.Raw, first.Raw)
	}

	var client string
	for _, k := range admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+ka.Organisation, nil).Must(t, 200).Body["api_keys"].([]any) {
		client, _ = k.(map[string]any)["client_id"].(string)
	}
	if client == "" {
		t.Fatal("no client id for key a")
	}
	for _, c := range []struct {
		who          string
		c            *resttest.Client
		clientWanted string
	}{{"implementing organisation", a, client}, {"funder", b, ""}} {
		vs, _ := c.c.Do(t, "GET", path, nil).Must(t, 200).Body["values"].([]any)
		if len(vs) != 1 {
			t.Fatalf("%s reads values %v", c.who, vs)
		}
		v := vs[0].(map[string]any)
		gotClient, _ := v["recorded_by_client_id"].(string)
		if v["recorded_by_organisation_id"] != ka.Organisation || gotClient != c.clientWanted || v["record_time"] == nil {
			t.Errorf("%s reads the value %v; want recorded by %s, client %q, with a record_time", c.who, v, ka.Organisation, c.clientWanted)
		}
	}

	// The project deleted: its indicator goes as if deleted on its own.
	a.Do(t, "DELETE", "/v1/projects/"+project, nil).Must(t, 200)

	conn := servicetest.DialAs(t, s.Addr("reporting"), "reporting", "webhooks")
	evs, _ := servicetest.Events(t, conn, "")
	var found int
	var trail []string
	for _, ev := range evs {
		raw, _ := protojson.Marshal(ev)
		if strings.Contains(string(raw), "Ana") || strings.Contains(string(raw), "Workshops") {
			t.Errorf("event carries free text: %s", raw)
		}
		readers := slices.Equal(ev.GetOrganisationIds(), []string{ka.Organisation, kb.Organisation})
		switch ev.GetType() {
		case "indicator.deleted", "project.deleted":
			if !readers || ev.GetData().AsMap()["project_id"] != project {
				t.Errorf("%s: %s", ev.GetType(), raw)
			}
			trail = append(trail, ev.GetType()+" "+ev.GetAggregateId())
		}
		if ev.GetType() == "indicator.value_corrected" {
			t.Errorf("the same value recorded again is a correction: %s", raw)
		}
		if ev.GetType() != "indicator.value_recorded" {
			continue
		}
		found++
		d := ev.GetData().AsMap()
		if ev.GetAggregateId() != indicator || !readers ||
			d["project_id"] != project || d["period_start"] != "2024-01-01" || d["period_end"] != "2024-03-31" || d["organisation_id"] != ka.Organisation {
			t.Errorf("indicator.value_recorded: %s", raw)
		}
	}
	if found != 1 {
		t.Fatalf("%d indicator.value_recorded in the reporting feed, want 1: %v", found, evs)
	}
	if want := []string{"indicator.deleted " + indicator, "project.deleted " + project}; !slices.Equal(trail, want) {
		t.Errorf("the project's deletion told %v, want %v", trail, want)
	}
}
