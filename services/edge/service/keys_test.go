package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

func sub(r resttest.Response, key string) map[string]any {
	m, _ := r.Body[key].(map[string]any)
	return m
}

// TestKeyLifecycle drives the administrator's key API: create (partner
// scopes only, verified organisations only), list without secrets and
// with last use, rotate with an overlap, revoke at once, expiry; every
// change audited with who and why; partners refused.
func TestKeyLifecycle(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) { c.KeyUseFlush = 100 * time.Millisecond })
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Lifecycle NGO")
	p := resttest.New(s.URL, partner.Key)
	p.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)

	// Partners never reach the key API, nor verification.
	for _, r := range []resttest.Response{
		p.Do(t, "GET", "/v1/apiKeys", nil),
		p.Do(t, "POST", "/v1/apiKeys", map[string]any{"api_key": map[string]any{"display_name": "x", "organisation_id": partner.Organisation}}),
		p.Do(t, "POST", "/v1/organisations/"+partner.Organisation+":verify", map[string]any{"name": "X", "kind": "ORGANISATION_KIND_POLICE", "country": "RS", "reason": "me"}),
	} {
		r.Must(t, 403)
		if !r.IsStatus() || !strings.Contains(r.Str("message"), "platform.admin") {
			t.Errorf("%s %s: %s", r.Method, r.Path, r.Raw)
		}
	}

	// List: no secrets, a prefix, the last use (once a flush of last-use
	// times, every 100 ms, has run: a loaded machine may delay it).
	var l resttest.Response
	var k map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		l = admin.Do(t, "GET", "/v1/apiKeys?organisation_id="+partner.Organisation, nil).Must(t, 200)
		keys, _ := l.Body["api_keys"].([]any)
		if len(keys) != 1 {
			t.Fatalf("list: %s", l.Raw)
		}
		if k = keys[0].(map[string]any); k["last_use_time"] != nil || time.Now().After(deadline) {
			break
		}
	}
	secret := partner.Key[strings.LastIndex(partner.Key, "_")+1:]
	if strings.Contains(string(l.Raw), secret) || strings.Contains(string(l.Raw), "hash") {
		t.Fatalf("list shows a secret: %s", l.Raw)
	}
	if !strings.HasPrefix(partner.Key, k["prefix"].(string)+"_") || k["last_use_time"] == nil || k["active"] != true {
		t.Errorf("listed key: %v", k)
	}
	keyID := k["id"].(string)

	// Create: administrator scopes refused for a partner; unverified
	// organisations refused; an expiry in the past refused.
	bad := []map[string]any{
		{"api_key": map[string]any{"display_name": "x", "organisation_id": partner.Organisation, "scopes": []string{"platform.admin"}}},
		{"api_key": map[string]any{"display_name": "x", "organisation_id": partner.Organisation, "scopes": []string{"directory.admin"}}},
		{"api_key": map[string]any{"display_name": "x", "organisation_id": partner.Organisation, "scopes": []string{"events.read"}}},
		{"api_key": map[string]any{"display_name": "x", "organisation_id": auth.PlatformOrganisationID}},
		{"api_key": map[string]any{"display_name": "", "organisation_id": partner.Organisation}},
		{"api_key": map[string]any{"display_name": "x", "organisation_id": partner.Organisation, "expire_time": "2001-01-01T00:00:00Z"}},
		{"api_key": map[string]any{"display_name": "x", "organisation_id": "not-an-id"}},
	}
	for _, b := range bad {
		if r := admin.Do(t, "POST", "/v1/apiKeys", b); r.Status != 400 || !r.IsStatus() {
			t.Errorf("create %v: HTTP %d %s", b, r.Status, r.Raw)
		}
	}
	org := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Centar za socijalni rad", "kind": "ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE", "country": "RS"}).Must(t, 200)
	if org.Body["verified"] == true {
		t.Fatalf("a new directory entry is verified: %s", org.Raw)
	}
	r := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"api_key": map[string]any{"display_name": "csw", "organisation_id": org.Str("id")}})
	if r.Status != 400 || !strings.Contains(string(r.Raw), "ORGANISATION_NOT_VERIFIED") {
		t.Fatalf("key for an unverified organisation: HTTP %d %s", r.Status, r.Raw)
	}
	admin.Do(t, "POST", "/v1/organisations/"+org.Str("id")+":verify", map[string]any{
		"name": "Centar za socijalni rad Niš", "kind": "ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE", "country": "RS", "reason": "register extract 2026/114",
	}).Must(t, 200)
	// The key expires in an hour; the test makes the hour pass (below).
	soon := time.Now().Add(time.Hour).UTC()
	created := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"reason": "onboarding", "api_key": map[string]any{
		"display_name": "csw", "organisation_id": org.Str("id"), "scopes": []string{"referrals.read"}, "expire_time": soon.Format(time.RFC3339Nano)}}).Must(t, 200)
	csw := resttest.New(s.URL, created.Str("secret"))
	csw.Do(t, "GET", "/v1/referrals", nil).Must(t, 200)
	csw.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 403) // only its scope

	// Rotate with an overlap: both keys work; with none, the old one stops.
	rot := admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":rotate", map[string]any{"overlap": "3600s", "reason": "yearly"}).Must(t, 200)
	next := resttest.New(s.URL, rot.Str("secret"))
	next.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	p.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	if sub(rot, "api_key")["client_id"] != k["client_id"] || sub(rot, "previous")["replaced_by"] != sub(rot, "api_key")["id"] || sub(rot, "previous")["expire_time"] == nil {
		t.Errorf("rotation: %s", rot.Raw)
	}
	rot2 := admin.Do(t, "POST", "/v1/apiKeys/"+sub(rot, "api_key")["id"].(string)+":rotate", map[string]any{"overlap": "0s", "reason": "leaked"}).Must(t, 200)
	next.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	resttest.New(s.URL, rot2.Str("secret")).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":rotate", map[string]any{"overlap": "9999999s"}).Must(t, 400)

	// Revoke: a reason is required; then the key is refused at once.
	admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":revoke", map[string]any{}).Must(t, 400)
	rv := admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":revoke", map[string]any{"reason": "contract ended"}).Must(t, 200)
	if rv.Str("revoke_reason") != "contract ended" || rv.Body["active"] == true {
		t.Errorf("revoked: %s", rv.Raw)
	}
	p.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	admin.Do(t, "POST", "/v1/apiKeys/"+keyID+":revoke", map[string]any{"reason": "again"}).Must(t, 400)
	admin.Do(t, "GET", "/v1/apiKeys/0190a1b2-0000-7000-8000-000000000000", nil).Must(t, 404)
	if l := admin.Do(t, "GET", "/v1/apiKeys?show_revoked=true&organisation_id="+partner.Organisation, nil).Must(t, 200); len(l.Body["api_keys"].([]any)) != 3 {
		t.Errorf("with revoked: %s", l.Raw)
	}

	// Expiry: the key's stored expiry passes, and it is refused.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	passKeyTime(t, conn, soon, sub(created, "api_key")["id"].(string))
	refusedOnceNotified(t, map[string]*resttest.Client{"expired": csw}, "/v1/referrals")

	// Every change is in the audit log with who and why.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM edge.key_audit WHERE key_id = $1 AND action = 'revoke' AND reason = 'contract ended'
		AND actor_organisation_id = $2 AND actor_client_id <> ''`, keyID, auth.PlatformOrganisationID).Scan(&n); err != nil || n != 1 {
		t.Errorf("revocation audit: %d rows, %v", n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM edge.key_audit`).Scan(&n); err != nil || n < 8 {
		t.Errorf("audit rows: %d, %v", n, err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM edge.key_audit`); err == nil {
		t.Error("the key audit log accepted a DELETE")
	}
}

// TestRevokingTheCurrentKeyEndsTheClient: a rotation leaves the replaced
// key working for its overlap; revoking the client's current key (the
// contract ended, the client was compromised) ends those too, while
// revoking a replaced key ends only its overlap. Before, the key a yearly
// rotation replaced went on working for the 72 h overlap after the
// administrator revoked the client's key.
func TestRevokingTheCurrentKeyEndsTheClient(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Overlap NGO")
	created := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"reason": "onboarding", "api_key": map[string]any{
		"display_name": "case system", "organisation_id": partner.Organisation, "scopes": []string{"beneficiaries.read"}}}).Must(t, 200)
	rotate := func(id string) (string, *resttest.Client) {
		t.Helper()
		r := admin.Do(t, "POST", "/v1/apiKeys/"+id+":rotate", map[string]any{"overlap": "259200s", "reason": "yearly"}).Must(t, 200)
		return sub(r, "api_key")["id"].(string), resttest.New(s.URL, r.Str("secret"))
	}
	first := resttest.New(s.URL, created.Str("secret"))
	secondID, second := rotate(sub(created, "api_key")["id"].(string))

	// Ending one overlap early: the replaced key only.
	admin.Do(t, "POST", "/v1/apiKeys/"+sub(created, "api_key")["id"].(string)+":revoke", map[string]any{"reason": "switched"}).Must(t, 200)
	first.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 401)
	second.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)

	// Revoking the current key: every key of the client stops.
	thirdID, third := rotate(secondID)
	fourthID, fourth := rotate(thirdID)
	for _, c := range []*resttest.Client{second, third, fourth} {
		c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	}
	admin.Do(t, "POST", "/v1/apiKeys/"+fourthID+":revoke", map[string]any{"reason": "contract ended"}).Must(t, 200)
	for i, c := range []*resttest.Client{second, third, fourth} {
		if r := c.Do(t, "GET", "/v1/beneficiaries", nil); r.Status != 401 {
			t.Errorf("key %d of the client after its current key was revoked: HTTP %d %s", i+2, r.Status, r.Raw)
		}
	}
	l := admin.Do(t, "GET", "/v1/apiKeys?show_revoked=true&organisation_id="+partner.Organisation, nil).Must(t, 200)
	for _, k := range l.Body["api_keys"].([]any) {
		k := k.(map[string]any)
		if k["display_name"] == "case system" && (k["active"] == true || k["revoke_reason"] == nil) {
			t.Errorf("listed after the revocation: %v", k)
		}
	}
	// Each revocation is audited, with the key that took the others along.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM edge.key_audit WHERE action = 'revoke' AND reason = 'contract ended'
		AND key_id = ANY($1::uuid[]) AND detail->>'with_key_id' = $2`, []string{secondID, thirdID}, fourthID).Scan(&n); err != nil || n != 2 {
		t.Errorf("audit of the keys revoked with the current one: %d rows, %v", n, err)
	}
}

// TestCreateKeyCommand: the operator's create-key registers a new
// organisation with the kind and country given, refuses a name the
// directory already has (listing its ids), and takes -org-id only for an
// existing, verified organisation; partner keys never get administrator
// scopes.
func TestCreateKeyCommand(t *testing.T) {
	s := edgetest.Start(t, nil)
	ctx := context.Background()
	create := func(req service.KeyRequest) (string, string, error) {
		cfg := s.Config.Keys()
		cfg.LogLevel = "error"
		return service.CreateKey(ctx, cfg, "tester", req)
	}
	_, org, err := create(service.KeyRequest{Name: "a", OrganisationName: "Centar za socijalni rad", OrganisationKind: "social_welfare_centre", OrganisationCountry: "ba"})
	if err != nil {
		t.Fatal(err)
	}
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	got := admin.Do(t, "GET", "/v1/organisations/"+org, nil).Must(t, 200)
	if got.Str("kind") != "ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE" || got.Str("country") != "BA" || got.Body["verified"] != true {
		t.Errorf("registered organisation: %s", got.Raw)
	}
	_, _, err = create(service.KeyRequest{Name: "b", OrganisationName: " centar ZA socijalni rad ", OrganisationKind: "ngo", OrganisationCountry: "RS"})
	if err == nil || !strings.Contains(err.Error(), org) {
		t.Errorf("name clash: %v; want an error naming %s", err, org)
	}
	if _, again, err := create(service.KeyRequest{Name: "c", OrganisationID: org}); err != nil || again != org {
		t.Errorf("-org-id of a verified organisation: %s, %v", again, err)
	}
	if _, _, err := create(service.KeyRequest{Name: "d", OrganisationID: "0190a1b2-0000-7000-8000-000000000000"}); err == nil || !strings.Contains(err.Error(), "not in the directory") {
		t.Errorf("-org-id of nothing: %v", err)
	}
	unverified := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Unverified", "kind": "ORGANISATION_KIND_NGO", "country": "RS"}).Must(t, 200)
	if _, _, err := create(service.KeyRequest{Name: "e", OrganisationID: unverified.Str("id")}); err == nil || !strings.Contains(err.Error(), "not verified") {
		t.Errorf("-org-id of an unverified organisation: %v", err)
	}
	for _, sc := range [][]string{{auth.ScopePlatformAdmin}, {auth.ScopeDirectoryAdmin}, {"events.read"}} {
		if _, _, err := create(service.KeyRequest{Name: "f", OrganisationID: org, Scopes: sc}); err == nil {
			t.Errorf("partner key with %v created", sc)
		}
	}
	// A kind or country the directory refuses is named, with what it wants
	// (before: "the directory refused the organisation: invalid request").
	for _, c := range []struct {
		kind, country string
		want          []string
	}{
		{"nvo", "RS", []string{"organisation.kind", `"nvo"`, "social_welfare_centre"}},
		{"ngo", "DE", []string{"country", "RS, BA or HR"}},
	} {
		_, _, err = create(service.KeyRequest{Name: "g", OrganisationName: "Udruga Novi Put", OrganisationKind: c.kind, OrganisationCountry: c.country})
		for _, want := range c.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("-org-kind %s -org-country %s: %v; want it to say %q", c.kind, c.country, err, want)
			}
		}
	}
}

// TestRotationEndsTheOldKeyByTheNewKeysExpiry: a rotation whose new key
// expires before the overlap would end (a 72 h overlap, the contract ends
// tomorrow) ends the old key no later than the new one. Before, the old
// key worked on for the whole overlap after its replacement had expired,
// and (being replaced) could be neither rotated nor outlived by the client.
func TestRotationEndsTheOldKeyByTheNewKeysExpiry(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	partner := s.CreateKey(t, "partner", "Short Contract NGO")
	created := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"reason": "onboarding", "api_key": map[string]any{
		"display_name": "case system", "organisation_id": partner.Organisation, "scopes": []string{"beneficiaries.read"}}}).Must(t, 200)
	old := resttest.New(s.URL, created.Str("secret"))
	// The contract ends in an hour; the test makes the hour pass (below).
	end := time.Now().Add(time.Hour).UTC()
	rot := admin.Do(t, "POST", "/v1/apiKeys/"+sub(created, "api_key")["id"].(string)+":rotate", map[string]any{
		"overlap": "259200s", "expire_time": end.Format(time.RFC3339Nano), "reason": "contract ends"}).Must(t, 200)
	next := resttest.New(s.URL, rot.Str("secret"))
	for _, c := range []*resttest.Client{old, next} {
		c.Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	}
	newEnd, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(sub(rot, "api_key")["expire_time"]))
	oldEnd, err := time.Parse(time.RFC3339Nano, fmt.Sprint(sub(rot, "previous")["expire_time"]))
	if err != nil || oldEnd.After(newEnd) || !newEnd.Equal(end.Truncate(time.Microsecond)) {
		t.Errorf("rotation: the old key ends %v (%v), the new one %v: %s", oldEnd, err, newEnd, rot.Raw)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	passKeyTime(t, conn, end, sub(rot, "previous")["id"].(string), sub(rot, "api_key")["id"].(string))
	refusedOnceNotified(t, map[string]*resttest.Client{"old": old, "new": next}, "/v1/beneficiaries")
}

// passKeyTime makes time pass for the keys ids until just after until: it
// moves their stored expiries back by as much (a key without one keeps
// none), as if the clock had run on, so a test needs no real expiry short
// enough to race its own requests. Their change is announced (the
// api_keys trigger), as an edit by hand in SQL is.
func passKeyTime(t *testing.T, conn *pgx.Conn, until time.Time, ids ...string) {
	t.Helper()
	by := time.Until(until) + time.Second
	tag, err := conn.Exec(context.Background(), `UPDATE edge.api_keys SET expire_time = expire_time - make_interval(secs => $2)
		WHERE id = ANY($1::uuid[])`, ids, by.Seconds())
	if err != nil || tag.RowsAffected() != int64(len(ids)) {
		t.Fatalf("moving the expiry of keys %v back by %v: %v, %d rows", ids, by, err, tag.RowsAffected())
	}
}

// refusedOnceNotified waits (within a generous deadline) until each
// client's key is refused on path: the edge drops a changed key from its
// cache when PostgreSQL delivers the change's notification, which comes
// after the change commits, not with it.
func refusedOnceNotified(t *testing.T, clients map[string]*resttest.Client, path string) {
	t.Helper()
	for name, c := range clients {
		var r resttest.Response
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if r = c.Do(t, "GET", path, nil); r.Status == 401 || time.Now().After(deadline) {
				break
			}
		}
		if r.Status != 401 {
			t.Errorf("the %s key after its expiry: HTTP %d %s", name, r.Status, r.Raw)
		}
	}
}

// TestKeyForAnUnusableOrganisationNamesTheField: a key for an organisation
// the directory does not have, or has not verified, is refused with its
// reason and a violation of api_key.organisation_id, so a form shows it
// beside the field. Before, the body carried the reason only.
func TestKeyForAnUnusableOrganisationNamesTheField(t *testing.T) {
	s := edgetest.Start(t, nil)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	unverified := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Udruga bez provjere", "kind": "ORGANISATION_KIND_NGO", "country": "HR"}).Must(t, 200)
	for org, reason := range map[string]string{
		"0190a1b2-0000-7000-8000-000000000000": "ORGANISATION_NOT_FOUND",
		unverified.Str("id"):                   "ORGANISATION_NOT_VERIFIED",
	} {
		r := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"api_key": map[string]any{"display_name": "x", "organisation_id": org}})
		named := false
		details, _ := r.Body["details"].([]any)
		for _, d := range details {
			fvs, _ := d.(map[string]any)["field_violations"].([]any)
			for _, fv := range fvs {
				named = named || fv.(map[string]any)["field"] == "api_key.organisation_id"
			}
		}
		if r.Status != 400 || !strings.Contains(string(r.Raw), reason) || !named {
			t.Errorf("key for %s: HTTP %d, want 400 %s naming api_key.organisation_id: %s", org, r.Status, reason, r.Raw)
		}
	}
}
