package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestIgnoredQueryParameters: a query parameter the gateway would drop is
// the client's mistake and is refused with 400 and a field violation naming
// it: a misspelt filter (which would answer for everything), a field the
// path or the body gives, a parameter of a route that takes a JSON body.
// Parameters that name a field, by proto or JSON name, are served.
func TestIgnoredQueryParameters(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Query NGO").Key)
	b := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{
		"given_name": "Ana", "family_name": "Perić", "sex": "SEX_FEMALE", "birth_date": "1990-02-03",
	}).Must(t, 200)
	id := b.Str("id")
	if id == "" {
		t.Fatalf("create: %s", b.Raw)
	}

	refused := []struct{ method, path, field, says string }{
		{"GET", "/v1/beneficiaries?municipalty=%C5%A0id", "municipalty", "is not a parameter of GET /v1/beneficiaries"},
		{"GET", "/v1/beneficiaries?page_size=5&pageSiz=5", "pageSiz", "is not a parameter"},
		{"GET", "/v1/beneficiaries/" + id + "?id=other", "id", "is given by the path"},
		{"PATCH", "/v1/beneficiaries/" + id + "?update_mask=given_name&beneficiary.given_name=Ana", "beneficiary.given_name", "is given in the request body"},
		{"POST", "/v1/beneficiaries/" + id + ":erase?reason=duplicate", "reason", "is given in the request body"},
		{"GET", "/v1/projects/p1/report?from=2024-01-01&to=2024-03-31", "from", "is not a parameter"},
		{"GET", "/v1/beneficiaries?%FF=1", "\uFFFD", "is not a parameter"},
	}
	for _, f := range refused {
		r := c.Do(t, f.method, f.path, `{}`).Must(t, 400)
		if code, _ := r.Body["code"].(float64); code != 3 {
			t.Errorf("%s %s: code %v, want 3 (INVALID_ARGUMENT): %s", f.method, f.path, r.Body["code"], r.Raw)
		}
		_, _, fields := localized(t, r)
		if _, ok := fields[f.field]; !ok || !strings.Contains(string(r.Raw), f.says) {
			t.Errorf("%s %s: field violations %v, want one for %q saying %q: %s", f.method, f.path, fields, f.field, f.says, r.Raw)
		}
	}
	// In the partner's language too.
	r := c.Do(t, "GET", "/v1/beneficiaries?municipalty=x", nil, "Accept-Language", "sr-Latn").Must(t, 400)
	if _, _, fields := localized(t, r); fields["municipalty"] != [2]string{"sr-Latn", "Nije parametar upita ove rute; proverite kako je napisan."} {
		t.Errorf("localized violation: %v", fields)
	}
	// Refused before anything ran: the person is still there, unchanged.
	if got := c.Do(t, "GET", "/v1/beneficiaries/"+id, nil).Must(t, 200); got.Str("given_name") != "Ana" {
		t.Errorf("after the refusals: %s", got.Raw)
	}

	for _, p := range []string{
		"/v1/beneficiaries?page_size=5",
		"/v1/beneficiaries?pageSize=5",
		"/v1/beneficiaries?municipality=%C5%A0id&page_size=2",
		"/v1/beneficiaries:search?query=Ana",
	} {
		c.Do(t, "GET", p, nil).Must(t, 200)
	}
	c.Do(t, "PATCH", "/v1/beneficiaries/"+id+"?update_mask=given_name", map[string]any{"given_name": "Ana Marija", "etag": b.Str("etag")}).Must(t, 200)
}

// TestBadQueryValues: a query parameter the route takes, with a value that
// is not of its type (a number, an enum value, a boolean), is 400 with a
// field violation naming the parameter as sent, like every other bad input,
// not a bare message; the violation says what the value must be, in the
// partner's language too, never in Go's words (before:
// "strconv.ParseBool: parsing \"maybe\": invalid syntax", and an enum
// value refused without the values it may take).
func TestBadQueryValues(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Query Values NGO").Key)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	const int32s = "must be a whole number between -2147483648 and 2147483647"
	for _, f := range []struct {
		c                 *resttest.Client
		path, field, says string
		localized         string // in hr, when the test checks it
	}{
		{c, "/v1/beneficiaries?page_size=abc", "page_size", int32s, "Mora biti cijeli broj između -2147483648 i 2147483647."},
		{c, "/v1/beneficiaries?pageSize=abc", "page_size", int32s, ""},
		{c, "/v1/projects?page_size=99999999999999999999", "page_size", int32s, ""},
		{c, "/v1/beneficiaries?legal_status=BOGUS", "legal_status", "must be one of LEGAL_STATUS_ASYLUM_SEEKER, LEGAL_STATUS_INTERNATIONAL_PROTECTION, ", ""},
		{c, "/v1/beneficiaries?legal_status=refugee", "legal_status", "must be one of LEGAL_STATUS_ASYLUM_SEEKER, ", "Mora biti jedno od: LEGAL_STATUS_ASYLUM_SEEKER, "},
		{c, "/v1/beneficiaries?sex=3x", "sex", "must be one of SEX_", ""},
		{c, "/v1/referrals?overdue=maybe", "overdue", "must be true or false", "Mora biti true ili false."},
		{admin, "/v1/apiKeys?show_revoked=yes", "show_revoked", "must be true or false", ""},
		// A parameter that takes one value, given twice (before: no
		// violation, only "too many values for field …").
		{c, "/v1/referrals?status=REFERRAL_STATUS_SENT&status=REFERRAL_STATUS_DRAFT", "status", "is given more than once", ""},
		{c, "/v1/trainingEvents?period.start_date=2024-01-01&period.start_date=2024-02-01", "period.start_date", "is given more than once", ""},
	} {
		r := f.c.Do(t, "GET", f.path, nil, "Accept-Language", "hr").Must(t, 400)
		if code, _ := r.Body["code"].(float64); code != 3 {
			t.Errorf("%s: code %v, want 3 (INVALID_ARGUMENT): %s", f.path, r.Body["code"], r.Raw)
		}
		_, _, fields := localized(t, r)
		if fields[f.field][0] != "hr" {
			t.Errorf("%s: field violations %v, want one for %q in hr: %s", f.path, fields, f.field, r.Raw)
		}
		if !strings.HasPrefix(fields[f.field][1], f.localized) {
			t.Errorf("%s: %s says %q in hr, want %q", f.path, f.field, fields[f.field][1], f.localized)
		}
		if desc := r.Violations()[f.field]; !strings.HasPrefix(desc, f.says) || strings.Contains(desc, "strconv") || strings.Contains(desc, "parsing") {
			t.Errorf("%s: %s described %q, want %q…", f.path, f.field, desc, f.says)
		}
	}
}

// TestBadBodyValues: a JSON body the gateway cannot decode (a value of the
// wrong type, an unknown enum value, an unknown field) is 400 with a field
// violation naming the field by its proto path in the request, localized,
// as every other bad input is; the gateway's own message named it in
// camelCase and gave no violation.
func TestBadBodyValues(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Body Values NGO").Key)
	for _, f := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"given_name": 5}, "beneficiary.given_name"},
		{map[string]any{"givenName": 5}, "beneficiary.given_name"},
		{map[string]any{"legal_status": "BOGUS"}, "beneficiary.legal_status"},
		{map[string]any{"birth_date": 1990}, "beneficiary.birth_date"},
		{map[string]any{"shoe_size": 44}, "beneficiary.shoe_size"},
		{map[string]any{"given_name": "A", "documents": []any{map[string]any{"number": 5}}}, "beneficiary.documents[0].number"},
	} {
		r := c.Do(t, "POST", "/v1/beneficiaries", f.body, "Accept-Language", "hr").Must(t, 400)
		if code, _ := r.Body["code"].(float64); code != 3 {
			t.Errorf("%v: code %v, want 3 (INVALID_ARGUMENT): %s", f.body, r.Body["code"], r.Raw)
		}
		if _, _, fields := localized(t, r); fields[f.field][0] != "hr" {
			t.Errorf("%v: field violations %v, want one for %q in hr: %s", f.body, fields, f.field, r.Raw)
		}
	}
}

// TestBodyOneofGivenTwice: a training participant sent as a professional
// and a beneficiary_id at once is 400 with a localized field violation
// naming the field given second and the two of which one may be given
// (before: protojson's English message and no field violation).
func TestBodyOneofGivenTwice(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Oneof NGO").Key)
	ev := c.Do(t, "POST", "/v1/trainingEvents", map[string]any{"type": "EVENT_TYPE_SEMINAR", "title": "S", "start_date": "2024-03-01"}).Must(t, 200)
	professional := map[string]any{"given_name": "Ana", "family_name": "Anić", "sector": "SECTOR_POLICE"}
	for _, body := range []string{
		`{"beneficiary_id": "0190b0a0-0000-7000-8000-000000000000", "professional": {"given_name": "Ana"}}`,
		`{"professional": {"given_name": "Ana"}, "beneficiaryId": "0190b0a0-0000-7000-8000-000000000000"}`,
	} {
		r := c.Do(t, "POST", "/v1/trainingEvents/"+ev.Str("id")+"/participants", body, "Accept-Language", "bs").Must(t, 400)
		_, _, fields := localized(t, r)
		want := [2]string{"bs", "Navedite samo jedno od: professional, beneficiary_id."}
		if len(fields) != 1 || (fields["participant.professional"] != want && fields["participant.beneficiary_id"] != want) {
			t.Errorf("%s: field violations %v, want one for participant.professional or participant.beneficiary_id in bs: %s", body, fields, r.Raw)
		}
		if !strings.Contains(string(r.Raw), "only one of professional, beneficiary_id may be given") {
			t.Errorf("%s: %s, want the violation to name the fields of which one may be given", body, r.Raw)
		}
	}
	// One of them is registered.
	c.Do(t, "POST", "/v1/trainingEvents/"+ev.Str("id")+"/participants", map[string]any{"professional": professional}).Must(t, 200)
}
