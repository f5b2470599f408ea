package service_test

import (
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
