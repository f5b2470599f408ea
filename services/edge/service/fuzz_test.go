package service_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/validate"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/internal/gateway"
	"golang.org/x/net/http/httpguts"
)

// The fuzz targets drive the real edge, the five real services and
// PostgreSQL over HTTP. Their seeds run as ordinary tests; `go test -fuzz`
// explores further. No input may produce a 5xx, a non-Status error body or
// a broken connection (a panic).

type fuzzEnv struct {
	s *edgetest.Stack
	c *resttest.Client
	// admin is the platform administrator, for the routes a partner is
	// refused (403): directory administration, API keys.
	admin *resttest.Client
	key   edgetest.Key
	spec  *resttest.Spec
	mu    sync.Mutex
	ids   map[string]string // collection → an existing resource id
}

func startFuzzEnv(f *testing.F) *fuzzEnv {
	s := edgetest.Start(f, nil)
	k := s.CreateKey(f, "fuzzer", "Fuzz NGO")
	spec, err := resttest.ParseSpec(openapi.Spec)
	if err != nil {
		f.Fatal(err)
	}
	e := &fuzzEnv{s: s, c: resttest.New(s.URL, k.Key), admin: resttest.New(s.URL, s.CreateAdminKey(f).Key), key: k, spec: spec, ids: map[string]string{}}
	e.createFixtures(f)
	return e
}

// idFor finds an existing resource for a field or path variable named like
// beneficiary_id, to_organisation_id or event_id.
func (e *fuzzEnv) idFor(field string) (string, bool) {
	base := strings.TrimSuffix(field, "_id")
	for _, p := range []string{"to_", "from_", "source_", "target_"} {
		base = strings.TrimPrefix(base, p)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for coll, id := range e.ids {
		c := strings.ReplaceAll(coll, "-", "_")
		if c == base+"s" || c == base+"es" || c == strings.TrimSuffix(base, "y")+"ies" || strings.HasSuffix(c, base+"s") {
			return id, true
		}
	}
	return "", false
}

// createFixtures creates one resource per collection from the document's
// own schemas, so that routes with ids reach real rows.
func (e *fuzzEnv) createFixtures(f *testing.F) {
	created := map[string]int{}
	for range 3 {
		for _, op := range e.spec.Operations {
			if op.Method != "POST" || op.Body == "" || strings.Contains(op.Template, ":") {
				continue
			}
			path, ok := e.pathWithKnownIDs(op)
			if !ok || created[path] >= 2 {
				continue
			}
			// Two of each, so lists have a next page.
			sample := e.spec.Sample(op.Body, e.idFor)
			for attempt := 0; created[path] < 2 && attempt < 8; attempt++ {
				r := e.c.Do(f, "POST", path, sample)
				if r.Status == 403 {
					r = e.admin.Do(f, "POST", path, sample)
				}
				if r.Status == 409 && attempt < 4 {
					renumber(sample, attempt) // unique codes, external ids…
					continue
				}
				if r.Status != 200 {
					// Drop the fields the service refused and try again.
					if !dropRefused(sample, r) && r.Status != 409 {
						f.Logf("fixture %s: HTTP %d %s", path, r.Status, r.Raw)
						break
					}
					continue
				}
				created[path]++
				if r.Str("id") != "" && len(op.Vars) == 0 {
					e.mu.Lock()
					if _, ok := e.ids[op.Collection()]; !ok {
						e.ids[op.Collection()] = r.Str("id")
					}
					e.mu.Unlock()
				}
			}
		}
	}
}

// renumber makes the sample's generated strings unique again.
func renumber(sample map[string]any, n int) {
	for k, v := range sample {
		if str, ok := v.(string); ok && strings.HasPrefix(str, "Sample ") {
			sample[k] = fmt.Sprintf("Sample %s %d", k, n+2)
		}
	}
}

var quoted = regexp.MustCompile(`"([a-z_]+)"`)

// dropRefused removes from sample the top-level fields a 400 names (field
// violations like "beneficiary.birth_year", or a decoding error quoting a
// field); it reports whether it removed any.
func dropRefused(sample map[string]any, r resttest.Response) bool {
	n := len(sample)
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		dm, _ := d.(map[string]any)
		fvs, _ := dm["field_violations"].([]any)
		for _, fv := range fvs {
			field, _ := fv.(map[string]any)["field"].(string)
			parts := strings.Split(field, ".")
			if len(parts) > 1 {
				parts = parts[1:] // the body's own name
			}
			delete(sample, strings.SplitN(parts[0], "[", 2)[0])
		}
	}
	for _, m := range quoted.FindAllStringSubmatch(r.Str("message"), -1) {
		delete(sample, m[1])
	}
	return len(sample) < n
}

func (e *fuzzEnv) pathWithKnownIDs(op resttest.Operation) (string, bool) {
	var vals []string
	for _, v := range e.varCollections(op) {
		e.mu.Lock()
		id, ok := e.ids[v]
		e.mu.Unlock()
		if !ok {
			return "", false
		}
		vals = append(vals, id)
	}
	return op.Path(vals...), true
}

// varCollections names, for each path variable, the collection segment
// before it.
func (e *fuzzEnv) varCollections(op resttest.Operation) []string {
	var out []string
	segs := strings.Split(strings.Trim(op.Template, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 {
			out = append(out, segs[i-1])
		}
	}
	return out
}

// check fails on a server error, a broken exchange or an error without a
// google.rpc.Status body.
func check(t *testing.T, r resttest.Response, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r.Status >= 500 {
		t.Fatalf("%s: HTTP %d %s", what, r.Status, r.Raw)
	}
	if r.Status >= 400 && !r.IsStatus() {
		t.Fatalf("%s: HTTP %d without a Status body: %q", what, r.Status, r.Raw)
	}
}

var nastyBodies = []string{
	`{}`, `{"`, `null`, `[]`, `"x"`, `{"a":1}`, `{"given_name":"a\u0000b"}`, "{\"given_name\":\"\xff\xfe\"}",
	`{"given_name":"A","birth_date":"0000-00-00"}`, `{"given_name":"A","birth_year":99999999999}`,
	`{"given_name":"A","birth_date":"9999-12-31"}`, `{"name":"` + strings.Repeat("é", 5000) + `"}`,
	strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200), `{"id":"x","etag":"\"W/1\""}`,
	`{"budget":{"amount":"1e400","currency":"EUR"}}`, `{"start_time":"2025-13-45T99:99:99Z"}`,
}

var nastyQueries = []string{
	"", "page_size=-1", "page_size=99999999999", "page_token=%00", "page_token=eyJhIjoieCIsInEiOiIifQ",
	"filter=%27%3B%20DROP%20TABLE", "update_mask=given_name,nope", "start_date=2025-02-30&end_date=2024-01-01",
	"legal_status=LEGAL_STATUS_MARTIAN", "type=1", "project_id=not-a-uuid", "request_id=" + strings.Repeat("r", 300),
	"query=ab%FFcd&page_token=%C3",
}

// FuzzREST sends fuzzed bodies, path ids and query strings to every
// operation of the OpenAPI document — routes added later are covered
// without changing this test.
func FuzzREST(f *testing.F) {
	e := startFuzzEnv(f)
	ops := e.spec.Operations
	for i, op := range ops {
		if op.Body != "" {
			sample, _ := json.Marshal(e.spec.Sample(op.Body, e.idFor))
			f.Add(uint16(i), uint8(0), "", sample)
			f.Add(uint16(i), uint8(0), "", []byte(strings.ReplaceAll(string(sample), `"Sample `, `"\u0000`)))
		}
		for j, b := range nastyBodies {
			f.Add(uint16(i), uint8(j), nastyQueries[j%len(nastyQueries)], []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, route uint16, idMode uint8, query string, body []byte) {
		op := ops[int(route)%len(ops)]
		var vals []string
		for j, coll := range e.varCollections(op) {
			switch (idMode >> (2 * j)) & 3 {
			case 0:
				e.mu.Lock()
				id := e.ids[coll]
				e.mu.Unlock()
				vals = append(vals, id)
			case 1:
				vals = append(vals, "0190a1b2-0000-7000-8000-00000000dead")
			case 2:
				vals = append(vals, url.PathEscape(query))
			default:
				vals = append(vals, "x")
			}
		}
		path := op.Path(vals...)
		if query != "" {
			path += "?" + query
		}
		if _, err := url.ParseRequestURI(path); err != nil || !validTarget(path) {
			return // not a request target: HTTP itself refuses it (net/http's plain 400)
		}
		var b any
		if op.Method != "GET" {
			b = body
		}
		r, err := e.c.Try(op.Method, path, b)
		check(t, r, err, op.Method+" "+path)
		if r.Status == 403 {
			r, err = e.admin.Try(op.Method, path, b)
			check(t, r, err, "as administrator: "+op.Method+" "+path)
		}
	})
}

// validTarget reports whether path may stand in an HTTP request line.
func validTarget(path string) bool {
	for i := range len(path) {
		if path[i] <= ' ' || path[i] >= 0x7f {
			return false
		}
	}
	return true
}

// FuzzPageToken sends forged page tokens (well-formed base64 JSON with the
// right filter fingerprint, fuzzed position) to every list route.
func FuzzPageToken(f *testing.F) {
	e := startFuzzEnv(f)
	var lists []resttest.Operation
	for _, op := range e.spec.Operations {
		if op.Method == "GET" && len(op.Vars) <= 1 && slices.Contains(op.Query, "page_token") {
			lists = append(lists, op)
		}
	}
	if len(lists) == 0 {
		f.Fatal("no list routes in the document")
	}
	for i := range lists {
		for _, after := range []string{"x", "", "0190a1b2-0000-7000-8000-000000000001", "2025-01-01T00:00:00Z|0190a1b2-0000-7000-8000-000000000001", "\x00", "'; --", "9999999999999999999999"} {
			f.Add(uint8(i), after, true)
		}
		f.Add(uint8(i), "garbage!!", false)
	}
	f.Fuzz(func(t *testing.T, route uint8, after string, wellFormed bool) {
		op := lists[int(route)%len(lists)]
		path, ok := e.pathWithKnownIDs(op)
		if !ok {
			t.Skip("no fixture for " + op.Template)
		}
		tok := after
		if wellFormed {
			// The fingerprints of the unfiltered list and of the
			// caller's organisation: what a real token of this route
			// carries.
			fp := e.fingerprint(t, path)
			fp["a"] = after
			raw, _ := json.Marshal(fp)
			tok = base64.RawURLEncoding.EncodeToString(raw)
		}
		r, err := e.c.Try("GET", path+"?page_size=1&page_token="+url.QueryEscape(tok), nil)
		check(t, r, err, "GET "+path+" page_token="+tok)
	})
}

// fingerprint learns the fingerprints (filters, organisation) of path's
// unfiltered list from a real next-page token (creating rows when needed is
// the fixtures' job); an empty map when there is none.
func (e *fuzzEnv) fingerprint(t *testing.T, path string) map[string]string {
	r := e.c.Do(t, "GET", path+"?page_size=1", nil)
	next := r.Str("next_page_token")
	tok := map[string]string{}
	if next == "" {
		return tok
	}
	raw, err := base64.RawURLEncoding.DecodeString(next)
	if err != nil {
		t.Fatalf("next_page_token %q is not base64: %v", next, err)
	}
	_ = json.Unmarshal(raw, &tok)
	delete(tok, "a")
	return tok
}

// FuzzIdempotencyKey: any key is either refused with 400 or, replayed with
// the same request, answers exactly what the first attempt answered.
func FuzzIdempotencyKey(f *testing.F) {
	e := startFuzzEnv(f)
	for _, k := range []string{"k", "a b", "ключ", "\xff\xfe", strings.Repeat("x", 255), strings.Repeat("x", 256), "\x7f", "tab\tkey", " padded ", "a/b", "%00"} {
		f.Add(k, []byte(`{"given_name":"Idem"}`))
	}
	f.Add("bad-body", []byte(`{"given_name":`))
	f.Fuzz(func(t *testing.T, key string, body []byte) {
		if !httpguts.ValidHeaderFieldValue(key) {
			return // not representable in an HTTP header
		}
		// On a read the key is ignored, whatever it is.
		r, err := e.c.Try("GET", "/v1/beneficiaries?page_size=1", nil, "Idempotency-Key", key)
		check(t, r, err, "GET with key "+key)
		if r.Status != 200 {
			t.Fatalf("GET with Idempotency-Key %q: HTTP %d %s", key, r.Status, r.Raw)
		}
		first, err := e.c.Try("POST", "/v1/beneficiaries", body, "Idempotency-Key", key)
		check(t, first, err, "first attempt with key "+key)
		sent := strings.Trim(key, " \t") // what the server sees
		if sent == "" || !validate.IsRequestID(sent) {
			return
		}
		second, err := e.c.Try("POST", "/v1/beneficiaries", body, "Idempotency-Key", key)
		check(t, second, err, "second attempt with key "+key)
		switch first.Status {
		case 409: // another iteration's attempt in flight: nothing to compare
		case 422: // the key was used before with another body
			if second.Status != 422 {
				t.Fatalf("key %q: 422 then %d", key, second.Status)
			}
		default:
			if second.Status != first.Status || string(second.Raw) != string(first.Raw) || second.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("key %q: replay %d %s, first %d %s", key, second.Status, second.Raw, first.Status, first.Raw)
			}
		}
	})
}

// FuzzAuthorization: any Authorization header is 401 (or 200 for the real
// key), never a server error.
func FuzzAuthorization(f *testing.F) {
	e := startFuzzEnv(f)
	for _, h := range []string{"", "Bearer", "Bearer ", "bearer " + e.key.Key, "Bearer " + e.key.Key, "Basic dXNlcjpwYXNz",
		"Bearer spona_aaaaaaaa_" + strings.Repeat("b", 52), "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer  " + e.key.Key,
		"Bearer " + e.key.Key + " extra", "Bearer " + strings.Repeat("x", 9000)} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !httpguts.ValidHeaderFieldValue(h) {
			return
		}
		c := e.c.As("")
		r, err := c.Try("GET", "/v1/beneficiaries", nil, "Authorization", h)
		check(t, r, err, "Authorization: "+h)
		cred, ok := gateway.ParseBearer(strings.Trim(h, " \t"))
		valid := ok && cred == e.key.Key
		if valid && r.Status != 200 || !valid && r.Status != 401 {
			t.Fatalf("Authorization %q: HTTP %d %s", h, r.Status, r.Raw)
		}
	})
}
