package platform

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/tlsconfig"
)

// TLS files that cannot work between the processes are refused at start,
// by variable: another process's certificate (its peers would refuse every
// call, each side naming the other), one that does not chain to
// TLS_CA_FILE, or one that has expired. Before, the process started, and
// every call to and from it failed.
func TestStartRefusesCertificatesThatCannotWork(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "probe", "edge"); err != nil {
		t.Fatal(err)
	}
	if err := tlsconfig.WriteDevPKI(other, "probe"); err != nil {
		t.Fatal(err)
	}
	expired := t.TempDir()
	ca, err := tlsconfig.NewCA("expired test CA")
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteIssued(expired, "probe", -time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(expired, "ca.pem"), ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	keyring, err := auth.GenerateKeyring("probe")
	if err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewDatabase(t)
	start := func(f tlsconfig.Files) error {
		cfg := Config{DatabaseURL: dbURL, DBMaxConns: 2, PrincipalTTL: auth.MaxTTL, Keyring: keyring,
			TLSCertFile: f.Cert, TLSKeyFile: f.Key, TLSCAFile: f.CA,
			LogLevel: "error", ShutdownTimeout: time.Second, StartupTimeout: 20 * time.Second}
		b, err := Start(context.Background(), "probe", cfg, oneTable, cfg)
		if err == nil {
			_ = b.Close(context.Background())
		}
		return err
	}
	if err := start(tlsconfig.DevFiles(dir, "probe")); err != nil {
		t.Fatalf("its own certificate: %v", err)
	}
	edge := tlsconfig.DevFiles(dir, "edge")
	stranger := tlsconfig.DevFiles(other, "probe")
	for name, c := range map[string]struct {
		files tlsconfig.Files
		says  []string
	}{
		"another process's certificate": {edge, []string{"TLS_CERT_FILE", edge.Cert, `"probe"`}},
		"a certificate of another CA":   {tlsconfig.Files{Cert: stranger.Cert, Key: stranger.Key, CA: filepath.Join(dir, "ca.pem")}, []string{"TLS_CERT_FILE", "TLS_CA_FILE"}},
		"an expired certificate":        {tlsconfig.DevFiles(expired, "probe"), []string{"TLS_CERT_FILE", "expired"}},
	} {
		err := start(c.files)
		t.Logf("%s: %v", name, err)
		for _, s := range c.says {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %v; want a refusal saying %q", name, err, s)
			}
		}
	}
}
