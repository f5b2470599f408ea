package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	_ "github.com/spona/spona/gen/go/spona/events/v1"
	_ "github.com/spona/spona/gen/go/spona/referrals/v1"
	_ "github.com/spona/spona/gen/go/spona/reporting/v1"
	_ "github.com/spona/spona/gen/go/spona/trainings/v1"
)

var processes = []string{Edge, "beneficiaries", "referrals", "trainings", "reporting", "webhooks"}

func keyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := GenerateKeyring(processes...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issuer(t *testing.T, k *Keyring, process string) *Issuer {
	t.Helper()
	i, err := k.Issuer(process, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// forge signs arbitrary claims with process's key.
func forge(t *testing.T, k *Keyring, process string, c claims) string {
	t.Helper()
	key, _ := k.privateKey(process)
	payload, _ := json.Marshal(c)
	enc := base64.RawURLEncoding.EncodeToString(payload)
	return enc + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(enc)))
}

// Methods the tests call.
const (
	getBeneficiary    = beneficiaries + "GetBeneficiary"
	createBeneficiary = beneficiaries + "CreateBeneficiary"
	eraseBeneficiary  = beneficiaries + "EraseBeneficiary"
	listBeneficiaries = beneficiaries + "ListBeneficiaries"
	checkAccess       = access + "CheckAccess"
	recordAccess      = access + "RecordAccess"
	createTraining    = trainings + "CreateTrainingEvent"
	updateOrg         = directory + "UpdateOrganisation"
	createReferral    = referrals + "CreateReferral"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	k := keyring(t)
	partner := Principal{OrganisationID: "org-1", ClientID: "key-1", Scopes: []string{ScopeBeneficiariesRead, ScopeReferralsWrite}}
	tok, err := issuer(t, k, Edge).Issue(partner, "beneficiaries", getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	v := k.Verifier("beneficiaries", 30*time.Second)
	got, err := v.Verify(tok, getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	if got.Expires.IsZero() || time.Until(got.Expires) > 31*time.Second {
		t.Errorf("expiry %v", got.Expires)
	}
	got.Expires = time.Time{}
	want := Principal{OrganisationID: "org-1", ClientID: "key-1", Scopes: []string{ScopeBeneficiariesRead}, Via: []string{Edge}, IssuedBy: Edge}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("narrow principal (-want +got):\n%s", diff)
	}
	// The token is good for that one method: not for another of the same
	// scope.
	if _, err := v.Verify(tok, listBeneficiaries); !errors.Is(err, ErrMethod) {
		t.Errorf("a token for GetBeneficiary called ListBeneficiaries: %v", err)
	}
	// The edge only issues what the caller holds.
	if _, err := issuer(t, k, Edge).Issue(partner, "trainings", createTraining); !errors.Is(err, ErrDelegation) {
		t.Errorf("edge issued a scope the caller lacks: %v", err)
	}
	// ...and never the scopes services use among themselves, whoever asks.
	if _, err := issuer(t, k, Edge).Issue(Principal{OrganisationID: "o", Scopes: []string{ScopeAuditWrite}}, "beneficiaries", recordAccess); !errors.Is(err, ErrDelegation) {
		t.Errorf("edge issued audit.write: %v", err)
	}
	// A service acts on delegation: referrals for the same organisation,
	// the beneficiary's view, the chain recorded.
	tok, err = issuer(t, k, "referrals").Issue(got, "beneficiaries", getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(tok, getBeneficiary)
	if err != nil || p.OrganisationID != "org-1" || strings.Join(p.Via, ",") != "edge,referrals" || !p.Has(ScopeBeneficiariesRead) {
		t.Fatalf("delegated: %+v %v", p, err)
	}
	// Not a method outside its delegation, even of a scope it may use for
	// another method (beneficiaries.write: GrantAccess yes, erasure no).
	for _, m := range []string{eraseBeneficiary, createBeneficiary, listBeneficiaries, createTraining} {
		if _, err := issuer(t, k, "referrals").Issue(got, "beneficiaries", m); !errors.Is(err, ErrDelegation) {
			t.Errorf("referrals issued a principal for %s: %v", m, err)
		}
	}
	if _, err := k.Issuer("referrals", time.Minute); err == nil {
		t.Error("an issuer with a TTL over 30 s")
	}
	// A consulted scope rides along from the edge when the caller holds it.
	admin := Principal{OrganisationID: "o", Scopes: []string{ScopeReferralsWrite, ScopeDirectoryAdmin}}
	tok, err = issuer(t, k, Edge).Issue(admin, "referrals", updateOrg)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := k.Verifier("referrals", MaxTTL).Verify(tok, updateOrg); err != nil || !p.Has(ScopeDirectoryAdmin) {
		t.Fatalf("directory administrator: %+v %v", p, err)
	}
	tok, _ = issuer(t, k, Edge).Issue(admin, "referrals", createReferral)
	if p, _ := k.Verifier("referrals", MaxTTL).Verify(tok, createReferral); p.Has(ScopeDirectoryAdmin) {
		t.Fatal("directory.admin carried to a referral method")
	}
}

// TestDirectoryAdministratorInstead: a credential of the platform
// administrator holds directory.admin and not referrals.write, the scope
// of the directory's edits; directory.admin stands in for it on those
// methods only (Instead), and the principal the edge issues carries it,
// never a scope the caller does not hold.
func TestDirectoryAdministratorInstead(t *testing.T) {
	k := keyring(t)
	v := k.Verifier("referrals", MaxTTL)
	admin := Principal{OrganisationID: PlatformOrganisationID, Scopes: slices.Clone(PlatformScopes)}
	for m := range Instead {
		if !admin.MayCall(m) {
			t.Errorf("the administrator may not call %s", m)
		}
		tok, err := issuer(t, k, Edge).Issue(admin, "referrals", m)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		p, err := v.Verify(tok, m)
		if err != nil || !cmp.Equal(p.Scopes, []string{ScopeDirectoryAdmin}) {
			t.Errorf("%s: %+v %v", m, p, err)
		}
	}
	// Not for any other method of the scope it stands in for, nor of its
	// service.
	for _, m := range []string{createReferral, directory + "VerifyOrganisation", getBeneficiary} {
		partial := Principal{OrganisationID: PlatformOrganisationID, Scopes: []string{ScopeDirectoryAdmin}}
		if partial.MayCall(m) {
			t.Errorf("directory.admin alone may call %s", m)
		}
		if _, err := issuer(t, k, Edge).Issue(partial, "referrals", m); !errors.Is(err, ErrDelegation) {
			t.Errorf("the edge issued directory.admin alone for %s: %v", m, err)
		}
		now := time.Now()
		forged := forge(t, k, Edge, claims{Iss: Edge, Aud: "referrals", Method: m, Org: PlatformOrganisationID, Client: "c",
			Scopes: []string{ScopeDirectoryAdmin}, Iat: now.Unix(), Exp: now.Add(10 * time.Second).Unix()})
		if _, err := v.Verify(forged, m); !errors.Is(err, ErrDelegation) {
			t.Errorf("a principal carrying directory.admin for %s: %v", m, err)
		}
	}
	// Only the edge issues it: a service's delegation carries the
	// method's own scope.
	now := time.Now()
	forged := forge(t, k, "trainings", claims{Iss: "trainings", Aud: "referrals", Method: updateOrg, Org: "o", Client: "c",
		Scopes: []string{ScopeDirectoryAdmin}, Iat: now.Unix(), Exp: now.Add(10 * time.Second).Unix()})
	if _, err := v.Verify(forged, updateOrg); !errors.Is(err, ErrDelegation) {
		t.Errorf("trainings' principal carrying directory.admin: %v", err)
	}
	// A partner holds the method's own scope, as before.
	partner := Principal{OrganisationID: "o", Scopes: []string{ScopeReferralsWrite}}
	tok, err := issuer(t, k, Edge).Issue(partner, "referrals", updateOrg)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(tok, updateOrg); err != nil || !cmp.Equal(p.Scopes, []string{ScopeReferralsWrite}) {
		t.Errorf("partner: %+v %v", p, err)
	}
}

// TestDelegatedMethodsExist: every method a process may call declares a
// scope (a renamed RPC fails here, not in production).
func TestDelegatedMethodsExist(t *testing.T) {
	for proc, methods := range Delegated {
		for _, m := range methods {
			if _, ok := ScopeFor(m); !ok {
				t.Errorf("%s: %s is not a method with a scope", proc, m)
			}
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := keyring(t)
	now := time.Now()
	base := claims{Iss: Edge, Aud: "beneficiaries", Method: getBeneficiary, Org: "org-1", Client: "c", Scopes: []string{ScopeBeneficiariesRead}, Iat: now.Unix(), Exp: now.Add(30 * time.Second).Unix()}
	with := func(f func(*claims)) claims { c := base; f(&c); return c }
	good := forge(t, k, Edge, base)
	enc, sig, _ := strings.Cut(good, ".")
	otherEnc, _, _ := strings.Cut(forge(t, k, Edge, with(func(c *claims) { c.Org = "org-2" })), ".")
	// Another keyring: the same process names, other keys.
	stranger := keyring(t)
	cases := map[string]struct {
		token string
		want  error
	}{
		"other audience":            {forge(t, k, Edge, with(func(c *claims) { c.Aud = "referrals" })), ErrAudience},
		"other method":              {forge(t, k, Edge, with(func(c *claims) { c.Method = listBeneficiaries })), ErrMethod},
		"no method":                 {forge(t, k, Edge, with(func(c *claims) { c.Method = "" })), ErrMethod},
		"expired":                   {forge(t, k, Edge, with(func(c *claims) { c.Iat, c.Exp = now.Add(-time.Minute).Unix(), now.Add(-10*time.Second).Unix() })), ErrExpired},
		"far-future expiry":         {forge(t, k, Edge, with(func(c *claims) { c.Exp = now.Add(2 * time.Minute).Unix() })), ErrLifetime},
		"issued in the future":      {forge(t, k, Edge, with(func(c *claims) { c.Iat = now.Add(time.Minute).Unix() })), ErrLifetime},
		"signed by another key":     {forge(t, stranger, Edge, base), ErrSignature},
		"claims another issuer":     {forge(t, k, "referrals", base), ErrSignature},
		"unknown issuer":            {forge(t, k, Edge, with(func(c *claims) { c.Iss = "mallory" })), ErrSignature},
		"service beyond delegation": {forge(t, k, "webhooks", with(func(c *claims) { c.Iss = "webhooks" })), ErrDelegation},
		"another scope":             {forge(t, k, Edge, with(func(c *claims) { c.Scopes = []string{ScopeReferralsRead} })), ErrDelegation},
		"an extra scope":            {forge(t, k, Edge, with(func(c *claims) { c.Scopes = []string{ScopeBeneficiariesRead, ScopeBeneficiariesWrite} })), ErrDelegation},
		"service adding a scope":    {forge(t, k, "referrals", with(func(c *claims) { c.Iss = "referrals"; c.Scopes = []string{ScopeBeneficiariesRead, ScopeDirectoryAdmin} })), ErrDelegation},
		"no scope":                  {forge(t, k, Edge, with(func(c *claims) { c.Scopes = nil })), ErrDelegation},
		"swapped payload":           {otherEnc + "." + sig, ErrSignature},
		"no signature":              {enc, ErrMalformed},
		"garbage":                   {"%%%.###", ErrMalformed},
		"empty":                     {"", ErrMalformed},
		"no organisation":           {forge(t, k, Edge, with(func(c *claims) { c.Org = "" })), ErrMalformed},
	}
	v := k.Verifier("beneficiaries", 30*time.Second)
	if _, err := v.Verify(good, getBeneficiary); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(c.token, getBeneficiary); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestInternalPrincipal(t *testing.T) {
	k := keyring(t)
	p := InternalPrincipal("referrals")
	if !p.Internal() || p.ClientID != "internal:referrals" || !p.Has(ScopeEvents) {
		t.Fatalf("internal principal %+v", p)
	}
	// Every process may read the others' feeds for itself.
	for _, proc := range processes {
		tok, err := issuer(t, k, proc).Issue(p, "beneficiaries", feed+"WatchEvents")
		if err != nil {
			t.Fatalf("%s: %v", proc, err)
		}
		if got, err := k.Verifier("beneficiaries", 30*time.Second).Verify(tok, feed+"WatchEvents"); err != nil || !got.Internal() {
			t.Fatalf("%s: %+v %v", proc, got, err)
		}
	}
}

func TestKeyringFiles(t *testing.T) {
	k := keyring(t)
	dir := t.TempDir()
	pubDir, err := k.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded := NewKeyring()
	if err := loaded.Load("referrals", filepath.Join(dir, "referrals.key"), pubDir); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(processes)), loaded.Processes()); diff != "" {
		t.Errorf("public keys (-want +got):\n%s", diff)
	}
	if _, err := loaded.Issuer(Edge, 30*time.Second); err == nil {
		t.Error("a process's keyring signs as another")
	}
	tok, err := issuer(t, loaded, "referrals").Issue(Principal{OrganisationID: "o"}, "beneficiaries", getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verifier("beneficiaries", 30*time.Second).Verify(tok, getBeneficiary); err != nil {
		t.Fatal(err)
	}
	// A second key of a process during a rotation.
	next := keyring(t)
	nextDir := t.TempDir()
	nextPub, _ := next.WriteFiles(nextDir)
	// Its new private key before its public key was handed out: every
	// principal it signed would be refused, so it does not start.
	if err := loaded.Load("referrals", filepath.Join(nextDir, "referrals.key"), pubDir); err == nil ||
		!strings.Contains(err.Error(), "PRINCIPAL_KEY_FILE") || !strings.Contains(err.Error(), "referrals.pem") {
		t.Errorf("a private key whose public key the others do not have: %v, want a refusal", err)
	}
	raw, _ := os.ReadFile(filepath.Join(nextPub, "referrals.pem"))
	if err := os.WriteFile(filepath.Join(pubDir, "referrals.next.pem"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Load("referrals", filepath.Join(nextDir, "referrals.key"), pubDir); err != nil {
		t.Fatal(err)
	}
	for _, signer := range []*Keyring{k, next} {
		tok, _ := issuer(t, signer, "referrals").Issue(Principal{OrganisationID: "o"}, "beneficiaries", getBeneficiary)
		if _, err := loaded.Verifier("beneficiaries", 30*time.Second).Verify(tok, getBeneficiary); err != nil {
			t.Errorf("during a rotation: %v", err)
		}
	}
	// Bad files leave the keyring as it was.
	if err := os.WriteFile(filepath.Join(pubDir, "edge.pem"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Load("referrals", filepath.Join(nextDir, "referrals.key"), pubDir); err == nil {
		t.Error("junk public key accepted")
	}
	if _, err := loaded.Issuer("referrals", 30*time.Second); err != nil {
		t.Errorf("a failed reload lost the key: %v", err)
	}
}

// A token verified once is remembered, but only until it expires and while
// the keyring holds the keys it was verified with.
func TestVerifyRemembers(t *testing.T) {
	k := keyring(t)
	dir := t.TempDir()
	pubDir, err := k.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded := NewKeyring()
	if err := loaded.Load("beneficiaries", "", pubDir); err != nil {
		t.Fatal(err)
	}
	v := loaded.Verifier("beneficiaries", 30*time.Second)
	now := time.Now()
	v.now = func() time.Time { return now }
	tok, err := issuer(t, k, Edge).Issue(Principal{OrganisationID: "o", ClientID: "c", Scopes: []string{ScopeBeneficiariesRead}},
		"beneficiaries", getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	first, err := v.Verify(tok, getBeneficiary)
	if err != nil {
		t.Fatal(err)
	}
	first.Scopes[0] = "changed by the caller"
	again, err := v.Verify(tok, getBeneficiary)
	if err != nil || again.OrganisationID != "o" || !slices.Equal(again.Scopes, []string{ScopeBeneficiariesRead}) {
		t.Fatalf("second Verify = %+v, %v", again, err)
	}
	if len(v.seen) != 1 {
		t.Fatalf("%d remembered verifications, want 1", len(v.seen))
	}
	// A remembered token presented for another method is refused.
	if _, err := v.Verify(tok, listBeneficiaries); !errors.Is(err, ErrMethod) {
		t.Fatalf("remembered token for another method: %v", err)
	}
	// Past its expiry (and the leeway) the remembered token is refused.
	v.now = func() time.Time { return now.Add(MaxTTL + Leeway + time.Second) }
	if _, err := v.Verify(tok, getBeneficiary); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired remembered token: %v", err)
	}
	// Once the edge's public key is gone, so is what was verified with it.
	v.now = func() time.Time { return now }
	if err := os.Remove(filepath.Join(pubDir, "edge.pem")); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Load("beneficiaries", "", pubDir); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(tok, getBeneficiary); !errors.Is(err, ErrSignature) {
		t.Fatalf("token of a removed key: %v", err)
	}
}

// BenchmarkVerify: a token's first verification (signature, claims)
// against one remembered from before, and issuing anew against the same
// claims again.
func BenchmarkVerify(b *testing.B) {
	k, err := GenerateKeyring(processes...)
	if err != nil {
		b.Fatal(err)
	}
	i, err := k.Issuer(Edge, 30*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	p := Principal{OrganisationID: "0190a000-0000-7000-8000-000000000001", ClientID: "load", Scopes: []string{ScopeBeneficiariesRead}}
	tok, err := i.Issue(p, "beneficiaries", getBeneficiary)
	if err != nil {
		b.Fatal(err)
	}
	v := k.Verifier("beneficiaries", 30*time.Second)
	b.Run("verify/first", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.verify(tok, getBeneficiary); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify/remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.Verify(tok, getBeneficiary); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("issue/first", func(b *testing.B) {
		for b.Loop() {
			i.made = nil
			if _, err := i.Issue(p, "beneficiaries", getBeneficiary); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("issue/remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := i.Issue(p, "beneficiaries", getBeneficiary); err != nil {
				b.Fatal(err)
			}
		}
	})
}
