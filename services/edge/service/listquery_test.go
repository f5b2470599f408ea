package service_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/spona/spona/gen/openapi"
	"github.com/spona/spona/pkg/testkit/resttest"
)

// badQueryValues are values of a query parameter a client may send by
// mistake, by what the OpenAPI 3.1 document says of it (its schema) or,
// for a string the schema says nothing more of, what its name says it
// holds; nil for a parameter any text is a value of (a name searched, a
// municipality).
func badQueryValues(name string, schema json.RawMessage) []string {
	var s struct {
		Type  string `json:"type"`
		Enum  []any  `json:"enum"`
		Items *struct {
			Enum []any `json:"enum"`
		} `json:"items"`
	}
	_ = json.Unmarshal(schema, &s) // a schema of another shape has no values to spoil
	switch {
	case name == "page_token":
		// Not base64; base64 of no JSON; JSON of no token; a token of a
		// format (a cursor) no list issues.
		return []string{"!!not-a-token!!", base64.RawURLEncoding.EncodeToString([]byte("foo")),
			base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`)), base64.RawURLEncoding.EncodeToString([]byte(`["a",1]`)), "0190a1b2-0000-7000-8000-000000000001"}
	case name == "page_size":
		return []string{"-1", "abc", "1.5"}
	case len(s.Enum) > 0 || (s.Items != nil && len(s.Items.Enum) > 0):
		// An unknown value, one of another enum, the number of none, and
		// numbers of values (the first value's, the zero value's): the
		// REST API takes names only (before r19 the gateway took ?status=1
		// as the enum's first value and ?status=0 as no filter).
		return []string{"BOGUS_VALUE", "SEX_FEMALE_X", "99", "1", "0"}
	case s.Type == "boolean":
		return []string{"maybe", "2"}
	case s.Type == "integer":
		return []string{"abc"}
	case strings.HasSuffix(name, "_id"):
		return []string{"not-an-id", "0190a1b2-0000-7000-8000-00000000000g"}
	case strings.HasSuffix(name, "_date"):
		return []string{"2024-13-45", "yesterday"}
	case name == "country" || name == "nationality":
		return []string{"XX1", "Narnia"}
	case name == "language":
		return []string{"not a language!"}
	case name == "after":
		return []string{"not-a-cursor", "-5"}
	case name == "types":
		return []string{"no.such.event"}
	}
	return nil
}

// TestListQueryRefusals walks every list route of the OpenAPI document (a
// read taking page_token or page_size: a new list route is covered as soon
// as it is in the document) with each query parameter it declares given a
// value that is not one of its values (a malformed or foreign page token,
// a page size that is no positive whole number, an unknown enum value or
// the number of a known one, a boolean that is none, an id, date, country
// or language code that is none), and with the order_by and filter a
// client may expect of a list (which no list takes): each is 400
// INVALID_ARGUMENT with a field violation naming the parameter as sent (an
// item of a repeated one by its index), never a 500, never a 200 that
// ignored it. Before r19 every list with an enum parameter answered 200 to
// its numbers (?status=1), which the API (README: enums are their full
// names) does not take.
func TestListQueryRefusals(t *testing.T) {
	admin, a, rec, _ := seeded(t, "List Query NGO A")
	// The query a list needs to answer at all.
	needs := map[string]string{"/v1/beneficiaries:search": "query=Amina"}

	spec, err := resttest.ParseSpec(openapi.SpecV3)
	if err != nil {
		t.Fatal(err)
	}
	params, err := resttest.Parameters(openapi.SpecV3)
	if err != nil {
		t.Fatal(err)
	}
	lists, probes := 0, 0
	for _, op := range spec.Operations {
		if op.Method != "GET" || !(slices.Contains(op.Query, "page_token") || slices.Contains(op.Query, "page_size")) {
			continue
		}
		lists++
		name := op.Method + " " + op.Template
		path, _ := recordPath(t, op, rec)
		base := path + "?"
		if q := needs[op.Template]; q != "" {
			base += q + "&"
		}
		c := a
		if r := a.Do(t, "GET", base+"page_size=1", nil); r.Status == 403 {
			c = admin
		}
		c.Do(t, "GET", base+"page_size=1", nil).Must(t, 200)
		probe := func(param, value string) {
			t.Helper()
			probes++
			r := c.Do(t, "GET", base+url.QueryEscape(param)+"="+url.QueryEscape(value), nil)
			if r.Status != 400 || !r.IsStatus() {
				t.Errorf("%s with %s=%q: HTTP %d %.300s, want 400", name, param, value, r.Status, r.Raw)
				return
			}
			if code, _ := r.Body["code"].(float64); code != 3 {
				t.Errorf("%s with %s=%q: code %v, want 3 (INVALID_ARGUMENT): %.300s", name, param, value, r.Body["code"], r.Raw)
			}
			// A repeated parameter's item is named by its index (types[0]).
			v := r.Violations()
			named := false
			for f := range v {
				named = named || f == param || strings.HasPrefix(f, param+"[")
			}
			if len(v) != 1 || !named {
				t.Errorf("%s with %s=%q: field violations %v, want one on %s", name, param, value, v, param)
			}
		}
		for _, p := range params[name] {
			if p.In != "query" {
				continue
			}
			for _, v := range badQueryValues(p.Name, p.Schema) {
				probe(p.Name, v)
			}
		}
		for _, p := range []string{"order_by", "filter"} {
			if !slices.Contains(op.Query, p) {
				probe(p, "create_time desc")
			}
		}
	}
	if lists < 20 {
		t.Fatalf("%d list routes in the document: the walk missed them", lists)
	}
	t.Logf("%d list routes, %d refusals probed", lists, probes)
}
