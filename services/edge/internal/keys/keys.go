// Package keys issues, verifies and manages the API keys partner systems
// use at the edge. A key is shown once, at creation; only a SHA-256 hash of
// its secret part is stored. Keys are random 256-bit secrets, so a fast hash
// is enough (there is nothing to brute-force as with passwords).
//
// A client (a partner system: name, organisation, scopes; its id is the
// principal's client id) has one or more keys; rotation gives it a new key
// while the old one works on for an overlap. A key may expire, may be
// revoked, and records when it was last used.
package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
)

// Prefix starts every key, so leaked keys are easy to find in code and logs.
const Prefix = "spona"

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// Key is one API key of a client.
type Key struct {
	ID             string
	ClientID       string
	Name           string // of the client
	OrganisationID string
	Scopes         []string
	LookupID       string
	SecretHash     []byte
	CreateTime     time.Time
	ExpireTime     *time.Time
	RevokeTime     *time.Time
	RevokeReason   string
	LastUseTime    *time.Time
	ReplacedBy     string
	// RequestID is the request id (Idempotency-Key) of the create or
	// rotation that made the key, if any: written, not read back.
	RequestID string
}

// Active reports whether the key authenticates at now.
func (k *Key) Active(now time.Time) bool {
	return k.RevokeTime == nil && (k.ExpireTime == nil || now.Before(*k.ExpireTime))
}

// Prefix is the public part of the key ("spona_abcd2345").
func (k *Key) Prefix() string { return Prefix + "_" + k.LookupID }

// Principal is who requests made with the key run as. It carries only the
// stored scopes a credential of the key's organisation may hold
// (auth.ScopesFor, as OIDC tokens): a partner's key partner scopes only,
// the administrator's scopes belong to keys of the platform organisation.
func (k *Key) Principal() auth.Principal {
	return auth.Principal{OrganisationID: k.OrganisationID, ClientID: k.ClientID, Scopes: auth.ScopesFor(k.OrganisationID, k.Scopes)}
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
	h := digest(secret)
	return h[:]
}

// digest is Hash without allocating: a secret (52 characters) is copied
// into a buffer on the stack.
func digest(secret string) [sha256.Size]byte {
	var buf [64]byte
	return sha256.Sum256(append(buf[:0], secret...))
}

// ErrInvalid is returned for any key that does not authenticate; the reason
// is not told to the caller.
var ErrInvalid = auth.ErrInvalidCredential

// Parse splits a key into lookup id and secret.
func Parse(key string) (lookupID, secret string, err error) {
	prefix, rest, _ := strings.Cut(key, "_")
	lookupID, secret, _ = strings.Cut(rest, "_")
	if prefix != Prefix || len(lookupID) != 8 || len(secret) != 52 || strings.Contains(secret, "_") {
		return "", "", ErrInvalid
	}
	return lookupID, secret, nil
}
