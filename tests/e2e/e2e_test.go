// Package e2e drives the whole system as partners do: the five processes are
// built and started as separate OS processes on a real PostgreSQL, and the
// test talks REST/JSON to the edge over HTTP.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/devstack"
	"github.com/spona/spona/pkg/testkit/devstack/devstacktest"
	"github.com/spona/spona/pkg/testkit/otlptest"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type system struct {
	stack  *devstack.Stack
	traces *otlptest.Receiver
	keyA   string
	keyB   string
	logs   *devstacktest.Logs
	dbURL  string
}

// startSystem starts the whole system; env is added to every process's
// environment.
func startSystem(t *testing.T, env ...string) *system {
	t.Helper()
	traces := otlptest.Start(t)
	dbURL := pgtest.NewDatabase(t)
	stack, logs := devstacktest.Start(t, dbURL, append(traces.Env(), env...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keyA, err := stack.CreateKey(ctx, "partner-a", "Organisation A")
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := stack.CreateKey(ctx, "partner-b", "Organisation B")
	if err != nil {
		t.Fatal(err)
	}
	return &system{stack: stack, traces: traces, keyA: keyA, keyB: keyB, logs: logs, dbURL: dbURL}
}

// sql runs a statement on the system's database, as its superuser.
func (s *system) sql(t *testing.T, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// createKey creates an API key for the organisation named org (registered
// in the directory when new).
func (s *system) createKey(t *testing.T, name, org string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := s.stack.CreateKey(ctx, name, org)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// verifyIdentifier has the platform administrator verify organisation org
// with its registered identifier (what its IATI exports are published
// under), keeping its verified name, kind and country.
func (s *system) verifyIdentifier(t *testing.T, org, identifier string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := s.stack.CreateAdminKey(ctx, "verifier")
	if err != nil {
		t.Fatal(err)
	}
	o := s.call(t, "GET", "/v1/organisations/"+org, admin, nil).must(t, 200)
	s.call(t, "POST", "/v1/organisations/"+org+":verify", admin, map[string]any{
		"name": o.str("name"), "kind": o.str("kind"), "country": o.str("country"), "etag": o.str("etag"),
		"organisation_identifier": identifier, "reason": "registration certificate seen",
	}).must(t, 200)
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (s *system) call(t *testing.T, method, path, key string, body any, headers ...string) response {
	t.Helper()
	r, err := s.try(method, path, key, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is call for goroutines other than the test's: it returns its errors.
func (s *system) try(method, path, key string, body any, headers ...string) (response, error) {
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case rawBody:
		rd, contentType = bytes.NewReader(b.data), b.contentType
		if b.chunked {
			rd = io.MultiReader(rd) // no length known: sent chunked
		}
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.stack.URL()+path, rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			return r, fmt.Errorf("%s %s: response is not JSON: %q", method, path, raw)
		}
	}
	return r, nil
}

func (r response) must(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("HTTP %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

func (r response) str(key string) string {
	v, _ := r.Body[key].(string)
	return v
}

func TestEndToEnd(t *testing.T) {
	s := startSystem(t)

	t.Run("authentication", func(t *testing.T) {
		for _, key := range []string{"", "spona_aaaaaaaa_" + strings.Repeat("b", 52), "not-a-key"} {
			r := s.call(t, "GET", "/v1/beneficiaries", key, nil).must(t, 401)
			if r.Body["code"] != float64(16) || r.str("message") == "" {
				t.Fatalf("401 body is not a google.rpc.Status: %s", r.Raw)
			}
		}
	})

	var benID string
	t.Run("beneficiary create, get, list", func(t *testing.T) {
		r := s.call(t, "POST", "/v1/beneficiaries", s.keyA, map[string]any{
			"given_name": "Amina", "family_name": "Haddad", "sex": "SEX_FEMALE", "birth_date": "1990-04-12",
			"legal_status": "LEGAL_STATUS_INTERNATIONAL_PROTECTION", "country": "HR", "municipality": "Zagreb",
		}).must(t, 200)
		benID = r.str("id")
		if benID == "" || r.str("given_name") != "Amina" || r.str("etag") == "" {
			t.Fatalf("created: %s", r.Raw)
		}
		s.call(t, "GET", "/v1/beneficiaries/"+benID, s.keyA, nil).must(t, 200)
		l := s.call(t, "GET", "/v1/beneficiaries?page_size=10", s.keyA, nil).must(t, 200)
		if list, _ := l.Body["beneficiaries"].([]any); len(list) != 1 {
			t.Fatalf("list: %s", l.Raw)
		}
	})

	t.Run("other organisation sees nothing", func(t *testing.T) {
		s.call(t, "GET", "/v1/beneficiaries/"+benID, s.keyB, nil).must(t, 404)
		l := s.call(t, "GET", "/v1/beneficiaries", s.keyB, nil).must(t, 200)
		if list, _ := l.Body["beneficiaries"].([]any); len(list) != 0 {
			t.Fatalf("B lists A's beneficiaries: %s", l.Raw)
		}
		s.call(t, "GET", "/v1/beneficiaries/"+benID+"/assistances", s.keyB, nil).must(t, 404)
	})

	t.Run("bad input is a 4xx with a Status body", func(t *testing.T) {
		cases := []struct {
			name, method, path, body string
			status                   int
		}{
			{"malformed JSON", "POST", "/v1/beneficiaries", `{"given_name": "A",`, 400},
			{"unknown enum", "POST", "/v1/beneficiaries", `{"given_name": "A", "legal_status": "LEGAL_STATUS_MARTIAN"}`, 400},
			{"unknown field", "POST", "/v1/beneficiaries", `{"given_name": "A", "shoe_size": 43}`, 400},
			{"wrong type", "POST", "/v1/beneficiaries", `{"given_name": 7}`, 400},
			{"missing required", "POST", "/v1/beneficiaries", `{"family_name": "B"}`, 400},
			{"bad date", "POST", "/v1/beneficiaries", `{"given_name": "A", "birth_date": "12/04/1990"}`, 400},
			{"not a uuid", "GET", "/v1/beneficiaries/123", "", 400},
			{"unknown id", "GET", "/v1/beneficiaries/0190a1b2-0000-7000-8000-000000000000", "", 404},
			{"unknown route", "GET", "/v1/spaceships", "", 404},
			{"bad page token", "GET", "/v1/beneficiaries?page_token=garbage", "", 400},
			{"bad page size", "GET", "/v1/beneficiaries?page_size=lots", "", 400},
			{"referral to nowhere", "POST", "/v1/referrals", `{"beneficiary_id": "` + benID + `", "to_organisation_id": "0190a1b2-0000-7000-8000-000000000000", "category": "REFERRAL_CATEGORY_LEGAL"}`, 400},
			{"body too large", "POST", "/v1/beneficiaries", `{"given_name": "` + strings.Repeat("x", 2<<20) + `"}`, 413},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var body any
				if c.body != "" {
					body = c.body
				}
				r := s.call(t, c.method, c.path, s.keyA, body)
				if r.Status != c.status {
					t.Fatalf("HTTP %d, want %d: %s", r.Status, c.status, r.Raw)
				}
				if _, ok := r.Body["code"]; !ok || r.str("message") == "" {
					t.Fatalf("error body is not a google.rpc.Status: %s", r.Raw)
				}
			})
		}
		r := s.call(t, "POST", "/v1/beneficiaries", s.keyA, `{"family_name": "B"}`).must(t, 400)
		if !strings.Contains(r.Raw, "beneficiary.given_name") || !strings.Contains(r.Raw, "google.rpc.BadRequest") {
			t.Fatalf("no field violation for given_name: %s", r.Raw)
		}
		// A receiver the directory does not have is the body's mistake: 400
		// naming the field (ec3cd71), not 404 as if the route were unknown.
		r = s.call(t, "POST", "/v1/referrals", s.keyA, `{"beneficiary_id": "`+benID+`", "to_organisation_id": "0190a1b2-0000-7000-8000-000000000000", "category": "REFERRAL_CATEGORY_LEGAL"}`).must(t, 400)
		if !strings.Contains(r.Raw, "referral.to_organisation_id") || !strings.Contains(r.Raw, "google.rpc.BadRequest") {
			t.Fatalf("no field violation for referral.to_organisation_id: %s", r.Raw)
		}
		l := s.call(t, "GET", "/v1/beneficiaries", s.keyA, nil).must(t, 200)
		if list, _ := l.Body["beneficiaries"].([]any); len(list) != 1 {
			t.Fatalf("bad requests changed stored data: %s", l.Raw)
		}
	})

	t.Run("idempotency key", func(t *testing.T) {
		body := map[string]any{"given_name": "Once"}
		a := s.call(t, "POST", "/v1/beneficiaries", s.keyA, body, "Idempotency-Key", "k-123").must(t, 200)
		b := s.call(t, "POST", "/v1/beneficiaries", s.keyA, body, "Idempotency-Key", "k-123").must(t, 200)
		if a.str("id") != b.str("id") {
			t.Fatalf("retry created a second beneficiary: %s vs %s", a.str("id"), b.str("id"))
		}
		// A request id (as an Idempotency-Key past the edge's 24 h
		// reaches the service) sent again with another person is 422,
		// not the first person as if the second were registered.
		first := s.call(t, "POST", "/v1/beneficiaries?request_id=bb-1", s.keyA, map[string]any{"given_name": "Amal"}).must(t, 200)
		if again := s.call(t, "POST", "/v1/beneficiaries?request_id=bb-1", s.keyA, map[string]any{"given_name": "Amal"}).must(t, 200); again.str("id") != first.str("id") {
			t.Fatalf("request id retry: %s, first %s", again.Raw, first.str("id"))
		}
		r := s.call(t, "POST", "/v1/beneficiaries?request_id=bb-1", s.keyA, map[string]any{"given_name": "Omar"}).must(t, 422)
		if !strings.Contains(r.Raw, "REQUEST_ID_REUSED") || strings.Contains(r.Raw, "Amal") {
			t.Fatalf("request id reused for another person: %s", r.Raw)
		}
	})

	t.Run("one trace from REST through two services to SQL", func(t *testing.T) {
		orgs := s.call(t, "GET", "/v1/organisations?page_size=50", s.keyA, nil).must(t, 200)
		var orgB string
		for _, o := range orgs.Body["organisations"].([]any) {
			if m := o.(map[string]any); m["name"] == "Organisation B" {
				orgB = m["id"].(string)
			}
		}
		if orgB == "" {
			t.Fatalf("organisation B not in directory: %s", orgs.Raw)
		}
		traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
		parent := "00f067aa0ba902b7"
		r := s.call(t, "POST", "/v1/referrals", s.keyA, map[string]any{
			"beneficiary_id": benID, "to_organisation_id": orgB, "category": "REFERRAL_CATEGORY_PSYCHOSOCIAL", "urgency": "URGENCY_HIGH",
		}, "traceparent", "00-"+traceID+"-"+parent+"-01").must(t, 200)
		if r.str("status") != "REFERRAL_STATUS_DRAFT" {
			t.Fatalf("referral: %s", r.Raw)
		}
		has := func(spans []otlptest.Span, service string, pred func(otlptest.Span) bool) bool {
			for _, sp := range spans {
				if sp.Service == service && pred(sp) {
					return true
				}
			}
			return false
		}
		isSQL := func(sp otlptest.Span) bool { return sp.Attributes["db.system.name"] == "postgresql" }
		isServer := func(sp otlptest.Span) bool { return sp.Kind == 2 }
		complete := func(spans []otlptest.Span) bool {
			return has(spans, "edge", isServer) && has(spans, "referrals", isServer) && has(spans, "referrals", isSQL) &&
				has(spans, "beneficiaries", isServer) && has(spans, "beneficiaries", isSQL)
		}
		spans := s.traces.WaitFor(traceID, 15*time.Second, complete)
		if !complete(spans) {
			t.Fatalf("trace %s incomplete:\n%s", traceID, describe(spans))
		}
		t.Logf("trace %s:\n%s", traceID, describe(spans))
		// One tree: every span's parent is in the trace, except the edge's
		// root, whose parent is the caller's span from traceparent.
		byID := map[string]otlptest.Span{}
		for _, sp := range spans {
			byID[sp.SpanID] = sp
		}
		for _, sp := range spans {
			if _, ok := byID[sp.ParentSpanID]; ok {
				continue
			}
			if sp.Service != "edge" || sp.ParentSpanID != parent {
				t.Fatalf("span %s/%s has parent %s outside the trace:\n%s", sp.Service, sp.Name, sp.ParentSpanID, describe(spans))
			}
		}
		// The beneficiary check ran in beneficiaries, called by referrals.
		for _, sp := range spans {
			if sp.Service == "beneficiaries" && isServer(sp) {
				if p := byID[sp.ParentSpanID]; p.Service != "referrals" {
					t.Fatalf("beneficiaries server span's parent is %s/%s, want a referrals client span", p.Service, p.Name)
				}
			}
		}
	})

	t.Run("openapi document", func(t *testing.T) {
		r := s.call(t, "GET", "/openapi.json", "", nil).must(t, 200)
		paths, _ := r.Body["paths"].(map[string]any)
		for _, p := range []string{"/v1/beneficiaries", "/v1/referrals", "/v1/trainingEvents", "/v1/projects/{project_id}/report", "/v1/organisations"} {
			if _, ok := paths[p]; !ok {
				t.Errorf("OpenAPI lacks %s", p)
			}
		}
	})
}

func describe(spans []otlptest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "  %-14s %-40s span=%s parent=%s kind=%d\n", s.Service, s.Name, s.SpanID, s.ParentSpanID, s.Kind)
	}
	return b.String()
}
