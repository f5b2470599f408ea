package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// TestCommonViolationsLocalized: the field violations a partner's users
// commonly run into (a misspelt enum value, a number or flag that is none, a
// country or language code, a telephone number, a web address, a time of
// day, a field mask, a webhook address, the HSDS filters, budgets and
// currencies, identity numbers, a participant without a person) each carry a
// localized message of their own in every language, not only "This value
// is not valid.", which does not say what to fix.
func TestCommonViolationsLocalized(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "i18n-fields", "I18n Fields NGO")
	c := resttest.New(s.URL, k.Key)
	person := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE",
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}).Must(t, 200)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "P-1", "titles": []any{map[string]any{"text": "P"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200)
	event := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{"project_id": project.Str("id"), "type": "EVENT_TYPE_WORKSHOP",
		"title": "W", "start_date": "2024-03-01", "end_date": "2024-03-02"}).Must(t, 200)
	session := c.Do(t, "POST", "/v1/trainingEvents/"+event.Str("id")+"/sessions", map[string]any{"date": "2024-03-01"}).Must(t, 200)
	const nobody = "0190a1b2-0000-7000-8000-00000000dead" // no organisation, location or participant
	calls := []struct {
		method, path string
		body         any
		status       int
		fields       []string // violations the answer must have (it may have more)
	}{
		{"POST", "/v1/beneficiaries", map[string]any{"given_name": "A", "sex": "SEX_X"}, 400, []string{"beneficiary.sex"}},
		{"POST", "/v1/beneficiaries", map[string]any{"given_name": "A", "birth_year": "nineteen"}, 400, []string{"beneficiary.birth_year"}},
		{"GET", "/v1/referrals?overdue=maybe", nil, 400, []string{"overdue"}},
		{"POST", "/v1/beneficiaries", map[string]any{"given_name": "A", "sex": "SEX_FEMALE", "legal_status": "LEGAL_STATUS_MIGRANT",
			"country": "Serbia", "languages": []string{"serbian latin"}, "phone": "call me", "legal_status_since": "2024-01-01",
			"birth_date": "1990-01-01", "birth_year": 1991}, 400,
			[]string{"beneficiary.country", "beneficiary.languages[0]", "beneficiary.phone", "beneficiary.birth_year"}},
		{"POST", "/v1/organisations/" + k.Organisation + "/services", map[string]any{"name": "S", "category": "REFERRAL_CATEGORY_LEGAL",
			"url": "ftp://example.org", "phone": "x", "eligibility": map[string]any{"minimum_age": 10, "maximum_age": 5},
			"schedules": []any{map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": "8", "closes_at": "07:00"},
				map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": "09:00", "closes_at": "08:00"}},
			"locations": []any{map[string]any{"name": "L", "country": "DE"}}}, 400,
			[]string{"service.url", "service.phone", "service.eligibility.maximum_age", "service.schedules[0].opens_at",
				"service.schedules[1].closes_at", "service.locations[0].country"}},
		{"PATCH", "/v1/beneficiaries/" + person.Str("id") + "?update_mask=organisation_id", map[string]any{"etag": person.Str("etag")}, 400, nil},
		{"PATCH", "/v1/beneficiaries/" + person.Str("id"), map[string]any{"etag": person.Str("etag")}, 400, nil},
		{"POST", "/v1/webhooks", map[string]any{"url": "http://example.org/hook#x"}, 400, []string{"webhook.url", "webhook.event_types"}},
		{"POST", "/v1/webhooks", map[string]any{"url": "hooks", "event_types": []string{"referral.sent"}}, 400,
			[]string{"webhook.url", "webhook.event_types[0]"}},
		{"GET", "/hsds/services?modified_after=yesterday&format=xml", nil, 400, []string{"modified_after", "format"}},
		{"GET", "/hsds/services?minimal=true&full=true", nil, 400, []string{"minimal"}},
		{"GET", "/hsds/service_at_locations?postcode=11000", nil, 400, []string{"postcode"}},
		{"POST", "/v1/projects", map[string]any{"code": "P-2", "titles": []any{map[string]any{"text": "P"}},
			"planned_start_date": "2024-01-01", "planned_end_date": "2025-12-31",
			"budgets": []any{map[string]any{"period": map[string]any{"start_date": "2024-01-01", "end_date": "2025-06-30"},
				"value": map[string]any{"amount": "10", "currency_code": "XYZ"}}}}, 400,
			[]string{"project.sectors", "project.budgets[0].period.end_date", "project.budgets[0].value.currency_code"}},
		{"GET", "/v1/projects/" + project.Str("id") + "/report:export?format=pdf", nil, 400, []string{"format"}},
		{"POST", "/v1/beneficiaries/" + person.Str("id") + "/documents", map[string]any{"type": "DOCUMENT_TYPE_JMBG", "number": "0101990710001"}, 400,
			[]string{"document.number"}},
		{"POST", "/v1/referrals", map[string]any{"beneficiary_id": person.Str("id"), "to_organisation_id": k.Organisation,
			"category": "REFERRAL_CATEGORY_LEGAL"}, 400, []string{"referral.to_organisation_id"}},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/participants", map[string]any{}, 400, nil},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/sessions", map[string]any{"date": "2024-04-01", "start_time": "9"}, 400,
			[]string{"session.date", "session.start_time"}},
		{"GET", "/v1/beneficiaries:search?query=a", nil, 400, []string{"query"}},
		{"POST", "/v1/beneficiaries", map[string]any{"given_name": "A", "sex": "SEX_MALE", "legal_status_since": "2024-01-01",
			// 21 different tags (a tag given twice is kept once).
			"languages": strings.Fields("ar fa ps ur ku tr en de fr es it ru uk sr hr bs sq ro hu bg mk")}, 400,
			[]string{"beneficiary.languages", "beneficiary.legal_status_since"}},
		{"POST", "/v1/projects", map[string]any{"code": "P-3", "titles": []any{map[string]any{"text": "P"}},
			"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"},
			"participating_organisations": []any{map[string]any{"role": "ORGANISATION_ROLE_FUNDING"}}}, 400,
			[]string{"project.participating_organisations[0].names"}},
		{"POST", "/v1/projects/" + project.Str("id") + "/indicators", map[string]any{"code": "-x", "titles": []any{map[string]any{"text": "M"}},
			"unit": "u", "level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_BENEFICIARIES_ASSISTED", "disaggregations": []string{"colour"},
			"targets": []any{map[string]any{"period": map[string]any{"start_date": "2024-01-01", "end_date": "2024-06-30"}, "value": "1"},
				map[string]any{"period": map[string]any{"start_date": "2024-03-01", "end_date": "2024-09-30"}, "value": "x"}}}, 400,
			[]string{"indicator.code", "indicator.targets[1].period", "indicator.disaggregations[0]"}},
		{"POST", "/v1/referrals", map[string]any{"beneficiary_id": person.Str("id"), "to_organisation_id": nobody,
			"category": "REFERRAL_CATEGORY_LEGAL"}, 400, []string{"referral.to_organisation_id"}},
		{"POST", "/v1/beneficiaries/" + person.Str("id") + "/assistances", map[string]any{"type": "ASSISTANCE_TYPE_INFORMATION",
			"date": "2024-03-01", "location_id": nobody}, 400, []string{"assistance.location_id"}},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/sessions/" + session.Str("id") + ":recordAttendance", map[string]any{
			"marks": []any{map[string]any{"participant_id": nobody, "present": true}, map[string]any{"participant_id": nobody, "present": true}}}, 400,
			[]string{"marks[1].participant_id"}},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/sessions/" + session.Str("id") + ":recordAttendance", map[string]any{
			"marks": []any{map[string]any{"participant_id": nobody, "present": true}}}, 400, []string{"marks[0].participant_id"}},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/participants", map[string]any{"professional": map[string]any{
			"given_name": "Marko", "family_name": "M", "sector": "SECTOR_POLICE", "organisation_id": nobody}}, 400,
			[]string{"participant.professional.organisation_id"}},
		{"GET", "/v1/beneficiaries:importTemplate?format=pdf", nil, 400, []string{"format"}},
		{"GET", "/v1/events?after=abc", nil, 400, []string{"after"}},
		{"GET", "/v1/events?start_time=yesterday", nil, 400, []string{"start_time"}},
		{"GET", "/v1/events?start_time=2020-01-01T00:00:00Z", nil, 400, []string{"start_time"}},
		{"GET", "/v1/events?after=YzE6MA&start_time=2030-01-01T00:00:00Z", nil, 400, []string{"start_time"}},
	}
	for _, call := range calls {
		for _, lang := range []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"} {
			r := c.Do(t, call.method, call.path, call.body, "Accept-Language", lang).Must(t, call.status)
			_, _, fields := localized(t, r)
			if len(fields) == 0 {
				t.Errorf("%s %s: no field violations: %s", call.method, call.path, r.Raw)
			}
			for _, f := range call.fields {
				if _, ok := fields[f]; !ok {
					t.Errorf("%s %s: no violation of %s: %s", call.method, call.path, f, r.Raw)
				}
			}
			for f, fv := range fields {
				if fv[0] != lang || fv[1] == "" || fv[1] == fallback[lang] {
					t.Errorf("%s %s in %s: %s localized as %q", call.method, call.path, lang, f, fv[1])
				}
			}
		}
	}
}

// fallback is pkg/i18n's text of a violation it has no text for.
var fallback = map[string]string{
	"en": "This value is not valid.", "sr-Latn": "Ova vrednost nije ispravna.", "sr-Cyrl": "Ова вредност није исправна.",
	"bs": "Ova vrijednost nije ispravna.", "hr": "Ova vrijednost nije ispravna.",
}

// TestBodyRefusalsLocalized: a body over the limit (413) and a compressed
// body (415) say what to do in the language asked for, not only that
// "the message (in English) says why" or "this value is not valid".
func TestBodyRefusalsLocalized(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) { c.MaxBodyBytes = 1 << 10 })
	c := resttest.New(s.URL, s.CreateKey(t, "i18n-body", "I18n Body NGO").Key)
	big := map[string]any{"given_name": strings.Repeat("a", 2<<10), "sex": "SEX_FEMALE", "legal_status": "LEGAL_STATUS_MIGRANT"}
	for _, lang := range []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"} {
		r := c.Do(t, "POST", "/v1/beneficiaries", big, "Accept-Language", lang).Must(t, 413)
		_, msg, _ := localized(t, r)
		if msg == "" || strings.Contains(msg, "(in English)") || strings.Contains(msg, "na engleskom") || strings.Contains(msg, "на енглеском") {
			t.Errorf("413 in %s: %q", lang, msg)
		}
		r = c.Do(t, "POST", "/v1/beneficiaries", map[string]any{}, "Accept-Language", lang, "Content-Encoding", "gzip").Must(t, 415)
		_, _, fields := localized(t, r)
		if fv := fields["Content-Encoding"]; fv[0] != lang || fv[1] == "" || fv[1] == fallback[lang] {
			t.Errorf("415 in %s: Content-Encoding localized as %v", lang, fv)
		}
	}
}
