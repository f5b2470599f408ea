// Package tlsconfig secures the gRPC connections between Spona's processes
// with mutual TLS: every process presents its own certificate (TLS_CERT_FILE,
// TLS_KEY_FILE) and accepts only peers whose certificates chain to the
// installation's CA (TLS_CA_FILE). A client checks that the server's
// certificate names the process it means to call (its DNS name is the
// process name: "beneficiaries", ...); a server knows which process called
// from the client certificate's DNS names (see Identity).
//
// The files are read again when they change (cert-manager renewing a
// Secret, an operator replacing them), at most once per second and at the
// next handshake: no restart. Connections already open keep the
// certificate they were made with. A certificate that cannot work between
// the processes (not naming the process, not chaining to the CA, expired)
// is refused at start, and a renewal like that is not taken.
package tlsconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spona/spona/pkg/filewatch"
	"github.com/spona/spona/pkg/logging"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// Files names the PEM files of a process's mTLS settings.
type Files struct {
	Cert string // the process's certificate (chain), TLS_CERT_FILE
	Key  string // its private key, TLS_KEY_FILE
	CA   string // the CA certificate(s) peers must chain to, TLS_CA_FILE
	// Process is the process the certificate is for, which must be among
	// its DNS names (peers verify each other by that name); "" checks no
	// name.
	Process string
}

// Source holds a process's current certificate and trusted CAs, read from
// Files and read again when they change.
type Source struct {
	files Files
	log   *slog.Logger
	watch *filewatch.Watch

	mu   sync.RWMutex
	cert *tls.Certificate
	pool *x509.CertPool
}

// reloadEvery bounds how often the files are looked at.
const reloadEvery = time.Second

// Load reads f; log (may be nil) hears of reloads and failed reloads.
func Load(f Files, log *slog.Logger) (*Source, error) {
	if f.Cert == "" || f.Key == "" || f.CA == "" {
		return nil, errors.New("tlsconfig: a certificate, its key and the CA are all needed")
	}
	s := &Source{files: f, log: log}
	if err := s.read(); err != nil {
		return nil, err
	}
	s.watch = filewatch.New(reloadEvery, s.reload, f.Cert, f.Key, f.CA)
	return s, nil
}

func (s *Source) read() error {
	cert, err := tls.LoadX509KeyPair(s.files.Cert, s.files.Key)
	if err != nil {
		return fmt.Errorf("TLS_CERT_FILE/TLS_KEY_FILE: %w", err)
	}
	raw, err := os.ReadFile(filepath.Clean(s.files.CA))
	if err != nil {
		return fmt.Errorf("TLS_CA_FILE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return fmt.Errorf("TLS_CA_FILE %s: no PEM certificate", s.files.CA)
	}
	if err := usable(&cert, pool, s.files); err != nil {
		return err
	}
	s.mu.Lock()
	s.cert, s.pool = &cert, pool
	s.mu.Unlock()
	return nil
}

// usable checks that cert can work between the processes: it chains to
// the CA pool (every peer would refuse it otherwise), is valid now and
// names the process (peers verify each other by that name). A process
// given another's certificate, or one of another CA, is refused at start
// naming the file, instead of failing every call; a renewal that cannot
// work is not taken (the previous certificate stays).
func usable(cert *tls.Certificate, pool *x509.CertPool, f Files) error {
	leaf := cert.Leaf
	if leaf == nil {
		return fmt.Errorf("TLS_CERT_FILE %s: no certificate", f.Cert)
	}
	inter := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(c)
		}
	}
	opts := x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := leaf.Verify(opts); err != nil {
		var inval x509.CertificateInvalidError
		if errors.As(err, &inval) && inval.Reason == x509.Expired {
			return fmt.Errorf("TLS_CERT_FILE %s: the certificate has expired or is not yet valid (valid %s to %s)", f.Cert,
				leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
		}
		return fmt.Errorf("TLS_CERT_FILE %s does not chain to a CA of TLS_CA_FILE %s: %w", f.Cert, f.CA, err)
	}
	if f.Process != "" {
		if err := leaf.VerifyHostname(f.Process); err != nil {
			return fmt.Errorf("TLS_CERT_FILE %s is not %q's certificate: its DNS names are %q, and the other processes verify it by the name %q",
				f.Cert, f.Process, leaf.DNSNames, f.Process)
		}
	}
	return nil
}

func (s *Source) reload() error {
	err := s.read()
	if s.log != nil {
		if err != nil {
			s.log.Warn("TLS files changed but cannot be read; keeping the previous certificate", logging.Err(err))
		} else {
			s.log.Info("TLS certificate reloaded", slog.String("expires", s.Expiry().UTC().Format(time.RFC3339)))
		}
	}
	return err
}

// current returns the certificate and CA pool to use now, after reading
// the files again if they changed.
func (s *Source) current() (*tls.Certificate, *x509.CertPool) {
	_ = s.watch.Check() // a failure keeps the previous files (logged)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cert, s.pool
}

// Expiry is when the current certificate expires.
func (s *Source) Expiry() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cert == nil || s.cert.Leaf == nil {
		return time.Time{}
	}
	return s.cert.Leaf.NotAfter
}

func (s *Source) serverConfig() *tls.Config {
	cert, pool := s.current()
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{*cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}
}

func (s *Source) clientConfig(serverName string) *tls.Config {
	cert, pool := s.current()
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{*cert},
		RootCAs:      pool,
		ServerName:   serverName,
	}
}

// Server returns the gRPC server credentials: TLS 1.3, a client
// certificate chaining to the CA required.
func (s *Source) Server() credentials.TransportCredentials {
	return &creds{src: s, server: true}
}

// Client returns the gRPC client credentials for calling process: the
// server's certificate must chain to the CA and name process (a DNS name),
// whatever address it was reached at.
func (s *Source) Client(process string) credentials.TransportCredentials {
	return &creds{src: s, serverName: process}
}

// creds builds gRPC's TLS credentials from the current files for each
// handshake.
type creds struct {
	src        *Source
	server     bool
	serverName string
}

func (c *creds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	// gRPC's TLS takes the name to verify from the authority it is
	// given: the called process, not the address it was reached at.
	if c.serverName != "" {
		authority = c.serverName
	}
	return credentials.NewTLS(c.src.clientConfig(c.serverName)).ClientHandshake(ctx, authority, raw)
}

func (c *creds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return credentials.NewTLS(c.src.serverConfig()).ServerHandshake(raw)
}

func (c *creds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "tls"}
}

func (c *creds) Clone() credentials.TransportCredentials {
	cp := *c
	return &cp
}

// OverrideServerName is gRPC's deprecated hook; the server name is the
// called process.
func (c *creds) OverrideServerName(name string) error {
	c.serverName = name
	return nil
}

// Identity returns the DNS names of the verified client certificate of the
// call in ctx (a process's certificate names the process), and false when
// the call did not come over mTLS.
func Identity(ctx context.Context) ([]string, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return nil, false
	}
	return info.State.VerifiedChains[0][0].DNSNames, true
}
