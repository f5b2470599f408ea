// Package oidctest is an OpenID Connect token issuer for tests: it serves a
// real JWKS (and discovery document) over HTTP on loopback, with RSA and
// ECDSA keys generated per test, and signs access tokens as a provider's
// client-credentials grant would. Tests only.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Audience is the audience tokens are issued for unless told otherwise.
const Audience = "https://api.spona.test"

// Issuer is a running test issuer.
type Issuer struct {
	URL     string // the "iss" of its tokens
	JWKSURL string

	srv     *httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	keys    map[string]signingKey // by kid
	order   []string
	down    bool
}

type signingKey struct {
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

// Start runs an issuer with one RS256 key ("rsa-1") and one ES256 key
// ("ec-1") until the test ends.
func Start(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{keys: map[string]signingKey{}}
	iss.AddKey(t, "rsa-1", jose.RS256)
	iss.AddKey(t, "ec-1", jose.ES256)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		iss.fetches.Add(1)
		iss.mu.Lock()
		down := iss.down
		var set jose.JSONWebKeySet
		for _, kid := range iss.order {
			k := iss.keys[kid]
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: kid, Algorithm: string(k.alg), Use: "sig"})
		}
		iss.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.JWKSURL,
			"grant_types_supported":                 []string{"client_credentials"},
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		})
	})
	iss.srv = httptest.NewServer(mux)
	t.Cleanup(iss.srv.Close)
	iss.URL = iss.srv.URL
	iss.JWKSURL = iss.srv.URL + "/jwks.json"
	return iss
}

// AddKey generates a signing key and publishes it in the JWKS.
func (i *Issuer) AddKey(t testing.TB, kid string, alg jose.SignatureAlgorithm) {
	t.Helper()
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("oidctest: unsupported algorithm %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys[kid] = signingKey{alg: alg, priv: priv}
	i.order = append(i.order, kid)
}

// SetDown makes the JWKS endpoint fail (503) or work again.
func (i *Issuer) SetDown(down bool) {
	i.mu.Lock()
	i.down = down
	i.mu.Unlock()
}

// Fetches counts the JWKS requests served.
func (i *Issuer) Fetches() int64 { return i.fetches.Load() }

// Claims describe a token. Zero values get defaults: issuer and audience of
// this issuer, subject "client-1", expiry in 5 minutes, issued now.
type Claims struct {
	Issuer, Subject string
	Audience        []string
	Organisation    string // the spona_org claim; omitted when empty
	Scope           string // the "scope" claim (space-separated)
	Scp             any    // the "scp" claim, when set
	Expiry          time.Time
	NotBefore       time.Time
	NoExpiry        bool
	Extra           map[string]any
}

// Token signs claims with the key kid ("rsa-1" when empty).
func (i *Issuer) Token(t testing.TB, kid string, c Claims) string {
	t.Helper()
	if kid == "" {
		kid = "rsa-1"
	}
	i.mu.Lock()
	k, ok := i.keys[kid]
	i.mu.Unlock()
	if !ok {
		t.Fatalf("oidctest: no key %q", kid)
	}
	return SignWith(t, k.priv, k.alg, kid, i.claims(c))
}

func (i *Issuer) claims(c Claims) map[string]any {
	now := time.Now()
	m := map[string]any{"iss": i.URL, "sub": "client-1", "aud": []string{Audience}, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if c.Issuer != "" {
		m["iss"] = c.Issuer
	}
	if c.Subject != "" {
		m["sub"] = c.Subject
	}
	if c.Audience != nil {
		m["aud"] = c.Audience
	}
	if c.Organisation != "" {
		m["spona_org"] = c.Organisation
	}
	if c.Scope != "" {
		m["scope"] = c.Scope
	}
	if c.Scp != nil {
		m["scp"] = c.Scp
	}
	if !c.Expiry.IsZero() {
		m["exp"] = c.Expiry.Unix()
	}
	if c.NoExpiry {
		delete(m, "exp")
	}
	if !c.NotBefore.IsZero() {
		m["nbf"] = c.NotBefore.Unix()
	}
	for k, v := range c.Extra {
		m[k] = v
	}
	return m
}

// SignWith signs claims with any key (e.g. one the issuer does not publish).
func SignWith(t testing.TB, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
