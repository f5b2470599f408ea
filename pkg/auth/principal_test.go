package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	s, err := NewSigner("0123456789abcdef0123", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p := Principal{OrganisationID: "org-1", ClientID: "key-1", Scopes: []string{ScopeBeneficiariesRead}}
	tok, err := s.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	got.Expires = time.Time{}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
	if !got.Has(ScopeBeneficiariesRead) || got.Has(ScopeBeneficiariesWrite) {
		t.Fatal("scope check wrong")
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	s, _ := NewSigner("0123456789abcdef0123", time.Minute)
	other, _ := NewSigner("another-secret-0123456", time.Minute)
	tok, _ := s.Sign(Principal{OrganisationID: "org-1"})
	forged, _ := other.Sign(Principal{OrganisationID: "org-2"})
	enc, sig, _ := strings.Cut(tok, ".")
	fenc, _, _ := strings.Cut(forged, ".")

	expired, _ := NewSigner("0123456789abcdef0123", time.Minute)
	expired.now = func() time.Time { return time.Now().Add(-2 * time.Minute) }
	old, _ := expired.Sign(Principal{OrganisationID: "org-1"})

	cases := map[string]struct {
		token string
		want  error
	}{
		"other key":       {forged, ErrSignature},
		"swapped payload": {fenc + "." + sig, ErrSignature},
		"no signature":    {enc, ErrMalformed},
		"garbage":         {"%%%.###", ErrMalformed},
		"empty":           {"", ErrMalformed},
		"expired":         {old, ErrExpired},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Verify(c.token); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := NewSigner("short", time.Minute); err == nil {
		t.Fatal("want error for short secret")
	}
}

func TestInternalPrincipal(t *testing.T) {
	s, err := NewSigner("internal-principal-secret-0123456789", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.SignInternal("referrals")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Internal() || p.ClientID != "internal:referrals" || len(p.Scopes) != 1 || !p.Has(ScopeEvents) {
		t.Fatalf("internal principal %+v", p)
	}
	if _, err := s.SignInternal(""); err == nil {
		t.Fatal("signed an internal principal without a process")
	}
	// Partner keys can never hold the internal scopes.
	for _, internal := range InternalScopes {
		for _, list := range [][]string{AllScopes, DefaultPartnerScopes} {
			for _, sc := range list {
				if sc == internal {
					t.Fatalf("%s is grantable to partners", internal)
				}
			}
		}
	}
}
