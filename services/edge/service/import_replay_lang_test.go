package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestImportReplayInItsOwnLanguage: an upload sent again under its
// Idempotency-Key with another Accept-Language answers the same import
// (the same id, problems and outcome: nothing is imported twice) in the
// language the retry asks for: a dry run's problems, a failed import's
// error, a refused header. The answer is rendered for each request from
// what the service stored, not kept as first written.
func TestImportReplayInItsOwnLanguage(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "replay-lang", "Replay Lang NGO").Key)
	bad := "ime;prezime;datum rođenja\r\nAna;Petrović;31.2.1990.\r\n"
	for _, c := range []struct {
		name, path, csv string
		status          int
		hr, en          string // words of each language's answer
	}{
		{"dry run", "/v1/beneficiaries:import?validate_only=true", bad, 200, "nije dan u kalendaru", "is not a day of the calendar."},
		{"failed import", "/v1/beneficiaries:import", bad, 200, "Neki retci imaju pogreške", "Some rows have problems"},
		{"refused header", "/v1/beneficiaries:import", "ime;nesto\r\nAna;Petrović\r\n", 400, "Redak zaglavlja ne odgovara", "The header row does not match"},
	} {
		key := "replay-" + strings.ReplaceAll(c.name, " ", "-")
		first := a.Do(t, "POST", c.path, c.csv, "Content-Type", "text/csv", "Accept-Language", "hr", "Idempotency-Key", key).Must(t, c.status)
		again := a.Do(t, "POST", c.path, c.csv, "Content-Type", "text/csv", "Accept-Language", "en-GB", "Idempotency-Key", key).Must(t, c.status)
		if !strings.Contains(string(first.Raw), c.hr) || !strings.Contains(string(again.Raw), c.en) || strings.Contains(string(again.Raw), c.hr) {
			t.Errorf("%s: first (hr) %s\nagain (en) %s\nwant %q, then %q", c.name, first.Raw, again.Raw, c.hr, c.en)
		}
		if c.status == 200 && (first.Str("name") == "" || again.Str("name") != first.Str("name")) {
			t.Errorf("%s: the retry answered operation %q, the first %q: want the same import", c.name, again.Str("name"), first.Str("name"))
		}
	}
	if l := a.Do(t, "GET", "/v1/imports", nil).Must(t, 200); strings.Count(string(l.Raw), `"kind"`) != 2 {
		t.Errorf("imports after the retries: %s, want the dry run and the failed import once each", l.Raw)
	}
}
