// Package auth defines the principal every request runs as and how it travels
// between processes.
//
// The edge authenticates a partner system (API key or JWT) and turns it into a
// Principal: the organisation it acts for, the client id and the scopes it was
// granted. For each call to a service a narrow token is issued from it (see
// token.go: one audience, one scope, at most 30 s, signed with the issuing
// process's own Ed25519 key) and sent as gRPC metadata; every service
// verifies it before a handler runs. A service calling another issues its
// own token for that call, for the same organisation, with the scopes
// Delegated to it.
package auth

import (
	"context"
	"errors"
	"slices"
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

// PlatformScopes are what a credential of the platform organisation may
// hold: the administrator's scopes and reading the directory.
var PlatformScopes = append(slices.Clone(AdminScopes), ScopeDirectoryRead)

// CredentialScopes is the rule for which scopes a credential (an API key,
// an OIDC access token) of organisation org may carry: PlatformScopes for
// the platform organisation, PartnerScopes for any other, none for
// InternalOrganisation (no credential acts as Spona's own processes).
// Internal scopes are never among them.
func CredentialScopes(org string) []string {
	switch org {
	case PlatformOrganisationID:
		return PlatformScopes
	case InternalOrganisation:
		return nil
	}
	return PartnerScopes
}

// ScopesFor returns the scopes of asked that a credential of org carries
// (see CredentialScopes), each once and in the order asked; the others
// (administrator scopes on a partner's credential, internal or unknown
// scopes) are dropped, whatever the key store or the token says.
func ScopesFor(org string, asked []string) []string {
	may := CredentialScopes(org)
	out := make([]string, 0, len(asked))
	for _, s := range asked {
		if slices.Contains(may, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Principal is who a request runs as.
type Principal struct {
	OrganisationID string
	ClientID       string
	Scopes         []string
	// Via lists the processes the request went through, the one that
	// authenticated it first ("edge", "referrals"): for logs and audits.
	Via []string
	// IssuedBy is the process that signed the token it arrived with ("" when
	// it did not arrive with one).
	IssuedBy string
	// Expires is when the token it arrived with expires (zero when it
	// did not arrive with one).
	Expires time.Time
}

// Has reports whether the principal was granted scope.
func (p Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

type ctxKey struct{}

// WithPrincipal returns ctx acting as p: the server's interceptor puts the
// verified caller there, and a process acting on its own (a background
// job, a command) puts whom it acts for. Calls made with ctx carry a
// principal issued for them from p (see Issuer).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal ctx acts as, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// ErrInvalidCredential is returned by authenticators for a credential that
// does not authenticate (as opposed to a failure to check it).
var ErrInvalidCredential = errors.New("invalid credential")

// Caller returns the principal of a request that passed the server's
// authentication interceptor (which refuses requests without one).
func Caller(ctx context.Context) Principal {
	p, _ := FromContext(ctx)
	return p
}
