// Package oidc authenticates partner systems that hold an OAuth 2.0 access
// token (a JWT from the client-credentials grant of an OpenID Connect
// provider) instead of a Spona API key. Signing keys come from the
// provider's JWKS endpoint, cached, and refreshed when a token names a key
// the cache does not know (at most once per MinRefresh).
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"golang.org/x/sync/singleflight"
)

// Config configures a Verifier.
type Config struct {
	Issuer   string // exact "iss"
	Audience string // must be in "aud"
	JWKSURL  string
	// OrgClaim names the claim holding the caller's organisation id.
	OrgClaim string
	// Leeway allowed on exp, nbf and iat for clock skew, as given (0:
	// none; negative is refused).
	Leeway time.Duration
	// CacheTTL is how long fetched keys are used before a refetch.
	CacheTTL time.Duration
	// MinRefresh bounds how often an unknown key id triggers a refetch.
	MinRefresh time.Duration
	HTTPClient *http.Client
}

// MaxTokenBytes bounds the tokens parsed at all.
const MaxTokenBytes = 8 << 10

var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// Verifier checks access tokens.
type Verifier struct {
	cfg Config
	now func() time.Time

	fetches singleflight.Group // one JWKS fetch at a time

	mu          sync.Mutex
	keys        []jose.JSONWebKey
	fetched     time.Time // last successful fetch
	nextAttempt time.Time
	lastErr     error
}

// New returns a verifier; keys are fetched on first use.
func New(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.JWKSURL == "" {
		return nil, errors.New("oidc: issuer, audience and JWKS URL are all required")
	}
	if cfg.OrgClaim == "" {
		cfg.OrgClaim = "spona_org"
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("oidc: leeway %s is negative", cfg.Leeway)
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = time.Hour
	}
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = 30 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	return &Verifier{cfg: cfg, now: time.Now}, nil
}

// LooksLikeJWT reports whether a credential has the shape of a compact JWS
// (three dot-separated parts); API keys do not.
func LooksLikeJWT(cred string) bool { return strings.Count(cred, ".") == 2 }

func invalid(reason string) error { return fmt.Errorf("%w: %s", auth.ErrInvalidCredential, reason) }

// claims are the non-registered claims read from a token.
type claims struct {
	Scope    json.RawMessage `json:"scope"`
	Scp      json.RawMessage `json:"scp"`
	AZP      string          `json:"azp"`
	ClientID string          `json:"client_id"`
}

// Verify checks token and returns its principal. A token that does not
// authenticate gives auth.ErrInvalidCredential; failing to get the keys at
// all gives another error (the caller answers "unavailable").
func (v *Verifier) Verify(ctx context.Context, token string) (auth.Principal, error) {
	if len(token) > MaxTokenBytes {
		return auth.Principal{}, invalid("token too large")
	}
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return auth.Principal{}, invalid(err.Error())
	}
	if len(tok.Headers) != 1 {
		return auth.Principal{}, invalid("one signature expected")
	}
	hdr := tok.Headers[0]
	keys, err := v.keysFor(ctx, hdr.KeyID)
	if err != nil {
		return auth.Principal{}, err
	}
	var std jwt.Claims
	var extra claims
	var orgClaims map[string]any
	verified := false
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != hdr.Algorithm {
			continue
		}
		if tok.Claims(k.Key) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return auth.Principal{}, invalid("signature does not verify")
	}
	// Decoded once the signature holds, so that claims of an unexpected
	// shape are refused as such, not as a bad signature.
	if err := tok.UnsafeClaimsWithoutVerification(&std, &extra, &orgClaims); err != nil {
		return auth.Principal{}, invalid("claims do not decode: " + err.Error())
	}
	if std.Expiry == nil {
		return auth.Principal{}, invalid("token has no expiry")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{
		Issuer: v.cfg.Issuer, AnyAudience: jwt.Audience{v.cfg.Audience}, Time: v.now(),
	}, v.cfg.Leeway); err != nil {
		return auth.Principal{}, invalid(err.Error())
	}
	org, _ := orgClaims[v.cfg.OrgClaim].(string)
	if !ids.Valid(org) {
		return auth.Principal{}, invalid("claim " + v.cfg.OrgClaim + " is not an organisation id")
	}
	client := firstNonEmpty(extra.AZP, extra.ClientID, std.Subject)
	if client == "" {
		return auth.Principal{}, invalid("token names no client")
	}
	org = ids.Normalize(org)
	return auth.Principal{OrganisationID: org, ClientID: "oidc:" + client, Scopes: auth.ScopesFor(org, scopes(extra))}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// scopes reads "scope" (space-separated, RFC 8693/9068) and "scp", each a
// string or a list, as providers send them (Spring Authorization Server and
// PingFederate write "scope" as a list, Okta "scp"): the scopes the token
// asks for, which auth.ScopesFor narrows to those its organisation may
// hold.
func scopes(c claims) []string {
	return append(words(c.Scope), words(c.Scp)...)
}

// words reads a claim that is a space-separated string or a list of
// strings; anything else holds none.
func words(raw json.RawMessage) []string {
	var list []string
	var one string
	switch {
	case len(raw) == 0:
		return nil
	case json.Unmarshal(raw, &list) == nil:
		var out []string
		for _, w := range list {
			out = append(out, strings.Fields(w)...)
		}
		return out
	case json.Unmarshal(raw, &one) == nil:
		return strings.Fields(one)
	}
	return nil
}

// keysFor returns the cached keys that may have signed a token with kid,
// fetching the set when there is none yet or it does not know kid. A set
// older than CacheTTL is still used while a fresh one is fetched in the
// background: the fetch (up to 5 s when the provider is slow) never holds
// up tokens of the keys already known.
func (v *Verifier) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	keys, fetched := v.current()
	now := v.now()
	switch {
	case keys == nil:
		err := v.refresh(ctx, now, true)
		if keys, _ = v.current(); keys == nil {
			return nil, fmt.Errorf("no signing keys: %w", err)
		}
	case now.Sub(fetched) > v.cfg.CacheTTL:
		_ = v.refresh(ctx, now, false)
	}
	match := matching(keys, kid)
	if len(match) == 0 && v.refresh(ctx, now, true) == nil {
		keys, _ = v.current()
		match = matching(keys, kid)
	}
	if len(match) == 0 {
		return nil, invalid("unknown signing key")
	}
	return match, nil
}

func (v *Verifier) current() ([]jose.JSONWebKey, time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.keys, v.fetched
}

func matching(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range keys {
		if kid == "" || k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

// errRateLimited is returned when a refetch was wanted but too soon.
var errRateLimited = errors.New("JWKS refetch rate-limited")

// refresh refetches the key set, at most once per MinRefresh after a
// success and once a second after a failure; it keeps the old keys when
// the fetch fails. Concurrent refreshes share one fetch; with wait, the
// caller waits for it (or for its own context), otherwise the fetch runs
// on without it.
func (v *Verifier) refresh(ctx context.Context, now time.Time, wait bool) error {
	v.mu.Lock()
	if now.Before(v.nextAttempt) {
		err := v.lastErr
		v.mu.Unlock()
		if err != nil {
			return err
		}
		return errRateLimited
	}
	v.mu.Unlock()
	done := v.fetches.DoChan("jwks", func() (any, error) {
		keys, err := v.fetch(ctx)
		at := v.now()
		v.mu.Lock()
		defer v.mu.Unlock()
		if err != nil {
			v.lastErr, v.nextAttempt = err, at.Add(time.Second)
			return nil, err
		}
		v.keys, v.fetched, v.lastErr, v.nextAttempt = keys, at, nil, at.Add(v.cfg.MinRefresh)
		return nil, nil
	})
	if !wait {
		return nil
	}
	select {
	case r := <-done:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch reads the key set. The keys are for every request, and a failure
// holds back the next fetch: the request that happens to fetch them
// cannot cancel the fetch by going away, which is bounded by its own
// timeout instead.
func (v *Verifier) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS: HTTP %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	keys := []jose.JSONWebKey{}
	for _, k := range set.Keys {
		if k.IsPublic() && k.Valid() && (k.Use == "" || k.Use == "sig") {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
