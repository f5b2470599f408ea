package service_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/auth"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestDirectoryAdministratorEditsEntries: the platform administrator's
// directory.admin edits any organisation's directory entries, as it
// declares: it adds to the directory an organisation that holds no key (a
// police station partners refer to), corrects its contact details and
// lists its services, so that referrals can name them. A partner still
// edits only its own entries.
func TestDirectoryAdministratorEditsEntries(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Udruzenje Azil")
	p := resttest.New(s.URL, partner.Key)

	station := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Policijska stanica Sid",
		"kind": "ORGANISATION_KIND_POLICE", "country": "RS"}).Must(t, 200)
	org := station.Str("id")
	patchOrganisation(t, admin, org, "email", map[string]any{"email": "ps.sid@example.rs"}).Must(t, 200)
	svc := admin.Do(t, "POST", "/v1/organisations/"+org+"/services", map[string]any{"name": "Registration of intent to seek asylum",
		"category": "REFERRAL_CATEGORY_LEGAL", "accepting_referrals": true}).Must(t, 200)
	e := admin.Do(t, "GET", "/v1/services/"+svc.Str("id"), nil).Must(t, 200)
	admin.Do(t, "PATCH", "/v1/services/"+svc.Str("id")+"?update_mask=accepting_referrals",
		map[string]any{"accepting_referrals": false, "etag": e.Str("etag")}).Must(t, 200)
	// Also a partner's entry (an organisation with a key).
	patchOrganisation(t, admin, partner.Organisation, "email", map[string]any{"email": "info@azil.example.rs"}).Must(t, 200)

	// A partner edits its own entries, not the station's.
	patchOrganisation(t, p, org, "email", map[string]any{"email": "x@example.rs"}).Must(t, 403)
	p.Do(t, "POST", "/v1/organisations/"+org+"/services", map[string]any{"name": "X", "category": "REFERRAL_CATEGORY_LEGAL"}).Must(t, 403)
	e = p.Do(t, "GET", "/v1/services/"+svc.Str("id"), nil).Must(t, 200)
	p.Do(t, "PATCH", "/v1/services/"+svc.Str("id")+"?update_mask=accepting_referrals",
		map[string]any{"accepting_referrals": true, "etag": e.Str("etag")}).Must(t, 403)
}

// TestDirectoryAdministratorChangesAudited: every change a directory
// administrator makes to the directory — an organisation added (over REST,
// or by `edge keys create -org-name`), another organisation's entry
// edited, a service published or edited for it — is in
// referrals.organisation_audit with who (the administrator's organisation
// and client), what (action, organisation, service, the fields written)
// and when, and without the values written (a service's contacts name
// persons). A retried create is audited once; an organisation's changes of
// its own entries are not administrator actions.
func TestDirectoryAdministratorChangesAudited(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Udruzenje Azil") // keys create -org-name, as the operator "edgetest"
	p := resttest.New(s.URL, partner.Key)
	var adminClient string
	for _, k := range admin.Do(t, "GET", "/v1/apiKeys", nil).Must(t, 200).Body["api_keys"].([]any) {
		if k := k.(map[string]any); k["display_name"] == "administrator" {
			adminClient, _ = k["client_id"].(string)
		}
	}
	if adminClient == "" {
		t.Fatal("the administrator's key is not listed")
	}

	station := map[string]any{"name": "Policijska stanica Sid", "kind": "ORGANISATION_KIND_POLICE", "country": "RS"}
	const requestID = "0193a9b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
	org := admin.Do(t, "POST", "/v1/organisations?request_id="+requestID, station).Must(t, 200).Str("id")
	if again := admin.Do(t, "POST", "/v1/organisations?request_id="+requestID, station).Must(t, 200); again.Str("id") != org { // a retry
		t.Fatalf("the retry made another organisation: %s", again.Raw)
	}
	patchOrganisation(t, admin, org, "email,phone", map[string]any{"email": "ps.sid@example.rs", "phone": "+381 22 710 000"}).Must(t, 200)
	svc := admin.Do(t, "POST", "/v1/organisations/"+org+"/services", map[string]any{"name": "Registration of intent to seek asylum",
		"category": "REFERRAL_CATEGORY_LEGAL", "accepting_referrals": true,
		"contacts": []any{map[string]any{"name": "Jelena Petrović", "title": "duty officer", "phone": "+381 64 111 2233"}}}).Must(t, 200).Str("id")
	e := admin.Do(t, "GET", "/v1/services/"+svc, nil).Must(t, 200)
	admin.Do(t, "PATCH", "/v1/services/"+svc+"?update_mask=accepting_referrals,contacts",
		map[string]any{"accepting_referrals": false, "contacts": []any{map[string]any{"name": "Marko Jovanović"}}, "etag": e.Str("etag")}).Must(t, 200)
	patchOrganisation(t, admin, partner.Organisation, "email", map[string]any{"email": "info@azil.example.rs"}).Must(t, 200)
	// The partner's own changes, and a refused change: not audited.
	patchOrganisation(t, p, partner.Organisation, "website", map[string]any{"website": "https://azil.example.rs"}).Must(t, 200)
	own := p.Do(t, "POST", "/v1/organisations/"+partner.Organisation+"/services", map[string]any{"name": "Legal counselling",
		"category": "REFERRAL_CATEGORY_LEGAL"}).Must(t, 200)
	p.Do(t, "PATCH", "/v1/services/"+own.Str("id")+"?update_mask=accepting_referrals",
		map[string]any{"accepting_referrals": true, "etag": own.Str("etag")}).Must(t, 200)
	patchOrganisation(t, p, org, "email", map[string]any{"email": "x@example.rs"}).Must(t, 403)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT action, organisation_id::text, coalesce(service_id::text, ''), array_to_string(fields, ','),
			actor_organisation_id::text, actor_client_id, time > now() - interval '5 minutes', row_to_json(a)::text
		FROM referrals.organisation_audit a WHERE action <> 'verify' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var action, o, sv, fields, actorOrg, actorClient, raw string
		var recent bool
		if err := rows.Scan(&action, &o, &sv, &fields, &actorOrg, &actorClient, &recent, &raw); err != nil {
			t.Fatal(err)
		}
		names := map[string]string{org: "station", partner.Organisation: "partner", svc: "service", adminClient: "admin", auth.PlatformOrganisationID: "platform"}
		name := func(id string) string { return cmp.Or(names[id], id, "-") }
		got = append(got, strings.Join([]string{action, name(o), name(sv), name(fields), name(actorOrg), name(actorClient), fmt.Sprint(recent)}, " "))
		for _, value := range []string{"example.rs", "710 000", "Jelena", "Petrović", "Marko", "2233", "Policijska", "Azil"} {
			if strings.Contains(raw, value) {
				t.Errorf("audit row holds a value written (%q): %s", value, raw)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create partner - - platform cli:edgetest true",
		"create station - - platform admin true",
		"update station - email,phone platform admin true",
		"service.create station service - platform admin true",
		"service.update station service accepting_referrals,contacts platform admin true",
		"update partner - email platform admin true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
