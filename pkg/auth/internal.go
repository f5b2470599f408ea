package auth

import "context"

// Internal scopes: held only by principals Spona's own processes sign for a
// call to another Spona process, never by partner keys or tokens (they are
// not in AllScopes, so the edge refuses them). Each allows one internal RPC
// family that has no REST route.
const (
	// ScopeAccessCheck allows asking the beneficiaries service whether the
	// calling organisation can see a beneficiary (or holds a live grant for
	// a source such as a referral) — no personal data is returned.
	ScopeAccessCheck = "access.check"
	// ScopeAuditWrite allows appending to the beneficiaries audit log the
	// reads another service made of a person's data.
	ScopeAuditWrite = "audit.write"
	// ScopeProjectsCheck allows asking the reporting service whether the
	// calling organisation may tag records with a project.
	ScopeProjectsCheck = "projects.check"
	// ScopeBeneficiariesCount allows asking the beneficiaries service to
	// count persons the caller knows by id (beneficiary participants of
	// training events) by their own data: counts only.
	ScopeBeneficiariesCount = "beneficiaries.count"
)

// Delegate returns ctx whose calls to other Spona services act for
// organisation org and client: each call carries a principal this process
// issues for it (see Issuer), with the called method's scope only when
// Delegated allows this process to grant it. A service uses it to make an
// internal call for the organisation it serves (the caller of its own
// request, or the owner of the data it acts on) without handing on the
// caller's own principal.
func Delegate(ctx context.Context, org, client string) context.Context {
	return WithPrincipal(ctx, Principal{OrganisationID: org, ClientID: client})
}
