package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// TestHSDSOverREST: the Open Referral HSDS API through the real edge: with
// a key by default, without one when HSDS_PUBLIC_READ is set, answers that
// validate against the profile, the language asked for, and bad input as
// 4xx Status JSON.
func TestHSDSOverREST(t *testing.T) {
	schemas := standards.HSDSSchemas(t)
	check := func(t *testing.T, r resttest.Response, profilePath string) resttest.Response {
		t.Helper()
		r.Must(t, 200)
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s: Content-Type %q", r.Path, ct)
		}
		if err := schemas.Validate(profilePath, r.Raw); err != nil {
			t.Fatalf("GET %s does not validate against the HSDS profile (%s): %v\n%s", r.Path, profilePath, err, r.Raw)
		}
		return r
	}
	publish := func(t *testing.T, s *edgetest.Stack) (resttest.Client, string) {
		k := s.CreateKey(t, "partner", "Centar za socijalni rad")
		c := resttest.New(s.URL, k.Key)
		svc := c.Do(t, "POST", "/v1/organisations/"+k.Organisation+"/services", map[string]any{
			"name": "Savetovanje", "localized_names": map[string]string{"sr-Cyrl": "Саветовање", "en": "Counselling"},
			"category": "REFERRAL_CATEGORY_PSYCHOSOCIAL", "languages": []string{"sr-Latn", "ar"},
			"locations": []any{map[string]any{"name": "Centar", "address": "Ruzveltova 23", "municipality": "Beograd", "country": "RS"}},
			"contacts":  []any{map[string]any{"name": "Dežurni", "phone": "+381 11 222 333"}},
			"schedules": []any{map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": "08:00", "closes_at": "16:00"}},
		}).Must(t, 200)
		return *c, svc.Str("id")
	}

	t.Run("with a key", func(t *testing.T) {
		s := edgetest.Start(t, nil)
		c, id := publish(t, s)
		anon := c.As("")
		anon.Do(t, "GET", "/hsds/services", nil).Must(t, 401)
		check(t, c.Do(t, "GET", "/hsds/", nil), "/")
		check(t, c.Do(t, "GET", "/hsds", nil), "/")
		list := check(t, c.Do(t, "GET", "/hsds/services?per_page=1&page=1", nil), "/services")
		if list.Body["total_items"] != float64(1) || list.Body["last_page"] != true {
			t.Fatalf("services: %s", list.Raw)
		}
		one := check(t, c.Do(t, "GET", "/hsds/services/"+id, nil, "Accept-Language", "sr-Cyrl"), "/services/{id}")
		if one.Str("name") != "Саветовање" || one.Header.Get("Content-Language") != "sr-Cyrl" || one.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("service in sr-Cyrl: %v %s", one.Header, one.Raw)
		}
		if en := check(t, c.Do(t, "GET", "/hsds/services/"+id, nil, "Accept-Language", "en-GB,en;q=0.8"), "/services/{id}"); en.Str("name") != "Counselling" {
			t.Fatalf("service in en: %s", en.Raw)
		}
		check(t, c.Do(t, "GET", "/hsds/services?full=true&search=savetovanje", nil), "/services")
		check(t, c.Do(t, "GET", "/hsds/organizations?full_service=true", nil), "/organizations")
		sal := check(t, c.Do(t, "GET", "/hsds/service_at_locations?full=true", nil, "Accept-Language", "bs-Cyrl"), "/service_at_locations")
		if sal.Header.Get("Content-Language") != "bs" {
			t.Fatalf("Accept-Language bs-Cyrl: Content-Language %q", sal.Header.Get("Content-Language"))
		}
		// Each entry of the list by its id (a profile route).
		entry := sal.Body["contents"].([]any)[0].(map[string]any)
		at := check(t, c.Do(t, "GET", "/hsds/service_at_locations/"+entry["id"].(string), nil, "Accept-Language", "sr-Cyrl"), "/service_at_locations/{id}")
		if at.Str("id") != entry["id"] || at.Body["service"].(map[string]any)["name"] != "Саветовање" {
			t.Fatalf("service_at_location: %s", at.Raw)
		}
		minimal := check(t, c.Do(t, "GET", "/hsds/services?minimal=true", nil), "/services")
		if got := minimal.Body["contents"].([]any)[0].(map[string]any); len(got) != 4 || got["last_modified"] == nil {
			t.Fatalf("minimal: %s", minimal.Raw)
		}
		terms := check(t, c.Do(t, "GET", "/hsds/taxonomy_terms?per_page=20", nil, "Accept-Language", "hr"), "/taxonomy_terms")
		first := terms.Body["contents"].([]any)[0].(map[string]any)
		check(t, c.Do(t, "GET", "/hsds/taxonomy_terms/"+first["id"].(string), nil), "/taxonomy_terms/{id}")
		check(t, c.Do(t, "GET", "/hsds/taxonomies/"+first["taxonomy_id"].(string), nil), "/taxonomies/{id}")
		check(t, c.Do(t, "GET", "/hsds/taxonomies", nil), "/taxonomies")
		byTerm := check(t, c.Do(t, "GET", "/hsds/services?taxonomy_term_id="+first["id"].(string), nil), "/services")
		if first["code"] != "legal" || byTerm.Body["total_items"] != float64(0) {
			t.Fatalf("legal services: %s (first term %v)", byTerm.Raw, first)
		}

		// Bad input: 4xx with a google.rpc.Status body, never a 500.
		for path, want := range map[string]int{
			"/hsds/services?page=abc":                                         400,
			"/hsds/services?per_page=1e9":                                     400,
			"/hsds/services?modified_after=yesterday":                         400,
			"/hsds/services?format=ndjson":                                    400,
			"/hsds/services?organization_id=x":                                400,
			"/hsds/services?full=maybe":                                       400,
			"/hsds/services/not-a-uuid":                                       400,
			"/hsds/services/" + strings.Repeat("a", 5000):                     400,
			"/hsds/services/01900000-0000-7000-8000-000000000000":             404,
			"/hsds/organizations/01900000-0000-7000-8000-000000000000":        404,
			"/hsds/taxonomy_terms/legal":                                      404,
			"/hsds/nothing":                                                   404,
			"/hsds/services?search=%00":                                       400,
			"/hsds/services?minimal=true&full=true":                           400,
			"/hsds/service_at_locations/x":                                    400,
			"/hsds/service_at_locations?postcode=11000":                       400,
			"/hsds/service_at_locations/01900000-0000-7000-8000-000000000000": 404,
		} {
			r := c.Do(t, "GET", path, nil)
			if r.Status != want || !r.IsStatus() {
				t.Errorf("GET %s: HTTP %d, want %d with a Status body: %s", path, r.Status, want, r.Raw)
			}
		}
		// Paging out of bounds names the parameter, on every list: a page
		// size of 0 or less is no request for the default size, nor page 0
		// for the first page.
		for _, path := range []string{
			"/hsds/services?per_page=0", "/hsds/services?per_page=-1", "/hsds/services?minimal=true&per_page=0",
			"/hsds/services?page=0", "/hsds/organizations?per_page=0", "/hsds/organizations?page=-3",
			"/hsds/service_at_locations?per_page=-50", "/hsds/taxonomies?per_page=0", "/hsds/taxonomy_terms?page=0&per_page=5",
		} {
			field := "per_page"
			if strings.Contains(path, "page=0&") || strings.HasSuffix(path, "?page=0") || strings.Contains(path, "?page=-") {
				field = "page"
			}
			r := c.Do(t, "GET", path, nil)
			named := false
			details, _ := r.Body["details"].([]any)
			for _, d := range details {
				fvs, _ := d.(map[string]any)["field_violations"].([]any)
				for _, fv := range fvs {
					named = named || fv.(map[string]any)["field"] == field
				}
			}
			if r.Status != 400 || !r.IsStatus() || !named {
				t.Errorf("GET %s: HTTP %d, want 400 with a violation of %s: %s", path, r.Status, field, r.Raw)
			}
		}
		if r := c.Do(t, "POST", "/hsds/services", "{}"); r.Status != 405 && r.Status != 404 {
			t.Errorf("POST /hsds/services: HTTP %d: %s", r.Status, r.Raw)
		}
	})

	t.Run("public", func(t *testing.T) {
		s := edgetest.Start(t, func(c *service.Config) { c.HSDSPublicRead = true })
		c, id := publish(t, s)
		anon := c.As("")
		check(t, anon.Do(t, "GET", "/hsds/services", nil), "/services")
		check(t, anon.Do(t, "GET", "/hsds/services/"+id, nil), "/services/{id}")
		check(t, anon.Do(t, "GET", "/hsds/", nil), "/")
		// Only the directory's HSDS API is public; a bad key is refused.
		anon.Do(t, "GET", "/v1/services", nil).Must(t, 401)
		c.As("not-a-key").Do(t, "GET", "/hsds/services", nil).Must(t, 401)
		check(t, c.Do(t, "GET", "/hsds/services", nil), "/services")
	})
}
