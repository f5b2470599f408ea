package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/oidctest"
	"github.com/spona/spona/services/edge/internal/oidc"
)

const org = "0190a1b2-0000-7000-8000-0000000000aa"

func newVerifier(t *testing.T, iss *oidctest.Issuer) *oidc.Verifier {
	t.Helper()
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, Leeway: 30 * time.Second, MinRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAcceptsValidTokens(t *testing.T) {
	iss := oidctest.Start(t)
	v := newVerifier(t, iss)
	cases := []struct {
		name   string
		kid    string
		claims oidctest.Claims
		want   auth.Principal
	}{
		{"RS256 with scope string", "rsa-1",
			oidctest.Claims{Organisation: org, Scope: "beneficiaries.read referrals.write openid"},
			auth.Principal{OrganisationID: org, ClientID: "oidc:client-1", Scopes: []string{"beneficiaries.read", "referrals.write"}}},
		{"ES256 with scp list and azp", "ec-1",
			oidctest.Claims{Organisation: strings.ToUpper(org), Scp: []string{"trainings.read", "unknown.scope"}, Extra: map[string]any{"azp": "partner-app"}},
			auth.Principal{OrganisationID: org, ClientID: "oidc:partner-app", Scopes: []string{"trainings.read"}}},
		{"scp as a string, client_id claim", "rsa-1",
			oidctest.Claims{Organisation: org, Scp: "reporting.read reporting.read", Extra: map[string]any{"client_id": "svc"}},
			auth.Principal{OrganisationID: org, ClientID: "oidc:svc", Scopes: []string{"reporting.read"}}},
		// Spring Authorization Server and PingFederate write "scope" as a
		// JSON list.
		{"scope as a list", "rsa-1",
			oidctest.Claims{Organisation: org, Extra: map[string]any{"scope": []string{"beneficiaries.read", "openid", "webhooks.read"}}},
			auth.Principal{OrganisationID: org, ClientID: "oidc:client-1", Scopes: []string{"beneficiaries.read", "webhooks.read"}}},
		{"expired within leeway", "rsa-1",
			oidctest.Claims{Organisation: org, Expiry: time.Now().Add(-10 * time.Second)},
			auth.Principal{OrganisationID: org, ClientID: "oidc:client-1", Scopes: []string{}}},
		{"several audiences", "rsa-1",
			oidctest.Claims{Organisation: org, Audience: []string{"other", oidctest.Audience}},
			auth.Principal{OrganisationID: org, ClientID: "oidc:client-1", Scopes: []string{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), iss.Token(t, c.kid, c.claims))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, p); d != "" {
				t.Errorf("principal (-want +got):\n%s", d)
			}
		})
	}
	if n := iss.Fetches(); n != 1 {
		t.Errorf("JWKS fetched %d times, want once (cached)", n)
	}
}

func TestVerifyRejects(t *testing.T) {
	iss := oidctest.Start(t)
	v := newVerifier(t, iss)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecStranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := iss.Token(t, "", oidctest.Claims{Organisation: org})
	parts := strings.Split(good, ".")
	cases := map[string]string{
		"wrong issuer":       iss.Token(t, "", oidctest.Claims{Organisation: org, Issuer: "https://evil.example"}),
		"wrong audience":     iss.Token(t, "", oidctest.Claims{Organisation: org, Audience: []string{"someone-else"}}),
		"expired":            iss.Token(t, "", oidctest.Claims{Organisation: org, Expiry: time.Now().Add(-2 * time.Minute)}),
		"not yet valid":      iss.Token(t, "", oidctest.Claims{Organisation: org, NotBefore: time.Now().Add(2 * time.Minute)}),
		"no expiry":          iss.Token(t, "", oidctest.Claims{Organisation: org, NoExpiry: true}),
		"no organisation":    iss.Token(t, "", oidctest.Claims{}),
		"bad organisation":   iss.Token(t, "", oidctest.Claims{Organisation: "Red Cross"}),
		"unknown key":        oidctest.SignWith(t, stranger, jose.RS256, "rsa-1", map[string]any{"iss": iss.URL, "aud": oidctest.Audience, "sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org}),
		"unknown EC key":     oidctest.SignWith(t, ecStranger, jose.ES256, "", map[string]any{"iss": iss.URL, "aud": oidctest.Audience, "sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org}),
		"HS256 (symmetric)":  hs256(t, iss.URL),
		"tampered payload":   parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2],
		"no signature":       parts[0] + "." + parts[1] + ".",
		"alg none":           "eyJhbGciOiJub25lIn0." + parts[1] + ".",
		"garbage":            "a.b.c",
		"too large":          strings.Repeat("a", oidc.MaxTokenBytes) + ".b.c",
		"no client or sub":   iss.Token(t, "", oidctest.Claims{Organisation: org, Subject: "-", Extra: map[string]any{"sub": ""}}),
		"kid of the EC key":  oidctest.SignWith(t, stranger, jose.RS256, "ec-1", map[string]any{"iss": iss.URL, "aud": oidctest.Audience, "sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org}),
		"org not a string":   iss.Token(t, "", oidctest.Claims{Organisation: org, Extra: map[string]any{"spona_org": 7}}),
		"header without kid": oidctest.SignWith(t, stranger, jose.RS256, "", map[string]any{"iss": iss.URL, "aud": oidctest.Audience, "sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org}),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tok)
			if !errors.Is(err, auth.ErrInvalidCredential) {
				t.Fatalf("Verify = %+v, %v; want an invalid credential", p, err)
			}
		})
	}
	// A well-signed token whose claims are not of the expected types is
	// refused for that, not as a bad signature.
	_, err := v.Verify(context.Background(), iss.Token(t, "", oidctest.Claims{Organisation: org, Extra: map[string]any{"azp": 7}}))
	if !errors.Is(err, auth.ErrInvalidCredential) || !strings.Contains(err.Error(), "claims do not decode") {
		t.Errorf("azp not a string: %v", err)
	}
}

func hs256(t *testing.T, issuer string) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := sig.Sign([]byte(`{"iss":"` + issuer + `","aud":"` + oidctest.Audience + `","sub":"x","exp":9999999999,"spona_org":"` + org + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeyRotationAndRefreshLimits(t *testing.T) {
	iss := oidctest.Start(t)
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, MinRefresh: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.Token(t, "", oidctest.Claims{Organisation: org})); err != nil {
		t.Fatal(err)
	}
	time.Sleep(350 * time.Millisecond)
	// The provider rotates: a token with a new kid makes the verifier refetch.
	iss.AddKey(t, "rsa-2", jose.RS256)
	if _, err := v.Verify(ctx, iss.Token(t, "rsa-2", oidctest.Claims{Organisation: org})); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := iss.Fetches(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2", n)
	}
	// Tokens naming unknown keys do not make the verifier hammer the
	// provider: at most one refetch per MinRefresh.
	// Tokens are signed before the clock starts, and the bound allows one
	// refetch per MinRefresh actually elapsed, so a slow machine cannot make
	// the test fail while a verifier that refetches per token still does.
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	var unknown []string
	for i := range 20 {
		unknown = append(unknown, oidctest.SignWith(t, stranger, jose.RS256, "nope-"+string(rune('a'+i)), map[string]any{"iss": iss.URL, "aud": oidctest.Audience, "sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org}))
	}
	start := time.Now()
	for _, tok := range unknown {
		if _, err := v.Verify(ctx, tok); !errors.Is(err, auth.ErrInvalidCredential) {
			t.Fatal(err)
		}
	}
	if n, limit := iss.Fetches(), 3+int64(time.Since(start)/(300*time.Millisecond)); n > limit {
		t.Fatalf("%d JWKS fetches for 20 unknown kids, want at most %d", n, limit)
	}
	// The provider is down: known keys keep working.
	iss.SetDown(true)
	time.Sleep(350 * time.Millisecond)
	if _, err := v.Verify(ctx, iss.Token(t, "ec-1", oidctest.Claims{Organisation: org})); err != nil {
		t.Fatalf("cached key while the provider is down: %v", err)
	}
}

func TestProviderDownAtStartIsUnavailableNotInvalid(t *testing.T) {
	iss := oidctest.Start(t)
	iss.SetDown(true)
	v := newVerifier(t, iss)
	_, err := v.Verify(context.Background(), iss.Token(t, "", oidctest.Claims{Organisation: org}))
	if err == nil || errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("Verify with no keys = %v; want an unavailability error", err)
	}
	iss.SetDown(false)
	time.Sleep(1100 * time.Millisecond) // failures are retried after a second
	if _, err := v.Verify(context.Background(), iss.Token(t, "", oidctest.Claims{Organisation: org})); err != nil {
		t.Fatalf("after the provider recovered: %v", err)
	}
}

// TestKeysFetchedForAClientWhoLeft: the JWKS is fetched for whichever
// request needs it first, and kept for all; that request's client going
// away (its context ended) does not fail the fetch, so the next requests
// are not refused: neither at start (503 for a second) nor after the
// provider rotated its key (401 for a valid token, counted against the
// client's address as a failed authentication).
func TestKeysFetchedForAClientWhoLeft(t *testing.T) {
	iss := oidctest.Start(t)
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, MinRefresh: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	gone, leave := context.WithCancel(context.Background())
	leave()
	tok := iss.Token(t, "", oidctest.Claims{Organisation: org})
	_, _ = v.Verify(gone, tok) // its client is gone: whatever it gets
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Errorf("the first request after one whose client left: %v", err)
	}
	iss.AddKey(t, "rsa-2", jose.RS256)
	time.Sleep(10 * time.Millisecond) // past MinRefresh
	rotated := iss.Token(t, "rsa-2", oidctest.Claims{Organisation: org})
	_, _ = v.Verify(gone, rotated)
	if _, err := v.Verify(context.Background(), rotated); err != nil {
		t.Errorf("a token of the rotated key after one whose client left: %v", err)
	}
}

// stalling holds JWKS fetches until released, noting a fetch its client
// gave up on before it returns.
type stalling struct {
	release chan struct{}
	started chan struct{}
	gaveUp  atomic.Bool
}

func (s *stalling) RoundTrip(r *http.Request) (*http.Response, error) {
	s.started <- struct{}{}
	select {
	case <-s.release:
		return http.DefaultTransport.RoundTrip(r)
	case <-r.Context().Done():
		s.gaveUp.Store(true)
		return nil, r.Context().Err()
	}
}

// TestSlowProviderHoldsUpNoKnownKey: while the provider is slow to answer
// a refetch (a token naming a key the verifier does not know, or a key set
// past its cache time), tokens of the keys already known are verified at
// once. Before, the fetch held the verifier's lock: every partner using
// OIDC waited up to the fetch's 5 s timeout, and a token with a made-up
// kid once a second (refetches after a failure) kept them waiting.
func TestSlowProviderHoldsUpNoKnownKey(t *testing.T) {
	iss := oidctest.Start(t)
	tr := &stalling{release: make(chan struct{}), started: make(chan struct{}, 10)}
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL,
		MinRefresh: time.Millisecond, CacheTTL: time.Hour, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	known := iss.Token(t, "rsa-1", oidctest.Claims{Organisation: org})
	first := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, known); first <- err }()
	<-tr.started
	tr.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // past MinRefresh

	// A token naming an unknown key starts a refetch, which stalls.
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	unknown := oidctest.SignWith(t, stranger, jose.RS256, "made-up", map[string]any{"iss": iss.URL, "aud": oidctest.Audience,
		"sub": "x", "exp": time.Now().Add(time.Minute).Unix(), "spona_org": org})
	refused := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, unknown); refused <- err }()
	<-tr.started
	if _, err := v.Verify(ctx, known); err != nil {
		t.Fatalf("known key while a refetch stalls: %v", err)
	}
	if tr.gaveUp.Load() {
		t.Fatal("the token of a known key waited until the stalled refetch was given up")
	}
	close(tr.release)
	if err := <-refused; !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("unknown key: %v", err)
	}
}

// FuzzVerify: mutated and arbitrary tokens never panic, fail only as
// invalid credentials (the provider is up), and any token that passes
// carries the claims the issuer signed.
func FuzzVerify(f *testing.F) {
	iss := oidctest.Start(f)
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, MinRefresh: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	good := iss.Token(f, "", oidctest.Claims{Organisation: org, Scope: "beneficiaries.read"})
	ec := iss.Token(f, "ec-1", oidctest.Claims{Organisation: org, Scp: []string{"trainings.read"}})
	for _, s := range []string{good, ec, good[:len(good)-2], strings.Replace(good, ".", "..", 1), "a.b.c", "..", "eyJhbGciOiJub25lIn0.e30.", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := v.Verify(context.Background(), tok)
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidCredential) {
				t.Fatalf("Verify(%q) = %v, want an invalid credential", tok, err)
			}
			return
		}
		if p.OrganisationID != org || p.ClientID != "oidc:client-1" || len(p.Scopes) != 1 {
			t.Fatalf("Verify(%q) accepted a principal the issuer never signed: %+v", tok, p)
		}
	})
}

// TestLeewayAsConfigured: OIDC_LEEWAY is the clock skew allowed, as set:
// 0s allows none (a token expired a few seconds ago is refused), and a
// negative leeway is a configuration error rather than the 30 s default.
func TestLeewayAsConfigured(t *testing.T) {
	iss := oidctest.Start(t)
	strict, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, Leeway: 0, MinRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	expired := iss.Token(t, "", oidctest.Claims{Organisation: org, Expiry: time.Now().Add(-10 * time.Second)})
	if p, err := strict.Verify(context.Background(), expired); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Errorf("with OIDC_LEEWAY=0s a token expired 10 s ago: %+v, %v; want it refused", p, err)
	}
	future := iss.Token(t, "", oidctest.Claims{Organisation: org, NotBefore: time.Now().Add(10 * time.Second)})
	if p, err := strict.Verify(context.Background(), future); !errors.Is(err, auth.ErrInvalidCredential) {
		t.Errorf("with OIDC_LEEWAY=0s a token valid from 10 s on: %+v, %v; want it refused", p, err)
	}
	if _, err := strict.Verify(context.Background(), iss.Token(t, "", oidctest.Claims{Organisation: org})); err != nil {
		t.Errorf("with OIDC_LEEWAY=0s a current token: %v", err)
	}
	if _, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.Audience, JWKSURL: iss.JWKSURL, Leeway: -time.Second}); err == nil {
		t.Error("a negative leeway was accepted")
	}
}
