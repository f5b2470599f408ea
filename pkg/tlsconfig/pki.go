package tlsconfig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// A small private CA for development, tests and single-host installations
// (make run, the test harness, Compose): Kubernetes installations use
// cert-manager instead (deploy/k8s).
//
//	dir/ca.pem, dir/ca.key              the CA (ECDSA P-256, 10 years)
//	dir/<process>.pem, dir/<process>.key  each process's certificate (1 year),
//	                                    for server and client use, naming the
//	                                    process, localhost and the loopback
//	                                    addresses

// CA is a certificate authority that can issue process certificates.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// NewCA makes a CA.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// PEM is the CA's certificate.
func (ca *CA) PEM() []byte { return ca.pem }

// Issue returns a certificate and key (PEM) for process, valid for
// validity, for server and client authentication, naming process, the
// extra DNS names, localhost and the loopback addresses.
func (ca *CA) Issue(process string, validity time.Duration, dnsNames ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: process},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     append([]string{process, "localhost"}, dnsNames...),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n
}

// WriteIssued writes process's certificate and key as dir/<process>.pem and
// dir/<process>.key (mode 0600), each replaced in one rename so a process
// reading them never sees half a file.
func (ca *CA) WriteIssued(dir, process string, validity time.Duration) error {
	certPEM, keyPEM, err := ca.Issue(process, validity)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, process+".key"), keyPEM); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, process+".pem"), certPEM)
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// DevFiles are the files of process in a directory WriteDevPKI made.
func DevFiles(dir, process string) Files {
	return Files{Cert: filepath.Join(dir, process+".pem"), Key: filepath.Join(dir, process+".key"), CA: filepath.Join(dir, "ca.pem"), Process: process}
}

// WriteDevPKI makes, in dir, a CA and a certificate for each process,
// unless they are all there (and the certificates valid for another 30
// days): then nothing changes.
func WriteDevPKI(dir string, processes ...string) error {
	if complete(dir, processes) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := NewCA("Spona development CA")
	if err != nil {
		return err
	}
	for _, p := range processes {
		if err := ca.WriteIssued(dir, p, 365*24*time.Hour); err != nil {
			return err
		}
	}
	// The CA last: a directory without it is incomplete, whatever else is
	// there. Its key is not kept: nothing more is issued from it.
	return writeAtomic(filepath.Join(dir, "ca.pem"), ca.PEM())
}

func complete(dir string, processes []string) bool {
	raw, err := os.ReadFile(filepath.Clean(filepath.Join(dir, "ca.pem")))
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return false
	}
	for _, p := range processes {
		f := DevFiles(dir, p)
		pair, err := loadLeaf(f)
		if err != nil {
			return false
		}
		if _, err := pair.Verify(x509.VerifyOptions{Roots: pool, DNSName: p, CurrentTime: time.Now().AddDate(0, 0, 30),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return false
		}
	}
	return true
}

func loadLeaf(f Files) (*x509.Certificate, error) {
	raw, err := os.ReadFile(filepath.Clean(f.Cert))
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, errors.New("no PEM certificate")
	}
	if _, err := os.Stat(f.Key); err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	return x509.ParseCertificate(b.Bytes)
}
