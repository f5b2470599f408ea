package service_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/i18n"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/edge/edgetest"
)

// hsdsLists are the HSDS list routes and the profile path of their answers.
var hsdsLists = [][2]string{
	{"/hsds/services", "/services"}, {"/hsds/organizations", "/organizations"},
	{"/hsds/service_at_locations", "/service_at_locations"}, {"/hsds/taxonomies", "/taxonomies"},
	{"/hsds/taxonomy_terms", "/taxonomy_terms"},
}

// hsdsItems are the HSDS routes of one entry ({id}: the fuzzed id).
var hsdsItems = [][2]string{
	{"/hsds/services/", "/services/{id}"}, {"/hsds/organizations/", "/organizations/{id}"},
	{"/hsds/service_at_locations/", "/service_at_locations/{id}"}, {"/hsds/taxonomies/", "/taxonomies/{id}"},
	{"/hsds/taxonomy_terms/", "/taxonomy_terms/{id}"},
}

// FuzzHSDSQuery sends fuzzed query parameters and Accept-Language headers
// to the HSDS list routes, and fuzzed ids to its entry routes, through the real edge, referrals service and
// PostgreSQL. No input gives a 5xx; a refusal is a 4xx with a Status body;
// a 200 validates against the Open Referral UK profile, in a language the
// directory speaks.
func FuzzHSDSQuery(f *testing.F) {
	s := edgetest.Start(f, nil)
	k := s.CreateKey(f, "partner", "Centar za socijalni rad")
	c := resttest.New(s.URL, k.Key)
	svc := c.Do(f, "POST", "/v1/organisations/"+k.Organisation+"/services", map[string]any{
		"name": "Savetovanje", "localized_names": map[string]string{"sr-Cyrl": "Саветовање", "en": "Counselling"},
		"category": "REFERRAL_CATEGORY_PSYCHOSOCIAL", "languages": []string{"sr-Latn", "ar"},
		"locations": []any{map[string]any{"name": "Centar", "address": "Ruzveltova 23", "municipality": "Beograd", "country": "RS"},
			map[string]any{"name": "Zemun", "municipality": "Beograd", "country": "RS"}},
		"contacts":  []any{map[string]any{"name": "Dežurni", "phone": "+381 11 222 333", "email": "info@udruga-đakovo.hr"}},
		"schedules": []any{map[string]any{"days": []string{"WEEKDAY_MONDAY"}, "opens_at": "08:00", "closes_at": "16:00"}},
	}).Must(f, 200)
	schemas := standards.HSDSSchemas(f)
	for _, seed := range [][]string{
		{"1", "1", "savetovanje", "2020-01-01", "psychosocial", k.Organisation, "", "", "json", "sr-Cyrl"},
		{"0", "0", "", "2025-01-31T12:00:00Z", "legal", svc.Str("id"), "", "", "", "bs-Cyrl,hr;q=0.5"},
		{"-1", "501", "  đ  ", "0000-01-01", "x", "x", "11000", "44.8,20.4", "ndjson", "*"},
		{"1000000", "500", "%_\\", "9999-12-31T23:59:59+23:59", "", " " + k.Organisation + " ", "", "", "JSON", ""},
		{"2147483647", "-2147483648", "a\x00b", "2025-02-30", "PSYCHOSOCIAL", "", "", "", "", "garbage;;q=x"},
	} {
		for route := range hsdsLists {
			f.Add(uint8(route+128*(route%2)), uint8(route*3), seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7], seed[8], seed[9])
		}
	}
	// Entries by their ids, and by ids of other kinds.
	sal := c.Do(f, "GET", "/hsds/service_at_locations", nil).Must(f, 200).Body["contents"].([]any)[0].(map[string]any)
	term := c.Do(f, "GET", "/hsds/taxonomy_terms", nil).Must(f, 200).Body["contents"].([]any)[0].(map[string]any)
	for _, id := range []string{svc.Str("id"), k.Organisation, sal["id"].(string), term["id"].(string), term["taxonomy_id"].(string)} {
		for route := range hsdsItems {
			f.Add(uint8(128+route), uint8(0), "", "", id, "", "", "", "", "", "", "sr-Cyrl")
		}
	}
	f.Fuzz(func(t *testing.T, route, flags uint8, page, perPage, search, modifiedAfter, term, org, postcode, proximity, format, lang string) {
		r := hsdsLists[int(route)%len(hsdsLists)]
		if route >= 128 {
			// An entry by id: the search string stands for the id.
			r = hsdsItems[int(route)%len(hsdsItems)]
			r[0] += url.PathEscape(search)
			search = ""
		}
		q := url.Values{}
		for _, p := range [][2]string{{"page", page}, {"per_page", perPage}, {"search", search}, {"modified_after", modifiedAfter},
			{"taxonomy_term_id", term}, {"organization_id", org}, {"postcode", postcode}, {"proximity", proximity}, {"format", format}} {
			if p[1] != "" {
				q.Set(p[0], p[1])
			}
		}
		for i, flag := range []string{"full", "full_service", "minimal"} {
			if flags&(1<<i) != 0 {
				q.Set(flag, "true")
			}
		}
		if flags&8 != 0 {
			q.Set("taxonomy_id", term)
		}
		var headers []string
		if lang != "" && validHeader(lang) {
			headers = []string{"Accept-Language", lang}
		}
		path := r[0] + "?" + q.Encode()
		res, err := c.Try("GET", path, nil, headers...)
		check(t, res, err, "GET "+path)
		if res.Status != 200 {
			if res.Status >= 300 && res.Status < 400 || res.Status == 401 || res.Status == 403 {
				t.Fatalf("GET %s: HTTP %d %s", path, res.Status, res.Raw)
			}
			return
		}
		if err := schemas.Validate(r[1], res.Raw); err != nil {
			t.Fatalf("GET %s (Accept-Language %q) does not validate against the HSDS profile: %v\n%s", path, lang, err, res.Raw)
		}
		if cl := res.Header.Get("Content-Language"); cl != "" && !slices.Contains(i18n.Languages, cl) {
			t.Fatalf("GET %s: Content-Language %q", path, cl)
		}
	})
}

// validHeader reports whether v may be sent as a header value.
func validHeader(v string) bool {
	for i := range len(v) {
		if v[i] < ' ' && v[i] != '\t' || v[i] == 0x7f {
			return false
		}
	}
	return true
}
