package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// TestCorrectLegalStatusHistoryREST: a social worker whose earlier legal
// status entries were recorded wrongly (a status the person never had, an
// asylum claim dated before the birth a later document proved) corrects
// and removes them over REST, then the birth date is accepted. Before, an
// entry other than the current status's could not be changed, and the
// right birth date stayed refused for good.
func TestCorrectLegalStatusHistoryREST(t *testing.T) {
	s := startSystem(t)
	// Registered in 2022 with a guessed birth (2012) and as a migrant since
	// 2014 (wrong: never), then an asylum seeker since 2015-06-01 (wrong:
	// 2019-06-01), recognised as a refugee on 2022-01-10.
	b := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{"given_name": "Amir", "sex": "SEX_MALE",
		"birth_date": "2012-05-01", "legal_status": "LEGAL_STATUS_MIGRANT", "legal_status_since": "2014-02-01"}).must(t, 200)
	id := b.str("id")
	entries := func(r response) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, e := range r.Body["legal_status_history"].([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	if h := entries(b); len(h) != 1 || h[0]["id"] == nil || h[0]["id"] == "" {
		t.Fatalf("created: the history entry has no id: %s", b.Raw)
	}
	patch := func(tag string, fields map[string]any) response {
		fields["etag"] = tag
		return s.call(t, "PATCH", "/v1/beneficiaries/"+id, s.keyA, fields)
	}
	b = patch(b.str("etag"), map[string]any{"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "legal_status_since": "2015-06-01"}).must(t, 200)
	b = patch(b.str("etag"), map[string]any{"legal_status": "LEGAL_STATUS_REFUGEE", "legal_status_since": "2022-01-10"}).must(t, 200)
	h := entries(b)
	if len(h) != 3 {
		t.Fatalf("history: %s", b.Raw)
	}
	migrant, asylum, current := h[0]["id"].(string), h[1]["id"].(string), h[2]["id"].(string)

	// The right birth date is refused while the 2014 and 2015 entries
	// stand; the refusal names both entries.
	r := patch(b.str("etag"), map[string]any{"birth_date": "2016-04-10"}).must(t, 400)
	if !strings.Contains(r.Raw, `"field":"beneficiary.birth_date"`) || !strings.Contains(r.Raw, migrant) || !strings.Contains(r.Raw, asylum) {
		t.Fatalf("birth refused without naming the entries %s and %s: %s", migrant, asylum, r.Raw)
	}

	correct := func(key, entry string, body map[string]any) response {
		return s.call(t, "POST", "/v1/beneficiaries/"+id+"/legalStatusHistory/"+entry+":correct", key, body)
	}
	tag := b.str("etag")
	fix := func(since string) map[string]any {
		return map[string]any{"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "since": since, "etag": tag}
	}
	// Refused: the current status's entry (PATCH the beneficiary), a start
	// on or after the current status's, before the birth stored, not a day,
	// a stale etag, another organisation, an unknown entry.
	if r := correct(s.keyA, current, fix("2021-01-01")).must(t, 400); !strings.Contains(r.Raw, `"field":"id"`) {
		t.Fatalf("current entry: %s", r.Raw)
	}
	if r := correct(s.keyA, asylum, fix("2022-01-10")).must(t, 400); !strings.Contains(r.Raw, `"field":"since"`) {
		t.Fatalf("after the current status: %s", r.Raw)
	}
	if r := correct(s.keyA, asylum, fix("2011-01-01")).must(t, 400); !strings.Contains(r.Raw, `"field":"since"`) {
		t.Fatalf("before the birth: %s", r.Raw)
	}
	correct(s.keyA, asylum, fix("1 June 2019")).must(t, 400)
	correct(s.keyA, asylum, map[string]any{"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "since": "2019-06-01", "etag": `W/"1"`}).must(t, 409)
	correct(s.keyB, asylum, fix("2019-06-01")).must(t, 404)
	correct(s.keyA, "0190a1b2-0000-7000-8000-000000000000", fix("2019-06-01")).must(t, 404)

	b = correct(s.keyA, asylum, fix("2019-06-01")).must(t, 200)
	h = entries(b)
	if len(h) != 3 || h[1]["id"] != asylum || h[1]["since"] != "2019-06-01" || h[1]["legal_status"] != "LEGAL_STATUS_ASYLUM_SEEKER" {
		t.Fatalf("after the correction: %s", b.Raw)
	}
	if b.str("etag") == tag || b.Header.Get("ETag") != b.str("etag") {
		t.Fatalf("etag after the correction: %q (header %q), was %q", b.str("etag"), b.Header.Get("ETag"), tag)
	}
	// The migrant entry was never true: removed (etag as a query
	// parameter); the current one cannot be.
	tag = b.str("etag")
	s.call(t, "DELETE", "/v1/beneficiaries/"+id+"/legalStatusHistory/"+current+"?etag="+url.QueryEscape(tag), s.keyA, nil).must(t, 400)
	b = s.call(t, "DELETE", "/v1/beneficiaries/"+id+"/legalStatusHistory/"+migrant+"?etag="+url.QueryEscape(tag), s.keyA, nil).must(t, 200)
	if h = entries(b); len(h) != 2 || h[0]["id"] != asylum || h[1]["id"] != current {
		t.Fatalf("after the removal: %s", b.Raw)
	}

	// Now the right birth date is accepted.
	b = patch(b.str("etag"), map[string]any{"birth_date": "2016-04-10"}).must(t, 200)
	if b.str("birth_date") != "2016-04-10" || b.str("legal_status") != "LEGAL_STATUS_REFUGEE" || b.str("legal_status_since") != "2022-01-10" {
		t.Fatalf("after the birth correction: %s", b.Raw)
	}

	// Both changes are in the person's audit log.
	log := s.call(t, "GET", "/v1/beneficiaries/"+id+"/auditEvents", s.keyA, nil).must(t, 200)
	for _, action := range []string{"legal_status_history.correct", "legal_status_history.delete"} {
		if !strings.Contains(log.Raw, `"action":"`+action+`"`) {
			t.Fatalf("audit log without %s: %s", action, log.Raw)
		}
	}
}
