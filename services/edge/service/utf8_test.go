package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// Invalid UTF-8 in a path segment or a query value is the client's mistake:
// the edge refuses it before forwarding (a proto string cannot carry it) with
// 400 and a field violation naming the parameter, never 500.
func TestInvalidUTF8InURL(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "UTF-8 NGO").Key)

	refused := []struct{ path, field string }{
		{"/v1/beneficiaries/%FF", "id"},
		{"/v1/beneficiaries/%FF/consents", "beneficiary_id"},
		{"/v1/beneficiaries?municipality=%FF", "municipality"},
		{"/v1/beneficiaries?page_token=%FF", "page_token"},
		{"/v1/beneficiaries:search?query=ab%FFcd", "query"},
		{"/v1/beneficiaries:search?query=%C5%A0&query=%C3", "query"},
		{"/v1/trainingEvents?project_id=%FF", "project_id"},
		{"/v1/organisations?name=ab%C3", "name"},
		{"/hsds/services?search=%FF", "search"},
	}
	for _, f := range refused {
		r := c.Do(t, "GET", f.path, nil).Must(t, 400)
		if code, _ := r.Body["code"].(float64); code != 3 {
			t.Errorf("GET %s: code %v, want 3 (INVALID_ARGUMENT): %s", f.path, r.Body["code"], r.Raw)
		}
		_, _, fields := localized(t, r)
		if got := fields[f.field]; len(fields) != 1 || got[1] != "Must be valid UTF-8." {
			t.Errorf("GET %s: field violations %v, want one for %s saying it must be valid UTF-8: %s", f.path, fields, f.field, r.Raw)
		}
	}

	// The same parameters with valid (non-ASCII) text are served.
	for _, p := range []string{
		"/v1/beneficiaries?municipality=%C5%A0abac",
		"/v1/beneficiaries:search?query=%C4%8Ci%C4%8Di",
		"/v1/organisations?name=%D0%96",
	} {
		c.Do(t, "GET", p, nil).Must(t, 200)
	}

	// Anywhere else in the URL, and before authentication: a 4xx Status.
	for _, r := range []resttest.Response{
		c.Do(t, "GET", "/v1/benef%FFiciaries", nil),
		c.Do(t, "PUT", "/v1/beneficiaries/%FF", `{}`),
		c.As("").Do(t, "GET", "/v1/beneficiaries/%FF", nil),
	} {
		if r.Status < 400 || r.Status >= 500 || !r.IsStatus() {
			t.Errorf("%s %s: HTTP %d %s, want a 4xx Status", r.Method, r.Path, r.Status, r.Raw)
		}
	}

	// A query parameter name that is no field is refused as any unknown one
	// (TestIgnoredQueryParameters), named in valid UTF-8.
	c.Do(t, "GET", "/v1/beneficiaries?%FF=1", nil).Must(t, 400)

	// Invalid UTF-8 in the headers the gateway forwards, or in one the
	// edge reads, harms nothing; the declared purpose, which goes to the
	// audit log as the client wrote it, is refused like a bad field.
	for _, h := range []string{"X-Request-Id", "Accept-Language"} {
		c.Do(t, "GET", "/v1/beneficiaries", nil, h, "ab\xffcd").Must(t, 200)
	}
	if r := c.Do(t, "GET", "/v1/beneficiaries", nil, "X-Spona-Purpose", "ab\xffcd"); r.Status != 400 || !strings.Contains(string(r.Raw), `"field":"x-spona-purpose"`) {
		t.Errorf("invalid UTF-8 in X-Spona-Purpose: HTTP %d %s, want 400 naming x-spona-purpose", r.Status, r.Raw)
	}
	c.Do(t, "GET", "/v1/beneficiaries", nil, "X-Spona-Purpose", "pregled slučaja – Đurđevac").Must(t, 200)
	r := c.Do(t, "OPTIONS", "/v1/beneficiaries", nil, "Origin", "https://\xff.example", "Access-Control-Request-Method", "GET")
	if r.Status != 403 || !r.IsStatus() {
		t.Errorf("preflight from an invalid origin: HTTP %d %s, want 403", r.Status, r.Raw)
	}
}
