package service_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/pkg/testkit/standards"
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

// verifyOrganisation has the platform administrator (admin) verify org
// with its current name, kind and country and the fields in extra.
func verifyOrganisation(t testing.TB, admin *resttest.Client, org, reason string, extra map[string]any) resttest.Response {
	t.Helper()
	o := admin.Do(t, "GET", "/v1/organisations/"+org, nil).Must(t, 200)
	body := map[string]any{"name": o.Str("name"), "kind": o.Str("kind"), "country": o.Str("country"), "reason": reason, "etag": o.Str("etag")}
	maps.Copy(body, extra)
	return admin.Do(t, "POST", "/v1/organisations/"+org+":verify", body)
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
	v := verifyOrganisation(t, admin, k.Organisation, "APR extract 2026/77", map[string]any{
		"localized_names":         map[string]string{"en": "Small Steps Association", "sr-Cyrl": "Удружење Мали кораци"},
		"organisation_identifier": "rs-apr-17123456",
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
	v = verifyOrganisation(t, admin, k.Organisation, "name in English confirmed", nil).Must(t, 200)
	if v.Str("organisation_identifier") != "RS-APR-17123456" || sub(v, "localized_names")["sr-Cyrl"] != "Удружење Мали кораци" {
		t.Fatalf("verified without names or identifier: %s", v.Raw)
	}
	v = verifyOrganisation(t, admin, k.Organisation, "identifier withdrawn", map[string]any{"organisation_identifier": ""}).Must(t, 200)
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

// TestIdentifierSquatting (audit-standards finding 2): a registered
// identifier is unique among verified organisations only. An entry that
// proposes another organisation's identifier first takes nothing from it:
// the platform administrator verifies the rightful owner with it, refuses it
// to a second verified holder (409, naming the holder), and until then
// neither HSDS nor IATI publishes a proposed identifier.
func TestIdentifierSquatting(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	ka := s.CreateKey(t, "a", "Udruga A")
	kb := s.CreateKey(t, "b", "Centar za zaštitu i pomoć tražiocima azila")
	a, b := resttest.New(s.URL, ka.Key), resttest.New(s.URL, kb.Key)
	const bID = "RS-APR-17123456" // B's registration number

	// A verified partner cannot claim it (audit-trust finding 2)...
	patchOrganisation(t, a, ka.Organisation, "organisation_identifier", map[string]any{"organisation_identifier": bID}).Must(t, 403)
	// ...and an unverified entry that proposes it first takes nothing.
	squat := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Udruga A Beograd", "kind": "ORGANISATION_KIND_NGO",
		"country": "RS", "organisation_identifier": bID}).Must(t, 200)
	if squat.Body["verified"] == true || squat.Str("organisation_identifier") != bID {
		t.Fatalf("proposed: %s", squat.Raw)
	}
	hsdsIDs := func(org string) []any {
		h := b.Do(t, "GET", "/hsds/organizations/"+org, nil).Must(t, 200)
		ids, _ := h.Body["organization_identifiers"].([]any)
		return ids
	}
	if ids := hsdsIDs(squat.Str("id")); len(ids) != 0 {
		t.Errorf("HSDS publishes an unverified organisation's identifier: %v", ids)
	}
	verify := func(org, identifier string) resttest.Response {
		return verifyOrganisation(t, admin, org, "APR extract", map[string]any{"organisation_identifier": identifier})
	}
	if v := verify(kb.Organisation, bID).Must(t, 200); v.Str("organisation_identifier") != bID {
		t.Fatalf("the owner verified: %s", v.Raw)
	}
	r := verify(squat.Str("id"), bID).Must(t, 409)
	if !strings.Contains(r.Str("message"), bID) || !strings.Contains(r.Str("message"), kb.Organisation) || !strings.Contains(string(r.Raw), `"organisation_identifier"`) {
		t.Errorf("second verified holder: %s", r.Raw)
	}
	if ids := hsdsIDs(kb.Organisation); len(ids) != 1 || ids[0].(map[string]any)["identifier"] != "17123456" {
		t.Errorf("HSDS of the verified owner: %v", ids)
	}
	x := exportIATI(t, b, "P1").Must(t, 200)
	if !strings.Contains(string(x.Raw), "<iati-identifier>"+bID+"-P1</iati-identifier>") {
		t.Errorf("owner's IATI export:\n%s", x.Raw)
	}
	// A, without an identifier, is refused an IATI export and told who
	// records one.
	r = exportIATI(t, a, "P2").Must(t, 400)
	if !strings.Contains(string(r.Raw), "IATI_EXPORT_REFUSED") || !strings.Contains(string(r.Raw), ka.Organisation+":verify") {
		t.Errorf("A's IATI export: %s", r.Raw)
	}
}

// TestInternationalisedEmails (audit-standards finding 3): the directory
// stores an e-mail address's internationalised domain in ASCII (the same
// address), so the HSDS answers that list it validate against the HSDS
// schemas (format "email", ASCII), in every language; a local part that is
// not ASCII is refused with a field violation.
func TestInternationalisedEmails(t *testing.T) {
	schemas := standards.HSDSSchemas(t)
	s := edgetest.Start(t, nil)
	k := s.CreateKey(t, "partner", "Udruga Đakovo")
	c := resttest.New(s.URL, k.Key)
	svc := c.Do(t, "POST", "/v1/organisations/"+k.Organisation+"/services", map[string]any{
		"name": "Pravna pomoć", "category": "REFERRAL_CATEGORY_LEGAL", "email": "Pomoc@Udruga-Đakovo.hr",
		"locations": []any{map[string]any{"name": "Ured", "municipality": "Đakovo", "country": "HR"}},
		"contacts":  []any{map[string]any{"name": "Dežurni", "email": "dezurni@udruga-đakovo.hr"}},
	}).Must(t, 200)
	contacts, _ := svc.Body["contacts"].([]any)
	if svc.Str("email") != "pomoc@xn--udruga-akovo-ctb.hr" || len(contacts) != 1 || contacts[0].(map[string]any)["email"] != "dezurni@xn--udruga-akovo-ctb.hr" {
		t.Errorf("stored: %s", svc.Raw)
	}
	patchOrganisation(t, c, k.Organisation, "email", map[string]any{"email": "info@crveni-krst-šabac.rs"}).Must(t, 200)
	for path, profile := range map[string]string{
		"/hsds/services":                        "/services",
		"/hsds/services/" + svc.Str("id"):       "/services/{id}",
		"/hsds/services?full=true":              "/services",
		"/hsds/organizations?full_service=true": "/organizations",
		"/hsds/organizations/" + k.Organisation: "/organizations/{id}",
		"/hsds/service_at_locations?full=true":  "/service_at_locations",
	} {
		for _, lang := range []string{"", "sr-Latn", "sr-Cyrl", "en", "hr", "bs"} {
			r := c.Do(t, "GET", path, nil, "Accept-Language", lang).Must(t, 200)
			if err := schemas.Validate(profile, r.Raw); err != nil {
				t.Errorf("GET %s [%s] does not validate against the HSDS profile: %v", path, lang, err)
			}
		}
	}
	// A local part outside ASCII has no ASCII form: refused, per field.
	for _, tc := range []struct{ path, field string }{
		{"/v1/organisations/" + k.Organisation + "/services", "service.contacts[0].email"},
		{"/v1/organisations/" + k.Organisation + "/services", "service.email"},
	} {
		body := map[string]any{"name": "Savjetovanje", "category": "REFERRAL_CATEGORY_PSYCHOSOCIAL"}
		if tc.field == "service.email" {
			body["email"] = "đurđa@udruga-đakovo.hr"
		} else {
			body["contacts"] = []any{map[string]any{"name": "Đurđa", "email": "đurđa@udruga-đakovo.hr"}}
		}
		r := c.Do(t, "POST", tc.path, body).Must(t, 400)
		if !strings.Contains(string(r.Raw), `"field":"`+tc.field+`"`) || !strings.Contains(string(r.Raw), "ASCII") {
			t.Errorf("%s: %s", tc.field, r.Raw)
		}
	}
	r := patchOrganisation(t, c, k.Organisation, "email", map[string]any{"email": "đurđa@udruga-đakovo.hr"}).Must(t, 400)
	if !strings.Contains(string(r.Raw), `"field":"organisation.email"`) {
		t.Errorf("organisation e-mail: %s", r.Raw)
	}
}
