// Package auth defines the principal every request runs as and how it travels
// between processes.
//
// The edge authenticates a partner system (API key or JWT) and turns it into a
// Principal: the organisation it acts for, the client id and the scopes it was
// granted. The principal is signed with a secret shared by the processes
// (HMAC-SHA256, short expiry) and sent as gRPC metadata. Every service verifies
// the signature before a handler runs, and calls to other services forward the
// same signed token, so the whole chain acts for the original caller.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MetadataKey is the gRPC metadata key carrying the signed principal.
const MetadataKey = "x-spona-principal"

// Scopes granted to API clients.
const (
	ScopeBeneficiariesRead  = "beneficiaries.read"
	ScopeBeneficiariesWrite = "beneficiaries.write"
	ScopeReferralsRead      = "referrals.read"
	ScopeReferralsWrite     = "referrals.write"
	ScopeDirectoryRead      = "directory.read"
	ScopeTrainingsRead      = "trainings.read"
	ScopeTrainingsWrite     = "trainings.write"
	ScopeReportingRead      = "reporting.read"
	ScopeReportingWrite     = "reporting.write"
	ScopeWebhooksRead       = "webhooks.read"
	ScopeWebhooksWrite      = "webhooks.write"
	// ScopeImportsRead reads the caller's spreadsheet imports and their
	// operations.
	ScopeImportsRead = "imports.read"
	// ScopeAggregates allows the internal aggregate RPCs (counts, no personal data).
	ScopeAggregates = "aggregates.read"
)

// Scopes of the platform administrator: never granted to a partner's key
// or token, only to keys of the platform organisation.
const (
	// ScopePlatformAdmin manages API keys and verifies organisations.
	ScopePlatformAdmin = "platform.admin"
	// ScopeDirectoryAdmin adds and edits any organisation's directory entries.
	ScopeDirectoryAdmin = "directory.admin"
)

// PlatformOrganisationID is the organisation of the platform administrator
// (its keys, and the operator's commands); no partner organisation has it,
// and it is not InternalOrganisation (Spona's processes acting for
// themselves).
const PlatformOrganisationID = "00000000-0000-0000-0000-000000000001"

// PartnerScopes are the scopes a partner organisation's key or token may hold.
var PartnerScopes = []string{
	ScopeBeneficiariesRead, ScopeBeneficiariesWrite, ScopeReferralsRead, ScopeReferralsWrite,
	ScopeDirectoryRead, ScopeTrainingsRead, ScopeTrainingsWrite, ScopeReportingRead, ScopeReportingWrite,
	ScopeWebhooksRead, ScopeWebhooksWrite, ScopeAggregates, ScopeImportsRead,
}

// AdminScopes are the platform administrator's.
var AdminScopes = []string{ScopePlatformAdmin, ScopeDirectoryAdmin}

// DefaultPartnerScopes are what a partner organisation's key gets unless told otherwise.
var DefaultPartnerScopes = PartnerScopes

// AllScopes lists every scope a key can hold (partner and administrator),
// for tests.
var AllScopes = append(slices.Clone(PartnerScopes), AdminScopes...)

// IsPartnerScope reports whether a partner's key or token may hold scope.
func IsPartnerScope(scope string) bool { return slices.Contains(PartnerScopes, scope) }

// Principal is who a request runs as.
type Principal struct {
	OrganisationID string    `json:"org"`
	ClientID       string    `json:"client"`
	Scopes         []string  `json:"scopes"`
	Expires        time.Time `json:"exp"`
}

// Has reports whether the principal was granted scope.
func (p Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

type ctxKey struct{}

type carried struct {
	p     Principal
	token string
}

// WithPrincipal returns ctx carrying p and the signed token it arrived with
// (forwarded unchanged to downstream services).
func WithPrincipal(ctx context.Context, p Principal, token string) context.Context {
	return context.WithValue(ctx, ctxKey{}, carried{p, token})
}

// FromContext returns the principal of the request, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	c, ok := ctx.Value(ctxKey{}).(carried)
	return c.p, ok
}

// TokenFromContext returns the signed token the request arrived with.
func TokenFromContext(ctx context.Context) (string, bool) {
	c, ok := ctx.Value(ctxKey{}).(carried)
	return c.token, ok && c.token != ""
}

// ErrInvalidCredential is returned by authenticators for a credential that
// does not authenticate (as opposed to a failure to check it).
var ErrInvalidCredential = errors.New("invalid credential")

// Errors returned by Verify.
var (
	ErrMalformed = errors.New("malformed principal token")
	ErrSignature = errors.New("principal signature does not verify")
	ErrExpired   = errors.New("principal token expired")
)

// Signer signs and verifies principal tokens with a shared secret.
type Signer struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// NewSigner returns a signer; tokens it issues live for ttl.
func NewSigner(secret string, ttl time.Duration) (*Signer, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("principal secret must be at least 16 bytes, got %d", len(secret))
	}
	return &Signer{key: []byte(secret), ttl: ttl, now: time.Now}, nil
}

// Sign returns the token for p, valid for the signer's ttl from now.
func (s *Signer) Sign(p Principal) (string, error) {
	p.Expires = s.now().Add(s.ttl).UTC().Truncate(time.Second)
	payload, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString(payload)
	return enc + "." + base64.RawURLEncoding.EncodeToString(s.mac(enc)), nil
}

// Verify checks a token and returns its principal.
func (s *Signer) Verify(token string) (Principal, error) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Principal{}, ErrMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	if !hmac.Equal(got, s.mac(enc)) {
		return Principal{}, ErrSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	var p Principal
	if err := json.Unmarshal(payload, &p); err != nil || p.OrganisationID == "" {
		return Principal{}, ErrMalformed
	}
	if !s.now().Before(p.Expires) {
		return Principal{}, ErrExpired
	}
	return p, nil
}

func (s *Signer) mac(data string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// Caller returns the principal of a request that passed the server's
// authentication interceptor (which refuses requests without one).
func Caller(ctx context.Context) Principal {
	p, _ := FromContext(ctx)
	return p
}
