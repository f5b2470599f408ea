package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Keyring holds the private key a process signs its principals with and
// the public keys of the processes whose principals it accepts.
//
// On disk (PRINCIPAL_KEY_FILE, PRINCIPAL_PUBLIC_KEYS_DIR) the private key
// is a PEM "PRIVATE KEY" (PKCS #8, Ed25519) and the public keys are files
// named after their process: <process>.pem, or <process>.<anything>.pem
// for a second key of a process during a rotation, each holding a PEM
// "PUBLIC KEY" (PKIX) or a "CERTIFICATE" whose key is Ed25519. A process
// reads them at start; to rotate a process's key, add its new public key
// everywhere, then give it the new private key (and restart it), then
// remove the old public key.
type Keyring struct {
	mu      sync.RWMutex
	private map[string]ed25519.PrivateKey
	public  map[string][]ed25519.PublicKey
	gen     uint64 // counts Loads: verifications cached under another are void
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring {
	return &Keyring{private: map[string]ed25519.PrivateKey{}, public: map[string][]ed25519.PublicKey{}}
}

// GenerateKeyring makes a key pair for each process, every public key known
// to all (tests and development).
func GenerateKeyring(processes ...string) (*Keyring, error) {
	k := NewKeyring()
	for _, p := range processes {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		k.private[p] = priv
		k.public[p] = []ed25519.PublicKey{pub}
	}
	return k, nil
}

// Issuer returns the issuer of process, whose private key the keyring must
// hold; its principals live for ttl (at most MaxTTL).
func (k *Keyring) Issuer(process string, ttl time.Duration) (*Issuer, error) {
	if ttl <= 0 || ttl > MaxTTL {
		return nil, fmt.Errorf("PRINCIPAL_TTL must be between 1s and %s, got %s", MaxTTL, ttl)
	}
	if _, ok := k.privateKey(process); !ok {
		return nil, fmt.Errorf("auth: no private key for %s", process)
	}
	return &Issuer{name: process, keys: k, ttl: ttl, now: time.Now}, nil
}

// Verifier returns the verifier of the principals issued for process,
// which accepts lifetimes up to ttl (plus Leeway).
func (k *Keyring) Verifier(process string, ttl time.Duration) *Verifier {
	return &Verifier{self: process, keys: k, ttl: min(ttl, MaxTTL), now: time.Now, seen: map[string]seen{}}
}

// Processes lists the processes whose public keys the keyring holds.
func (k *Keyring) Processes() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []string
	for p := range k.public {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (k *Keyring) privateKey(process string) (ed25519.PrivateKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.private[process]
	return key, ok
}

func (k *Keyring) generation() uint64 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.gen
}

func (k *Keyring) verify(process string, msg, sig []byte) bool {
	k.mu.RLock()
	keys := k.public[process]
	k.mu.RUnlock()
	for _, pub := range keys {
		if ed25519.Verify(pub, msg, sig) {
			return true
		}
	}
	return false
}

// Load reads process's private key from privateFile (none when "") and the
// public keys in publicDir, replacing what the keyring held. On an error
// the keyring is unchanged.
func (k *Keyring) Load(process, privateFile, publicDir string) error {
	private := map[string]ed25519.PrivateKey{}
	if privateFile != "" {
		raw, err := os.ReadFile(filepath.Clean(privateFile))
		if err != nil {
			return fmt.Errorf("PRINCIPAL_KEY_FILE: %w", err)
		}
		key, err := ParsePrivateKey(raw)
		if err != nil {
			return fmt.Errorf("PRINCIPAL_KEY_FILE %s: %w", privateFile, err)
		}
		private[process] = key
	}
	public := map[string][]ed25519.PublicKey{}
	if publicDir != "" {
		dir, err := os.OpenRoot(publicDir)
		if err != nil {
			return fmt.Errorf("PRINCIPAL_PUBLIC_KEYS_DIR: %w", err)
		}
		defer func() { _ = dir.Close() }()
		files, err := fs.Glob(dir.FS(), "*.pem")
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("PRINCIPAL_PUBLIC_KEYS_DIR %s holds no <process>.pem", publicDir)
		}
		for _, f := range files {
			name, _, _ := strings.Cut(f, ".")
			raw, err := dir.ReadFile(f)
			if err != nil {
				return err
			}
			keys, err := ParsePublicKeys(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", filepath.Join(publicDir, f), err)
			}
			public[name] = append(public[name], keys...)
		}
	}
	// The process's own public key, when the directory holds it, is the
	// one its peers verify its principals with: a private key that does
	// not match (given before its public key was handed out, in a
	// rotation done the wrong way round) would have every call it makes
	// refused.
	if key, ok := private[process]; ok && len(public[process]) > 0 {
		pub, _ := key.Public().(ed25519.PublicKey)
		if !slices.ContainsFunc(public[process], func(p ed25519.PublicKey) bool { return p.Equal(pub) }) {
			return fmt.Errorf("PRINCIPAL_KEY_FILE %s is not the key of any %s.pem in PRINCIPAL_PUBLIC_KEYS_DIR %s: every other process would refuse the principals %s signs; put its public key there (and in every process's directory) first",
				privateFile, process, publicDir, process)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.private, k.public = private, public
	k.gen++
	return nil
}

// ParsePrivateKey reads a PEM "PRIVATE KEY" (PKCS #8) holding an Ed25519 key.
func ParsePrivateKey(raw []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PRIVATE KEY (PKCS #8)")
	}
	key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	ed, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T key, not Ed25519", key)
	}
	return ed, nil
}

// ParsePublicKeys reads the PEM "PUBLIC KEY" and "CERTIFICATE" blocks of
// raw; each must hold an Ed25519 key.
func ParsePublicKeys(raw []byte) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		var key any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				key = c.PublicKey
			}
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		ed, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T key, not Ed25519", key)
		}
		out = append(out, ed)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM PUBLIC KEY or CERTIFICATE")
	}
	return out, nil
}

// WriteFiles writes the keyring as files for processes started from it:
// dir/<process>.key (private, mode 0600) and dir/public/<process>.pem.
// It returns the public keys' directory.
func (k *Keyring) WriteFiles(dir string) (string, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	pubDir := filepath.Join(dir, "public")
	if err := os.MkdirAll(pubDir, 0o750); err != nil {
		return "", err
	}
	for p, key := range k.private {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, p+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return "", err
		}
	}
	for p, keys := range k.public {
		var out []byte
		for _, key := range keys {
			der, err := x509.MarshalPKIXPublicKey(key)
			if err != nil {
				return "", err
			}
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
		}
		if err := os.WriteFile(filepath.Join(pubDir, p+".pem"), out, 0o600); err != nil {
			return "", err
		}
	}
	return pubDir, nil
}

// For returns a copy of the keyring holding only process's private key
// (what that process itself gets) and every public key.
func (k *Keyring) For(process string) *Keyring {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := NewKeyring()
	if key, ok := k.private[process]; ok {
		out.private[process] = key
	}
	for p, keys := range k.public {
		out.public[p] = slices.Clone(keys)
	}
	return out
}
