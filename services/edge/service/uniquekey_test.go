package service_test

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestUniqueKeyNamesTheField: a write that takes a key another record holds
// (a project or indicator code, a beneficiary's external_id, the same
// identity document twice) is 409 with a field violation naming the field
// the partner sent, localized, and a message that names no database
// constraint.
func TestUniqueKeyNamesTheField(t *testing.T) {
	s := edgetest.Start(t, nil)
	c := resttest.New(s.URL, s.CreateKey(t, "unique-a", "Unique NGO A").Key)
	refused := func(t *testing.T, r resttest.Response, field string) {
		t.Helper()
		r.Must(t, 409)
		if strings.Contains(r.Str("message"), "_key") {
			t.Errorf("%s %s: message names a constraint: %q", r.Method, r.Path, r.Str("message"))
		}
		_, _, fields := localized(t, r)
		fv, ok := fields[field]
		if !ok {
			t.Fatalf("%s %s: no violation of %s in %s", r.Method, r.Path, field, r.Raw)
		}
		if fv[0] != "sr-Cyrl" || !hasCyrillic(fv[1]) || fv[1] == "Ова вредност није исправна." {
			t.Errorf("%s %s: %s localized as %v", r.Method, r.Path, field, fv)
		}
	}
	lang := []string{"Accept-Language", "sr-Cyrl"}

	project := map[string]any{"code": "RS-1", "titles": []any{map[string]any{"lang": "en", "text": "Protection"}},
		"planned_start_date": "2024-01-01", "planned_end_date": "2024-12-31", "sectors": []string{"15160"}, "recipient_countries": []string{"RS"}}
	first := c.Do(t, "POST", "/v1/projects", project).Must(t, 200)
	refused(t, c.Do(t, "POST", "/v1/projects", project, lang...), "project.code")
	project["code"] = "RS-2"
	second := c.Do(t, "POST", "/v1/projects", project).Must(t, 200)
	refused(t, c.Do(t, "PATCH", "/v1/projects/"+second.Str("id"), map[string]any{"code": "RS-1", "etag": second.Str("etag")}, lang...), "project.code")

	indicator := map[string]any{"code": "O1", "titles": []any{map[string]any{"text": "Sessions"}}, "unit": "sessions",
		"level": "INDICATOR_LEVEL_OUTPUT", "metric": "METRIC_MANUAL"}
	c.Do(t, "POST", "/v1/projects/"+first.Str("id")+"/indicators", indicator).Must(t, 200)
	refused(t, c.Do(t, "POST", "/v1/projects/"+first.Str("id")+"/indicators", indicator, lang...), "indicator.code")

	person := map[string]any{"given_name": "Amina", "sex": "SEX_FEMALE", "legal_status": "LEGAL_STATUS_ASYLUM_SEEKER", "external_id": "CASE-7"}
	amina := c.Do(t, "POST", "/v1/beneficiaries", person).Must(t, 200)
	person["given_name"] = "Omar"
	refused(t, c.Do(t, "POST", "/v1/beneficiaries", person, lang...), "beneficiary.external_id")
	delete(person, "external_id")
	omar := c.Do(t, "POST", "/v1/beneficiaries", person).Must(t, 200)
	refused(t, c.Do(t, "PATCH", "/v1/beneficiaries/"+omar.Str("id"), map[string]any{"external_id": "CASE-7", "etag": omar.Str("etag")}, lang...),
		"beneficiary.external_id")

	passport := map[string]any{"type": "DOCUMENT_TYPE_PASSPORT", "number": "P1234567", "issuing_country": "AF"}
	c.Do(t, "POST", "/v1/beneficiaries/"+amina.Str("id")+"/documents", passport).Must(t, 200)
	refused(t, c.Do(t, "POST", "/v1/beneficiaries/"+amina.Str("id")+"/documents", passport, lang...), "document.number")
}
