package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/oidctest"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// startWithOIDC runs the backend with an edge accepting the access tokens
// of a test issuer (claim spona_org, 30 s of leeway).
func startWithOIDC(t testing.TB) (*oidctest.Issuer, *edgetest.Stack) {
	t.Helper()
	iss := oidctest.Start(t)
	s := edgetest.Start(t, func(c *service.Config) {
		c.OIDC = service.OIDCConfig{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, OrgClaim: "spona_org", Leeway: 30 * time.Second}
	})
	return iss, s
}

// TestIdempotencyKeyOfAnotherOrganisation: an OIDC client is named by its
// token (azp, client_id or sub) and its organisation by another claim, so
// one client of the provider (an integrator serving several
// organisations) may act for two organisations. The answer the edge kept
// for one organisation's write must not be replayed to the other sending
// the same request with the same Idempotency-Key: that would show the
// other organisation's person, and do nothing of the second write.
func TestIdempotencyKeyOfAnotherOrganisation(t *testing.T) {
	iss, s := startWithOIDC(t)
	a := s.CreateKey(t, "a", "Integrator Client A")
	b := s.CreateKey(t, "b", "Integrator Client B")
	scope := "beneficiaries.read beneficiaries.write"
	forA := resttest.New(s.URL, iss.Token(t, "", oidctest.Claims{Subject: "integrator", Organisation: a.Organisation, Scope: scope}))
	forB := resttest.New(s.URL, iss.Token(t, "", oidctest.Claims{Subject: "integrator", Organisation: b.Organisation, Scope: scope}))

	body := `{"given_name": "Amina", "family_name": "Hodžić", "sex": "SEX_FEMALE"}`
	first := forA.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "row-1").Must(t, 200)
	r := forB.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "row-1")
	if r.Status == 200 && r.Str("id") == first.Str("id") {
		t.Fatalf("organisation B was answered with organisation A's person (replayed=%q): %s", r.Header.Get("Idempotent-Replayed"), r.Raw)
	}
	// B's own write was done, or refused (the key is taken): not answered
	// with A's.
	if r.Status == 200 {
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("B's write answered as a replay: %s", r.Raw)
		}
		forB.Do(t, "GET", "/v1/beneficiaries/"+r.Str("id"), nil).Must(t, 200)
	} else if r.Status != 422 || !r.IsStatus() {
		t.Errorf("B's write with A's Idempotency-Key: HTTP %d %s", r.Status, r.Raw)
	}
	// A's retry is still A's answer.
	again := forA.Do(t, "POST", "/v1/beneficiaries", body, "Idempotency-Key", "row-1").Must(t, 200)
	if again.Str("id") != first.Str("id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("A's retry: %s", again.Raw)
	}
}

// TestOIDCTokenOfAnOrganisationNotInTheDirectory: an API key is made only
// for an organisation the directory has and has verified; a token's
// organisation claim (a mapping typed at the provider) was taken as it
// came, so records were written under an organisation that does not exist.
// Such a token is refused with 403 and the reason a key's creation gives
// (ORGANISATION_NOT_FOUND, ORGANISATION_NOT_VERIFIED), and nothing is
// written.
func TestOIDCTokenOfAnOrganisationNotInTheDirectory(t *testing.T) {
	iss, s := startWithOIDC(t)
	admin := resttest.New(s.URL, s.CreateAdminKey(t).Key)
	unverified := admin.Do(t, "POST", "/v1/organisations", map[string]any{"name": "Dom zdravlja Token", "kind": "ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE", "country": "RS"}).Must(t, 200).Str("id")
	scope := "beneficiaries.read beneficiaries.write"
	for org, reason := range map[string]string{
		"0190a1b2-0000-7000-8000-0000000000bb": "ORGANISATION_NOT_FOUND",
		unverified:                             "ORGANISATION_NOT_VERIFIED",
	} {
		c := resttest.New(s.URL, iss.Token(t, "", oidctest.Claims{Organisation: org, Scope: scope}))
		for _, r := range []resttest.Response{
			c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Nikola"}, "Idempotency-Key", "typo-"+reason),
			c.Do(t, "GET", "/v1/beneficiaries", nil),
			c.Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Nikola"}),
		} {
			if r.Status != 403 || !r.IsStatus() || !strings.Contains(string(r.Raw), reason) || !strings.Contains(string(r.Raw), org) {
				t.Errorf("token of %s: %s %s: HTTP %d %s, want 403 %s", org, r.Method, r.Path, r.Status, r.Raw, reason)
			}
		}
	}
	// Nothing was written under either: the organisation's own key (once
	// verified) finds no one.
	admin.Do(t, "POST", "/v1/organisations/"+unverified+":verify", map[string]any{"name": "Dom zdravlja Token",
		"kind": "ORGANISATION_KIND_SOCIAL_WELFARE_CENTRE", "country": "RS", "reason": "checked"}).Must(t, 200)
	k := admin.Do(t, "POST", "/v1/apiKeys", map[string]any{"reason": "onboarding", "api_key": map[string]any{"display_name": "dz",
		"organisation_id": unverified, "scopes": []string{"beneficiaries.read"}}}).Must(t, 200)
	list := resttest.New(s.URL, k.Str("secret")).Do(t, "GET", "/v1/beneficiaries", nil).Must(t, 200)
	if people, _ := list.Body["beneficiaries"].([]any); len(people) != 0 {
		t.Errorf("a refused token wrote records: %s", list.Raw)
	}
	// A verified organisation's token works (and the platform's, which is
	// no directory entry, as TestOIDCAccessTokens shows).
	ok := s.CreateKey(t, "ok", "Token NGO")
	resttest.New(s.URL, iss.Token(t, "", oidctest.Claims{Organisation: ok.Organisation, Scope: scope})).
		Do(t, "POST", "/v1/beneficiaries", map[string]any{"given_name": "Nikola"}).Must(t, 200)
}
