package service_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/internal/gateway"
	"github.com/spona/spona/services/edge/service"
)

// TestEdgeRefusalsHaveTheServicesShape: every refusal the edge answers
// itself, before or instead of a service (an unknown path, a method the
// path lacks, missing or invalid credentials, a missing scope, a rate
// limit, a body not sent as JSON or not decoding, an Accept without JSON),
// is a google.rpc.Status JSON body of the shape a service's refusal has
// (code, message, details; a LocalizedMessage in the request's language),
// with a google.rpc.ErrorInfo (domain spona.org) whose reason tells it
// apart, as a client generated from the OpenAPI documents reads a
// service's refusal: a path the API does not have (ROUTE_NOT_FOUND) from
// a record the caller cannot see (a service's 404), a missing key from a
// revoked one. Before, only the 413 (BODY_TOO_LARGE) carried a reason.
func TestEdgeRefusalsHaveTheServicesShape(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) {
		c.MaxBodyBytes = 64 << 10
		// A client's burst, and failed authentications per address,
		// small enough to run out of here, never refilled in a test.
		c.RateLimitRPS, c.RateLimitBurst = 0.0001, 40
		c.AuthFailureRate, c.AuthFailureBurst = 0.0001, 3
	})
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Refusals NGO").Key)
	anon := resttest.New(s.URL, "")
	invalid := resttest.New(s.URL, "spona_live_not-a-key")
	try := func(cl *resttest.Client, method, path string, body any, headers ...string) resttest.Response {
		t.Helper()
		r, err := cl.Try(method, path, body, headers...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// check wants r to be status with a Status body of the service's shape
	// in hr, with reason (and field violations on fields, when given), and
	// a localized message of the reason's own, not its code's general text.
	reasons := map[string]bool{}
	check := func(what string, r resttest.Response, status int, reason string, fields ...string) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s: HTTP %d, want %d: %s", what, r.Status, status, r.Raw)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", what, ct)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(r.Raw, &body); err != nil {
			t.Errorf("%s: %v: %s", what, err, r.Raw)
			return
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range body {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"code", "details", "message"}) || !r.IsStatus() {
			t.Errorf("%s: body of fields %v, want code, details, message: %s", what, keys, r.Raw)
		}
		if got := reasonOf(r); got != reason {
			t.Errorf("%s: reason %q, want %q: %s", what, got, reason, r.Raw)
		}
		if !strings.Contains(string(r.Raw), `"domain":"spona.org"`) && !strings.Contains(string(r.Raw), `"domain": "spona.org"`) {
			t.Errorf("%s: no ErrorInfo of domain spona.org: %s", what, r.Raw)
		}
		locale, msg, got := localized(t, r)
		if locale != "hr" || msg == "" {
			t.Errorf("%s: localized message %q in %q, want one in hr", what, msg, locale)
		}
		for _, f := range fields {
			if got[f][0] != "hr" {
				t.Errorf("%s: field violations %v, want one on %s in hr", what, got, f)
			}
		}
		ownText(t, what, r)
		reasons[reason] = true
	}
	hr := []string{"Accept-Language", "hr"}
	with := func(h ...string) []string { return append(slices.Clone(hr), h...) }

	// A service's refusal, for comparison: the shape is the same.
	if r := try(c, "GET", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000001", nil, hr...); r.Status != 404 || !r.IsStatus() {
		t.Fatalf("a service's 404: HTTP %d %s", r.Status, r.Raw)
	}

	check("an unknown /v1 path", try(c, "GET", "/v1/nothingHere", nil, hr...), 404, "ROUTE_NOT_FOUND")
	check("an unknown path", try(c, "GET", "/nothing-here", nil, hr...), 404, "ROUTE_NOT_FOUND")
	check("an unknown docs file", try(c, "GET", "/docs/nothing-here.js", nil, hr...), 404, "ROUTE_NOT_FOUND")
	r := try(c, "DELETE", "/v1/beneficiaries", nil, hr...)
	check("a method the path lacks", r, 405, "METHOD_NOT_ALLOWED")
	if r.Header.Get("Allow") == "" {
		t.Errorf("405 without Allow")
	}
	check("a method the edge's own path lacks", try(c, "PUT", "/healthz", nil, hr...), 405, "METHOD_NOT_ALLOWED")
	r = try(anon, "GET", "/v1/beneficiaries", nil, hr...)
	check("no credentials", r, 401, "CREDENTIALS_MISSING")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	check("an invalid key", try(invalid, "GET", "/v1/beneficiaries", nil, hr...), 401, "CREDENTIALS_INVALID")
	r = try(c, "GET", "/v1/apiKeys", nil, hr...)
	check("a route beyond the key's scopes", r, 403, "SCOPE_REQUIRED")
	if !strings.Contains(string(r.Raw), `"scope":"platform.admin"`) && !strings.Contains(string(r.Raw), `"scope": "platform.admin"`) {
		t.Errorf("403 SCOPE_REQUIRED does not name the scope in its metadata: %s", r.Raw)
	}
	check("a body as text/plain", try(c, "POST", "/v1/beneficiaries", `{"given_name":"Ana"}`, with("Content-Type", "text/plain")...),
		415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type")
	check("a compressed body", try(c, "POST", "/v1/beneficiaries", `{"given_name":"Ana"}`, with("Content-Encoding", "gzip")...),
		415, "UNSUPPORTED_MEDIA_TYPE", "Content-Encoding")
	check("an Accept without JSON", try(c, "GET", "/v1/beneficiaries", nil, with("Accept", "image/png")...), 406, "NOT_ACCEPTABLE", "Accept")
	check("JSON cut short", try(c, "POST", "/v1/beneficiaries", `{"given_name":`, hr...), 400, "MALFORMED_BODY", "beneficiary.given_name")
	check("a list for an object", try(c, "POST", "/v1/beneficiaries", `[1]`, hr...), 400, "MALFORMED_BODY", "beneficiary")
	check("an unknown field", try(c, "POST", "/v1/beneficiaries", `{"shoe_size":44}`, hr...), 400, "MALFORMED_BODY", "beneficiary.shoe_size")
	check("a body over the limit", try(c, "POST", "/v1/beneficiaries", `{"given_name":"`+strings.Repeat("a", 70<<10)+`"}`, hr...),
		413, "BODY_TOO_LARGE")

	check("a CORS preflight from an origin not allowed", try(anon, "OPTIONS", "/v1/beneficiaries", nil,
		with("Origin", "https://elsewhere.example", "Access-Control-Request-Method", "GET")...), 403, "CORS_NOT_ALLOWED")

	// Rate limits (last: they leave the client, and the address's failed
	// authentications, used up).
	burst := resttest.New(s.URL, s.CreateKey(t, "burst", "Refusals Burst NGO").Key)
	for range 40 {
		try(burst, "GET", "/v1/projects", nil)
	}
	r = try(burst, "GET", "/v1/projects", nil, hr...)
	check("over the client's rate", r, 429, "RATE_LIMITED")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	for range 3 {
		try(invalid, "GET", "/v1/beneficiaries", nil)
	}
	check("over the address's failed authentications", try(invalid, "GET", "/v1/beneficiaries", nil, hr...), 429, "AUTH_FAILURES_LIMITED")

	// Every reason the edge answers with is checked here for a text of
	// its own, but TOO_MANY_CONNECTIONS (TestConnectionLimitAnswerIsLocalized),
	// BODY_TOO_SLOW (TestSlowUploads), MALFORMED_PATH, MALFORMED_REQUEST
	// and HEADERS_TOO_LARGE (what net/http refuses before the gateway sees
	// it: TestMalformedRequestsAnswerTheStatusShape) and
	// ROUTE_NOT_OPEN (a route of no scope, which no route is):
	// pkg/i18n's TestEveryReasonHasText finds their texts in the code.
	for _, reason := range []string{gateway.ReasonRouteNotFound, gateway.ReasonMethodNotAllowed, gateway.ReasonCredentialsMissing,
		gateway.ReasonCredentialsInvalid, gateway.ReasonScopeRequired, gateway.ReasonOriginNotAllowed, gateway.ReasonRateLimited,
		gateway.ReasonAuthFailuresLimited, gateway.ReasonUnsupportedMediaType, gateway.ReasonNotAcceptable, gateway.ReasonMalformedBody} {
		if !reasons[reason] {
			t.Errorf("reason %s not checked", reason)
		}
	}
}
