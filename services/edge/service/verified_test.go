package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// patchOrganisation reads an organisation's etag and PATCHes the fields
// named in mask with body.
func patchOrganisation(t testing.TB, c *resttest.Client, org, mask string, body map[string]any) resttest.Response {
	t.Helper()
	e := c.Do(t, "GET", "/v1/organisations/"+org, nil).Must(t, 200)
	body["etag"] = e.Str("etag")
	return c.Do(t, "PATCH", "/v1/organisations/"+org+"?update_mask="+mask, body)
}

// exportIATI creates a minimal project implemented by c's organisation and
// exports its report as IATI XML.
func exportIATI(t testing.TB, c *resttest.Client, code string) resttest.Response {
	t.Helper()
	p := c.Do(t, "POST", "/v1/projects", map[string]any{
		"code": code, "titles": []any{map[string]any{"lang": "en", "text": "Child protection"}},
		"planned_start_date": "2026-01-01", "planned_end_date": "2026-12-31", "sectors": []string{"15160"},
		"recipient_countries": []string{"RS"}, "activity_status": "ACTIVITY_STATUS_IMPLEMENTATION",
	}).Must(t, 200)
	return c.Do(t, "GET", "/v1/projects/"+p.Str("id")+"/report:export?format=iati", nil)
}

// TestVerifiedOrganisationNamesForDonors (audit-trust finding 2): once
// verified, an organisation can no more change the names in other languages
// and the registered identifier its IATI exports publish to donors
// (reporting-org narrative and ref, iati-identifier) than its legal name:
// 403 ORGANISATION_VERIFIED. The platform administrator sets them with
// :verify, audited before and after.
func TestVerifiedOrganisationNamesForDonors(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	k := s.CreateKey(t, "partner", "Udruzenje Mali Koraci")
	c := resttest.New(s.URL, k.Key)
	if o := c.Do(t, "GET", "/v1/organisations/"+k.Organisation, nil).Must(t, 200); o.Body["verified"] != true {
		t.Fatalf("the key's organisation is not verified: %s", o.Raw)
	}
	for _, p := range []struct {
		mask string
		body map[string]any
	}{
		{"localized_names", map[string]any{"localized_names": map[string]string{"en": "UNICEF Serbia", "sr-Latn": "UNICEF Srbija"}}},
		{"organisation_identifier", map[string]any{"organisation_identifier": "XM-DAC-41122"}},
		{"localized_names,organisation_identifier", map[string]any{"localized_names": map[string]string{"en": "UNICEF Serbia"}, "organisation_identifier": "XM-DAC-41122"}},
	} {
		r := patchOrganisation(t, c, k.Organisation, p.mask, p.body).Must(t, 403)
		if !strings.Contains(string(r.Raw), "ORGANISATION_VERIFIED") || !strings.Contains(r.Str("message"), ":verify") {
			t.Errorf("PATCH %s of a verified organisation: %s", p.mask, r.Raw)
		}
	}
	if o := c.Do(t, "GET", "/v1/organisations/"+k.Organisation, nil).Must(t, 200); strings.Contains(string(o.Raw), "UNICEF") || o.Str("organisation_identifier") != "" {
		t.Fatalf("refused changes stored: %s", o.Raw)
	}

	// The administrator vouches for them; the export publishes those.
	e := c.Do(t, "GET", "/v1/organisations/"+k.Organisation, nil).Must(t, 200)
	v := admin.Do(t, "POST", "/v1/organisations/"+k.Organisation+":verify", map[string]any{
		"name": "Udruzenje Mali Koraci", "kind": "ORGANISATION_KIND_NGO", "country": "RS", "reason": "APR extract 2026/77",
		"localized_names":         map[string]string{"en": "Small Steps Association", "sr-Cyrl": "Удружење Мали кораци"},
		"organisation_identifier": "rs-apr-17123456", "etag": e.Str("etag"),
	}).Must(t, 200)
	if v.Str("organisation_identifier") != "RS-APR-17123456" || sub(v, "localized_names")["en"] != "Small Steps Association" {
		t.Fatalf("verified: %s", v.Raw)
	}
	x := exportIATI(t, c, "RS-2026-CP-01").Must(t, 200)
	for _, want := range []string{`<iati-identifier>RS-APR-17123456-RS-2026-CP-01</iati-identifier>`, `<reporting-org ref="RS-APR-17123456" type="22">`,
		`<narrative>Small Steps Association</narrative>`} {
		if !strings.Contains(string(x.Raw), want) {
			t.Errorf("IATI export lacks %s:\n%s", want, x.Raw)
		}
	}
	// Sending the verified values back (as a client that PATCHes what it
	// read does) is no change; contact details stay the organisation's.
	patchOrganisation(t, c, k.Organisation, "localized_names,organisation_identifier,email", map[string]any{
		"localized_names":         map[string]string{"en": "Small Steps Association", "sr-Cyrl": "Удружење Мали кораци"},
		"organisation_identifier": "RS-APR-17123456", "email": "info@malikoraci.rs"}).Must(t, 200)
	// A :verify without them keeps them; "" clears the identifier.
	e = c.Do(t, "GET", "/v1/organisations/"+k.Organisation, nil).Must(t, 200)
	v = admin.Do(t, "POST", "/v1/organisations/"+k.Organisation+":verify", map[string]any{
		"name": "Udruzenje Mali Koraci", "kind": "ORGANISATION_KIND_NGO", "country": "RS", "reason": "name in English confirmed", "etag": e.Str("etag"),
	}).Must(t, 200)
	if v.Str("organisation_identifier") != "RS-APR-17123456" || sub(v, "localized_names")["sr-Cyrl"] != "Удружење Мали кораци" {
		t.Fatalf("verified without names or identifier: %s", v.Raw)
	}
	v = admin.Do(t, "POST", "/v1/organisations/"+k.Organisation+":verify", map[string]any{
		"name": "Udruzenje Mali Koraci", "kind": "ORGANISATION_KIND_NGO", "country": "RS", "reason": "identifier withdrawn",
		"organisation_identifier": "", "etag": v.Str("etag"),
	}).Must(t, 200)
	if v.Str("organisation_identifier") != "" {
		t.Fatalf("identifier not cleared: %s", v.Raw)
	}

	// The audit log has each verification's names and identifier.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var before, after, enAfter string
	if err := conn.QueryRow(ctx, `SELECT before->>'organisation_identifier', after->>'organisation_identifier', after->'localized_names'->>'en'
		FROM referrals.organisation_audit WHERE organisation_id = $1 AND reason = 'APR extract 2026/77'`, k.Organisation).Scan(&before, &after, &enAfter); err != nil ||
		before != "" || after != "RS-APR-17123456" || enAfter != "Small Steps Association" {
		t.Errorf("audit: before %q after %q en %q, %v", before, after, enAfter, err)
	}
}
