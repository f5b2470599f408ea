package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkPrincipal is what a narrow principal costs per call: issuing
// (Ed25519 signature) and verifying it, against a baseline of the former
// shared-secret token (HMAC-SHA256 over the same JSON claims) in the same
// run.
func BenchmarkPrincipal(b *testing.B) {
	k, err := GenerateKeyring(Edge, "beneficiaries")
	if err != nil {
		b.Fatal(err)
	}
	iss, err := k.Issuer(Edge, MaxTTL)
	if err != nil {
		b.Fatal(err)
	}
	v := k.Verifier("beneficiaries", MaxTTL)
	p := Principal{OrganisationID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ClientID: "key-1", Scopes: PartnerScopes}
	const method = beneficiaries + "GetBeneficiary"
	b.Run("ed25519-narrow", func(b *testing.B) {
		for b.Loop() {
			tok, err := iss.Issue(p, "beneficiaries", method)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(tok, method); err != nil {
				b.Fatal(err)
			}
		}
	})
	secret := []byte("0123456789abcdef0123456789abcdef")
	b.Run("hmac-baseline", func(b *testing.B) {
		for b.Loop() {
			payload, _ := json.Marshal(claims{Iss: Edge, Org: p.OrganisationID, Client: p.ClientID, Scopes: p.Scopes, Exp: time.Now().Add(2 * time.Minute).Unix()})
			enc := base64.RawURLEncoding.EncodeToString(payload)
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(enc))
			tok := enc + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
			// verify: recompute and decode, as the former Signer did
			m = hmac.New(sha256.New, secret)
			m.Write([]byte(enc))
			if !hmac.Equal(m.Sum(nil), mustDecode(b, tok[len(enc)+1:])) {
				b.Fatal("mac")
			}
			var c claims
			if err := json.Unmarshal(payload, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func mustDecode(b *testing.B, s string) []byte {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}
