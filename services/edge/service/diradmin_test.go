package service_test

import (
	"testing"

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
