package service_test

import (
	"maps"
	"net/http"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestReplayInItsOwnLanguage: a refused write sent again under its
// Idempotency-Key with another Accept-Language gets the first answer
// (replayed: the same status, code, English message, reason and fields)
// said in the retry's language, its LocalizedMessage and its field
// violations' alike, as a first answer in that language says them. Before,
// the kept body was sent as first written: a partner's retry from a
// system set to English got the Croatian text of the first attempt.
func TestReplayInItsOwnLanguage(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "replay-i18n", "Replay I18n NGO").Key)
	ben := a.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE"}).Must(t, 200)
	stale := ben.Str("etag")
	a.Do(t, "PATCH", "/v1/beneficiaries/"+ben.Str("id"), map[string]any{"family_name": "H"}, "If-Match", stale).Must(t, 200)
	for _, c := range []struct {
		name, method, path string
		body               any
		status             int
		field              string // a field violation said in each language
	}{
		{"validation", "POST", "/v1/beneficiaries", map[string]any{"given_name": "Ana", "nationality": "not-a-country"}, 400, "beneficiary.nationality"},
		{"stale etag", "PATCH", "/v1/beneficiaries/" + ben.Str("id"), map[string]any{"family_name": "X", "etag": stale}, http.StatusConflict, ""},
	} {
		key := "replay-i18n-" + c.name
		first := a.Do(t, c.method, c.path, c.body, "Idempotency-Key", key, "Accept-Language", "hr").Must(t, c.status)
		for _, lang := range []struct{ header, locale string }{{"en-GB", "en"}, {"sr-Cyrl", "sr-Cyrl"}, {"hr", "hr"}} {
			again := a.Do(t, c.method, c.path, c.body, "Idempotency-Key", key, "Accept-Language", lang.header).Must(t, c.status)
			fresh := a.Do(t, c.method, c.path, c.body, "Accept-Language", lang.header).Must(t, c.status)
			if again.Header.Get("Idempotent-Replayed") != "true" || again.Str("message") != first.Str("message") || reasonOf(again) != reasonOf(first) {
				t.Errorf("%s, retry in %s: %s %v, want the first answer replayed: %s", c.name, lang.header, again.Raw, again.Header, first.Raw)
			}
			locale, msg, fields := localized(t, again)
			_, want, wantFields := localized(t, fresh)
			if locale != lang.locale || msg != want {
				t.Errorf("%s, retry in %s: LocalizedMessage %s %q, want %s %q", c.name, lang.header, locale, msg, lang.locale, want)
			}
			if _, _, firstFields := localized(t, first); !maps.Equal(fields, wantFields) || len(fields) != len(firstFields) {
				t.Errorf("%s, retry in %s: field violations %v, want %v", c.name, lang.header, fields, wantFields)
			}
			if c.field != "" && fields[c.field][0] != lang.locale {
				t.Errorf("%s, retry in %s: %s said in %q", c.name, lang.header, c.field, fields[c.field][0])
			}
		}
	}
}
