package platform

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/tlsconfig"
)

// TestInitSecrets: init-secrets makes a key pair per process that the
// processes load (each signs as itself, every one verifies the others),
// keeps existing keys on a second run, and gives the files to -owner.
func TestInitSecrets(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := initSecrets([]string{"-owner", "65532:65532", dir}, &out); err != nil {
		t.Fatal(err)
	}
	priv := filepath.Join(dir, "principal")
	pub := filepath.Join(priv, "public")
	first, err := os.ReadFile(filepath.Join(priv, "referrals.key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Processes {
		for _, f := range []string{filepath.Join(priv, p+".key"), filepath.Join(pub, p+".pem")} {
			fi, err := os.Lstat(f)
			if err != nil {
				t.Fatal(err)
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok || st.Uid != 65532 || st.Gid != 65532 {
				t.Errorf("%s: owner %v, want 65532:65532", f, fi.Sys())
			}
			if fi.Mode().Perm()&0o007 != 0 {
				t.Errorf("%s: mode %v readable by others", f, fi.Mode())
			}
		}
	}
	// Two processes loading their own files: one issues, the other accepts.
	ref, trn := auth.NewKeyring(), auth.NewKeyring()
	if err := ref.Load("referrals", filepath.Join(priv, "referrals.key"), pub); err != nil {
		t.Fatal(err)
	}
	if err := trn.Load("trainings", filepath.Join(priv, "trainings.key"), pub); err != nil {
		t.Fatal(err)
	}
	iss, err := ref.Issuer("referrals", auth.MaxTTL)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Issue(auth.Principal{OrganisationID: "org", ClientID: "c"}, "trainings", "/spona.events.v1.EventFeedService/WatchEvents")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trn.Verifier("trainings", auth.MaxTTL).Verify(tok, "/spona.events.v1.EventFeedService/WatchEvents"); err != nil {
		t.Fatalf("trainings refuses referrals' principal: %v", err)
	}
	if _, err := trn.Issuer("referrals", time.Second); err == nil {
		t.Fatal("trainings holds referrals' private key")
	}
	// A second run keeps the keys.
	if err := initSecrets([]string{dir}, &out); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(priv, "referrals.key"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("a second init-secrets replaced existing keys")
	}
	if err := initSecrets([]string{"-owner", "x", dir}, &out); err == nil {
		t.Fatal("-owner x accepted")
	}
}

// TestTLSSettings: mTLS needs the three files; plaintext only with an
// explicit GRPC_INSECURE, never mixed with them; without either, a process
// refuses to serve or call gRPC, naming the settings.
func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	if err := InitSecrets(dir); err != nil {
		t.Fatal(err)
	}
	f := tlsconfig.DevFiles(filepath.Join(dir, "tls"), "referrals")
	base := func(c Config) (*Base, error) {
		b := &Base{Name: "referrals", Config: c, Log: logging.New("referrals", "error")}
		return b, b.loadTLS()
	}
	if _, err := base(Config{TLSCertFile: f.Cert, TLSKeyFile: f.Key}); err == nil || !strings.Contains(err.Error(), "TLS_CA_FILE") {
		t.Errorf("without the CA: %v", err)
	}
	if _, err := base(Config{TLSCertFile: f.Cert, TLSKeyFile: f.Key, TLSCAFile: f.CA, GRPCInsecure: true}); err == nil {
		t.Error("GRPC_INSECURE with the TLS files accepted")
	}
	if _, err := base(Config{TLSCertFile: f.Cert, TLSKeyFile: f.CA, TLSCAFile: f.CA}); err == nil {
		t.Error("a certificate as its own key accepted")
	}
	b, err := base(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.serverCredentials(); err == nil || !strings.Contains(err.Error(), "GRPC_INSECURE") {
		t.Errorf("serving without TLS or GRPC_INSECURE: %v", err)
	}
	if _, err := b.clientCredentials("beneficiaries"); err == nil {
		t.Error("calling without TLS or GRPC_INSECURE")
	}
	if b, err = base(Config{GRPCInsecure: true}); err != nil {
		t.Fatal(err)
	}
	if c, err := b.serverCredentials(); err != nil || c.Info().SecurityProtocol != "insecure" {
		t.Errorf("GRPC_INSECURE: %v %v", c, err)
	}
	if b, err = base(Config{TLSCertFile: f.Cert, TLSKeyFile: f.Key, TLSCAFile: f.CA}); err != nil {
		t.Fatal(err)
	}
	if c, err := b.clientCredentials("beneficiaries"); err != nil || c.Info().SecurityProtocol != "tls" {
		t.Errorf("mTLS: %v %v", c, err)
	}
}
