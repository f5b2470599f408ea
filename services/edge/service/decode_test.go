package service_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestBodyFieldsNamedAsTheServicesNameThem: a body field the edge cannot
// decode (a number for a string, a misspelt enum value, a string for a
// list, an unknown field, JSON cut short) is named as the service names
// the same field when it refuses its value, by its path in the request:
// beneficiary.country, service.schedules[0].opens_at, referral.category,
// marks[0].participant_id, on every route (before: the edge named the
// bare field, country, opens_at, urgency, and a body that was not JSON or
// a value of the wrong JSON type had no violation at all), with a
// localized message in every language.
func TestBodyFieldsNamedAsTheServicesNameThem(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "decode-paths", "Decode Paths NGO")
	c := resttest.New(s.URL, k.Key)
	person := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE",
		"legal_status": "LEGAL_STATUS_ASYLUM_SEEKER"}).Must(t, 200)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "P-1", "titles": []any{map[string]any{"text": "P"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200)
	event := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{"project_id": project.Str("id"), "type": "EVENT_TYPE_WORKSHOP",
		"title": "W", "start_date": "2024-03-01", "end_date": "2024-03-02"}).Must(t, 200)
	session := c.Do(t, "POST", "/v1/trainingEvents/"+event.Str("id")+"/sessions", map[string]any{"date": "2024-03-01"}).Must(t, 200)
	const nobody = "0190a1b2-0000-7000-8000-00000000dead"
	budget := func(currency any) map[string]any {
		return map[string]any{"code": "P-2", "titles": []any{map[string]any{"text": "P"}}, "sectors": []string{"15160"},
			"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31",
			"budgets": []any{map[string]any{"period": map[string]any{"start_date": "2024-01-01", "end_date": "2024-06-30"},
				"value": map[string]any{"amount": "10", "currency_code": currency}}}}
	}
	schedule := func(opens any) map[string]any {
		return map[string]any{"name": "S", "category": "REFERRAL_CATEGORY_LEGAL",
			"schedules": []any{map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": opens, "closes_at": "17:00"}}}
	}
	referral := func(category any) map[string]any {
		return map[string]any{"beneficiary_id": person.Str("id"), "to_organisation_id": nobody,
			"category": category, "urgency": "URGENCY_HIGH"}
	}
	attendance := func(id any) map[string]any {
		return map[string]any{"marks": []any{map[string]any{"participant_id": id, "present": true}}}
	}
	for _, p := range []struct {
		method, path  string
		edge, service any // a body the edge refuses, one the service refuses, at field
		field         string
	}{
		{"POST", "/v1/beneficiaries", map[string]any{"given_name": "A", "country": 5},
			map[string]any{"given_name": "A", "sex": "SEX_FEMALE", "legal_status": "LEGAL_STATUS_MIGRANT", "country": "Serbia"},
			"beneficiary.country"},
		{"POST", "/v1/organisations/" + k.Organisation + "/services", schedule(8), schedule("8"), "service.schedules[0].opens_at"},
		{"POST", "/v1/projects", budget(978), budget("XYZ"), "project.budgets[0].value.currency_code"},
		// No enum value the edge passes on can be refused by the service
		// (a number no name stands for, 99, is the edge's to refuse since
		// r20: TestBodyEnumNumbersRefused); the zero value of a required one
		// is.
		{"POST", "/v1/referrals", referral("LEGAL"), referral("REFERRAL_CATEGORY_UNSPECIFIED"), "referral.category"},
		{"POST", "/v1/webhooks", map[string]any{"url": "https://example.org/hook", "event_types": "referral.sent"},
			map[string]any{"url": "https://example.org/hook"}, "webhook.event_types"},
		{"POST", "/v1/trainingEvents/" + event.Str("id") + "/sessions/" + session.Str("id") + ":recordAttendance",
			attendance(5), attendance(nobody), "marks[0].participant_id"},
	} {
		r := c.Do(t, p.method, p.path, p.service).Must(t, 400)
		if _, _, fields := localized(t, r); fields[p.field] == ([2]string{}) {
			t.Fatalf("%s %s: the service names no %s: %s", p.method, p.path, p.field, r.Raw)
		}
		r = c.Do(t, p.method, p.path, p.edge).Must(t, 400)
		if _, _, fields := localized(t, r); len(fields) != 1 || fields[p.field] == ([2]string{}) {
			t.Errorf("%s %s: the edge's violations %v, want one of %s as the service names it", p.method, p.path, fields, p.field)
		}
	}

	// A route whose body is the whole request, refused as a whole: the
	// message says so (before: "body field \"\": …").
	for _, body := range []string{`[1]`, `{"marks": []`} {
		r := c.Do(t, "POST", "/v1/trainingEvents/"+event.Str("id")+"/sessions/"+session.Str("id")+":recordAttendance", body).Must(t, 400)
		if msg := r.Str("message"); !strings.HasPrefix(msg, "the request body is ") {
			t.Errorf("%s on a whole-request body: message %q", body, msg)
		}
	}

	for _, b := range []struct {
		method, path, body, field string
	}{
		{"PATCH", "/v1/beneficiaries/" + person.Str("id"), `{"etag": ` + strconv.Quote(person.Str("etag")) + `, "nickname": "A"}`, "beneficiary.nickname"},
		{"POST", "/v1/beneficiaries", `{"given_name": "A", "languages": "ar"}`, "beneficiary.languages"},
		{"POST", "/v1/beneficiaries", `{"given_name": "A", "given_name": "B"}`, "beneficiary.given_name"},
		{"POST", "/v1/beneficiaries", `{"given_name": "A", "sex": SEX_FEMALE}`, "beneficiary.sex"},
		{"POST", "/v1/beneficiaries", `{"given_name": "A",`, "beneficiary"},
	} {
		for _, lang := range []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"} {
			r := c.Do(t, b.method, b.path, b.body, "Accept-Language", lang).Must(t, 400)
			_, _, fields := localized(t, r)
			fv, ok := fields[b.field]
			if len(fields) != 1 || !ok {
				t.Errorf("%s %s %s: violations %v, want one of %s", b.method, b.path, b.body, fields, b.field)
			} else if fv[0] != lang || fv[1] == fallback[lang] {
				t.Errorf("%s %s %s in %s: %s localized as %v", b.method, b.path, b.body, lang, b.field, fv)
			}
		}
	}

	// A misspelt enum value is refused listing the values its field takes
	// (not the zero value *_UNSPECIFIED), in the description and the
	// localized message, as a query parameter's is (TestBadQueryValues).
	// Before, only the value sent was named ("Unknown value
	// \"TRAINING_EVENT_TYPE_SEMINAR\".", found following the README).
	for _, x := range []struct {
		path   string
		body   any
		field  string
		values []string
	}{
		{"/v1/trainingEvents", map[string]any{"type": "TRAINING_EVENT_TYPE_SEMINAR", "title": "W",
			"start_date": "2024-03-01", "end_date": "2024-03-02"}, "training_event.type", []string{"EVENT_TYPE_SEMINAR", "EVENT_TYPE_WORKSHOP"}},
		{"/v1/beneficiaries", map[string]any{"given_name": "A", "legal_status": "REFUGEE"},
			"beneficiary.legal_status", []string{"LEGAL_STATUS_REFUGEE", "LEGAL_STATUS_ASYLUM_SEEKER"}},
		{"/v1/organisations/" + k.Organisation + "/services", map[string]any{"name": "S", "category": "REFERRAL_CATEGORY_LEGAL",
			"schedules": []any{map[string]any{"days": []string{"MONDAY"}, "opens_at": "09:00", "closes_at": "17:00"}}},
			"service.schedules[0].days[0]", []string{"WEEKDAY_MONDAY", "WEEKDAY_SUNDAY"}},
	} {
		r := c.Do(t, "POST", x.path, x.body, "Accept-Language", "hr").Must(t, 400)
		_, _, fields := localized(t, r)
		loc, ok := fields[x.field]
		if !ok || len(fields) != 1 {
			t.Errorf("POST %s: violations %v, want one of %s: %s", x.path, fields, x.field, r.Raw)
			continue
		}
		if !strings.HasPrefix(loc[1], "Mora biti jedno od: ") || strings.Contains(loc[1], "UNSPECIFIED") {
			t.Errorf("POST %s: localized message %q", x.path, loc[1])
		}
		for _, v := range x.values {
			if !strings.Contains(loc[1], v) || !strings.Contains(r.Violations()[x.field], "must be one of ") {
				t.Errorf("POST %s: %s not listed: %s", x.path, v, r.Raw)
			}
		}
	}
}

// TestBodyWithMoreAfterTheJSONValue: a body holding more than one JSON
// value (two objects one after the other, a value followed by stray text)
// is 400 naming the body, and nothing is made; white space after the value
// is fine. Before, the gateway decoded the first object, made it and
// answered 200, and dropped the rest without a word: a partner sending two
// people so got one.
func TestBodyWithMoreAfterTheJSONValue(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "trailing", "Trailing JSON NGO").Key)
	for _, body := range []string{
		`{"given_name":"Amina"}{"given_name":"Selma"}`,
		`{"given_name":"Amina"} {"given_name":"Selma"}`,
		"{\"given_name\":\"Amina\"}\n,",
		`{"given_name":"Amina"} x`,
	} {
		r := c.Do(t, "POST", "/v1/beneficiaries", body, "Accept-Language", "hr").Must(t, 400)
		_, _, fields := localized(t, r)
		if fields["beneficiary"][0] != "hr" || !strings.Contains(r.Violations()["beneficiary"], "send one JSON value") {
			t.Errorf("%q: %s, want a violation of beneficiary saying to send one JSON value, in hr", body, r.Raw)
		}
	}
	if l := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200); strings.Contains(string(l.Raw), "Amina") {
		t.Errorf("a refused body made a beneficiary: %s", l.Raw)
	}
	// A body whose whole request is the body ("*"), refused as a whole.
	r := c.Do(t, "POST", "/v1/trainingEvents", `{"type":"EVENT_TYPE_SEMINAR","title":"S","start_date":"2024-03-01"}{}`).Must(t, 400)
	if !strings.Contains(r.Str("message"), "send one JSON value") && !strings.Contains(r.Violations()["training_event"], "send one JSON value") {
		t.Errorf("training event with more after its body: %s", r.Raw)
	}
	// White space after the value, as many clients write it, is fine.
	c.Do(t, "POST", "/v1/beneficiaries", "{\"given_name\":\"Amina\"}\r\n \t\n").Must(t, 200)
}

// TestBodyValueNotRepeated: a body value of the wrong type is refused
// naming its field and type, without the value, over HTTP and when the
// answer is replayed for its Idempotency-Key: a JMBG or phone number a
// partner's system sends as a JSON number is personal data, and the edge
// keeps a refused registration's answer for 24 h under no person, where
// erasing them cannot reach it. Before, the answer quoted the number.
func TestBodyValueNotRepeated(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "decode-values", "Decode Values NGO").Key)
	for i, b := range []struct{ body, secret string }{
		{`{"given_name": "Amina", "documents": [{"type": "DOCUMENT_TYPE_JMBG", "number": 101990710008}]}`, "101990710008"},
		{`{"given_name": "Amina", "phone": 381641234567}`, "381641234567"},
		{`{"given_name": "Amina", "documents": "0101990710008"}`, "0101990710008"},
	} {
		key := "register-" + strconv.Itoa(i)
		for _, attempt := range []string{"first", "replayed"} {
			r := c.Do(t, "POST", "/v1/beneficiaries", b.body, "Idempotency-Key", key, "Accept-Language", "sr-Latn").Must(t, 400)
			if strings.Contains(string(r.Raw), b.secret) {
				t.Errorf("%s answer to %s quotes the value: %s", attempt, b.body, r.Raw)
			}
		}
	}
}
