package tlsconfig_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
)

// server runs a gRPC health server with mTLS from files, recording the
// client identity of each call.
type server struct {
	addr string
	mu   sync.Mutex
	ids  [][]string
}

func serve(t *testing.T, f tlsconfig.Files) *server {
	t.Helper()
	src, err := tlsconfig.Load(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{}
	srv := grpc.NewServer(grpc.Creds(src.Server()), grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		ids, _ := tlsconfig.Identity(ctx)
		s.mu.Lock()
		s.ids = append(s.ids, ids)
		s.mu.Unlock()
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	s.addr = lis.Addr().String()
	return s
}

func (s *server) lastIdentity() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) == 0 {
		return nil
	}
	return s.ids[len(s.ids)-1]
}

// call makes one health check over a new connection and returns the
// server certificate it saw.
func call(t *testing.T, addr string, creds credentials.TransportCredentials) (*x509.Certificate, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var p peer.Peer
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p)); err != nil {
		return nil, err
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		t.Fatalf("no TLS: %T", p.AuthInfo)
	}
	return info.State.PeerCertificates[0], nil
}

func client(t *testing.T, f tlsconfig.Files, process string) credentials.TransportCredentials {
	t.Helper()
	src, err := tlsconfig.Load(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src.Client(process)
}

// unchecked returns client credentials from f as they are: Load refuses a
// certificate that does not chain to the CA file, which a stranger's
// client does not care about.
func unchecked(t *testing.T, f tlsconfig.Files, process string) credentials.TransportCredentials {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(raw)
	return credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: process, MinVersion: tls.VersionTLS13})
}

// A process's own files that cannot work are refused when loaded, naming
// the file: another process's certificate, one of another CA, an expired
// one. A renewal that cannot work is not taken: the previous certificate
// stays in use.
func TestLoadRefusesCertificatesThatCannotWork(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "beneficiaries", "edge"); err != nil {
		t.Fatal(err)
	}
	if err := tlsconfig.WriteDevPKI(other, "beneficiaries"); err != nil {
		t.Fatal(err)
	}
	swapped := tlsconfig.DevFiles(dir, "edge")
	swapped.Process = "beneficiaries"
	stranger := tlsconfig.DevFiles(other, "beneficiaries")
	stranger.CA = filepath.Join(dir, "ca.pem")
	for name, c := range map[string]struct {
		f    tlsconfig.Files
		want string
	}{
		"another process's certificate": {swapped, `is not "beneficiaries"'s certificate`},
		"a certificate of another CA":   {stranger, "does not chain to a CA of TLS_CA_FILE"},
	} {
		if _, err := tlsconfig.Load(c.f, nil); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.f.Cert) {
			t.Errorf("%s: %v; want %q naming %s", name, err, c.want, c.f.Cert)
		}
	}

	src, err := tlsconfig.Load(tlsconfig.DevFiles(dir, "beneficiaries"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ben := serve(t, tlsconfig.DevFiles(dir, "beneficiaries"))
	first, err := call(t, ben.addr, src.Client("beneficiaries"))
	if err != nil {
		t.Fatal(err)
	}
	// The edge's certificate put in beneficiaries' files: not taken.
	for _, ext := range []string{".pem", ".key"} {
		raw, err := os.ReadFile(filepath.Join(dir, "edge"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "beneficiaries"+ext), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // files are looked at once a second
	later, err := call(t, ben.addr, src.Client("beneficiaries"))
	if err != nil {
		t.Fatalf("after another process's certificate was put in its files: %v", err)
	}
	if later.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatalf("the server took another process's certificate: %v", later.DNSNames)
	}
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "beneficiaries", "edge", "referrals"); err != nil {
		t.Fatal(err)
	}
	ben := serve(t, tlsconfig.DevFiles(dir, "beneficiaries"))

	// The edge calls beneficiaries: both sides verified, the server knows
	// the caller.
	cert, err := call(t, ben.addr, client(t, tlsconfig.DevFiles(dir, "edge"), "beneficiaries"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cert.DNSNames, "beneficiaries") || !slices.Contains(ben.lastIdentity(), "edge") {
		t.Fatalf("server %v, client identity %v", cert.DNSNames, ben.lastIdentity())
	}

	// A stranger's CA (same process names), plaintext, no client
	// certificate, or a server that is not the process meant: refused.
	other := t.TempDir()
	if err := tlsconfig.WriteDevPKI(other, "edge", "beneficiaries"); err != nil {
		t.Fatal(err)
	}
	strangerClient := tlsconfig.DevFiles(other, "edge")
	mixed := tlsconfig.Files{Cert: strangerClient.Cert, Key: strangerClient.Key, CA: filepath.Join(dir, "ca.pem")}
	pool := x509.NewCertPool()
	raw, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	pool.AppendCertsFromPEM(raw)
	for name, creds := range map[string]credentials.TransportCredentials{
		"client certificate from another CA": unchecked(t, mixed, "beneficiaries"),
		"server from another CA":             client(t, tlsconfig.DevFiles(other, "edge"), "beneficiaries"),
		"plaintext":                          insecure.NewCredentials(),
		"no client certificate":              credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "beneficiaries", MinVersion: tls.VersionTLS13}),
		"expecting referrals":                client(t, tlsconfig.DevFiles(dir, "edge"), "referrals"),
	} {
		if _, err := call(t, ben.addr, creds); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestReloadWithoutRestart: new files are used at the next handshake,
// without restarting the server: a renewed certificate is presented, and a
// replaced CA stops accepting clients of the old one.
func TestReloadWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "beneficiaries", "edge"); err != nil {
		t.Fatal(err)
	}
	ben := serve(t, tlsconfig.DevFiles(dir, "beneficiaries"))
	edge := client(t, tlsconfig.DevFiles(dir, "edge"), "beneficiaries")
	before, err := call(t, ben.addr, edge)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the edge's first certificate, from the first CA.
	oldClient := t.TempDir()
	for _, f := range []string{"edge.pem", "edge.key"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(oldClient, f), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Renewal from the same CA (what cert-manager does before expiry).
	ca := newCAIn(t, dir) // replaces ca.pem: both keep trusting each other below
	if err := ca.WriteIssued(dir, "beneficiaries", 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteIssued(dir, "edge", 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	after := waitFor(t, func() (*x509.Certificate, error) { return call(t, ben.addr, edge) }, func(c *x509.Certificate) bool {
		return c.SerialNumber.Cmp(before.SerialNumber) != 0
	})
	if time.Until(after.NotAfter) > 49*time.Hour {
		t.Fatalf("the renewed certificate was not presented: expires %v", after.NotAfter)
	}

	// The server's CA was replaced: a client certificate of the first CA
	// is refused from then on.
	stale := tlsconfig.Files{Cert: filepath.Join(oldClient, "edge.pem"), Key: filepath.Join(oldClient, "edge.key"), CA: filepath.Join(dir, "ca.pem")}
	if _, err := call(t, ben.addr, unchecked(t, stale, "beneficiaries")); err == nil {
		t.Fatal("a certificate of the replaced CA accepted")
	}
}

// newCAIn makes a new CA and writes its certificate as dir/ca.pem.
func newCAIn(t *testing.T, dir string) *tlsconfig.CA {
	t.Helper()
	ca, err := tlsconfig.NewCA("renewal CA")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem.tmp"), ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "ca.pem.tmp"), filepath.Join(dir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	return ca
}

// waitFor retries f until ok holds (files are looked at once a second).
func waitFor(t *testing.T, f func() (*x509.Certificate, error), ok func(*x509.Certificate) bool) *x509.Certificate {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := f()
		if err == nil && ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reloaded: %v %v", c, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
