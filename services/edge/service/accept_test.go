package service_test

import (
	"net/http"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestAcceptNegotiated: a request whose Accept accepts no JSON, on a route
// that answers JSON (the /v1 API, the HSDS API), is 406 Not Acceptable with
// a google.rpc.Status naming Accept, in the caller's language, and is not
// forwarded: a create refused for its Accept creates nothing. An Accept
// that accepts JSON however it says so (a browser's, */*, a lone *,
// application/*), or none, is answered; the file downloads answer the
// format their query asks for whatever Accept says. Before, Accept was
// ignored: Accept: application/xml got JSON, and a client's XML parser
// failed on it without a word from the edge.
func TestAcceptNegotiated(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "accept", "Accept NGO").Key)
	refused := func(r resttest.Response) {
		t.Helper()
		r.Must(t, http.StatusNotAcceptable)
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: 406 as %s", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
		if r.Method == "HEAD" {
			return
		}
		if locale, _, fields := localized(t, r); !r.IsStatus() || fields["Accept"][0] != "hr" || locale != "hr" {
			t.Errorf("%s %s: %s, want a google.rpc.Status in hr naming Accept", r.Method, r.Path, r.Raw)
		}
	}
	for _, accept := range []string{"application/xml", "text/html, application/xhtml+xml", "text/csv", "application/json;q=0, */*"} {
		refused(c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina"}, "Accept", accept, "Accept-Language", "hr"))
		refused(c.Do(t, "GET", "/v1/beneficiaries", nil, "Accept", accept, "Accept-Language", "hr"))
		refused(c.Do(t, "HEAD", "/v1/beneficiaries", nil, "Accept", accept))
		refused(c.Do(t, "GET", "/hsds/organizations", nil, "Accept", accept, "Accept-Language", "hr"))
	}
	if r := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200); r.Body["beneficiaries"] != nil {
		t.Fatalf("a create refused for its Accept created: %s", r.Raw)
	}
	for _, accept := range []string{"", "application/json", "*/*", "*", "application/*",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json, text/plain, */*"} {
		c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Amina"}, "Accept", accept).Must(t, 200)
		c.Do(t, "GET", "/hsds/organizations", nil, "Accept", accept).Must(t, 200)
	}
	// A download answers the format its query asks for.
	if r := c.Do(t, "GET", "/v1/beneficiaries:importTemplate", nil, "Accept", "application/json").Must(t, 200); r.Header.Get("Content-Type") == "application/json" {
		t.Errorf("import template: %s", r.Header.Get("Content-Type"))
	}
}
