package service_test

import (
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestBulkRedeliverREST: POST /v1/webhooks/{id}:redeliver takes the window
// as start_time and end_time (RFC 3339), refuses a missing start or an end
// not after it with 400 naming the field, and answers how many deliveries
// it queued again (redelivered_count, more; omitted when 0 and false, as
// every zero value). Another organisation's call is 404
// (TestEveryRouteKeepsOrganisationsApart).
func TestBulkRedeliverREST(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Redeliver NGO").Key)
	id := c.Do(t, "POST", "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hooks",
		"event_types": []string{"referral.received"}}).Must(t, 200).Str("id")
	path := "/v1/webhooks/" + id + ":redeliver"
	if v := c.Do(t, "POST", path, map[string]any{}).Must(t, 400).Violations(); v["start_time"] == "" {
		t.Errorf("no start_time: violations %v, want start_time named", v)
	}
	start := time.Now().Add(-time.Hour).UTC()
	if v := c.Do(t, "POST", path, map[string]any{"start_time": start.Format(time.RFC3339),
		"end_time": start.Add(-time.Minute).Format(time.RFC3339)}).Must(t, 400).Violations(); v["end_time"] == "" {
		t.Errorf("end before start: violations %v, want end_time named", v)
	}
	got := c.Do(t, "POST", path, map[string]any{"start_time": start.Format(time.RFC3339)}).Must(t, 200)
	if len(got.Body) != 0 {
		t.Errorf("nothing failed: %s, want {}", got.Raw)
	}
}
