package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Narrow principals.
//
// A principal travels between processes as a token issued for one call: it
// names the process that issued it (iss), the one process that may accept
// it (aud), the one method it may call (m), the organisation and client the
// call acts for, the scope that method declares (plus, from the edge, a
// Consulted scope the caller holds), and expires after at most MaxTTL. It
// is signed with the issuer's own Ed25519 key; every process holds only its
// own private key and the public keys of the others, so no process can sign
// as another, and a token taken from one call is worth nothing for another
// method or at another service.
//
// The edge issues principals for partners and the platform administrator,
// with the method's scope only when the caller holds it. Every other
// process issues principals for its own calls (acting for the organisation
// it serves, or for itself) only for the methods Delegated to it; the
// receiving side checks the same table, so a service cannot ask another
// for more than its composition root needs.

// Edge is the process that authenticates partners and issues their
// principals.
const Edge = "edge"

// MaxTTL bounds a principal's lifetime, and Leeway the clock difference
// tolerated between processes.
const (
	MaxTTL = 30 * time.Second
	Leeway = 5 * time.Second
)

// Methods other processes call, for Delegated.
const (
	feed          = "/spona.events.v1.EventFeedService/"
	beneficiaries = "/spona.beneficiaries.v1.BeneficiaryService/"
	access        = "/spona.beneficiaries.v1.BeneficiaryAccessService/"
	directory     = "/spona.referrals.v1.DirectoryService/"
	referrals     = "/spona.referrals.v1.ReferralService/"
	trainings     = "/spona.trainings.v1.TrainingService/"
	projects      = "/spona.reporting.v1.ProjectParticipationService/"
)

// feeds are the event feed methods every process may call for itself.
var feeds = []string{feed + "ListEvents", feed + "WatchEvents"}

// Delegated lists, for each process other than the edge, the methods of
// the other services it may call (and so issue principals for): what its
// composition root calls, nothing more. A principal such a process issues
// carries only the method's own scope.
var Delegated = map[string][]string{
	// The beneficiary's view of a referral, consent, the access a
	// referral grants and ends, whether a grant is live, reads of
	// referrals recorded in the owner's audit log, the assistance a
	// completed referral records (voided when the completion fails);
	// project tags; the beneficiaries feed (erasure, merge, consent
	// withdrawal).
	"referrals": append([]string{beneficiaries + "GetBeneficiary", beneficiaries + "CreateAssistance", beneficiaries + "VoidAssistance",
		access + "CheckConsent", access + "GrantAccess", access + "RevokeAccess", access + "CheckAccess", access + "RecordAccess",
		projects + "CheckProjectParticipation"}, feeds...),
	// Organisation kinds from the directory and its names (a sign-in
	// sheet's organisation named by hand), whether the organiser sees a
	// participant, the beneficiary participants counted by sex, reads of
	// beneficiary participants recorded in the owner's audit log, project
	// tags; the beneficiaries feed.
	"trainings": append([]string{directory + "GetOrganisation", directory + "ListOrganisations", access + "CheckAccess", access + "CountBeneficiaries", access + "RecordAccess",
		projects + "CheckProjectParticipation"}, feeds...),
	// The aggregates of a report, the implementing organisation of an IATI
	// export, the directory services a report dimension names; the feeds.
	"reporting": append([]string{beneficiaries + "CountAssistedBeneficiaries", trainings + "CountParticipants",
		trainings + "CountTrainingEvents", referrals + "CountReferrals", directory + "GetOrganisation", directory + "GetService"}, feeds...),
	// Project tags; the directory services assistance records name; the
	// feeds.
	"beneficiaries": append([]string{projects + "CheckProjectParticipation", directory + "GetService"}, feeds...),
	// The event feeds it turns into webhooks.
	"webhooks": feeds,
}

// Consulted lists, per gRPC service, scopes its methods consult beyond their
// own: a principal the edge issues for a method of the service also carries
// those of them the caller holds (directory.admin lets a directory
// administrator edit any organisation's entries).
var Consulted = map[string][]string{
	"spona.referrals.v1.DirectoryService": {ScopeDirectoryAdmin},
}

// Instead lists methods that a scope other than their own also lets a
// caller call, and that scope: the directory administrator
// (directory.admin, which no partner holds) edits any organisation's
// directory entries and services, as partners edit their own with
// referrals.write, a scope the administrator does not hold. The method
// itself tells the two apart (a partner may change its own organisation's
// entries only). A principal the edge issues for such a call carries the
// scope the caller holds: the method's own, or else this one.
var Instead = map[string]string{
	directory + "UpdateOrganisation": ScopeDirectoryAdmin,
	directory + "CreateService":      ScopeDirectoryAdmin,
	directory + "UpdateService":      ScopeDirectoryAdmin,
}

// MayCall reports whether p may call method (a full gRPC method name): it
// holds the scope the method declares (ScopeFor), or the scope that
// stands in for it (Instead). A method that declares no scope is called by
// nobody.
func (p Principal) MayCall(method string) bool {
	scope, ok := ScopeFor(method)
	if !ok {
		return false
	}
	if p.Has(scope) {
		return true
	}
	s, ok := Instead[method]
	return ok && p.Has(s)
}

// Errors of Issue and Verify.
var (
	ErrMalformed  = errors.New("malformed principal token")
	ErrSignature  = errors.New("principal not signed by a known process")
	ErrExpired    = errors.New("principal token expired")
	ErrAudience   = errors.New("principal issued for another service")
	ErrMethod     = errors.New("principal issued for another method")
	ErrLifetime   = errors.New("principal lives longer than allowed")
	ErrDelegation = errors.New("principal for a call its issuer may not make")
)

type claims struct {
	Iss    string   `json:"iss"`
	Aud    string   `json:"aud"`
	Method string   `json:"m"`
	Org    string   `json:"org"`
	Client string   `json:"client"`
	Via    []string `json:"via,omitempty"`
	Scopes []string `json:"scopes"`
	Iat    int64    `json:"iat"`
	Exp    int64    `json:"exp"`
}

// serviceOf is the gRPC service of a full method name.
func serviceOf(method string) string {
	svc, _, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	return svc
}

// scopesFor returns the scopes a principal process issues from p for
// method carries, or ErrDelegation.
func scopesFor(process string, p Principal, method string) ([]string, error) {
	scope, ok := ScopeFor(method)
	if !ok {
		return nil, fmt.Errorf("%w: %s declares no scope", ErrDelegation, method)
	}
	if process != Edge {
		if !slices.Contains(Delegated[process], method) {
			return nil, fmt.Errorf("%w: %s may not call %s (auth.Delegated)", ErrDelegation, process, method)
		}
		return []string{scope}, nil
	}
	if !edgeMay(scope) {
		return nil, fmt.Errorf("%w: the caller does not hold %q", ErrDelegation, scope)
	}
	if !p.Has(scope) {
		// The scope standing in for the method's, when the caller holds it.
		s, ok := Instead[method]
		if !ok || !p.Has(s) {
			return nil, fmt.Errorf("%w: the caller does not hold %q", ErrDelegation, scope)
		}
		scope = s
	}
	out := []string{scope}
	for _, s := range Consulted[serviceOf(method)] {
		if s != scope && p.Has(s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// edgeMay reports whether the edge may issue scope at all: a scope of
// partners or the administrator, or events.read for its own consumer;
// never the scopes only services use among themselves.
func edgeMay(scope string) bool {
	return slices.Contains(AllScopes, scope) || scope == ScopeEvents
}

// accepts reports whether a principal issuer issued for method may carry
// scopes.
func accepts(issuer, method string, scopes []string) bool {
	scope, ok := ScopeFor(method)
	if !ok || len(scopes) == 0 {
		return false
	}
	if issuer != Edge {
		return scopes[0] == scope && len(scopes) == 1 && slices.Contains(Delegated[issuer], method)
	}
	if scopes[0] != scope && (Instead[method] == "" || scopes[0] != Instead[method]) {
		return false
	}
	if !edgeMay(scope) {
		return false
	}
	for _, s := range scopes[1:] {
		if !slices.Contains(Consulted[serviceOf(method)], s) {
			return false
		}
	}
	return true
}

// Issuer issues the principals of one process's calls.
type Issuer struct {
	name string
	keys *Keyring
	ttl  time.Duration
	now  func() time.Time

	mu   sync.Mutex
	made map[string]string // claims → token, for the same call again
	gen  uint64            // the keyring's generation made was signed in
}

// Name is the issuing process.
func (i *Issuer) Name() string { return i.name }

// Issue returns a token for p's call of method (a full gRPC method name,
// "/package.Service/Method") at audience, carrying the method's scope.
func (i *Issuer) Issue(p Principal, audience, method string) (string, error) {
	scopes, err := scopesFor(i.name, p, method)
	if err != nil {
		return "", err
	}
	gen := i.keys.generation() // before the key: a token is never remembered past its key
	key, ok := i.keys.privateKey(i.name)
	if !ok {
		return "", fmt.Errorf("auth: no private key of %s", i.name)
	}
	now := i.now()
	c := claims{Iss: i.name, Aud: audience, Method: method, Org: p.OrganisationID, Client: p.ClientID,
		Via: append(slices.Clone(p.Via), i.name), Scopes: scopes,
		Iat: now.Unix(), Exp: now.Add(i.ttl).Unix()}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	// Ed25519 signatures are deterministic: the same claims (the same call
	// within a second) make the same token, so it is signed once.
	i.mu.Lock()
	if gen != i.gen { // the key may have changed
		i.made, i.gen = nil, gen
	}
	tok, ok := i.made[string(payload)]
	i.mu.Unlock()
	if ok {
		return tok, nil
	}
	enc := base64.RawURLEncoding.EncodeToString(payload)
	tok = enc + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(enc)))
	i.mu.Lock()
	if i.made == nil || len(i.made) >= seenMax || i.gen != gen {
		i.gen = gen
		i.made = map[string]string{}
	}
	i.made[string(payload)] = tok
	i.mu.Unlock()
	return tok, nil
}

// Verifier accepts the principals issued for one process.
type Verifier struct {
	self string
	keys *Keyring
	ttl  time.Duration
	now  func() time.Time

	// Tokens verified before, with their principal: a caller's token
	// arrives many times (an issuer makes the same token for the same
	// call within a second, and retries resend it), and the signature
	// check is most of Verify's cost. An entry holds until its token
	// expires or the keyring is loaded again.
	mu   sync.Mutex
	seen map[string]seen
}

type seen struct {
	p      Principal
	method string
	gen    uint64
}

// seenMax bounds the verifications a Verifier remembers: when full, it
// forgets them all.
const seenMax = 4096

// Verify checks a token presented for a call of method at the verifier's
// process and returns its principal: signed by a known process, for this
// audience and this method, not expired, expiring no later than the TTL
// plus Leeway from now, carrying the method's scope, issued by a process
// that may make the call.
func (v *Verifier) Verify(token, method string) (Principal, error) {
	gen := v.keys.generation()
	v.mu.Lock()
	s, ok := v.seen[token]
	v.mu.Unlock()
	if ok && s.gen == gen {
		// Signature, audience, method, lifetime and scopes were checked
		// and cannot have changed; the expiry can. A token names one
		// method: presented for another, it is refused as before.
		if s.method != method {
			return Principal{}, fmt.Errorf("%w (%s)", ErrMethod, s.method)
		}
		if !v.now().Before(s.p.Expires.Add(Leeway)) {
			return Principal{}, ErrExpired
		}
		p := s.p
		p.Scopes, p.Via = slices.Clone(p.Scopes), slices.Clone(p.Via)
		return p, nil
	}
	p, err := v.verify(token, method)
	if err != nil {
		return Principal{}, err
	}
	v.mu.Lock()
	if len(v.seen) >= seenMax {
		clear(v.seen)
	}
	v.seen[token] = seen{p: p, method: method, gen: gen}
	v.mu.Unlock()
	p.Scopes, p.Via = slices.Clone(p.Scopes), slices.Clone(p.Via)
	return p, nil
}

func (v *Verifier) verify(token, method string) (Principal, error) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 8192 {
		return Principal{}, ErrMalformed
	}
	rawSig, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Org == "" || c.Iss == "" || c.Exp == 0 {
		return Principal{}, ErrMalformed
	}
	if !v.keys.verify(c.Iss, []byte(enc), rawSig) {
		return Principal{}, ErrSignature
	}
	if c.Aud != v.self {
		return Principal{}, fmt.Errorf("%w (%q, not %q)", ErrAudience, c.Aud, v.self)
	}
	if c.Method != method {
		return Principal{}, fmt.Errorf("%w (%s)", ErrMethod, c.Method)
	}
	now := v.now()
	exp := time.Unix(c.Exp, 0)
	if !now.Before(exp.Add(Leeway)) {
		return Principal{}, ErrExpired
	}
	if exp.After(now.Add(v.ttl+Leeway)) || time.Unix(c.Iat, 0).After(now.Add(Leeway)) || c.Exp < c.Iat {
		return Principal{}, ErrLifetime
	}
	if !accepts(c.Iss, method, c.Scopes) {
		return Principal{}, fmt.Errorf("%w (%s, %s, %q)", ErrDelegation, c.Iss, method, c.Scopes)
	}
	return Principal{OrganisationID: c.Org, ClientID: c.Client, Scopes: c.Scopes, Via: c.Via, IssuedBy: c.Iss, Expires: exp}, nil
}
