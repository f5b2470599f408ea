package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TestNarrowPrincipals calls the beneficiaries process directly over gRPC
// with principals signed by the real keys of the stack's processes: it
// accepts one the edge issued for it and the method with the method's
// scope, and refuses one issued for another service or another method, one
// that lives too long, one with another scope, one a service issued beyond
// its delegation, and one the edge's key did not sign.
func TestNarrowPrincipals(t *testing.T) {
	s := startSystem(t)
	keysDir := filepath.Join(s.stack.KeysDir(), "principal")
	key := func(process string) ed25519.PrivateKey {
		raw, err := os.ReadFile(filepath.Join(keysDir, process+".key"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := auth.ParsePrivateKey(raw)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	type claims struct {
		Iss    string   `json:"iss"`
		Aud    string   `json:"aud"`
		Method string   `json:"m"`
		Org    string   `json:"org"`
		Client string   `json:"client"`
		Scopes []string `json:"scopes"`
		Iat    int64    `json:"iat"`
		Exp    int64    `json:"exp"`
	}
	sign := func(k ed25519.PrivateKey, c claims) string {
		payload, _ := json.Marshal(c)
		enc := base64.RawURLEncoding.EncodeToString(payload)
		return enc + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k, []byte(enc)))
	}
	// The edge's own connection: its mTLS certificate, no principal added
	// (each call brings the one under test).
	creds, err := s.stack.Credentials(auth.Edge, "beneficiaries")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(s.stack.GRPCAddr("beneficiaries"), grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := benv1.NewBeneficiaryServiceClient(conn)
	now := time.Now()
	org := ids.New()
	const list = "/spona.beneficiaries.v1.BeneficiaryService/ListBeneficiaries"
	good := claims{Iss: auth.Edge, Aud: "beneficiaries", Method: list, Org: org, Client: "test", Scopes: []string{auth.ScopeBeneficiariesRead},
		Iat: now.Unix(), Exp: now.Add(30 * time.Second).Unix()}
	call := func(tok string) error {
		ctx := metadata.AppendToOutgoingContext(context.Background(), auth.MetadataKey, tok)
		_, err := c.ListBeneficiaries(ctx, &benv1.ListBeneficiariesRequest{})
		return err
	}
	if err := call(sign(key(auth.Edge), good)); err != nil {
		t.Fatalf("a principal the edge issued for beneficiaries: %v", err)
	}
	with := func(f func(*claims)) claims { c := good; f(&c); return c }
	// A principal the referrals process may issue (its delegation allows
	// GetBeneficiary) is refused over the edge's connection: a token taken
	// from one process is no use from another.
	const get = "/spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary"
	referralsTok := sign(key("referrals"), with(func(c *claims) { c.Iss, c.Method = "referrals", get }))
	ctx := metadata.AppendToOutgoingContext(context.Background(), auth.MetadataKey, referralsTok)
	if _, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: ids.New()}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("referrals' principal over the edge's connection: %v", err)
	}
	// Plaintext is refused outright.
	plain, err := grpc.NewClient(s.stack.GRPCAddr("beneficiaries"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	pctx := metadata.AppendToOutgoingContext(context.Background(), auth.MetadataKey, sign(key(auth.Edge), good))
	if _, err := benv1.NewBeneficiaryServiceClient(plain).ListBeneficiaries(pctx, &benv1.ListBeneficiariesRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext call to an mTLS service: %v", err)
	}
	for name, c := range map[string]struct {
		tok  string
		code codes.Code
	}{
		"issued for referrals":               {sign(key(auth.Edge), with(func(c *claims) { c.Aud = "referrals" })), codes.Unauthenticated},
		"expiring in ten minutes":            {sign(key(auth.Edge), with(func(c *claims) { c.Exp = now.Add(10 * time.Minute).Unix() })), codes.Unauthenticated},
		"expired":                            {sign(key(auth.Edge), with(func(c *claims) { c.Iat, c.Exp = now.Add(-time.Minute).Unix(), now.Add(-20*time.Second).Unix() })), codes.Unauthenticated},
		"issued for another method":          {sign(key(auth.Edge), with(func(c *claims) { c.Method = "/spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary" })), codes.Unauthenticated},
		"another scope than the method's":    {sign(key(auth.Edge), with(func(c *claims) { c.Scopes = []string{auth.ScopeReferralsRead} })), codes.PermissionDenied},
		"trainings beyond its delegation":    {sign(key("trainings"), with(func(c *claims) { c.Iss = "trainings" })), codes.PermissionDenied},
		"referrals beyond its delegation":    {sign(key("referrals"), with(func(c *claims) { c.Iss = "referrals" })), codes.PermissionDenied},
		"claiming the edge, trainings' key":  {sign(key("trainings"), good), codes.Unauthenticated},
		"claiming the edge, reporting's key": {sign(key("reporting"), good), codes.Unauthenticated},
	} {
		if err := call(c.tok); status.Code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}
