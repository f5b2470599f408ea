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
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/auth"
	"golang.org/x/sync/singleflight"
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
// a short time so a busy partner does not cost a query per request, and
// remembering lookup ids that do not exist (the negative cache), so a
// client repeating a made-up key does not cost one either. The two caches
// are apart and bounded: a flood of made-up ids cannot push the real
// clients out. Concurrent first uses of one id share one query.
type Verifier struct {
	store      Store
	ttl        time.Duration
	unknownTTL time.Duration
	now        func() time.Time
	group      singleflight.Group
	mu         sync.Mutex
	known      map[string]cached
	unknown    map[string]time.Time
}

type cached struct {
	c       *Client
	expires time.Time
}

// maxCached bounds each cache; a full cache is emptied and refilled.
const maxCached = 10000

// NewVerifier returns a verifier over store; verified clients are cached
// for ttl, unknown lookup ids for unknownTTL.
func NewVerifier(store Store, ttl, unknownTTL time.Duration) *Verifier {
	return &Verifier{store: store, ttl: ttl, unknownTTL: unknownTTL, now: time.Now,
		known: map[string]cached{}, unknown: map[string]time.Time{}}
}

// lookup returns the client of lookupID (nil when none exists), from the
// caches or the store.
func (v *Verifier) lookup(ctx context.Context, lookupID string) (*Client, error) {
	now := v.now()
	v.mu.Lock()
	e, hit := v.known[lookupID]
	until, miss := v.unknown[lookupID]
	v.mu.Unlock()
	switch {
	case hit && now.Before(e.expires):
		return e.c, nil
	case miss && now.Before(until):
		return nil, nil
	}
	res, err, _ := v.group.Do(lookupID, func() (any, error) {
		return v.store.ClientByLookupID(ctx, lookupID)
	})
	if err != nil {
		return nil, err
	}
	c, ok := res.(*Client) // the store's answer, nil when no client has lookupID
	if !ok {
		return nil, fmt.Errorf("keys: lookup of %s answered %T", lookupID, res)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if c == nil {
		if len(v.unknown) >= maxCached {
			clear(v.unknown)
		}
		v.unknown[lookupID] = now.Add(v.unknownTTL)
		return nil, nil
	}
	if len(v.known) >= maxCached {
		clear(v.known)
	}
	v.known[lookupID] = cached{c: c, expires: now.Add(v.ttl)}
	return c, nil
}

// Verify returns the principal of key, or ErrInvalid.
func (v *Verifier) Verify(ctx context.Context, key string) (auth.Principal, error) {
	lookupID, secret, err := Parse(key)
	if err != nil {
		return auth.Principal{}, err
	}
	c, err := v.lookup(ctx, lookupID)
	if err != nil {
		return auth.Principal{}, err
	}
	if c == nil || c.RevokeTime != nil || subtle.ConstantTimeCompare(c.SecretHash, Hash(secret)) != 1 {
		return auth.Principal{}, ErrInvalid
	}
	return auth.Principal{OrganisationID: c.OrganisationID, ClientID: c.ID, Scopes: c.Scopes}, nil
}
