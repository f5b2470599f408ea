// Package keys issues and verifies the API keys partner systems use at the
// edge. A key is shown once, at creation; only a SHA-256 hash of its secret
// part is stored. Keys are random 256-bit secrets, so a fast hash is enough
// (there is nothing to brute-force as with passwords).
package keys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/auth"
)

// Prefix starts every key, so leaked keys are easy to find in code and logs.
const Prefix = "spona"

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// Client is a partner system allowed to call the API.
type Client struct {
	ID             string
	Name           string
	OrganisationID string
	Scopes         []string
	LookupID       string
	SecretHash     []byte
	CreateTime     time.Time
	RevokeTime     *time.Time
}

// Generate returns a new key and the lookup id and hash to store for it.
func Generate() (key, lookupID string, hash []byte) {
	id := make([]byte, 5)
	secret := make([]byte, 32)
	_, _ = rand.Read(id)
	_, _ = rand.Read(secret)
	lookupID = strings.ToLower(enc.EncodeToString(id))
	s := strings.ToLower(enc.EncodeToString(secret))
	return Prefix + "_" + lookupID + "_" + s, lookupID, Hash(s)
}

// Hash is the stored form of a key's secret part.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ErrInvalid is returned for any key that does not authenticate; the reason
// is not told to the caller.
var ErrInvalid = auth.ErrInvalidCredential

// Parse splits a key into lookup id and secret.
func Parse(key string) (lookupID, secret string, err error) {
	parts := strings.Split(key, "_")
	if len(parts) != 3 || parts[0] != Prefix || len(parts[1]) != 8 || len(parts[2]) != 52 {
		return "", "", ErrInvalid
	}
	return parts[1], parts[2], nil
}

// Store finds clients by lookup id.
type Store interface {
	ClientByLookupID(ctx context.Context, lookupID string) (*Client, error)
}

// Verifier authenticates keys against a store, caching verified clients for
// a short time so a busy partner does not cost a query per request. A
// revoked key stops working within the cache TTL.
type Verifier struct {
	store Store
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	c       *Client
	expires time.Time
}

// NewVerifier returns a verifier over store.
func NewVerifier(store Store, ttl time.Duration) *Verifier {
	return &Verifier{store: store, ttl: ttl, now: time.Now, cache: map[string]cached{}}
}

// Verify returns the principal of key, or ErrInvalid.
func (v *Verifier) Verify(ctx context.Context, key string) (auth.Principal, error) {
	lookupID, secret, err := Parse(key)
	if err != nil {
		return auth.Principal{}, err
	}
	now := v.now()
	v.mu.Lock()
	e, ok := v.cache[lookupID]
	v.mu.Unlock()
	if !ok || now.After(e.expires) {
		c, err := v.store.ClientByLookupID(ctx, lookupID)
		if err != nil {
			return auth.Principal{}, err
		}
		e = cached{c: c, expires: now.Add(v.ttl)}
		v.mu.Lock()
		if len(v.cache) > 10000 {
			clear(v.cache)
		}
		v.cache[lookupID] = e
		v.mu.Unlock()
	}
	c := e.c
	if c == nil || c.RevokeTime != nil || subtle.ConstantTimeCompare(c.SecretHash, Hash(secret)) != 1 {
		return auth.Principal{}, ErrInvalid
	}
	return auth.Principal{OrganisationID: c.OrganisationID, ClientID: c.ID, Scopes: c.Scopes}, nil
}
