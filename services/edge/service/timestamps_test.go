package service_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestTimestampFieldsOneRule: every service reads a timestamp field a
// client sends by one rule (pkg/grpcx.Time), so 0001-01-01T00:00:00Z, the
// zero time a client writes for a time it never set, is a 400 naming the
// field with a message of its own in every language, wherever it is sent.
// Before, the reporting service's audit window and the webhooks service's
// redelivery window took it for "no end" (listing, and queueing again,
// everything up to now) and the beneficiaries service's consent refused
// it only as "this value is not valid". A window ending at a real time is
// still read.
func TestTimestampFieldsOneRule(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "timestamps", "Timestamps NGO").Key)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "T-1", "titles": []any{map[string]any{"text": "P"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200).Str("id")
	person := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE",
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}).Must(t, 200).Str("id")
	hook := c.Do(t, "POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hooks",
		"event_types": []string{"referral.received"}}).Must(t, 200).Str("id")
	const zero = "0001-01-01T00:00:00Z"
	audit := "/v1/projects/" + project + "/auditEvents"
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := c.Do(t, "GET", audit+"?end_time="+url.QueryEscape(later), nil).Must(t, 200); len(r.Body["audit_events"].([]any)) != 1 {
		t.Fatalf("the audit up to an hour from now: %s, want the project's creation", r.Raw)
	}
	english := "Must not be 0001-01-01T00:00:00Z, the zero time; if the time is not known, leave the field out."
	for _, call := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"GET", audit + "?end_time=" + url.QueryEscape(zero), nil, "end_time"},
		{"POST", "/v1/webhooks/" + hook + ":redeliver", map[string]any{"start_time": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
			"end_time": zero}, "end_time"},
		{"POST", "/v1/beneficiaries/" + person + "/consents", map[string]any{"purpose": "CONSENT_PURPOSE_REFERRAL_SHARING",
			"given_by": "CONSENT_GIVEN_BY_SELF", "given_time": zero}, "consent.given_time"},
	} {
		for _, lang := range []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"} {
			r := c.Do(t, call.method, call.path, call.body, "Accept-Language", lang)
			if r.Status != 400 {
				t.Errorf("%s %s in %s: HTTP %d, want 400: %.200s", call.method, call.path, lang, r.Status, r.Raw)
				continue
			}
			_, _, fields := localized(t, r)
			fv, ok := fields[call.field]
			switch {
			case !ok || len(fields) != 1:
				t.Errorf("%s %s: violations %v, want %s only: %s", call.method, call.path, fields, call.field, r.Raw)
			case fv[0] != lang || fv[1] == "" || fv[1] == fallback[lang] || (lang == "en") != (fv[1] == english):
				t.Errorf("%s %s in %s: %s localized as %q", call.method, call.path, lang, call.field, fv[1])
			}
		}
	}
	if l := c.Do(t, "GET", "/v1/beneficiaries/"+person+"/consents", nil).Must(t, 200); len(l.Body) != 0 {
		t.Errorf("consents after the refusals: %s, want none", l.Raw)
	}
}
