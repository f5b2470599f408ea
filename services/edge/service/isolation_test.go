package service_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/webhooktest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestEveryRouteKeepsOrganisationsApart drives every route of the OpenAPI
// document as organisation B, a partner holding every partner scope, with
// the ids of organisation A's records (a person with a document, a consent
// and an assistance, a household, a referral draft, a project with an
// indicator, a training event with a session and a participant, a webhook,
// an import): no route answers B with success about A's records, and no
// answer, lists included, carries an id of A's records that B did not
// send. The directory is everyone's to read and is left out; a route with
// an id this test has no record for fails it, so a new route is covered
// when it is added. The change feed is read from a time too (start_time),
// by both.
func TestEveryRouteKeepsOrganisationsApart(t *testing.T) {
	rcv := webhooktest.Start(t, nil)
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	a := resttest.New(s.URL, s.CreateKey(t, "a", "Isolation NGO A").Key)
	b := resttest.New(s.URL, s.CreateKey(t, "b", "Isolation NGO B").Key)

	begin := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	// B's own change in the feed, before A's: B's change feed from a time
	// starts there (see below).
	bProject := b.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "ISO-B", "titles": []any{map[string]any{"lang": "en", "text": "Legal aid"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION"}).Must(t, 200).Str("id")
	bIndicator := b.Do(t, "POST", "/v1/projects/"+bProject+"/indicators", map[string]any{"code": "IB", "level": "INDICATOR_LEVEL_OUTPUT",
		"metric": "METRIC_MANUAL", "titles": []any{map[string]any{"lang": "en", "text": "Cases"}}}).Must(t, 200).Str("id")
	rec := seedRecords(t, admin, a, rcv.URL())

	spec, err := resttest.ParseSpec(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	// A's ids in a request body, wherever a field names one.
	sampleID := recordIDs(rec)
	for _, op := range spec.Operations {
		name := op.Method + " " + op.Template
		if directoryRead(op) {
			continue // the directory: everyone's to read
		}
		path, vals := recordPath(t, op, rec)
		var body any
		sent := path
		if op.Method != "GET" && op.Body != "" {
			body = spec.Sample(op.Body, sampleID)
			raw, _ := json.Marshal(body)
			sent += string(raw)
		}
		r := b.Do(t, op.Method, path, body)
		if r.Status >= 500 {
			t.Errorf("%s as B: HTTP %d %s", name, r.Status, r.Raw)
		}
		if len(vals) > 0 && r.Status/100 == 2 {
			t.Errorf("%s as B on A's records: HTTP %d %s", name, r.Status, r.Raw)
		}
		for coll, id := range rec {
			if strings.Contains(string(r.Raw), id) && !strings.Contains(sent, id) {
				t.Errorf("%s as B: the answer names A's %s %s: %s", name, coll, id, r.Raw)
			}
		}
	}

	// The change feed from a time (GET /v1/events?start_time=…), which
	// starts at the caller's first change at or after it: B, asking from
	// before its indicator and A's records were made, gets its indicator's
	// change and none of A's, which A gets asking the same.
	fromTime := "/v1/events?page_size=1000&start_time=" + url.QueryEscape(begin)
	read := func(cl *resttest.Client, want ...string) resttest.Response {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			r := cl.Do(t, "GET", fromTime, nil).Must(t, 200)
			if !slices.ContainsFunc(want, func(id string) bool { return !strings.Contains(string(r.Raw), id) }) {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %s; want changes naming %v", fromTime, r.Raw, want)
			}
		}
	}
	read(a, rec["sessions"], rec["indicators"])
	r := read(b, bIndicator)
	if evs, _ := r.Body["events"].([]any); len(evs) != 1 {
		t.Errorf("GET %s as B: %d events, want its indicator's only: %s", fromTime, len(evs), r.Raw)
	}
	for coll, id := range rec {
		if strings.Contains(string(r.Raw), id) {
			t.Errorf("GET %s as B: the answer names A's %s %s: %s", fromTime, coll, id, r.Raw)
		}
	}
}

// TestProjectAuditEventsOwnerOnly: GET /v1/projects/{id}/auditEvents
// answers the implementing organisation who changed what when (a small
// count of persons recorded and corrected: its numbers, period and API
// client; no comment, no title); the project's funder, who reads the
// indicator with that count suppressed, is refused (403) and shown none
// of it; another organisation is answered as for no project (404), as is
// every route asked about another organisation's records
// (TestEveryRouteKeepsOrganisationsApart). Mistakes are 400 naming their
// field. Before, the route did not exist (404 for every caller).
func TestProjectAuditEventsOwnerOnly(t *testing.T) {
	s := edgetest.Start(t, nil)
	ka, kb := s.CreateKey(t, "a", "Audit NGO A"), s.CreateKey(t, "b", "Audit Donor B")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	other := resttest.New(s.URL, s.CreateKey(t, "c", "Audit NGO C").Key)
	project := a.Do(t, "POST", "/v1/projects", map[string]any{
		"code": "AUD-1", "titles": []any{map[string]any{"text": "Foster care"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
		"participating_organisations": []any{map[string]any{"organisation_id": kb.Organisation, "role": "ORGANISATION_ROLE_FUNDING",
			"names": []any{map[string]any{"text": "Donor B"}}}},
	}).Must(t, 200).Str("id")
	path := "/v1/projects/" + project
	indicator := a.Do(t, "POST", path+"/indicators", map[string]any{
		"code": "OC1", "titles": []any{map[string]any{"text": "Children placed"}}, "unit": "children",
		"level": "INDICATOR_LEVEL_OUTCOME", "metric": "METRIC_MANUAL", "counts_persons": true,
	}).Must(t, 200).Str("id")
	for _, n := range []string{"2", "3"} {
		a.Do(t, "POST", path+"/indicators/"+indicator+":recordValue", map[string]any{"value": map[string]any{
			"period": map[string]any{"start_date": "2024-01-01", "end_date": "2024-12-31"}, "value": n,
			"comment": "Ana Marić and her sister"}}).Must(t, 200)
	}
	// The funder reads the indicator, its count suppressed.
	if v := b.Do(t, "GET", path+"/indicators/"+indicator, nil).Must(t, 200).Body["values"].([]any)[0].(map[string]any); v["suppressed"] != true || v["value"] != nil {
		t.Fatalf("the funder reads the value %v, want it suppressed", v)
	}

	r := a.Do(t, "GET", path+"/auditEvents?page_size=10", nil).Must(t, 200)
	evs, _ := r.Body["audit_events"].([]any)
	var got []string
	for _, e := range evs {
		e := e.(map[string]any)
		before, _ := e["value_before"].(string) // absent when empty
		after, _ := e["value_after"].(string)
		got = append(got, fmt.Sprint(e["action"], " ", before, ">", after))
	}
	if want := []string{"value.correct 2>3", "value.record >2", "indicator.create >", "project.create >"}; !slices.Equal(got, want) {
		t.Errorf("the audit: %q, want %q: %s", got, want, r.Raw)
	}
	for _, text := range []string{"Ana", "Foster care", "Children placed", "Donor B"} {
		if strings.Contains(string(r.Raw), text) {
			t.Errorf("the audit names %q: %s", text, r.Raw)
		}
	}
	if first := evs[0].(map[string]any); first["actor_organisation_id"] != ka.Organisation || first["actor_client_id"] == "" ||
		first["indicator_id"] != indicator {
		t.Errorf("value.correct: %v", first)
	}

	for _, c := range []struct {
		who    *resttest.Client
		status int
	}{{b, 403}, {other, 404}} {
		r := c.who.Do(t, "GET", path+"/auditEvents?indicator_id="+indicator, nil).Must(t, c.status)
		if strings.Contains(string(r.Raw), "value.") || strings.Contains(string(r.Raw), "audit_events") {
			t.Errorf("HTTP %d names the audit: %s", c.status, r.Raw)
		}
	}
	missing := ids.New()
	if r, m := other.Do(t, "GET", path+"/auditEvents", nil), other.Do(t, "GET", "/v1/projects/"+missing+"/auditEvents", nil); string(r.Raw) !=
		strings.ReplaceAll(string(m.Raw), missing, project) {
		t.Errorf("another organisation's project answers %s, a missing one %s", r.Raw, m.Raw)
	}

	for query, field := range map[string]string{
		"start_time=2026-01-02T00:00:00Z&end_time=2026-01-01T00:00:00Z": "end_time",
		"start_time=yesterday":  "start_time",
		"indicator_id=OC1":      "indicator_id",
		"page_token=not-theirs": "page_token",
	} {
		r := a.Do(t, "GET", path+"/auditEvents?"+query, nil).Must(t, 400)
		if _, ok := r.Violations()[field]; !ok {
			t.Errorf("?%s: %s, want a violation of %s", query, r.Raw, field)
		}
	}
}
