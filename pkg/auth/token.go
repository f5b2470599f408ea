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
// it (aud), the organisation and client the call acts for, the one scope
// the called method needs, and expires after at most MaxTTL. It is signed
// with the issuer's own Ed25519 key; every process holds only its own
// private key and the public keys of the others, so no process can sign as
// another, and a token stolen from one service is worth nothing at another.
//
// The edge issues principals for partners and the platform administrator,
// with a scope only when the caller holds it. Every other process issues
// principals for its own calls (acting for the organisation it serves, or
// for itself), with only the scopes Delegated to it; the receiving side
// checks that too, so a service cannot widen what it may ask of another.

// Edge is the process that authenticates partners and issues their
// principals.
const Edge = "edge"

// MaxTTL bounds a principal's lifetime, and Leeway the clock difference
// tolerated between processes.
const (
	MaxTTL = 30 * time.Second
	Leeway = 5 * time.Second
)

// Delegated lists, for each process other than the edge, the scopes it may
// issue in principals for its own calls to other services: what its
// composition root calls, and events.read for the event feeds it consumes.
var Delegated = map[string][]string{
	// The beneficiary's view of a referral (GetBeneficiary), ending the
	// access a referral granted (RevokeAccess), whether a grant is live
	// (CheckAccess), reads of referrals recorded in the owner's audit log
	// (RecordAccess), project tags (reporting); the beneficiaries feed.
	"referrals": {ScopeBeneficiariesRead, ScopeBeneficiariesWrite, ScopeAccessCheck, ScopeAuditWrite, ScopeProjectsCheck, ScopeEvents},
	// Organisation kinds from the directory, whether the organiser sees a
	// participant (CheckAccess), project tags; the beneficiaries feed.
	"trainings": {ScopeDirectoryRead, ScopeAccessCheck, ScopeProjectsCheck, ScopeEvents},
	// Aggregates of the three services; the implementing organisation of
	// an IATI export from the directory; the feeds.
	"reporting": {ScopeAggregates, ScopeDirectoryRead, ScopeEvents},
	// The event feeds it turns into webhooks.
	"webhooks": {ScopeEvents},
	// Project tags (reporting); the directory services assistance
	// records name; the feeds it consumes.
	"beneficiaries": {ScopeProjectsCheck, ScopeDirectoryRead, ScopeEvents},
}

// Errors of Verify.
var (
	ErrMalformed  = errors.New("malformed principal token")
	ErrSignature  = errors.New("principal not signed by a known process")
	ErrExpired    = errors.New("principal token expired")
	ErrAudience   = errors.New("principal issued for another service")
	ErrLifetime   = errors.New("principal lives longer than allowed")
	ErrDelegation = errors.New("principal carries a scope its issuer may not grant")
)

type claims struct {
	Iss    string   `json:"iss"`
	Aud    string   `json:"aud"`
	Org    string   `json:"org"`
	Client string   `json:"client"`
	Via    []string `json:"via,omitempty"`
	Scopes []string `json:"scopes"`
	Iat    int64    `json:"iat"`
	Exp    int64    `json:"exp"`
}

// mayIssue reports whether process may put scope in a principal for p.
func mayIssue(process string, p Principal, scope string) bool {
	if process == Edge {
		return p.Has(scope)
	}
	return slices.Contains(Delegated[process], scope)
}

// mayAccept reports whether a principal issued by process may carry scope.
func mayAccept(process, scope string) bool {
	return process == Edge || slices.Contains(Delegated[process], scope)
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

// Issue returns a token for p's call to audience, carrying scope only.
func (i *Issuer) Issue(p Principal, audience, scope string) (string, error) {
	if !mayIssue(i.name, p, scope) {
		if i.name == Edge {
			return "", fmt.Errorf("%w: the caller does not hold %q", ErrDelegation, scope)
		}
		return "", fmt.Errorf("%w: %s may not issue %q (auth.Delegated)", ErrDelegation, i.name, scope)
	}
	gen := i.keys.generation() // before the key: a token is never remembered past its key
	key, ok := i.keys.privateKey(i.name)
	if !ok {
		return "", fmt.Errorf("auth: no private key of %s", i.name)
	}
	now := i.now()
	c := claims{Iss: i.name, Aud: audience, Org: p.OrganisationID, Client: p.ClientID,
		Via: append(slices.Clone(p.Via), i.name), Scopes: []string{scope},
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
	p   Principal
	gen uint64
}

// seenMax bounds the verifications a Verifier remembers: when full, it
// forgets them all.
const seenMax = 4096

// Verify checks a token issued for the verifier's process and returns its
// principal: signed by a known process, for this audience, not expired,
// expiring no later than the TTL plus Leeway from now, and carrying only
// scopes its issuer may grant.
func (v *Verifier) Verify(token string) (Principal, error) {
	gen := v.keys.generation()
	v.mu.Lock()
	s, ok := v.seen[token]
	v.mu.Unlock()
	if ok && s.gen == gen {
		// Signature, audience, lifetime and scopes were checked and
		// cannot have changed; the expiry can.
		if !v.now().Before(s.p.Expires.Add(Leeway)) {
			return Principal{}, ErrExpired
		}
		p := s.p
		p.Scopes, p.Via = slices.Clone(p.Scopes), slices.Clone(p.Via)
		return p, nil
	}
	p, err := v.verify(token)
	if err != nil {
		return Principal{}, err
	}
	v.mu.Lock()
	if len(v.seen) >= seenMax {
		clear(v.seen)
	}
	v.seen[token] = seen{p: p, gen: gen}
	v.mu.Unlock()
	p.Scopes, p.Via = slices.Clone(p.Scopes), slices.Clone(p.Via)
	return p, nil
}

func (v *Verifier) verify(token string) (Principal, error) {
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
	now := v.now()
	exp := time.Unix(c.Exp, 0)
	if !now.Before(exp.Add(Leeway)) {
		return Principal{}, ErrExpired
	}
	if exp.After(now.Add(v.ttl+Leeway)) || time.Unix(c.Iat, 0).After(now.Add(Leeway)) || c.Exp < c.Iat {
		return Principal{}, ErrLifetime
	}
	for _, s := range c.Scopes {
		if !mayAccept(c.Iss, s) {
			return Principal{}, fmt.Errorf("%w (%s, %q)", ErrDelegation, c.Iss, s)
		}
	}
	return Principal{OrganisationID: c.Org, ClientID: c.Client, Scopes: c.Scopes, Via: c.Via, Expires: exp}, nil
}
