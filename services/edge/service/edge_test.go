package service_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/oidctest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSecurityHeadersAndBodyLimit(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) {
		c.HSTSMaxAge = 365 * 24 * time.Hour
		c.MaxBodyBytes = 4096
	})
	k := s.CreateKey(t, "partner", "Headers NGO")
	c := resttest.New(s.URL, k.Key)

	r := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	want := map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "no-referrer",
		"Cache-Control":             "no-store",
		"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
		"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	}
	for h, v := range want {
		if got := r.Header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	// Errors carry them too.
	r = c.As("").Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" || !r.IsStatus() {
		t.Errorf("401 headers/body: %v %s", r.Header, r.Raw)
	}
	// The docs page has its own policy: scripts from itself only.
	d := c.Do(t, "GET", "/docs", nil).Must(t, 200)
	if csp := d.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("docs CSP = %q", csp)
	}
	if d.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("docs page may be framed")
	}

	// Body limit: declared and streamed bodies over the limit are 413 JSON.
	big := `{"given_name": "` + strings.Repeat("x", 5000) + `"}`
	r = c.Do(t, "POST", "/v1/beneficiaries", big).Must(t, 413)
	if !r.IsStatus() {
		t.Errorf("413 body is not a Status: %s", r.Raw)
	}
	r = c.Do(t, "POST", "/v1/beneficiaries", big, "Idempotency-Key", "big-1").Must(t, 413)
	if !r.IsStatus() {
		t.Errorf("413 body is not a Status: %s", r.Raw)
	}
	// Streamed (no Content-Length), on a create and on a PATCH, without a
	// key: 413 BODY_TOO_LARGE too (before: 400 "http: request body too
	// large", no reason).
	small := c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Small"}`).Must(t, 200)
	for _, call := range [][2]string{{"POST", "/v1/beneficiaries"}, {"PATCH", "/v1/beneficiaries/" + small.Str("id")}} {
		req, err := http.NewRequest(call[0], s.URL+call[1], io.MultiReader(strings.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+k.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "BODY_TOO_LARGE") {
			t.Errorf("%s %s streamed over the limit: HTTP %d %s, want 413 BODY_TOO_LARGE", call[0], call[1], resp.StatusCode, raw)
		}
	}

	// A compressed body (an HTTP client set to gzip its requests) is 415
	// saying so, not 400 "invalid character '\x1f'", and nothing is made.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"given_name": "Zipped"}`))
	_ = zw.Close()
	for _, key := range []string{"", "gz-1"} {
		r = c.Do(t, "POST", "/v1/beneficiaries", gz.Bytes(), "Content-Encoding", "gzip", "Idempotency-Key", key)
		if _, _, fields := localized(t, r); r.Status != http.StatusUnsupportedMediaType || fields["Content-Encoding"][1] == "" ||
			r.Header.Get("Accept-Encoding") != "identity" {
			t.Errorf("gzip body (key %q): HTTP %d %v %s, want 415 with Accept-Encoding: identity and a field violation on Content-Encoding", key, r.Status, r.Header, r.Raw)
		}
	}
	if n := len(c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200).Body["beneficiaries"].([]any)); n != 1 {
		t.Errorf("%d beneficiaries, want only Small", n)
	}
}

func TestCORS(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) {
		c.CORSAllowedOrigins = []string{"https://app.example.org"}
		c.CORSMaxAge = 5 * time.Minute
	})
	k := s.CreateKey(t, "partner", "CORS NGO")
	c := resttest.New(s.URL, "")

	pre := c.Do(t, "OPTIONS", "/v1/beneficiaries", nil,
		"Origin", "https://app.example.org", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization, content-type, idempotency-key, x-spona-purpose, accept-language").Must(t, 204)
	if pre.Header.Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") ||
		pre.Header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight headers: %v", pre.Header)
	}
	// Every request header the edge reads may be sent by a browser app:
	// the purpose of a read of personal data (audit log) among them.
	allowed := strings.Split(pre.Header.Get("Access-Control-Allow-Headers"), ", ")
	for _, h := range []string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Spona-Purpose", "Accept-Language", "Traceparent"} {
		if !slices.Contains(allowed, h) {
			t.Errorf("preflight does not allow %s: %q", h, allowed)
		}
	}
	bad := c.Do(t, "OPTIONS", "/v1/beneficiaries", nil,
		"Origin", "https://evil.example.com", "Access-Control-Request-Method", "POST").Must(t, 403)
	if bad.Header.Get("Access-Control-Allow-Origin") != "" || !bad.IsStatus() {
		t.Errorf("disallowed preflight: %v %s", bad.Header, bad.Raw)
	}
	c.Do(t, "OPTIONS", "/v1/beneficiaries", nil,
		"Origin", "https://app.example.org", "Access-Control-Request-Method", "TRACE").Must(t, 403)
	// HEAD is served as GET is (a browser preflights it: it sends Authorization).
	c.Do(t, "OPTIONS", "/v1/beneficiaries", nil,
		"Origin", "https://app.example.org", "Access-Control-Request-Method", "HEAD").Must(t, 204)

	r := c.As(k.Key).Do(t, "GET", "/v1/beneficiaries", nil, "Origin", "https://app.example.org").Must(t, 200)
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.org" {
		t.Errorf("actual request CORS headers: %v", r.Header)
	}
	// The response headers a client acts on are readable by a browser
	// app: when to retry, whether an answer is a replay, a download's
	// file name, the language of a localized answer.
	exposed := strings.Split(r.Header.Get("Access-Control-Expose-Headers"), ", ")
	for _, h := range []string{"Retry-After", "Idempotent-Replayed", "Content-Disposition", "Content-Language"} {
		if !slices.Contains(exposed, h) {
			t.Errorf("%s not exposed to browser apps: %q", h, exposed)
		}
	}
	r = c.As(k.Key).Do(t, "GET", "/v1/beneficiaries", nil, "Origin", "https://evil.example.com").Must(t, 200)
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed origin allowed: %v", r.Header)
	}
}

func TestRateLimitPerClient(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) {
		c.RateLimitRPS = 0.5 // one token every two seconds
		c.RateLimitBurst = 3
	})
	a := resttest.New(s.URL, s.CreateKey(t, "a", "Rate NGO A").Key)
	b := resttest.New(s.URL, s.CreateKey(t, "b", "Rate NGO B").Key)
	for i := range 3 {
		a.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
		_ = i
	}
	r := a.Do(t, "GET", "/v1/beneficiaries", nil, "Accept-Language", "sr-Cyrl").Must(t, 429)
	if locale, msg, _ := localized(t, r); locale != "sr-Cyrl" || msg != "Ваш клијент је послао превише захтева; сачекајте онолико секунди колико наводи Retry-After и покушајте поново." {
		t.Errorf("429 without RATE_LIMITED's own message in Serbian Cyrillic (its client's rate, Retry-After): %s", r.Raw)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After = %q, want 1..2 seconds", r.Header.Get("Retry-After"))
	}
	if !r.IsStatus() || r.Body["code"] != float64(8) {
		t.Errorf("429 body: %s", r.Raw)
	}
	// Another client has its own bucket.
	b.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	// Unauthenticated requests are refused before they cost a token.
	a.As("spona_aaaaaaaa_"+strings.Repeat("b", 52)).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
}

func TestRouteScopes(t *testing.T) {
	s := edgetest.Start(t, nil)
	readOnly := resttest.New(s.URL, s.CreateKey(t, "reader", "Scope NGO", auth.ScopeBeneficiariesRead).Key)
	readOnly.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	r := readOnly.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "X"}`).Must(t, 403)
	if msg := r.Str("message"); !strings.Contains(msg, auth.ScopeBeneficiariesWrite) || !strings.Contains(msg, "POST /v1/beneficiaries") {
		t.Errorf("403 from the edge should name the route and scope: %s", r.Raw)
	}
	readOnly.Do(t, "GET", "/v1/referrals", nil).Must(t, 403)
	readOnly.Do(t, "GET", "/v1/trainingEvents", nil).Must(t, 403)
	// An unknown route is still a 404, not a 403.
	readOnly.Do(t, "GET", "/v1/spaceships", nil).Must(t, 404)
}

func TestIdempotencyKeyReplay(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "partner", "Idem NGO")
	c := resttest.New(s.URL, k.Key)
	other := resttest.New(s.URL, s.CreateKey(t, "other", "Idem NGO 2").Key)

	body := `{"given_name": "Amina", "sex": "SEX_FEMALE"}`
	first := c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "k-1").Must(t, 200)
	second := c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "k-1").Must(t, 200)
	if string(first.Raw) != string(second.Raw) || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s (%v)", first.Raw, second.Raw, second.Header)
	}
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first response marked replayed")
	}
	list := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	if n := len(list.Body["beneficiaries"].([]any)); n != 1 {
		t.Fatalf("%d beneficiaries after a replayed create, want 1", n)
	}
	// Same key, different body: 422.
	r := c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Other"}`, "Idempotency-Key", "k-1").Must(t, 422)
	if !r.IsStatus() {
		t.Errorf("422 body: %s", r.Raw)
	}
	// The reason a service gives a request id reused for another request
	// (REQUEST_ID_REUSED), so a client tells it from any 422 the same way
	// whoever noticed, and said in the caller's language.
	r = c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Other"}`, "Idempotency-Key", "k-1", "Accept-Language", "sr-Latn").Must(t, 422)
	if locale, msg, _ := localized(t, r); !strings.Contains(string(r.Raw), `"reason":"REQUEST_ID_REUSED"`) || locale != "sr-Latn" ||
		!strings.Contains(msg, "Idempotency-Key") || !strings.Contains(msg, "upotrebljen") {
		t.Errorf("422 of a reused Idempotency-Key: %s", r.Raw)
	}
	// Same key, other path: 422 too.
	c.Do(t, "POST", "/v1/trainingEvents", body, "Idempotency-Key", "k-1").Must(t, 422)
	// Another client's key of the same name is its own.
	o := other.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "k-1").Must(t, 200)
	if o.Str("id") == first.Str("id") || o.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("another client got the first client's response")
	}
	// 4xx answers are final and replayed as well.
	bad := `{"given_name": "A", "legal_status": "LEGAL_STATUS_MARTIAN"}`
	c.Do(t, "POST", "/v1/beneficiaries", bad, "Idempotency-Key", "k-bad").Must(t, 400)
	rb := c.Do(t, "POST", "/v1/beneficiaries", bad, "Idempotency-Key", "k-bad").Must(t, 400)
	if rb.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("4xx not replayed")
	}
	// Invalid keys: a field violation naming the header.
	for _, key := range []string{strings.Repeat("x", 256), "ključ-1"} {
		r := c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", key).Must(t, 400)
		if _, _, fields := localized(t, r); len(fields) != 1 || fields["Idempotency-Key"][1] == "" {
			t.Errorf("Idempotency-Key %.20q: %s, want one field violation on Idempotency-Key", key, r.Raw)
		}
	}

	// Concurrent attempts with one key: exactly one create, the others
	// either replay it or are told it is in progress (409).
	var wg sync.WaitGroup
	results := make([]resttest.Response, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Concurrent"}`, "Idempotency-Key", "k-conc")
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range results {
		switch r.Status {
		case 200:
			ids[r.Str("id")] = true
		case 409:
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("409 without Retry-After")
			}
		default:
			t.Errorf("concurrent attempt: HTTP %d %s", r.Status, r.Raw)
		}
	}
	if len(ids) != 1 {
		t.Errorf("concurrent attempts created %d beneficiaries: %v", len(ids), ids)
	}
}

// TestIdempotencyReleasedOnOutage: a write that fails with 503 (the
// service is down) does not hold its key; the client's retry with the same
// key runs once the service is back, and creates exactly once.
func TestIdempotencyReleasedOnOutage(t *testing.T) {
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "partner", "Outage NGO")
	c := resttest.New(s.URL, k.Key)
	body := `{"given_name": "Retry"}`
	// Stop the beneficiaries service: the edge answers 503.
	s.StopService(t, "beneficiaries")
	r := c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "retry-1")
	if r.Status != 503 || !r.IsStatus() {
		t.Fatalf("during the outage: HTTP %d %s, want 503", r.Status, r.Raw)
	}
	c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "retry-1").Must(t, 503)
	s.RestartService(t, "beneficiaries")
	// The client retries until the edge has reconnected; meanwhile only 503.
	var first resttest.Response
	deadline := time.Now().Add(30 * time.Second)
	for {
		first = c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "retry-1")
		if first.Status != 503 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	first.Must(t, 200)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the first successful attempt is marked replayed")
	}
	again := c.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "retry-1").Must(t, 200)
	if again.Str("id") != first.Str("id") {
		t.Errorf("retry created another beneficiary")
	}
	list := c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	if n := len(list.Body["beneficiaries"].([]any)); n != 1 {
		t.Errorf("%d beneficiaries, want 1", n)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "p", "Route NGO").Key)
	r := c.Do(t, "PUT", "/v1/beneficiaries", `{}`)
	if r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
		t.Errorf("PUT on a collection: %d %s", r.Status, r.Raw)
	}
	if !r.IsStatus() {
		t.Errorf("body: %s", r.Raw)
	}
	// A verb the path lacks is 405 whatever the body's content type: curl
	// -d sends a form, which grpc-gateway would otherwise run as the
	// path's GET (refused as a route not open: 403, "your key is not
	// allowed").
	id := c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Amina"}`).Must(t, 200).Str("id")
	for _, typ := range []string{"application/json", "application/x-www-form-urlencoded"} {
		r := c.Do(t, "POST", "/v1/beneficiaries/"+id, `{}`, "Content-Type", typ)
		if r.Status != http.StatusMethodNotAllowed || !r.IsStatus() {
			t.Errorf("POST %s on a path with no POST: %d %s, want 405", typ, r.Status, r.Raw)
		}
	}
	// A 405's Allow lists the methods of that path, not of the API: a
	// person is erased with :erase, not DELETE.
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/beneficiaries/" + id, "GET, HEAD, PATCH"},
		{"PUT", "/v1/beneficiaries", "GET, HEAD, POST"},
		{"HEAD", "/v1/households", "POST"},
		{"POST", "/v1/webhooks/" + id, "GET, HEAD, PATCH, DELETE"},
	} {
		r := c.Do(t, tc.method, tc.path, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: HTTP %d, Allow %q, want 405 with Allow %q", tc.method, tc.path, r.Status, r.Header.Get("Allow"), tc.allow)
		}
	}
	_ = fmt.Sprint()
}

func TestOIDCAccessTokens(t *testing.T) {
	iss, s := startWithOIDC(t)
	k := s.CreateKey(t, "partner", "OIDC NGO")
	byKey := resttest.New(s.URL, k.Key)
	created := byKey.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Selma"}`).Must(t, 200)

	// A token for the same organisation sees the same records.
	tok := iss.Token(t, "ec-1", oidctest.Claims{Organisation: k.Organisation, Scope: "beneficiaries.read beneficiaries.write"})
	c := resttest.New(s.URL, tok)
	c.Do(t, "GET", "/v1/beneficiaries/"+created.Str("id"), nil).Must(t, 200)
	c.Do(t, "POST", "/v1/beneficiaries", `{"given_name": "Jasmin"}`, "Idempotency-Key", "oidc-1").Must(t, 200)
	// Scopes come from the token.
	c.Do(t, "GET", "/v1/referrals", nil).Must(t, 403)
	// Another organisation's token sees nothing of it.
	otherOrg := s.CreateKey(t, "other", "OIDC Other NGO").Organisation
	o := resttest.New(s.URL, iss.Token(t, "", oidctest.Claims{Organisation: otherOrg, Scope: "beneficiaries.read"}))
	o.Do(t, "GET", "/v1/beneficiaries/"+created.Str("id"), nil).Must(t, 404)
	// A partner's token carries partner scopes only, as its keys do: the
	// administrator's scopes (and internal ones) in it are dropped, so it
	// cannot mint a key for another organisation, verify one or edit
	// another's directory entry (it holds referrals.write, the edit's own
	// scope: directory.admin would let it edit any).
	victim := s.CreateKey(t, "victim", "OIDC Victim NGO")
	greedy := c.As(iss.Token(t, "", oidctest.Claims{Organisation: k.Organisation,
		Scope: "beneficiaries.read referrals.write platform.admin directory.admin access.check audit.write events.read"}))
	greedy.Do(t, "GET", "/v1/beneficiaries/"+created.Str("id"), nil).Must(t, 200)
	for _, r := range []resttest.Response{
		greedy.Do(t, "GET", "/v1/apiKeys", nil),
		greedy.Do(t, "POST", "/v1/apiKeys", map[string]any{"reason": "x", "api_key": map[string]any{"display_name": "mine", "organisation_id": victim.Organisation}}),
		greedy.Do(t, "POST", "/v1/organisations/"+victim.Organisation+":verify", map[string]any{"name": "X", "kind": "ORGANISATION_KIND_POLICE", "country": "RS", "reason": "me"}),
		greedy.Do(t, "PATCH", "/v1/organisations/"+victim.Organisation, map[string]any{"email": "greedy@example.rs"}),
	} {
		if r.Status != 403 || !r.IsStatus() {
			t.Errorf("partner token with administrator scopes: %s %s: HTTP %d %s", r.Method, r.Path, r.Status, r.Raw)
		}
	}
	// The platform organisation's token keeps them (and gets no partner
	// scope).
	platform := c.As(iss.Token(t, "", oidctest.Claims{Organisation: auth.PlatformOrganisationID, Scope: "platform.admin beneficiaries.read"}))
	platform.Do(t, "GET", "/v1/apiKeys?organisation_id="+victim.Organisation, nil).Must(t, 200)
	platform.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 403)
	// Bad tokens are 401 Status JSON.
	for name, bad := range map[string]string{
		"expired":        iss.Token(t, "", oidctest.Claims{Organisation: k.Organisation, Expiry: time.Now().Add(-time.Hour)}),
		"wrong audience": iss.Token(t, "", oidctest.Claims{Organisation: k.Organisation, Audience: []string{"x"}}),
		"garbage":        "x.y.z",
	} {
		r := c.As(bad).Do(t, "GET", "/v1/beneficiaries", nil)
		if r.Status != 401 || !r.IsStatus() || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: HTTP %d %s", name, r.Status, r.Raw)
		}
	}
	// The provider's JWKS is down and the verifier has no keys yet: 503,
	// not 401 (the client may retry).
	iss2 := oidctest.Start(t)
	iss2.SetDown(true)
	s2 := edgetest.Start(t, func(c *service.Config) {
		c.OIDC = service.OIDCConfig{Issuer: iss2.URL, Audience: oidctest.Audience, JWKSURL: iss2.JWKSURL, OrgClaim: "spona_org"}
	})
	resttest.New(s2.URL, iss2.Token(t, "", oidctest.Claims{Organisation: otherOrg})).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 503)
}

// TestOutageNamesNoAddress: with a service down, the edge's 503 names the
// service, not the internal address its connection failed on; an outage a
// service itself reports (its own dependency down) passes as it said it.
func TestOutageNamesNoAddress(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "partner", "Outage NGO").Key)
	project := c.Do(t, "POST", "/v1/projects", map[string]any{"code": "OUT-1", "titles": []any{map[string]any{"text": "T"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}}).Must(t, 200).Str("id")
	ben := c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Ajša"}).Must(t, 200).Str("id")
	s.StopService(t, "trainings")
	r := c.Do(t, "GET", "/v1/trainingEvents", nil).Must(t, 503)
	if msg := r.Str("message"); msg != "trainings service unavailable; retry later" || strings.Contains(string(r.Raw), "127.0.0.1") {
		t.Errorf("trainings down: %s", r.Raw)
	}
	s.StopService(t, "reporting")
	r = c.Do(t, "POST", "/v1/beneficiaries/"+ben+"/assistances", map[string]any{
		"project_id": project, "type": "ASSISTANCE_TYPE_INFORMATION", "date": "2024-03-04"}).Must(t, 503)
	if msg := r.Str("message"); !strings.Contains(msg, "project") || strings.HasPrefix(msg, "beneficiaries") || strings.Contains(string(r.Raw), "127.0.0.1") {
		t.Errorf("reporting down, as the beneficiaries service reports it: %s", r.Raw)
	}
}
